"""kcat (librdkafka 2.0.2) against a real broker: metadata, and 10,000 keyed lines round trip."""

from __future__ import annotations

import zlib
from collections import defaultdict

from clients import create_topics, kcat, kcat_metadata, unique_topic

PARTITIONS = 3
LINES = 10_000


def test_metadata_lists_broker_and_created_topic(broker):
    topic = unique_topic("kcat-md")
    create_topics(broker.bootstrap, {topic: PARTITIONS})

    md = kcat_metadata(broker.bootstrap)
    assert [(b["id"], b["name"]) for b in md["brokers"]] == [(1, broker.bootstrap)]
    by_name = {t["topic"]: t for t in md["topics"]}
    assert topic in by_name, f"{topic} missing from kcat -L: {sorted(by_name)}"
    entry = by_name[topic]
    assert "error" not in entry, entry
    parts = sorted(entry["partitions"], key=lambda p: p["partition"])
    assert [p["partition"] for p in parts] == list(range(PARTITIONS))
    for p in parts:
        assert p["leader"] == 1, p
        assert [r["id"] for r in p["replicas"]] == [1], p
        assert [r["id"] for r in p["isrs"]] == [1], p

    # The human-readable listing too, as a user would read it.
    text = kcat("-b", broker.bootstrap, "-L", "-m", "10", timeout=30).stdout.decode()
    assert f"broker 1 at {broker.bootstrap}" in text, text
    assert f'topic "{topic}" with {PARTITIONS} partitions' in text, text


def _lines() -> list[tuple[str, str]]:
    # 101 keys so every partition gets several keys; values vary in length.
    return [(f"key-{i % 101:03d}", f"value-{i:05d}-{'x' * (i % 37)}") for i in range(LINES)]


def test_ten_thousand_keyed_lines_round_trip(broker):
    topic = unique_topic("kcat-rt")
    create_topics(broker.bootstrap, {topic: PARTITIONS})
    sent = _lines()
    payload = "".join(f"{k}:{v}\n" for k, v in sent).encode()

    res = kcat("-b", broker.bootstrap, "-P", "-t", topic, "-K:", "-X", "linger.ms=20",
               input=payload, timeout=90)
    assert b"fail" not in res.stderr.lower(), res.stderr.decode(errors="replace")

    # Per partition, with offsets: every partition holds exactly the lines of its keys, in the
    # order they were sent, at offsets 0..n-1.
    got: dict[int, list[tuple[int, str, str]]] = {}
    for p in range(PARTITIONS):
        out = kcat("-b", broker.bootstrap, "-C", "-t", topic, "-p", str(p), "-o", "beginning",
                   "-e", "-q", "-f", "%o|%k|%s\n", timeout=60).stdout.decode()
        rows = []
        for line in out.splitlines():
            off, key, value = line.split("|", 2)
            rows.append((int(off), key, value))
        got[p] = rows

    assert sum(len(r) for r in got.values()) == LINES
    partition_of_key: dict[str, int] = {}
    for p, rows in got.items():
        assert [o for o, _, _ in rows] == list(range(len(rows))), f"offset gap in partition {p}"
        for _, key, _ in rows:
            assert partition_of_key.setdefault(key, p) == p, f"{key} in two partitions"
    for p, rows in got.items():
        expected = [(k, v) for k, v in sent if partition_of_key[k] == p]
        assert [(k, v) for _, k, v in rows] == expected, f"partition {p} differs from what was sent"
    # librdkafka's default partitioner (consistent_random) is CRC-32 of the key modulo the
    # partition count: the broker's partition count must be what kcat saw.
    for key, p in partition_of_key.items():
        assert zlib.crc32(key.encode()) % PARTITIONS == p, key

    # The whole topic at once with the key delimiter, as the tutorial shows it.
    out = kcat("-b", broker.bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-K:",
               timeout=60).stdout.decode()
    per_key: dict[str, list[str]] = defaultdict(list)
    count = 0
    for line in out.splitlines():
        key, value = line.split(":", 1)
        per_key[key].append(value)
        count += 1
    assert count == LINES
    expected_per_key: dict[str, list[str]] = defaultdict(list)
    for k, v in sent:
        expected_per_key[k].append(v)
    assert per_key == expected_per_key

    # A relative start offset goes through ListOffsets(latest): the last 5 lines of partition 0.
    out = kcat("-b", broker.bootstrap, "-C", "-t", topic, "-p", "0", "-o", "-5", "-e", "-q",
               "-f", "%o|%s\n", timeout=30).stdout.decode()
    tail = [line.split("|", 1) for line in out.splitlines()]
    assert [(int(o), v) for o, v in tail] == [(o, v) for o, _, v in got[0][-5:]]
