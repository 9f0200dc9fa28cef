"""Restarts and partition counts at scale: the clean-shutdown marker, tail-only recovery of
segments written since the last checkpoint, and one file descriptor per partition."""

from __future__ import annotations

import os
import subprocess

import pytest

from clients import (consume_all, create_topics, flush, producer, unique_topic, watermarks)

MARKER = ".clean-shutdown"


def _produce(bootstrap: str, topic: str, partitions: int, per_partition: int,
             value: bytes = b"v" * 200) -> None:
    # Batches well below the 256 KiB segments of the first test (Kafka rejects larger ones).
    p = producer(bootstrap, {"acks": "all", "batch.size": 65536})
    for part in range(partitions):
        for i in range(per_partition):
            p.produce(topic, value=value + str(i).encode(), partition=part)
    flush(p)


def _values(bootstrap: str, topic: str, partitions: int) -> dict[int, list[bytes]]:
    got = consume_all(bootstrap, topic, partitions)
    return {part: [m.value() for m in msgs] for part, msgs in got.items()}


@pytest.mark.timeout_s(120)
def test_a_clean_stop_leaves_the_marker_and_the_next_start_takes_it(broker_factory):
    # Small segments and index interval: every partition has sealed segments and an active one
    # whose index files the restart resumes from.
    b = broker_factory({"log.segment.bytes": 262144, "log.index.interval.bytes": 1024})
    topic = unique_topic("marker")
    create_topics(b.bootstrap, {topic: 3})
    _produce(b.bootstrap, topic, 3, 2000)
    before = _values(b.bootstrap, topic, 3)
    assert [len(v) for v in before.values()] == [2000] * 3

    b.stop()
    assert (b.data_dir / MARKER).exists(), "a clean stop left no clean-shutdown marker"
    b.start()
    assert not (b.data_dir / MARKER).exists(), "the marker outlived the start it was for"
    assert _values(b.bootstrap, topic, 3) == before

    # After a SIGKILL there is no marker: recovery fsyncs what it keeps, and loses nothing that
    # was acknowledged, including what went into the active segments since the restart.
    _produce(b.bootstrap, topic, 3, 500)
    b.kill()
    assert not (b.data_dir / MARKER).exists()
    b.start()
    after = _values(b.bootstrap, topic, 3)
    for part in range(3):
        assert after[part][:2000] == before[part]
        assert len(after[part]) == 2500
    assert "re-validating the whole segment" not in b.log_text()
    assert "truncating" not in b.log_text()


@pytest.mark.timeout_s(180)
def test_a_partition_costs_one_descriptor(broker_factory):
    b = broker_factory()
    pid = b.proc.pid
    # 1,500 partitions hold 4,500 descriptors at three files a segment; at one they fit in 2,048.
    subprocess.run(["prlimit", "--pid", str(pid), "--nofile=2048:2048"], check=True)
    topic = unique_topic("wide")
    create_topics(b.bootstrap, {topic: 1500}, timeout=60)
    open_files = len(os.listdir(f"/proc/{pid}/fd"))
    assert 1500 <= open_files < 1600, f"{open_files} descriptors for 1,500 partitions"

    _produce(b.bootstrap, topic, 10, 50)
    marks = watermarks(b.bootstrap, topic, 10)
    b.stop()
    b.start()
    assert watermarks(b.bootstrap, topic, 10) == marks
    assert all(high == 50 for _, high in marks.values())
