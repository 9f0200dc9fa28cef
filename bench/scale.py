#!/usr/bin/python3
"""Fjord at scale: start-up, restart and memory (issue 7's targets that compare.sh does not cover).

Runs one broker at a time, each in a fresh data directory under WORK_DIR, and prints a Markdown
report (also written to RESULTS_DIR/scale-<date>.md):

  start-up   time from exec to the port file on an empty data directory (STARTS runs), idle RSS
  partitions a topic of PARTITIONS partitions: create time, RSS, stop time, restart time after
             SIGTERM and after SIGKILL, RSS after the restart
  data       DATA_GB of 1 KiB records in DATA_PARTITIONS partitions (acks=1), then the restart
             time after SIGTERM, after SIGKILL, and after SIGTERM with the page cache dropped
             (when /proc/sys/vm/drop_caches is writable)
  replay     REPLAY_GB of 1 KiB records in one partition, sent one per batch (fjord-loadgen
             latency at 60,000/s, linger 0), then the restart time after SIGKILL, warm and with the
             page cache dropped: the producer state is replayed from the newest snapshot, taken
             every 64 MiB, not from the start of the 1 GiB segment
  rss        DURATION seconds of steady load (fjord-loadgen latency at RATE records/s, which
             produces and consumes), RSS sampled every 5 s; the topic's retention keeps the disk
             bounded, so the broker also deletes segments while it runs

Environment (all optional): BUILD_DIR (default build/release), WORK_DIR (default a new temporary
directory, removed at the end), RESULTS_DIR (default bench/results), PARTS (default
"startup partitions data replay rss"), STARTS=5, PARTITIONS=10000, DATA_GB=10,
DATA_PARTITIONS=10, REPLAY_GB=1, DURATION=600, RATE=10000.
"""

import datetime
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD_DIR", os.path.join(REPO, "build", "release"))
FJORD = os.path.join(BUILD, "fjord")
LOADGEN = os.path.join(BUILD, "bench", "fjord-loadgen")
RESULTS_DIR = os.environ.get("RESULTS_DIR", os.path.join(REPO, "bench", "results"))
PARTS = os.environ.get("PARTS", "startup partitions data replay rss").split()
STARTS = int(os.environ.get("STARTS", "5"))
PARTITIONS = int(os.environ.get("PARTITIONS", "10000"))
DATA_GB = float(os.environ.get("DATA_GB", "10"))
DATA_PARTITIONS = int(os.environ.get("DATA_PARTITIONS", "10"))
REPLAY_GB = float(os.environ.get("REPLAY_GB", "1"))
DURATION = int(os.environ.get("DURATION", "600"))
RATE = int(os.environ.get("RATE", "10000"))


def log(msg):
    print(f"scale.py: {msg}", file=sys.stderr, flush=True)


class Broker:
    """One `fjord serve` on a free loopback port, over a data directory that outlives it."""

    def __init__(self, data_dir, settings=()):
        self.data_dir = data_dir
        self.settings = [arg for s in settings for arg in ("--set", s)]
        self.proc = None
        self.port = None

    def start(self):
        """Starts the broker; returns the seconds from exec until the port file appears."""
        port_file = os.path.join(os.path.dirname(self.data_dir), "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        log_file = open(os.path.join(os.path.dirname(self.data_dir), "broker.log"), "ab")
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [FJORD, "serve", "--listen", "127.0.0.1:0", "--http", "off", "--data-dir",
             self.data_dir, "--port-file", port_file, "--log-level", "warn", *self.settings],
            stdout=subprocess.DEVNULL, stderr=log_file)
        log_file.close()
        while True:
            if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
                elapsed = time.monotonic() - started
                with open(port_file) as f:
                    self.port = int(f.read().strip())
                return elapsed
            if self.proc.poll() is not None:
                raise RuntimeError(f"the broker exited at start-up ({self.proc.returncode})")
            if time.monotonic() - started > 300:
                raise RuntimeError("no port file after 300 s")
            time.sleep(0.001)

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self, sig=signal.SIGTERM):
        """Stops the broker; returns the seconds until it exited."""
        started = time.monotonic()
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=600)
        if sig == signal.SIGTERM and code != 0:
            raise RuntimeError(f"the broker exited with {code} on SIGTERM")
        return time.monotonic() - started


def run(*args, timeout=3600):
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def create_topic(broker, name, partitions, *configs):
    flags = []
    for c in configs:
        flags += ["--config", c]
    run(FJORD, "topic", "create", name, "--partitions", str(partitions), "--brokers",
        broker.address, *flags)


def drop_page_cache():
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def du_gib(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            total += os.path.getsize(os.path.join(root, name))
    return total / (1 << 30)


def ms(seconds):
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def startup(work, rows):
    times = []
    rss = []
    for i in range(STARTS):
        broker = Broker(os.path.join(work, f"startup-{i}", "data"))
        os.makedirs(os.path.dirname(broker.data_dir))
        times.append(broker.start())
        time.sleep(1)
        rss.append(broker.rss_mib())
        broker.stop()
    rows.append(("start-up on an empty data directory, to serving",
                 f"{ms(min(times))} / {ms(statistics.median(times))} / {ms(max(times))} "
                 f"(min / median / max of {STARTS})"))
    rows.append(("idle RSS", f"{statistics.median(rss):.1f} MiB"))


def partitions(work, rows):
    broker = Broker(os.path.join(work, "partitions", "data"))
    os.makedirs(os.path.dirname(broker.data_dir))
    broker.start()
    started = time.monotonic()
    create_topic(broker, "idle", PARTITIONS)
    created = time.monotonic() - started
    time.sleep(5)
    rows.append((f"create a topic of {PARTITIONS} partitions", ms(created)))
    rows.append((f"RSS with {PARTITIONS} idle partitions", f"{broker.rss_mib():.1f} MiB"))
    rows.append((f"stop (SIGTERM) with {PARTITIONS} partitions", ms(broker.stop())))
    rows.append((f"restart with {PARTITIONS} partitions after SIGTERM", ms(broker.start())))
    time.sleep(5)
    rows.append((f"RSS after that restart", f"{broker.rss_mib():.1f} MiB"))
    broker.stop(signal.SIGKILL)
    rows.append((f"restart with {PARTITIONS} partitions after SIGKILL", ms(broker.start())))
    broker.stop()


def data(work, rows):
    broker = Broker(os.path.join(work, "data", "data"))
    os.makedirs(os.path.dirname(broker.data_dir))
    broker.start()
    messages = int(DATA_GB * (1 << 30) / 1024)
    create_topic(broker, "bulk", DATA_PARTITIONS)
    log(f"producing {messages} records of 1 KiB")
    started = time.monotonic()
    run(LOADGEN, "produce", "--brokers", broker.address, "--topic", "bulk", "--messages",
        str(messages), "--size", "1024", "--acks", "1")
    produced = time.monotonic() - started
    size = du_gib(broker.data_dir)
    rows.append((f"produce {size:.1f} GiB into {DATA_PARTITIONS} partitions (acks=1)",
                 ms(produced)))
    # First a crash right after the load: no close snapshot, so the producer state is replayed
    # from the last segment roll, and nothing is known to be fsynced.
    broker.stop(signal.SIGKILL)
    rows.append((f"restart on {size:.1f} GiB after SIGKILL right after the produce",
                 ms(broker.start())))
    broker.stop()
    rows.append((f"restart on {size:.1f} GiB after SIGTERM", ms(broker.start())))
    time.sleep(1)
    rows.append(("RSS after that restart", f"{broker.rss_mib():.1f} MiB"))
    broker.stop(signal.SIGKILL)
    rows.append((f"restart on {size:.1f} GiB after SIGKILL", ms(broker.start())))
    broker.stop()
    if drop_page_cache():
        rows.append((f"restart on {size:.1f} GiB after SIGTERM, page cache dropped",
                     ms(broker.start())))
        broker.stop(signal.SIGKILL)
        drop_page_cache()
        rows.append((f"restart on {size:.1f} GiB after SIGKILL, page cache dropped",
                     ms(broker.start())))
        broker.stop()
    else:
        rows.append(("restart with the page cache dropped", "not measured (drop_caches not "
                     "writable)"))
    shutil.rmtree(os.path.dirname(broker.data_dir))


def replay(work, rows):
    broker = Broker(os.path.join(work, "replay", "data"))
    os.makedirs(os.path.dirname(broker.data_dir))
    broker.start()
    messages = int(REPLAY_GB * (1 << 30) / 1024)
    create_topic(broker, "small", 1)
    log(f"producing {messages} records of 1 KiB, one per batch")
    run(LOADGEN, "latency", "--brokers", broker.address, "--topic", "small", "--messages",
        str(messages), "--size", "1024", "--rate", "60000", "--acks", "1", "--linger-ms", "0")
    size = du_gib(broker.data_dir)
    broker.stop(signal.SIGKILL)
    what = f"restart after SIGKILL on {size:.1f} GiB of one-record batches in one segment"
    rows.append((what, ms(broker.start())))
    broker.stop(signal.SIGKILL)
    if drop_page_cache():
        rows.append(("the same, page cache dropped", ms(broker.start())))
        broker.stop(signal.SIGKILL)
    shutil.rmtree(os.path.dirname(broker.data_dir))


def rss(work, rows):
    # Retention checks every 10 s (Kafka's default is 5 minutes), so the data kept, and with it
    # the in-memory indexes (about 5 MB per GB), stays near retention.bytes during the run.
    broker = Broker(os.path.join(work, "rss", "data"), ["log.retention.check.interval.ms=10000"])
    os.makedirs(os.path.dirname(broker.data_dir))
    broker.start()
    create_topic(broker, "steady", 3, "segment.bytes=67108864", "retention.bytes=268435456")
    log(f"{DURATION} s of load at {RATE} records/s")
    load = subprocess.Popen(
        [LOADGEN, "latency", "--brokers", broker.address, "--topic", "steady", "--rate",
         str(RATE), "--messages", str(RATE * DURATION), "--size", "1024"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    samples = []
    started = time.monotonic()
    while load.poll() is None:
        samples.append((time.monotonic() - started, broker.rss_mib()))
        time.sleep(5)
    output = load.stdout.read()
    if load.returncode != 0:
        raise RuntimeError(f"fjord-loadgen latency failed:\n{output}")
    broker.stop()
    after_warmup = [r for t, r in samples if t >= 60]
    if not after_warmup:
        after_warmup = [r for _, r in samples]
    first_minute = [r for t, r in samples if 60 <= t < 120] or after_warmup[:1]
    last_minute = [r for t, r in samples if t >= samples[-1][0] - 60]
    rows.append((f"RSS under load ({DURATION} s at {RATE} records/s of 1 KiB, produce and "
                 "consume; retention checked every 10 s deletes segments)",
                 f"minute 2: {max(first_minute):.1f} MiB, last minute: {max(last_minute):.1f} MiB, "
                 f"max after the first minute: {max(after_warmup):.1f} MiB"))
    with open(os.path.join(work, "rss-samples.tsv"), "w") as f:
        for t, r in samples:
            f.write(f"{t:.0f}\t{r:.1f}\n")
    shutil.rmtree(os.path.dirname(broker.data_dir))


PART_RUNNERS = {"startup": startup, "partitions": partitions, "data": data, "replay": replay,
                "rss": rss}


def main():
    unknown = [p for p in PARTS if p not in PART_RUNNERS]
    if unknown:
        log(f"unknown PARTS {' '.join(unknown)}: choose from {' '.join(PART_RUNNERS)}")
        return 2
    for binary in (FJORD, LOADGEN):
        if not os.access(binary, os.X_OK):
            log(f"{binary} is missing: build it first (scripts/build.sh release)")
            return 1
    keep = "WORK_DIR" in os.environ
    work = os.environ.get("WORK_DIR") or tempfile.mkdtemp(prefix="fjord-scale.")
    os.makedirs(work, exist_ok=True)
    rows = []
    try:
        for part in PARTS:
            log(f"part: {part}")
            PART_RUNNERS[part](work, rows)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    lines = [f"# Fjord at scale, {now:%Y-%m-%d %H:%M} UTC, commit {commit}", "",
             f"Machine: {os.cpu_count()} cores, `uname -r` {os.uname().release}. "
             f"Command: `PARTS=\"{' '.join(PARTS)}\" bench/scale.py`.", "",
             "| measurement | result |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    report = "\n".join(lines) + "\n"
    print(report)
    os.makedirs(RESULTS_DIR, exist_ok=True)
    path = os.path.join(RESULTS_DIR, f"scale-{now:%Y-%m-%d-%H%M}.md")
    with open(path, "w") as f:
        f.write(report)
    log(f"wrote {os.path.relpath(path, REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
