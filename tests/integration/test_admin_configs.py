"""Topic and broker configuration at runtime, partitions, record deletion, retention and
compaction, with confluent-kafka's AdminClient (librdkafka 2.0.2: DescribeConfigs, AlterConfigs,
CreatePartitions) and hand-encoded requests for what it does not send (IncrementalAlterConfigs,
DeleteRecords, DescribeLogDirs, DescribeConfigs v3 for config types and documentation)."""

from __future__ import annotations

import time
import urllib.request

import pytest
from confluent_kafka import KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import ConfigResource, ConfigSource, NewPartitions, NewTopic

import kafka_wire as kw
from clients import (
    DeliveryLog,
    admin,
    close_bounded,
    consumer,
    create_topics,
    flush,
    list_topics,
    producer,
    produce_records,
    topic_future_error,
    unique_topic,
    wait_until,
    watermarks,
)

ERR_OFFSET_OUT_OF_RANGE = 1
ERR_UNKNOWN_TOPIC_OR_PARTITION = 3
ERR_INVALID_TIMESTAMP = 32
ERR_INVALID_CONFIG = 40
ERR_INVALID_REQUEST = 42
ERR_POLICY_VIOLATION = 44

OP_SET, OP_DELETE, OP_APPEND, OP_SUBTRACT = 0, 1, 2, 3
RESOURCE_TOPIC, RESOURCE_BROKER = 2, 4

# Small cleaner interval so retention and compaction happen within a test.
CLEANER = {"log.retention.check.interval.ms": 200}


# ---------------------------------------------------------------------------------------------
# Helpers


def create_topic(bootstrap: str, topic: str, partitions: int = 1, config: dict | None = None) -> None:
    client = admin(bootstrap)
    futures = client.create_topics([NewTopic(topic, partitions, 1, config=config or {})],
                                   operation_timeout=10, request_timeout=10)
    assert topic_future_error(futures[topic]) is None


def describe(bootstrap: str, resource: ConfigResource) -> dict:
    client = admin(bootstrap)
    return client.describe_configs([resource], request_timeout=10)[resource].result(timeout=20)


def describe_topic(bootstrap: str, topic: str) -> dict:
    return describe(bootstrap, ConfigResource("topic", topic))


def alter(bootstrap: str, resource: ConfigResource) -> KafkaError | None:
    client = admin(bootstrap)
    return topic_future_error(client.alter_configs([resource], request_timeout=10)[resource])


def source(entry) -> int:
    return int(entry.source.value if hasattr(entry.source, "value") else entry.source)


def one_by_one_producer(bootstrap: str, conf: dict | None = None):
    """One record per batch, so every batch fits in a small segment.bytes."""
    return producer(bootstrap, {"batch.num.messages": 1, "linger.ms": 0, **(conf or {})})


def produce_values(bootstrap: str, topic: str, values: list[tuple[bytes | None, bytes | None]],
                   timestamp: int | None = None) -> list:
    p = one_by_one_producer(bootstrap)
    log = DeliveryLog()
    for key, value in values:
        kwargs = {"timestamp": timestamp} if timestamp is not None else {}
        p.produce(topic, key=key, value=value, partition=0, on_delivery=log, **kwargs)
    flush(p)
    assert not log.errors(), [str(d.error) for d in log.errors()][:5]
    return log.reports


def read_from_start(bootstrap: str, topic: str, timeout: float = 30.0) -> list:
    """Every message of partition 0 from its first available offset (auto.offset.reset=earliest
    takes over when offset 0 is gone) to the end."""
    c = consumer(bootstrap, {"auto.offset.reset": "earliest"})
    out = []
    try:
        c.assign([TopicPartition(topic, 0, 0)])
        deadline = time.monotonic() + timeout
        while True:
            assert time.monotonic() < deadline, f"no end of {topic}/0 after {timeout}s"
            msgs = c.consume(num_messages=1000, timeout=0.5)
            eof = False
            for msg in msgs:
                err = msg.error()
                if err is not None:
                    assert err.code() == KafkaError._PARTITION_EOF, str(err)
                    eof = True
                    continue
                out.append(msg)
            if eof:
                return out
    finally:
        close_bounded(c)


def segment_files(broker, topic: str, partition: int = 0) -> list:
    return sorted((broker.data_dir / f"{topic}-{partition}").glob("*.log"))


# -- hand-encoded requests --------------------------------------------------------------------


def nullable_string_array(items: list[str] | None) -> bytes:
    return kw.i32(-1) if items is None else kw.array([kw.string(s) for s in items])


def incremental_alter_v0(corr: int, resources: list[tuple[int, str, list[tuple[str, int, str | None]]]],
                         validate_only: bool = False) -> bytes:
    body = kw.array([
        kw.i8(rtype) + kw.string(name)
        + kw.array([kw.string(k) + kw.i8(op) + kw.string(v) for k, op, v in configs])
        for rtype, name, configs in resources
    ]) + kw.i8(1 if validate_only else 0)
    return kw.request(44, 0, corr, body)


def parse_incremental_alter_v0(r: kw.Reader) -> dict[str, tuple[int, str | None]]:
    r.i32()  # throttle
    out = {}
    for _ in range(r.i32()):
        err, msg, _rtype, name = r.i16(), r.string(), r.i8(), r.string()
        out[name] = (err, msg)
    assert r.remaining() == 0
    return out


def incremental_alter(bootstrap: str, topic: str, configs: list[tuple[str, int, str | None]],
                      validate_only: bool = False) -> tuple[int, str | None]:
    with kw.Connection(bootstrap) as conn:
        r = conn.roundtrip(incremental_alter_v0(1, [(RESOURCE_TOPIC, topic, configs)], validate_only), 1)
        return parse_incremental_alter_v0(r)[topic]


def delete_records_v1(corr: int, topic: str, offsets: dict[int, int]) -> bytes:
    body = kw.array([kw.string(topic) + kw.array([kw.i32(p) + kw.i64(o) for p, o in offsets.items()])])
    return kw.request(21, 1, corr, body + kw.i32(10000))


def delete_records(bootstrap: str, topic: str, offsets: dict[int, int]) -> dict[int, tuple[int, int]]:
    """partition -> (error code, low watermark)."""
    with kw.Connection(bootstrap) as conn:
        r = conn.roundtrip(delete_records_v1(1, topic, offsets), 1)
    r.i32()  # throttle
    out = {}
    for _ in range(r.i32()):
        r.string()
        for _ in range(r.i32()):
            p, low, err = r.i32(), r.i64(), r.i16()
            out[p] = (err, low)
    assert r.remaining() == 0
    return out


def describe_configs_v3(bootstrap: str, rtype: int, name: str, keys: list[str] | None = None, *,
                        synonyms: bool = True, documentation: bool = True) -> tuple[int, str | None, dict]:
    """(error, message, name -> dict(value, read_only, source, sensitive, synonyms, type, doc))."""
    body = (kw.array([kw.i8(rtype) + kw.string(name) + nullable_string_array(keys)])
            + kw.i8(int(synonyms)) + kw.i8(int(documentation)))
    with kw.Connection(bootstrap) as conn:
        r = conn.roundtrip(kw.request(32, 3, 1, body), 1)
    r.i32()
    assert r.i32() == 1
    err, msg, _rtype, _name = r.i16(), r.string(), r.i8(), r.string()
    configs = {}
    for _ in range(r.i32()):
        key, value, read_only, src, sensitive = r.string(), r.string(), r.i8(), r.i8(), r.i8()
        syns = [(r.string(), r.string(), r.i8()) for _ in range(r.i32())]
        ctype, doc = r.i8(), r.string()
        configs[key] = dict(value=value, read_only=bool(read_only), source=src,
                            sensitive=bool(sensitive), synonyms=syns, type=ctype, doc=doc)
    assert r.remaining() == 0
    return err, msg, configs


def describe_log_dirs_v1(bootstrap: str, topics: dict[str, list[int]] | None) -> list:
    body = (kw.i32(-1) if topics is None
            else kw.array([kw.string(t) + kw.array([kw.i32(p) for p in ps]) for t, ps in topics.items()]))
    with kw.Connection(bootstrap) as conn:
        r = conn.roundtrip(kw.request(35, 1, 1, body), 1)
    r.i32()
    dirs = []
    for _ in range(r.i32()):
        err, path = r.i16(), r.string()
        parts = {}
        for _ in range(r.i32()):
            name = r.string()
            for _ in range(r.i32()):
                p, size, lag, future = r.i32(), r.i64(), r.i64(), r.i8()
                parts[(name, p)] = (size, lag, bool(future))
        dirs.append((err, path, parts))
    assert r.remaining() == 0
    return dirs


def compact_string(r: kw.Reader) -> str | None:
    n = r.uvarint() - 1
    return None if n < 0 else r.take(n).decode()


def describe_log_dirs_v4(bootstrap: str) -> tuple[int, list]:
    """(top-level error, [(error, path, total bytes, usable bytes, {(topic, p): size})])."""
    body = kw.uvarint(0) + kw.EMPTY_TAGS  # null topics: all
    with kw.Connection(bootstrap) as conn:
        r = conn.roundtrip(kw.request(35, 4, 1, body, flexible=True), 1)
    r.skip_tags()  # response header v1
    r.i32()
    top_error = r.i16()
    dirs = []
    for _ in range(r.uvarint() - 1):
        err, path = r.i16(), compact_string(r)
        sizes = {}
        for _ in range(r.uvarint() - 1):
            name = compact_string(r)
            for _ in range(r.uvarint() - 1):
                p, size, _lag, _future = r.i32(), r.i64(), r.i64(), r.i8()
                r.skip_tags()
                sizes[(name, p)] = size
            r.skip_tags()
        total, usable = r.i64(), r.i64()
        r.skip_tags()
        dirs.append((err, path, total, usable, sizes))
    r.skip_tags()
    assert r.remaining() == 0
    return top_error, dirs


# ---------------------------------------------------------------------------------------------
# DescribeConfigs


def test_describe_topic_shows_defaults_and_overrides_with_their_sources(broker_factory):
    b = broker_factory({"message.max.bytes": 2000000})
    topic = unique_topic("describe")
    create_topic(b.bootstrap, topic, config={"retention.ms": "3600000", "cleanup.policy": "compact"})
    configs = describe_topic(b.bootstrap, topic)

    retention = configs["retention.ms"]
    assert retention.value == "3600000"
    assert source(retention) == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert not retention.is_default and not retention.is_read_only
    assert "retention.ms" in retention.synonyms and "log.retention.hours" in retention.synonyms
    assert configs["cleanup.policy"].value == "compact"

    segment = configs["segment.bytes"]
    assert (segment.value, source(segment)) == ("1073741824", ConfigSource.DEFAULT_CONFIG.value)
    assert segment.is_default
    assert segment.synonyms["log.segment.bytes"].value == "1073741824"

    # Set on the broker at start-up: the topic inherits it as a static broker config.
    size = configs["max.message.bytes"]
    assert (size.value, source(size)) == ("2000000", ConfigSource.STATIC_BROKER_CONFIG.value)
    assert set(configs) >= {"compression.type", "delete.retention.ms", "min.insync.replicas",
                            "retention.bytes", "segment.ms", "message.timestamp.type"}


def test_kafka_flush_and_preallocate_configs_are_taken_and_reported(broker_factory):
    """Kafka's documentation creates a topic with --config flush.messages=1: the flush and
    preallocate configs are taken at creation, inherited from the broker, reported with their
    sources and altered. What flush.messages does to acks=1 is the next test."""
    b = broker_factory({"log.flush.interval.ms": 1000})
    topic = unique_topic("flush")
    create_topic(b.bootstrap, topic, config={"flush.messages": "1", "preallocate": "true"})
    produce_values(b.bootstrap, topic, [(None, b"v%d" % i) for i in range(5)])
    assert [m.value() for m in read_from_start(b.bootstrap, topic)] == [b"v%d" % i
                                                                       for i in range(5)]

    configs = describe_topic(b.bootstrap, topic)
    messages = configs["flush.messages"]
    assert (messages.value, source(messages)) == ("1", ConfigSource.DYNAMIC_TOPIC_CONFIG.value)
    assert messages.synonyms["log.flush.interval.messages"].value == "9223372036854775807"
    interval = configs["flush.ms"]
    assert (interval.value, source(interval)) == ("1000", ConfigSource.STATIC_BROKER_CONFIG.value)
    assert configs["preallocate"].value == "true"

    assert alter(b.bootstrap, ConfigResource("topic", topic,
                                              set_config={"preallocate": "false"})) is None
    configs = describe_topic(b.bootstrap, topic)
    assert configs["preallocate"].value == "false"
    assert source(configs["flush.messages"]) == ConfigSource.DEFAULT_CONFIG.value


@pytest.mark.parametrize("flush_messages", [1, 3])
def test_acks_1_leaves_fewer_than_flush_messages_records_unsynced(broker, flush_messages):
    """As in Kafka, which fsyncs inside the append that reaches flush.messages: when an acks=1
    answer arrives, at most flush.messages - 1 of the records acknowledged so far are above the
    high watermark (only fsynced records are below it). A fetch on the same connection, sent
    after the answer, reads the high watermark."""
    topic = unique_topic("flushacks")
    create_topic(broker.bootstrap, topic, config={"flush.messages": str(flush_messages)})
    with kw.Connection(broker.bootstrap) as conn:
        correlation = 0
        for i in range(40):
            correlation += 1
            batch = kw.record_batch([(None, b"r%d" % i)], base_timestamp=1_650_000_000_000)
            r = conn.roundtrip(kw.produce_v3_request(correlation, topic, 0, batch, acks=1),
                               correlation)
            produced = kw.parse_produce_v3(r)[(topic, 0)]
            assert (produced.error_code, produced.base_offset) == (0, i)
            correlation += 1
            r = conn.roundtrip(kw.fetch_v4_request(correlation, topic, 0, i), correlation)
            fetched = kw.parse_fetch_v4(r)[(topic, 0)]
            assert fetched.error_code == 0
            unsynced = i + 1 - fetched.high_watermark
            assert unsynced <= flush_messages - 1, (i, fetched.high_watermark)


HOUR_MS = 3_600_000


def produce_at(bootstrap: str, topic: str, timestamps: list[int], compression: str = "none") -> list:
    """One record per batch at each timestamp; the delivery reports in order."""
    p = one_by_one_producer(bootstrap, {"compression.codec": compression})
    log = DeliveryLog()
    for i, ts in enumerate(timestamps):
        p.produce(topic, value=b"at-%d" % i, partition=0, timestamp=ts, on_delivery=log)
    flush(p)
    return log.reports


@pytest.mark.parametrize("compression", ["none", "lz4"])
def test_create_times_beyond_the_timestamp_bounds_are_invalid_timestamp(broker, compression):
    topic = unique_topic("tsbounds")
    create_topic(broker.bootstrap, topic, config={"message.timestamp.before.max.ms": str(HOUR_MS),
                                                  "message.timestamp.after.max.ms": str(HOUR_MS)})
    now = int(time.time() * 1000)
    reports = produce_at(broker.bootstrap, topic,
                         [now, now - 2 * HOUR_MS, now + 2 * HOUR_MS, now - HOUR_MS // 2,
                          now + HOUR_MS // 2], compression)
    codes = [r.error.code() if r.error else None for r in reports]
    assert codes == [None, KafkaError.INVALID_TIMESTAMP, KafkaError.INVALID_TIMESTAMP, None, None]
    # Refused batches leave no trace: the accepted records hold consecutive offsets.
    kept = read_from_start(broker.bootstrap, topic)
    assert [(m.offset(), m.value()) for m in kept] == [(0, b"at-0"), (1, b"at-3"), (2, b"at-4")]


def test_invalid_timestamp_names_each_record_out_of_range(broker):
    """Produce v8 carries the per-record errors: one batch with the second and fourth record out
    of range is refused whole, naming both."""
    topic = unique_topic("tsrecords")
    create_topic(broker.bootstrap, topic, config={"message.timestamp.before.max.ms": str(HOUR_MS)})
    now = int(time.time() * 1000)
    records = [(None, b"a"), (None, b"b"), (None, b"c"), (None, b"d")]
    mixed = kw.record_batch(records, base_timestamp=now - 2 * HOUR_MS,
                            timestamp_deltas=[2 * HOUR_MS, 0, 2 * HOUR_MS, 0])
    with kw.Connection(broker.bootstrap) as conn:
        r = conn.roundtrip(kw.produce_v8_request(1, topic, 0, mixed), 1)
        refused = kw.parse_produce_v8(r)[(topic, 0)]
        assert (refused.error_code, refused.base_offset) == (ERR_INVALID_TIMESTAMP, -1)
        assert [i for i, _ in refused.record_errors] == [1, 3]
        assert all("message.timestamp.before.max.ms" in m for _, m in refused.record_errors)
        assert refused.error_message == refused.record_errors[0][1]
        r = conn.roundtrip(kw.produce_v8_request(2, topic, 0, kw.record_batch(
            records, base_timestamp=now)), 2)
        accepted = kw.parse_produce_v8(r)[(topic, 0)]
        assert (accepted.error_code, accepted.base_offset, accepted.record_errors) == (0, 0, [])


def test_timestamp_difference_bounds_both_sides_unless_one_is_set_and_log_append_time_is_exempt(
        broker):
    topic = unique_topic("tsdiff")
    create_topic(broker.bootstrap, topic,
                 config={"message.timestamp.difference.max.ms": str(HOUR_MS),
                         "message.timestamp.after.max.ms": str(3 * HOUR_MS)})
    now = int(time.time() * 1000)
    reports = produce_at(broker.bootstrap, topic, [now - 2 * HOUR_MS, now + 2 * HOUR_MS])
    # before falls back to the difference (1 h); after is set (3 h) and wins over it.
    assert [r.error.code() if r.error else None for r in reports] == [
        KafkaError.INVALID_TIMESTAMP, None]

    appended = unique_topic("tsappend")
    create_topic(broker.bootstrap, appended,
                 config={"message.timestamp.type": "LogAppendTime",
                         "message.timestamp.before.max.ms": "0"})
    assert all(r.error is None for r in produce_at(broker.bootstrap, appended, [1, now]))


def test_describe_selected_keys_only(broker):
    topic = unique_topic("keys")
    create_topic(broker.bootstrap, topic)
    err, _, configs = describe_configs_v3(broker.bootstrap, RESOURCE_TOPIC, topic,
                                          ["retention.ms", "no.such.key"])
    assert err == 0
    assert list(configs) == ["retention.ms"]


def test_describe_v3_has_types_documentation_and_synonyms(broker):
    topic = unique_topic("types")
    create_topic(broker.bootstrap, topic, config={"retention.bytes": "1000"})
    err, msg, configs = describe_configs_v3(broker.bootstrap, RESOURCE_TOPIC, topic)
    assert (err, msg) == (0, None)
    # Kafka's ConfigType ids: BOOLEAN 1, INT 3, LONG 5, LIST 7.
    assert configs["cleanup.policy"]["type"] == 7
    assert configs["retention.bytes"]["type"] == 5
    assert configs["segment.bytes"]["type"] == 3
    assert configs["unclean.leader.election.enable"]["type"] == 1
    assert all(c["doc"] for c in configs.values())
    assert configs["retention.bytes"]["synonyms"][:2] == [("retention.bytes", "1000", 1),
                                                         ("log.retention.bytes", "-1", 5)]
    _, _, bare = describe_configs_v3(broker.bootstrap, RESOURCE_TOPIC, topic,
                                     synonyms=False, documentation=False)
    assert all(c["doc"] is None and c["synonyms"] == [] for c in bare.values())


def test_describe_broker_shows_static_and_default_settings(broker_factory):
    b = broker_factory({"num.partitions": 3, **CLEANER})
    configs = describe(b.bootstrap, ConfigResource("broker", "1"))
    partitions = configs["num.partitions"]
    assert (partitions.value, source(partitions)) == ("3", ConfigSource.STATIC_BROKER_CONFIG.value)
    assert partitions.is_read_only
    interval = configs["log.retention.check.interval.ms"]
    assert (interval.value, source(interval)) == ("200", ConfigSource.STATIC_BROKER_CONFIG.value)
    hours = configs["log.retention.hours"]
    assert (hours.value, source(hours)) == ("168", ConfigSource.DEFAULT_CONFIG.value)
    assert configs["log.cleanup.policy"].value == "delete"
    assert configs["compression.type"].value == "producer"
    # No dynamic cluster-wide defaults: the "" broker resource is empty.
    err, _, defaults = describe_configs_v3(b.bootstrap, RESOURCE_BROKER, "")
    assert (err, defaults) == (0, {})
    err, msg, _ = describe_configs_v3(b.bootstrap, RESOURCE_BROKER, "7")
    assert err == ERR_INVALID_REQUEST and "7" in msg


def test_describe_unknown_topic_is_unknown_topic_or_partition(broker):
    err, _, configs = describe_configs_v3(broker.bootstrap, RESOURCE_TOPIC, unique_topic("ghost"))
    assert (err, configs) == (ERR_UNKNOWN_TOPIC_OR_PARTITION, {})
    with pytest.raises(KafkaException) as e:
        describe_topic(broker.bootstrap, unique_topic("ghost"))
    assert e.value.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART


# ---------------------------------------------------------------------------------------------
# AlterConfigs


def test_lowering_max_message_bytes_rejects_bigger_messages(broker):
    topic = unique_topic("maxbytes")
    create_topic(broker.bootstrap, topic, config={"retention.ms": "3600000"})
    produce_records(broker.bootstrap, topic, [(None, b"x" * 5000, 0)])

    assert alter(broker.bootstrap, ConfigResource("topic", topic,
                                                  set_config={"max.message.bytes": "1000"})) is None
    configs = describe_topic(broker.bootstrap, topic)
    assert configs["max.message.bytes"].value == "1000"
    # AlterConfigs replaces the whole override set: retention.ms is back to its default.
    assert source(configs["retention.ms"]) == ConfigSource.DEFAULT_CONFIG.value

    p = producer(broker.bootstrap)
    log = DeliveryLog()
    # Flushed one at a time: in one batch the small one would share the big one's fate.
    p.produce(topic, value=b"x" * 5000, partition=0, on_delivery=log)
    flush(p)
    p.produce(topic, value=b"small", partition=0, on_delivery=log)
    flush(p)
    by_value = {len(d.value): d for d in log.reports}
    assert by_value[5000].error is not None
    assert by_value[5000].error.code() == KafkaError.MSG_SIZE_TOO_LARGE
    assert by_value[5].error is None


def test_lowering_segment_bytes_rolls_segments(broker):
    topic = unique_topic("segments")
    create_topic(broker.bootstrap, topic)
    produce_values(broker.bootstrap, topic, [(None, b"a" * 100)] * 5)
    assert len(segment_files(broker, topic)) == 1
    assert alter(broker.bootstrap, ConfigResource("topic", topic,
                                                  set_config={"segment.bytes": "1024"})) is None
    produce_values(broker.bootstrap, topic, [(None, b"b" * 100)] * 40)
    assert len(segment_files(broker, topic)) >= 3


@pytest.mark.parametrize("config,named", [
    ({"max.message.bytes": "-5"}, "max.message.bytes"),
    ({"retention.ms": "soon"}, "retention.ms"),
    ({"cleanup.policy": "keep"}, "cleanup.policy"),
    ({"retention.msec": "1"}, "retention.msec"),
    ({"flush.messages": "0"}, "flush.messages"),
    ({"preallocate": "yes"}, "preallocate"),
    ({"message.timestamp.before.max.ms": "-1"}, "message.timestamp.before.max.ms"),
    ({"min.cleanable.dirty.ratio": "1.5"}, "min.cleanable.dirty.ratio"),
], ids=["negative", "not-a-number", "bad-list-item", "unknown-key", "no-flush-interval",
        "not-a-boolean", "negative-bound", "ratio-above-one"])
def test_invalid_values_are_invalid_config_naming_the_key(broker, config, named):
    topic = unique_topic("invalid")
    create_topic(broker.bootstrap, topic, config={"retention.ms": "1000"})
    err = alter(broker.bootstrap, ConfigResource("topic", topic, set_config=config))
    assert err is not None and err.code() == KafkaError.INVALID_CONFIG, err
    assert named in err.str(), err.str()
    assert describe_topic(broker.bootstrap, topic)["retention.ms"].value == "1000"


def test_alter_unknown_topic_and_broker_resources_are_refused(broker):
    err = alter(broker.bootstrap, ConfigResource("topic", unique_topic("ghost"),
                                                 set_config={"retention.ms": "1"}))
    assert err is not None and err.code() == KafkaError.UNKNOWN_TOPIC_OR_PART
    err = alter(broker.bootstrap, ConfigResource("broker", "1", set_config={"num.partitions": "2"}))
    assert err is not None and err.code() == KafkaError.INVALID_REQUEST
    assert "broker" in err.str()


def test_alter_validate_only_changes_nothing(broker):
    topic = unique_topic("dryrun")
    create_topic(broker.bootstrap, topic)
    client = admin(broker.bootstrap)
    resource = ConfigResource("topic", topic, set_config={"retention.ms": "5"})
    assert topic_future_error(client.alter_configs([resource], validate_only=True,
                                                   request_timeout=10)[resource]) is None
    assert source(describe_topic(broker.bootstrap, topic)["retention.ms"]) == ConfigSource.DEFAULT_CONFIG.value


def test_config_changes_survive_a_restart(broker):
    topic = unique_topic("durable")
    create_topic(broker.bootstrap, topic)
    assert alter(broker.bootstrap, ConfigResource("topic", topic,
                                                  set_config={"max.message.bytes": "777"})) is None
    broker.restart()
    assert describe_topic(broker.bootstrap, topic)["max.message.bytes"].value == "777"


# ---------------------------------------------------------------------------------------------
# IncrementalAlterConfigs (hand-encoded v0)


def test_incremental_set_delete_append_subtract(broker):
    topic = unique_topic("incremental")
    create_topic(broker.bootstrap, topic, config={"retention.ms": "1000", "segment.ms": "60000"})

    assert incremental_alter(broker.bootstrap, topic, [("max.message.bytes", OP_SET, "500"),
                                                       ("retention.ms", OP_DELETE, None)]) == (0, None)
    configs = describe_topic(broker.bootstrap, topic)
    assert configs["max.message.bytes"].value == "500"
    assert configs["segment.ms"].value == "60000"  # untouched
    assert source(configs["retention.ms"]) == ConfigSource.DEFAULT_CONFIG.value

    assert incremental_alter(broker.bootstrap, topic, [("cleanup.policy", OP_APPEND, "compact")]) == (0, None)
    assert describe_topic(broker.bootstrap, topic)["cleanup.policy"].value == "delete,compact"
    assert incremental_alter(broker.bootstrap, topic, [("cleanup.policy", OP_SUBTRACT, "delete")]) == (0, None)
    assert describe_topic(broker.bootstrap, topic)["cleanup.policy"].value == "compact"


@pytest.mark.parametrize("configs,error,named", [
    ([("retention.ms", OP_SET, "soon")], ERR_INVALID_CONFIG, "retention.ms"),
    ([("retention.ms", OP_APPEND, "5")], ERR_INVALID_CONFIG, "retention.ms"),
    ([("cleanup.policy", OP_SUBTRACT, "delete")], ERR_INVALID_CONFIG, "cleanup.policy"),
    ([("no.such", OP_SET, "1")], ERR_INVALID_CONFIG, "no.such"),
    ([("retention.ms", OP_SET, None)], ERR_INVALID_REQUEST, "retention.ms"),
    ([("retention.ms", 9, "1")], ERR_INVALID_REQUEST, "retention.ms"),
    ([("retention.ms", OP_SET, "1"), ("retention.ms", OP_DELETE, None)], ERR_INVALID_REQUEST,
     "retention.ms"),
], ids=["bad-value", "append-to-non-list", "empty-policy", "unknown-key", "null-value",
        "unknown-op", "duplicate-key"])
def test_incremental_errors(broker, configs, error, named):
    topic = unique_topic("incrbad")
    create_topic(broker.bootstrap, topic)
    err, msg = incremental_alter(broker.bootstrap, topic, configs)
    assert err == error and named in (msg or ""), (err, msg)
    assert source(describe_topic(broker.bootstrap, topic)["retention.ms"]) == ConfigSource.DEFAULT_CONFIG.value


def test_incremental_validate_only_and_broker_resource(broker):
    topic = unique_topic("incrdry")
    create_topic(broker.bootstrap, topic)
    assert incremental_alter(broker.bootstrap, topic, [("retention.ms", OP_SET, "5")],
                             validate_only=True) == (0, None)
    assert source(describe_topic(broker.bootstrap, topic)["retention.ms"]) == ConfigSource.DEFAULT_CONFIG.value
    with kw.Connection(broker.bootstrap) as conn:
        r = conn.roundtrip(incremental_alter_v0(1, [(RESOURCE_BROKER, "1", [("num.partitions", OP_SET, "3")])]), 1)
        err, msg = parse_incremental_alter_v0(r)["1"]
    assert err == ERR_INVALID_REQUEST and msg


# ---------------------------------------------------------------------------------------------
# CreatePartitions


def test_create_partitions_grows_a_topic(broker):
    topic = unique_topic("grow")
    create_topics(broker.bootstrap, {topic: 1})
    client = admin(broker.bootstrap)
    futures = client.create_partitions([NewPartitions(topic, 3)], request_timeout=10)
    assert topic_future_error(futures[topic]) is None
    assert sorted(list_topics(broker.bootstrap, topic).topics[topic].partitions) == [0, 1, 2]
    produce_records(broker.bootstrap, topic, [(b"k", b"v2", 2)])
    assert watermarks(broker.bootstrap, topic, 3)[2] == (0, 1)


def test_create_partitions_errors_and_validate_only(broker):
    topic = unique_topic("nogrow")
    create_topics(broker.bootstrap, {topic: 2})
    client = admin(broker.bootstrap)
    for count, code in [(2, KafkaError.INVALID_PARTITIONS), (1, KafkaError.INVALID_PARTITIONS)]:
        err = topic_future_error(client.create_partitions([NewPartitions(topic, count)],
                                                          request_timeout=10)[topic])
        assert err is not None and err.code() == code, err
    ghost = unique_topic("ghost")
    err = topic_future_error(client.create_partitions([NewPartitions(ghost, 2)], request_timeout=10)[ghost])
    assert err is not None and err.code() == KafkaError.UNKNOWN_TOPIC_OR_PART
    err = topic_future_error(client.create_partitions(
        [NewPartitions(topic, 3, replica_assignment=[[7]])], request_timeout=10)[topic])
    assert err is not None and err.code() == KafkaError.INVALID_REPLICA_ASSIGNMENT
    assert topic_future_error(client.create_partitions(
        [NewPartitions(topic, 4, replica_assignment=[[1], [1]])], validate_only=True,
        request_timeout=10)[topic]) is None
    assert len(list_topics(broker.bootstrap, topic).topics[topic].partitions) == 2
    assert topic_future_error(client.create_partitions(
        [NewPartitions(topic, 4, replica_assignment=[[1], [1]])], request_timeout=10)[topic]) is None
    assert len(list_topics(broker.bootstrap, topic).topics[topic].partitions) == 4


# ---------------------------------------------------------------------------------------------
# DeleteRecords and DescribeLogDirs (hand-encoded)


def test_delete_records_moves_the_log_start(broker):
    topic = unique_topic("deleterecs")
    create_topics(broker.bootstrap, {topic: 1})
    produce_records(broker.bootstrap, topic, [(None, b"v%d" % i, 0) for i in range(10)])

    assert delete_records(broker.bootstrap, topic, {0: 4}) == {0: (0, 4)}
    assert watermarks(broker.bootstrap, topic, 1)[0] == (4, 10)
    # A fetch below the new start is out of range; a consumer resets to the start.
    with kw.Connection(broker.bootstrap) as conn:
        res = kw.parse_fetch_v4(conn.roundtrip(kw.fetch_v4_request(1, topic, 0, 0), 1))
    assert res[(topic, 0)].error_code == ERR_OFFSET_OUT_OF_RANGE
    msgs = read_from_start(broker.bootstrap, topic)
    assert [m.offset() for m in msgs] == list(range(4, 10))

    # Moving it back is a no-op; -1 means the high watermark; past it is out of range.
    assert delete_records(broker.bootstrap, topic, {0: 2}) == {0: (0, 4)}
    assert delete_records(broker.bootstrap, topic, {0: 11})[0][0] == ERR_OFFSET_OUT_OF_RANGE
    assert delete_records(broker.bootstrap, topic, {0: -1}) == {0: (0, 10)}
    assert delete_records(broker.bootstrap, topic, {5: 0})[5][0] == ERR_UNKNOWN_TOPIC_OR_PARTITION
    broker.restart()
    assert watermarks(broker.bootstrap, topic, 1)[0] == (10, 10)


def test_delete_records_on_a_compacted_topic_is_a_policy_violation(broker):
    topic = unique_topic("compactdel")
    create_topic(broker.bootstrap, topic, config={"cleanup.policy": "compact"})
    produce_records(broker.bootstrap, topic, [(b"k", b"v", 0)])
    assert delete_records(broker.bootstrap, topic, {0: 1})[0][0] == ERR_POLICY_VIOLATION


def test_describe_log_dirs(broker):
    topic = unique_topic("logdirs")
    assert kw.find_coordinator(broker.bootstrap, "logdirs-group").error_code == 0
    create_topics(broker.bootstrap, {topic: 2})
    produce_records(broker.bootstrap, topic, [(None, b"x" * 1000, 0)])

    [(err, path, parts)] = describe_log_dirs_v1(broker.bootstrap, None)
    assert err == 0 and path == str(broker.data_dir)
    assert parts[(topic, 0)][0] > 1000 and parts[(topic, 1)] == (0, 0, False)
    assert ("__consumer_offsets", 0) in parts

    [(_, _, only)] = describe_log_dirs_v1(broker.bootstrap, {topic: [1, 9], "ghost": [0]})
    assert list(only) == [(topic, 1)]

    top, [(err, path, total, usable, sizes)] = describe_log_dirs_v4(broker.bootstrap)
    assert (top, err, path) == (0, 0, str(broker.data_dir))
    assert total > 0 and 0 <= usable <= total
    assert sizes[(topic, 0)] > 1000


# ---------------------------------------------------------------------------------------------
# The log cleaner: retention and compaction


@pytest.mark.timeout_s(90)
def test_retention_bytes_deletes_old_segments_and_consumers_reset_to_the_new_start(broker_factory):
    b = broker_factory(CLEANER)
    topic = unique_topic("retbytes")
    create_topic(b.bootstrap, topic, config={"segment.bytes": "1024"})
    produce_values(b.bootstrap, topic, [(None, b"r%03d" % i + b"." * 200) for i in range(60)])
    assert watermarks(b.bootstrap, topic, 1)[0] == (0, 60)
    files_before = len(segment_files(b, topic))
    assert files_before >= 10

    # A dynamic change: the cleaner applies the new retention.bytes at its next pass.
    assert alter(b.bootstrap, ConfigResource("topic", topic, set_config={
        "segment.bytes": "1024", "retention.bytes": "3000"})) is None
    low = wait_until(lambda: watermarks(b.bootstrap, topic, 1)[0][0], 30, "the log start to move")
    assert low > 0
    assert len(segment_files(b, topic)) < files_before

    msgs = read_from_start(b.bootstrap, topic)
    first = msgs[0].offset()
    assert low <= first <= watermarks(b.bootstrap, topic, 1)[0][0]
    assert [m.offset() for m in msgs] == list(range(first, 60))
    assert msgs[0].value().startswith(b"r%03d" % first)
    with kw.Connection(b.bootstrap) as conn:
        res = kw.parse_fetch_v4(conn.roundtrip(kw.fetch_v4_request(1, topic, 0, 0), 1))
    assert res[(topic, 0)].error_code == ERR_OFFSET_OUT_OF_RANGE


@pytest.mark.timeout_s(90)
def test_retention_ms_deletes_segments_with_old_records(broker_factory):
    b = broker_factory(CLEANER)
    topic = unique_topic("retms")
    create_topic(b.bootstrap, topic, config={"segment.bytes": "1024", "retention.ms": "60000"})
    an_hour_ago = int(time.time() * 1000) - 3600_000
    produce_values(b.bootstrap, topic, [(None, b"old" + b"." * 200)] * 20, timestamp=an_hour_ago)
    # Every record is past retention, including the active segment's (rolled, then deleted).
    wait_until(lambda: watermarks(b.bootstrap, topic, 1)[0] == (20, 20), 30,
               "every old segment to be deleted")
    produce_values(b.bootstrap, topic, [(None, b"new")])
    msgs = read_from_start(b.bootstrap, topic)
    assert [(m.offset(), m.value()) for m in msgs] == [(20, b"new")]


def records_by_key(msgs) -> dict:
    out: dict = {}
    for m in msgs:
        out.setdefault(m.key(), []).append((m.offset(), m.value()))
    return out


@pytest.mark.timeout_s(120)
def test_max_compaction_lag_rolls_the_active_segment_so_old_duplicates_go(broker_factory):
    """segment.bytes and segment.ms are far off, so without max.compaction.lag.ms every record
    would stay in the active segment, which is never compacted."""
    b = broker_factory(CLEANER)
    topic = unique_topic("maxlag")
    create_topic(b.bootstrap, topic, config={"cleanup.policy": "compact",
                                             "max.compaction.lag.ms": "500"})
    produce_values(b.bootstrap, topic, [(b"k", b"v%d" % n) for n in range(5)])
    time.sleep(0.6)
    # The next append finds the active segment older than the lag and rolls it.
    last = produce_values(b.bootstrap, topic, [(b"k", b"latest")])[-1]

    def compacted():
        got = records_by_key(read_from_start(b.bootstrap, topic))
        return got if len(got[b"k"]) == 1 else None

    got = wait_until(compacted, 30, "the rolled segment to be compacted")
    assert got[b"k"] == [(last.offset, b"latest")]
    assert len(segment_files(b, topic)) == 2


def test_min_compaction_lag_above_max_is_invalid_config(broker):
    client = admin(broker.bootstrap)
    topic = unique_topic("lagorder")
    futures = client.create_topics([NewTopic(topic, 1, 1, config={
        "min.compaction.lag.ms": "2000", "max.compaction.lag.ms": "1000"})],
        operation_timeout=10, request_timeout=10)
    err = topic_future_error(futures[topic])
    assert err is not None and err.code() == KafkaError.INVALID_CONFIG, err
    assert "min.compaction.lag.ms (2000)" in err.str() and "max.compaction.lag.ms (1000)" in err.str()

    create_topic(broker.bootstrap, topic, config={"max.compaction.lag.ms": "1000"})
    err = alter(broker.bootstrap, ConfigResource("topic", topic, set_config={
        "max.compaction.lag.ms": "1000", "min.compaction.lag.ms": "1001"}))
    assert err is not None and err.code() == KafkaError.INVALID_CONFIG, err
    assert describe_topic(broker.bootstrap, topic)["min.compaction.lag.ms"].value == "0"


def test_min_cleanable_dirty_ratio_is_a_double_in_zero_to_one(broker):
    topic = unique_topic("ratio")
    create_topic(broker.bootstrap, topic, config={"min.cleanable.dirty.ratio": "0.25"})
    err, _, configs = describe_configs_v3(broker.bootstrap, RESOURCE_TOPIC, topic,
                                          ["min.cleanable.dirty.ratio"])
    assert err == 0
    # Kafka's ConfigType DOUBLE is 6.
    assert (configs["min.cleanable.dirty.ratio"]["value"],
            configs["min.cleanable.dirty.ratio"]["type"]) == ("0.25", 6)
    assert configs["min.cleanable.dirty.ratio"]["synonyms"][1] == (
        "log.cleaner.min.cleanable.ratio", "0.5", 5)


def test_compaction_keeps_the_latest_value_per_key_and_drops_old_tombstones(broker_factory):
    b = broker_factory(CLEANER)
    topic = unique_topic("compact")
    settings = {"cleanup.policy": "compact", "segment.bytes": "1024",
                "delete.retention.ms": "3600000"}
    create_topic(b.bootstrap, topic, config=settings)
    keys = [b"k%d" % i for i in range(5)]
    versions = [(k, b"%s-v%02d" % (k, n)) for n in range(20) for k in keys]
    reports = produce_values(b.bootstrap, topic, versions + [(b"k4", None)]
                             + [(b"f%02d" % i, b"filler") for i in range(30)])
    latest = {}
    for d in reports:
        latest[d.key] = (d.offset, d.value)
    high = reports[-1].offset + 1

    def compacted():
        got = records_by_key(read_from_start(b.bootstrap, topic))
        return got if all(len(v) == 1 for v in got.values()) else None

    got = wait_until(compacted, 60, "every key to keep one record")
    for k in keys[:4]:
        assert got[k] == [latest[k]], k
    # The tombstone is young (delete.retention.ms is an hour): it stays, and k4's values go.
    assert got[b"k4"] == [(latest[b"k4"][0], None)]
    assert all(got[b"f%02d" % i] == [latest[b"f%02d" % i]] for i in range(30))
    assert watermarks(b.bootstrap, topic, 1)[0] == (0, high)

    # With delete.retention.ms lowered, the tombstone goes at the log's next compaction. As in
    # Kafka, that waits for new records to make the log dirty enough (min.cleanable.dirty.ratio
    # 0.5: more bytes sealed since the last compaction than it left).
    assert alter(b.bootstrap, ConfigResource("topic", topic, set_config={
        **settings, "delete.retention.ms": "100"})) is None
    more = produce_values(b.bootstrap, topic, [(b"g%02d" % i, b"filler") for i in range(60)])
    got = wait_until(lambda: (lambda g: g if b"k4" not in g else None)(
        records_by_key(read_from_start(b.bootstrap, topic))), 60, "the tombstone to go")
    for k in keys[:4]:
        assert got[k] == [latest[k]], k
    assert watermarks(b.bootstrap, topic, 1)[0][1] == more[-1].offset + 1


def test_log_cleaner_enable_false_leaves_compacted_topics_as_written(broker_factory):
    b = broker_factory({**CLEANER, "log.cleaner.enable": "false"})
    compacted, bounded = unique_topic("nocompact"), unique_topic("bounded")
    create_topic(b.bootstrap, compacted, config={"cleanup.policy": "compact",
                                                 "segment.bytes": "1024"})
    create_topic(b.bootstrap, bounded, config={"segment.bytes": "1024", "retention.bytes": "2000"})
    produce_values(b.bootstrap, compacted, [(b"k", b"v%02d" % i + b"." * 100) for i in range(40)])
    produce_values(b.bootstrap, bounded, [(None, b"." * 200) for _ in range(40)])
    # Retention deleting the second topic's segments shows a pass went over both topics.
    wait_until(lambda: watermarks(b.bootstrap, bounded, 1)[0][0] > 0, 30, "retention to run")
    assert len(records_by_key(read_from_start(b.bootstrap, compacted))[b"k"]) == 40


def max_dirty_percent(b) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{b.http_port}/metrics", timeout=10) as resp:
        text = resp.read().decode()
    return next(float(line.split()[1]) for line in text.splitlines()
                if line.startswith("kafka_log_logcleanermanager_max_dirty_percent "))


@pytest.mark.timeout_s(120)
def test_min_cleanable_dirty_ratio_holds_compaction_back_until_enough_is_dirty(broker_factory):
    """Kafka compacts a log only when the bytes sealed since its last compaction are more than
    min.cleanable.dirty.ratio of the log, or max.compaction.lag.ms says so."""
    b = broker_factory(CLEANER)
    topic = unique_topic("dirty")
    create_topic(b.bootstrap, topic, config={"cleanup.policy": "compact", "segment.bytes": "1024"})
    # The first compaction finds the whole log dirty and drops d's first value.
    produce_values(b.bootstrap, topic, [(b"d", b"v1"), (b"d", b"v2")]
                   + [(b"u%02d" % i, b"." * 50) for i in range(60)])
    wait_until(lambda: len(records_by_key(read_from_start(b.bootstrap, topic))[b"d"]) == 1, 30,
               "the first compaction")

    # A sixth as much again, d's third value among it: dirty, but well below 0.5.
    produce_values(b.bootstrap, topic, [(b"d", b"v3")] + [(b"w%02d" % i, b"." * 50)
                                                          for i in range(12)])
    # The gauge shows that a pass measured the new segments (and left the log as it was).
    dirty = wait_until(lambda: (lambda p: p if p > 0 else None)(max_dirty_percent(b)), 30,
                       "a cleaner pass to see the new segments")
    assert dirty < 50
    assert [v for _, v in records_by_key(read_from_start(b.bootstrap, topic))[b"d"]] == [
        b"v2", b"v3"]

    # Lowering the ratio below the log's dirty share lets the next pass compact it.
    assert alter(b.bootstrap, ConfigResource("topic", topic, set_config={
        "cleanup.policy": "compact", "segment.bytes": "1024",
        "min.cleanable.dirty.ratio": "0.01"})) is None
    got = wait_until(lambda: (lambda g: g if len(g[b"d"]) == 1 else None)(
        records_by_key(read_from_start(b.bootstrap, topic))), 30, "the second compaction")
    assert [v for _, v in got[b"d"]] == [b"v3"]
    assert len(got) == 1 + 60 + 12
