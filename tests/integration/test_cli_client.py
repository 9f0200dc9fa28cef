"""The `fjord` command-line client as an operator uses it, end to end against a real broker.

Everything here goes THROUGH THE CLI (topic, produce, consume, group, config, cluster); other
clients are used only to double-check what the CLI did. Every run of the CLI is bounded by a
subprocess timeout on top of its own --timeout, so a hang fails the test instead of the run.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time

import pytest

from clients import unique_topic, wait_until
from conftest import FJORD_BIN

CLI_TIMEOUT_S = 10  # --timeout passed to every command


def fjord(broker, *args: str, input: str | None = None, timeout: float = 60.0,
          brokers: str | None = None, cli_timeout: float = CLI_TIMEOUT_S) -> subprocess.CompletedProcess:
    """Runs `fjord --brokers <broker> --timeout N <args...>` and returns the finished process."""
    target = brokers or broker.bootstrap
    cmd = [str(FJORD_BIN), "--brokers", target, "--timeout", str(cli_timeout), *args]
    try:
        return subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout,
                              stdin=None if input is not None else subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"{' '.join(cmd)} still running after {timeout}s\n"
                             f"stderr: {e.stderr}") from None


def ok(res: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert res.returncode == 0, (f"exit {res.returncode}: {' '.join(res.args)}\n"
                                 f"stdout: {res.stdout[-2000:]}\nstderr: {res.stderr[-2000:]}")
    return res


def fjord_json(broker, *args: str):
    return json.loads(ok(fjord(broker, *args, "--json")).stdout)


def describe_group(broker, group: str) -> dict:
    return fjord_json(broker, "group", "describe", group)


def total_lag(desc: dict) -> int:
    return sum(o["lag"] for o in desc["offsets"] if o["lag"] is not None)


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# The operator workflow


@pytest.mark.timeout_s(180)
def test_operator_workflow(broker):
    topic = unique_topic("cli")
    group = f"{topic}-group"

    # Create a 3-partition topic and see it.
    assert ok(fjord(broker, "topic", "create", topic, "--partitions", "3")).stdout.strip() \
        == f"created topic {topic}"
    listed = {t["name"]: t for t in fjord_json(broker, "topic", "list")}
    assert listed[topic]["partitions"] == 3
    assert topic in ok(fjord(broker, "topic", "list")).stdout

    desc = fjord_json(broker, "topic", "describe", topic)
    assert [p["partition"] for p in desc["partitions"]] == [0, 1, 2]
    assert len(desc["id"]) == 22 and f"id {desc['id']})" in broker.log_text()
    for p in desc["partitions"]:
        assert p["leader"] == 1 and p["replicas"] == [1] and p["isr"] == [1]
        assert (p["low_watermark"], p["high_watermark"]) == (0, 0)
    text = ok(fjord(broker, "topic", "describe", topic)).stdout
    assert "PARTITION" in text and "LEADER" in text and "HIGH" in text and desc["id"] in text

    # Produce keyed lines.
    lines = [f"key{i % 7}:value-{i}" for i in range(60)]
    res = ok(fjord(broker, "produce", topic, "--key-separator", ":", input="\n".join(lines) + "\n"))
    assert res.stdout == ""
    desc = fjord_json(broker, "topic", "describe", topic)
    assert sum(p["high_watermark"] for p in desc["partitions"]) == 60

    # Consume them from the beginning: every record once, a key always on the same partition,
    # each partition in produce order.
    out = ok(fjord(broker, "consume", topic, "--from-beginning", "--exit-at-end",
                   "--format", "%p %o %k %v\\n")).stdout.splitlines()
    assert len(out) == 60
    rows = [line.split(" ") for line in out]
    assert sorted(f"{k}:{v}" for _, _, k, v in rows) == sorted(lines)
    partition_of_key = {}
    for p, _, k, _ in rows:
        assert partition_of_key.setdefault(k, p) == p, f"key {k} on two partitions"
    for p in {r[0] for r in rows}:
        values = [int(v.split("-")[1]) for q, _, _, v in rows if q == p]
        assert values == sorted(values)

    # A group: part of the way, then to the end; its lag falls to 0.
    first = ok(fjord(broker, "consume", topic, "--group", group, "--from-beginning",
                     "--max-messages", "20")).stdout.splitlines()
    assert len(first) == 20
    desc = describe_group(broker, group)
    assert desc["state"] == "Empty" and desc["members"] == []
    # Exactly what was printed is committed; partitions it has not reached have no offset yet.
    assert sum(o["committed_offset"] for o in desc["offsets"]) == 20
    assert total_lag(desc) == sum(o["log_end_offset"] for o in desc["offsets"]) - 20 > 0
    # --from-beginning applies only where the group has no committed offset yet.
    rest = ok(fjord(broker, "consume", topic, "--group", group, "--from-beginning",
                    "--exit-at-end")).stdout.splitlines()
    assert sorted(first + rest) == sorted(line.split(":")[1] for line in lines)
    desc = describe_group(broker, group)
    assert total_lag(desc) == 0
    assert {(o["partition"], o["committed_offset"]) for o in desc["offsets"]} == \
        {(p["partition"], p["high_watermark"]) for p in fjord_json(broker, "topic", "describe", topic)["partitions"]}
    text = ok(fjord(broker, "group", "describe", group)).stdout
    assert "LAG" in text and "LOG-END-OFFSET" in text
    assert group in ok(fjord(broker, "group", "list")).stdout

    # Reset its offsets: a dry run changes nothing; --execute brings the lag back.
    plan = fjord_json(broker, "group", "reset-offsets", group, "--topic", topic, "--to-earliest")
    assert [p["new_offset"] for p in plan] == [0, 0, 0]
    assert total_lag(describe_group(broker, group)) == 0
    res = ok(fjord(broker, "group", "reset-offsets", group, "--topic", topic, "--to-earliest",
                   "--execute"))
    assert "NEW-OFFSET" in res.stdout
    assert total_lag(describe_group(broker, group)) == 60
    ok(fjord(broker, "group", "reset-offsets", group, "--topic", topic, "--to-offset", "3",
             "--execute"))
    desc = describe_group(broker, group)
    assert {o["committed_offset"] for o in desc["offsets"]} == {3}
    assert total_lag(desc) == 60 - 9
    again = ok(fjord(broker, "consume", topic, "--group", group, "--exit-at-end")).stdout.splitlines()
    assert len(again) == 51
    assert total_lag(describe_group(broker, group)) == 0

    # Add partitions.
    ok(fjord(broker, "topic", "add-partitions", topic, "--partitions", "5"))
    desc = fjord_json(broker, "topic", "describe", topic)
    assert [p["partition"] for p in desc["partitions"]] == [0, 1, 2, 3, 4]

    # Delete the group, then the topic.
    ok(fjord(broker, "group", "delete", group))
    assert group not in ok(fjord(broker, "group", "list")).stdout
    ok(fjord(broker, "topic", "delete", topic))
    res = fjord(broker, "topic", "describe", topic)
    assert res.returncode == 1 and "UNKNOWN_TOPIC_OR_PARTITION" in res.stderr
    assert topic not in ok(fjord(broker, "topic", "list")).stdout


# ---------------------------------------------------------------------------------------------
# A live group member


@pytest.mark.timeout_s(120)
def test_live_member_is_described_and_blocks_reset_until_ctrl_c(broker):
    topic = unique_topic("cli-live")
    group = f"{topic}-group"
    ok(fjord(broker, "topic", "create", topic, "--partitions", "2"))
    ok(fjord(broker, "produce", topic, input="a\nb\nc\nd\n"))
    cmd = [str(FJORD_BIN), "--brokers", broker.bootstrap, "consume", topic, "--group", group,
           "--from-beginning"]
    consumer = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    try:
        def stable_with_all_committed():
            d = describe_group(broker, group)
            owned = sorted(a["partition"] for m in d["members"] for a in m["assignment"])
            # An owned partition is listed before its first commit, with no lag: require a
            # commit at the log end of every partition that holds records.
            rows = d["offsets"]
            holding = [o for o in rows if o["log_end_offset"]]
            return d if (d["state"] == "Stable" and owned == [0, 1] and len(rows) == 2
                         and sum(o["log_end_offset"] or 0 for o in rows) == 4
                         and all(o["committed_offset"] == o["log_end_offset"] for o in holding)
                         ) else None

        desc = wait_until(stable_with_all_committed, 40, "the CLI consumer to join and commit")
        assert len(desc["members"]) == 1
        member = desc["members"][0]
        assert member["client_id"] == "fjord-cli" and member["host"]
        assert all(o["member_id"] == member["member_id"] for o in desc["offsets"])

        res = fjord(broker, "group", "reset-offsets", group, "--topic", topic, "--to-earliest",
                    "--execute")
        assert res.returncode == 1, res
        assert "active members" in res.stderr
        res = fjord(broker, "group", "delete", group)
        assert res.returncode == 1 and "NON_EMPTY_GROUP" in res.stderr
    finally:
        consumer.send_signal(signal.SIGINT)
        try:
            out, err = consumer.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            consumer.kill()
            consumer.communicate()
            raise AssertionError("consume --group did not exit within 30s of SIGINT") from None
    assert consumer.returncode == 0, err
    assert sorted(out.split()) == ["a", "b", "c", "d"]
    desc = describe_group(broker, group)
    assert desc["state"] == "Empty" and total_lag(desc) == 0


# ---------------------------------------------------------------------------------------------
# Produce and consume options


def test_produce_headers_partition_and_compression(broker):
    topic = unique_topic("cli-opts")
    ok(fjord(broker, "topic", "create", topic, "--partitions", "3"))
    for codec in ["none", "gzip", "snappy", "lz4", "zstd"]:
        ok(fjord(broker, "produce", topic, "--partition", "2", "--compression", codec,
                 "--header", "codec=" + codec, "--header", "app=cli", "--acks", "1",
                 input=f"{codec}-1\n{codec}-2\n"))
    ok(fjord(broker, "produce", topic, "--partition", "1", "--acks", "0", input="fire\n"))
    records = [json.loads(line) for line in ok(fjord(
        broker, "consume", topic, "--from-beginning", "--exit-at-end", "--json")).stdout.splitlines()]
    on_2 = [r for r in records if r["partition"] == 2]
    assert [r["value"] for r in on_2] == [f"{c}-{i}" for c in ["none", "gzip", "snappy", "lz4", "zstd"]
                                          for i in (1, 2)]
    assert [r["offset"] for r in on_2] == list(range(10))
    for r in on_2:
        codec = r["value"].split("-")[0]
        assert r["headers"] == [{"key": "codec", "value": codec}, {"key": "app", "value": "cli"}]
        assert r["key"] is None and r["topic"] == topic and r["timestamp"] > 0
    assert [r["value"] for r in records if r["partition"] == 1] == ["fire"]

    # One partition from an offset, a fixed number of records.
    out = ok(fjord(broker, "consume", topic, "--partition", "2", "--offset", "4",
                   "--max-messages", "3", "--format", "%o:%v\\n")).stdout
    assert out == "4:snappy-1\n5:snappy-2\n6:lz4-1\n"
    # From the end: nothing old.
    assert ok(fjord(broker, "consume", topic, "--exit-at-end")).stdout == ""


def test_produce_reports_lines_without_key_separator(broker):
    topic = unique_topic("cli-sep")
    ok(fjord(broker, "topic", "create", topic, "--partitions", "1"))
    res = fjord(broker, "produce", topic, "--key-separator", "=", input="a=1\nbroken\nb=2\n")
    assert res.returncode == 1
    assert "line 2" in res.stderr
    out = ok(fjord(broker, "consume", topic, "--from-beginning", "--exit-at-end",
                   "--format", "%k=%v\\n")).stdout
    assert out == "a=1\nb=2\n"


def test_empty_input_and_empty_lines(broker):
    topic = unique_topic("cli-empty")
    ok(fjord(broker, "topic", "create", topic, "--partitions", "1"))
    ok(fjord(broker, "produce", topic, input=""))
    ok(fjord(broker, "produce", topic, input="\n\nx\n"))
    records = [json.loads(line) for line in ok(fjord(
        broker, "consume", topic, "--from-beginning", "--exit-at-end", "--json")).stdout.splitlines()]
    assert [r["value"] for r in records] == ["", "", "x"]


# ---------------------------------------------------------------------------------------------
# Configs


def test_topic_configs(broker):
    topic = unique_topic("cli-config")
    ok(fjord(broker, "topic", "create", topic, "--partitions", "1", "--config",
             "retention.ms=3600000", "--config", "cleanup.policy=delete"))
    assert ok(fjord(broker, "config", "get", "--topic", topic, "retention.ms")).stdout == "3600000\n"
    desc = fjord_json(broker, "topic", "describe", topic)
    assert desc["config"] == {"retention.ms": "3600000", "cleanup.policy": "delete"}

    # One key changes; the other overrides are kept (AlterConfigs replaces the whole set).
    ok(fjord(broker, "config", "set", "--topic", topic, "segment.bytes=1048576"))
    ok(fjord(broker, "topic", "alter-config", topic, "--set", "retention.ms=60000",
             "--delete", "cleanup.policy"))
    desc = fjord_json(broker, "topic", "describe", topic)
    assert desc["config"] == {"retention.ms": "60000", "segment.bytes": "1048576"}
    entries = {e["name"]: e for e in fjord_json(broker, "config", "get", "--topic", topic)}
    assert entries["retention.ms"]["source"] == "DYNAMIC_TOPIC_CONFIG"
    assert entries["cleanup.policy"]["source"] != "DYNAMIC_TOPIC_CONFIG"
    assert "retention.ms=60000" in ok(fjord(broker, "topic", "describe", topic)).stdout

    res = fjord(broker, "config", "set", "--topic", topic, "no.such.config=1")
    assert res.returncode == 1, res
    res = fjord(broker, "config", "get", "--topic", topic, "no.such.config")
    assert res.returncode == 1, res
    res = fjord(broker, "config", "get", "--topic", unique_topic("missing"))
    assert res.returncode == 1 and "UNKNOWN_TOPIC_OR_PARTITION" in res.stderr


# ---------------------------------------------------------------------------------------------
# Cluster


def test_cluster_info(broker):
    info = fjord_json(broker, "cluster", "info")
    assert info["cluster_id"]
    assert info["controller_id"] == 1
    assert info["brokers"] == [{"id": 1, "host": "127.0.0.1", "port": broker.port}]
    text = ok(fjord(broker, "cluster", "info")).stdout
    assert info["cluster_id"] in text and str(broker.port) in text


# ---------------------------------------------------------------------------------------------
# Failures: exit codes 1, 2, 3


@pytest.mark.parametrize("args,needle", [
    (["frobnicate"], "unknown command"),
    (["topic"], "missing subcommand"),
    (["topic", "creat", "x"], "unknown subcommand"),
    (["topic", "create", "x", "--partitons", "3"], "--partitons"),
    (["topic", "create", "x", "--partitions", "three"], "--partitions"),
    (["topic", "create", "x", "--partitions", "0"], "--partitions"),
    (["topic", "create"], "NAME"),
    (["topic", "describe", "a", "b"], "unexpected argument"),
    (["topic", "add-partitions", "x"], "--partitions"),
    (["topic", "alter-config", "x"], "--set"),
    (["topic", "alter-config", "x", "--set", "novalue"], "KEY=VALUE"),
    (["produce", "t", "--acks", "2"], "--acks"),
    (["produce", "t", "--compression", "brotli"], "--compression"),
    (["consume", "t", "--format", "%x"], "%x"),
    (["consume", "t", "--format", "%v", "--json"], "--json"),
    (["consume", "t", "--group", "g", "--partition", "0"], "--group"),
    (["consume", "t", "--offset", "5"], "--partition"),
    (["consume", "t", "--max-messages", "-1"], "--max-messages"),
    (["group", "reset-offsets", "g", "--topic", "t"], "--to-earliest"),
    (["group", "reset-offsets", "g", "--topic", "t", "--to-earliest", "--to-latest"], "exactly one"),
    (["config", "get", "retention.ms"], "--topic"),
    (["config", "set", "--topic", "t"], "KEY=VALUE"),
    (["--timeout", "0", "topic", "list"], "--timeout"),
    (["--timeout", "soon", "topic", "list"], "--timeout"),
    (["cluster", "info", "--json=yes"], "--json"),
], ids=lambda v: "_".join(v) if isinstance(v, list) else None)
def test_usage_errors_exit_2_with_usage(fjord_bin, args, needle):
    # An unreachable broker address: usage errors must be found before any connection attempt.
    cmd = [str(fjord_bin), "--brokers", f"127.0.0.1:{free_port()}", *args]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert needle in res.stderr, res.stderr
    assert "usage: fjord" in res.stderr, res.stderr
    assert res.stdout == ""


@pytest.mark.parametrize("args", [
    [], ["topic"], ["topic", "create"], ["produce"], ["consume"], ["group", "reset-offsets"],
    ["config", "set"], ["cluster", "info"],
])
def test_help_exits_0_on_stdout(fjord_bin, args):
    res = subprocess.run([str(fjord_bin), *args, "--help"], capture_output=True, text=True,
                         timeout=20, stdin=subprocess.DEVNULL)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("usage: fjord"), res.stdout
    assert "--help" in res.stdout or "subcommands" in res.stdout or "commands" in res.stdout


def test_no_arguments_is_a_usage_error(fjord_bin):
    res = subprocess.run([str(fjord_bin)], capture_output=True, text=True, timeout=20,
                         stdin=subprocess.DEVNULL)
    assert res.returncode == 2
    assert "topic create" in res.stderr and "serve" in res.stderr


@pytest.mark.timeout_s(120)
@pytest.mark.parametrize("args,stdin", [
    (["topic", "list"], None),
    (["topic", "describe", "t"], None),
    (["topic", "create", "t"], None),
    (["topic", "delete", "t"], None),
    (["produce", "t"], "one\n"),
    (["consume", "t"], None),
    (["consume", "t", "--group", "g"], None),
    (["group", "list"], None),
    (["group", "describe", "g"], None),
    (["cluster", "info"], None),
    (["config", "get", "--topic", "t"], None),
], ids=lambda v: "_".join(v) if isinstance(v, list) else None)
def test_unreachable_broker_exits_3_within_the_timeout(fjord_bin, args, stdin):
    cmd = [str(fjord_bin), "--brokers", f"127.0.0.1:{free_port()}", "--timeout", "2", *args]
    start = time.monotonic()
    res = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=30,
                         stdin=None if stdin is not None else subprocess.DEVNULL)
    elapsed = time.monotonic() - start
    assert res.returncode == 3, (res.returncode, res.stderr)
    assert elapsed < 2 + 5, f"took {elapsed:.1f}s with --timeout 2"
    assert res.stderr.startswith("fjord: ") and len(res.stderr.splitlines()) <= 3, res.stderr


def test_env_brokers_is_used(broker, fjord_bin):
    env = {**os.environ, "FJORD_BROKERS": broker.bootstrap}
    res = subprocess.run([str(fjord_bin), "cluster", "info", "--json"], capture_output=True,
                         text=True, timeout=30, env=env, stdin=subprocess.DEVNULL)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["brokers"][0]["port"] == broker.port


@pytest.mark.parametrize("args", [
    ["topic", "describe", "{t}"],
    ["topic", "delete", "{t}"],
    ["topic", "add-partitions", "{t}", "--partitions", "4"],
    ["topic", "alter-config", "{t}", "--set", "retention.ms=1"],
    ["consume", "{t}", "--exit-at-end"],
    ["produce", "{t}"],
    ["group", "reset-offsets", "g-{t}", "--topic", "{t}", "--to-earliest"],
], ids=lambda v: "_".join(v[:2]))
def test_unknown_topic_exits_1_with_kafka_error_name(broker_factory, args):
    b = broker_factory({"auto.create.topics.enable": False})
    topic = unique_topic("missing")
    res = fjord(b, *[a.replace("{t}", topic) for a in args], input="x\n")
    assert res.returncode == 1, (res.returncode, res.stderr)
    assert "UNKNOWN_TOPIC_OR_PARTITION" in res.stderr, res.stderr


def test_broker_refusals_exit_1_with_kafka_error_name(broker):
    topic = unique_topic("cli-refuse")
    ok(fjord(broker, "topic", "create", topic, "--partitions", "2"))
    res = fjord(broker, "topic", "create", topic)
    assert res.returncode == 1 and "TOPIC_ALREADY_EXISTS" in res.stderr, res.stderr
    res = fjord(broker, "topic", "add-partitions", topic, "--partitions", "1")
    assert res.returncode == 1 and "INVALID_PARTITIONS" in res.stderr, res.stderr
    res = fjord(broker, "consume", topic, "--partition", "5", "--exit-at-end")
    assert res.returncode == 1 and "UNKNOWN_TOPIC_OR_PARTITION" in res.stderr, res.stderr
    res = fjord(broker, "group", "describe", f"{topic}-nobody")
    assert res.returncode == 1 and "GROUP_ID_NOT_FOUND" in res.stderr, res.stderr
    res = fjord(broker, "group", "delete", f"{topic}-nobody")
    assert res.returncode == 1 and "GROUP_ID_NOT_FOUND" in res.stderr, res.stderr


@pytest.mark.timeout_s(90)
def test_consumer_exits_3_when_its_broker_goes_away(broker):
    topic = unique_topic("cli-lost")
    group = f"{topic}-group"
    ok(fjord(broker, "topic", "create", topic, "--partitions", "1"))
    cmd = [str(FJORD_BIN), "--brokers", broker.bootstrap, "--timeout", "2", "consume", topic,
           "--group", group]
    consumer = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: describe_group(broker, group)["state"] == "Stable", 40,
                   "the CLI consumer to join its group")
        broker.kill()
        start = time.monotonic()
        _, err = consumer.communicate(timeout=40)
        elapsed = time.monotonic() - start
    finally:
        if consumer.poll() is None:
            consumer.kill()
            consumer.communicate()
    assert consumer.returncode == 3, err
    assert "lost the connection" in err, err
    # Noticing takes librdkafka's reconnect attempts, then --timeout twice (wait, metadata probe).
    assert elapsed < 20, f"took {elapsed:.1f}s to give up with --timeout 2"
