"""Durability: SIGKILL mid-stream loses no acknowledged record; a clean restart changes nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from clients import (
    DeliveryLog,
    admin,
    consume_all,
    create_topics,
    flush,
    message_fields,
    partition_counts,
    producer,
    topic_future_error,
    unique_topic,
    wait_until,
    watermarks,
)

PRODUCER_SCRIPT = Path(__file__).with_name("durability_producer.py")


def _read_acks(path: Path) -> list[tuple[int, int, int]]:
    """(seq, partition, offset) for every complete line of the producer's ack log."""
    out = []
    try:
        text = path.read_text()
    except FileNotFoundError:
        return out
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3:
            out.append((int(parts[0]), int(parts[1]), int(parts[2])))
    return out


def _ack_count(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


@pytest.mark.timeout_s(240)
def test_sigkill_mid_stream_loses_no_acknowledged_record(broker, tmp_path):
    partitions = 3
    topic = unique_topic("durable")
    create_topics(broker.bootstrap, {topic: partitions})
    acks_file = tmp_path / "acks.txt"
    producer_log = tmp_path / "producer.log"

    with open(producer_log, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, str(PRODUCER_SCRIPT), "--bootstrap", broker.bootstrap,
             "--topic", topic, "--partitions", str(partitions), "--acks-file", str(acks_file),
             "--max-seconds", "90"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        wait_until(lambda: _ack_count(acks_file) >= 5000 or proc.poll() is not None, 60,
                   "5000 acknowledged records")
        assert proc.poll() is None, f"producer exited early:\n{producer_log.read_text()}"
        broker.kill()  # mid-stream: the producer still has requests in flight
    finally:
        proc.kill()
        proc.wait(timeout=10)

    acked = _read_acks(acks_file)
    assert len(acked) >= 5000
    print(f"{len(acked)} records acknowledged before SIGKILL")

    broker.start()
    got = consume_all(broker.bootstrap, topic, partitions, timeout=90)

    for p in range(partitions):
        msgs = got[p]
        assert [m.offset() for m in msgs] == list(range(len(msgs))), f"offset gap in partition {p}"
        seqs = [int(m.value()) for m in msgs]
        # Partition p got seq p, p+3, p+6... in order; the log must be exactly a prefix of that:
        # in order, no hole, no duplicate.
        expected = list(range(p, p + partitions * len(seqs), partitions))
        if seqs != expected:
            first_bad = next(i for i, (a, b) in enumerate(zip(seqs, expected)) if a != b)
            raise AssertionError(f"partition {p}: log diverges at offset {first_bad}: "
                                 f"{seqs[first_bad:first_bad + 5]} != {expected[first_bad:first_bad + 5]}")
        assert all(m.key() == m.value() for m in msgs)

    print(f"recovered log sizes {[len(got[p]) for p in range(partitions)]}")
    missing = []
    for seq, p, off in acked:
        assert p == seq % partitions
        if off >= len(got[p]) or int(got[p][off].value()) != seq:
            missing.append((seq, p, off))
    assert not missing, (f"{len(missing)} acknowledged records lost or moved, e.g. {missing[:5]} "
                         f"(log sizes {[len(got[p]) for p in range(partitions)]})")

    # The recovered log takes new appends at the next offset.
    assert watermarks(broker.bootstrap, topic, partitions) == {p: (0, len(got[p])) for p in range(partitions)}
    log = DeliveryLog()
    prod = producer(broker.bootstrap)
    for p in range(partitions):
        prod.produce(topic, value=b"after-restart", partition=p, on_delivery=log)
    flush(prod)
    assert sorted((d.partition, d.offset) for d in log.reports if d.error is None) == \
        [(p, len(got[p])) for p in range(partitions)]


def _populate(bootstrap: str, topics: dict[str, int], per_partition: int, value_size: int = 40) -> None:
    log = DeliveryLog()
    for n, (topic, partitions) in enumerate(sorted(topics.items())):
        codec = ["none", "gzip", "zstd", "snappy"][n % 4]
        prod = producer(bootstrap, {"compression.type": codec})
        filled = partitions - 1 if partitions > 1 else 1  # leave one partition empty on purpose
        for p in range(filled):
            for i in range(per_partition):
                prod.produce(topic, key=f"k{i % 13}".encode(),
                             value=(f"{topic}/{p}/{i}:".encode() + b"z" * value_size),
                             headers=[("i", str(i).encode())], partition=p,
                             timestamp=1_600_000_000_000 + i, on_delivery=log)
                if i % 500 == 0:
                    prod.poll(0)
        flush(prod, timeout=60)
    assert log.reports and not log.errors(), log.errors()[:3]


def _snapshot(bootstrap: str, topics: dict[str, int]) -> dict:
    counts = partition_counts(bootstrap)
    state = {"topics": {t: counts.get(t) for t in topics}, "watermarks": {}, "data": {}}
    for topic, partitions in topics.items():
        state["watermarks"][topic] = watermarks(bootstrap, topic, partitions)
        got = consume_all(bootstrap, topic, partitions, timeout=60)
        state["data"][topic] = {p: [message_fields(m) for m in msgs] for p, msgs in got.items()}
    return state


@pytest.mark.timeout_s(240)
@pytest.mark.parametrize("settings,per_partition,value_size", [
    ({}, 200, 40),
    ({"log.segment.bytes": 1048576}, 1500, 1000),  # two segments per partition
], ids=["default", "small-segments"])
def test_clean_restart_keeps_topics_offsets_and_data(broker_factory, settings, per_partition,
                                                      value_size):
    b = broker_factory(settings)
    topics = {unique_topic("rs-one"): 1, unique_topic("rs-three"): 3, unique_topic("rs-five"): 5}
    gone = unique_topic("rs-deleted")
    create_topics(b.bootstrap, {**topics, gone: 2})
    _populate(b.bootstrap, topics, per_partition, value_size)
    client = admin(b.bootstrap)
    assert topic_future_error(client.delete_topics([gone], operation_timeout=10)[gone]) is None
    wait_until(lambda: gone not in partition_counts(b.bootstrap), 10, f"{gone} to be deleted")

    before = _snapshot(b.bootstrap, topics)
    assert before["topics"] == topics
    assert all(before["data"][t][0] for t in topics), "nothing was written"

    b.stop()  # SIGTERM, exit code 0 required
    b.start()

    after = _snapshot(b.bootstrap, topics)
    assert after["topics"] == before["topics"]
    assert after["watermarks"] == before["watermarks"]
    for topic in topics:
        assert after["data"][topic] == before["data"][topic], f"{topic} data changed across restart"
    assert gone not in partition_counts(b.bootstrap), "a deleted topic came back after restart"

    # And a second cycle, after appending, still agrees.
    _populate(b.bootstrap, topics, 10)
    before = _snapshot(b.bootstrap, topics)
    b.stop()
    b.start()
    assert _snapshot(b.bootstrap, topics) == before

