"""Produces sequence-numbered records with acks=all until told to stop; logs every ack.

Run by test_durability.py as a separate process so that the test can SIGKILL the broker (and then
this process) at any moment. Record `seq` goes to partition seq % partitions with key and value
"<seq>". Each successful delivery report appends "seq partition offset" to --acks-file, one
write() per line, so a line that made it to the file was acknowledged by the broker.

Bounded by --max-seconds and --max-records; on SIGTERM it stops producing and exits quickly.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time

from confluent_kafka import Producer


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--partitions", type=int, required=True)
    ap.add_argument("--acks-file", required=True)
    ap.add_argument("--max-seconds", type=float, default=60.0)
    ap.add_argument("--max-records", type=int, default=2_000_000)
    args = ap.parse_args()

    stopping = False

    def on_term(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_term)

    acks = os.open(args.acks_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    errors = 0

    def on_delivery(err, msg):
        nonlocal errors
        if err is not None:
            errors += 1
            if errors <= 5:
                print(f"delivery error: {err}", file=sys.stderr, flush=True)
            return
        os.write(acks, f"{int(msg.value())} {msg.partition()} {msg.offset()}\n".encode())

    p = Producer({
        "bootstrap.servers": args.bootstrap,
        "acks": "all",
        "enable.idempotence": False,
        "linger.ms": 2,
        "batch.num.messages": 500,
        "message.timeout.ms": 120000,  # nothing fails on its own while the broker is down
        "reconnect.backoff.ms": 50,
        "reconnect.backoff.max.ms": 500,
        "queue.buffering.max.messages": 50000,
    })

    deadline = time.monotonic() + args.max_seconds
    seq = 0
    while not stopping and seq < args.max_records and time.monotonic() < deadline:
        data = str(seq).encode()
        try:
            p.produce(args.topic, key=data, value=data, partition=seq % args.partitions,
                      on_delivery=on_delivery)
        except BufferError:
            p.poll(0.05)  # local queue full: wait for acks
            continue
        seq += 1
        if seq % 100 == 0:
            p.poll(0)
    p.flush(5 if stopping else 30)
    print(f"produced {seq}, delivery errors {errors}", file=sys.stderr, flush=True)
    os.close(acks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
