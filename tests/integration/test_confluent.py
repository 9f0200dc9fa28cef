"""confluent-kafka (librdkafka 2.0.2): admin, produce in every codec, consume with assign(),
ListOffsets, size limits, topic auto-creation and long-poll fetch."""

from __future__ import annotations

import functools
import json
import os
import random
import time
import urllib.error
import urllib.request

import pytest
from confluent_kafka import TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME, KafkaError, TopicPartition
from confluent_kafka.admin import NewTopic

import kafka_wire
from clients import (
    DeliveryLog,
    admin,
    close_bounded,
    consume_all,
    consumer,
    create_topics,
    flush,
    list_topics,
    message_fields,
    producer,
    topic_future_error,
    unique_topic,
    wait_until,
    watermarks,
)

BASE_TS = 1_700_000_000_000  # explicit CreateTime timestamps, far from "now"


# ---------------------------------------------------------------------------------------------
# Admin: CreateTopics, DeleteTopics, Metadata


def test_create_topic_with_three_partitions(broker):
    topic = unique_topic("create")
    create_topics(broker.bootstrap, {topic: 3})

    md = list_topics(broker.bootstrap)
    assert {b.id: (b.host, b.port) for b in md.brokers.values()} == {1: ("127.0.0.1", broker.port)}
    assert md.controller_id == 1, "librdkafka sends CreateTopics/DeleteTopics to the controller"
    t = md.topics[topic]
    assert t.error is None, t.error
    assert sorted(t.partitions) == [0, 1, 2]
    for p in t.partitions.values():
        assert (p.leader, p.replicas, p.isrs, p.error) == (1, [1], [1], None), p


def test_create_topic_validate_only_creates_nothing(broker):
    topic = unique_topic("validate")
    client = admin(broker.bootstrap)  # must outlive its futures
    futures = client.create_topics(
        [NewTopic(topic, num_partitions=3, replication_factor=1)], validate_only=True,
        operation_timeout=10, request_timeout=10)
    assert topic_future_error(futures[topic]) is None
    assert topic not in list_topics(broker.bootstrap).topics


def test_create_topic_with_configs(broker):
    topic = unique_topic("configs")
    client = admin(broker.bootstrap)
    futures = client.create_topics(
        [NewTopic(topic, num_partitions=1, replication_factor=1,
                  config={"retention.ms": "60000", "cleanup.policy": "compact"})],
        operation_timeout=10, request_timeout=10)
    assert topic_future_error(futures[topic]) is None
    assert topic in list_topics(broker.bootstrap).topics


@pytest.mark.parametrize("config", [{"retention.msec": "1"}, {"retention.ms": "soon"},
                                    {"cleanup.policy": "keep"}],
                         ids=["unknown-name", "not-a-number", "bad-enum"])
def test_create_topic_with_invalid_config_is_invalid_config(broker, config):
    topic = unique_topic("badconfig")
    client = admin(broker.bootstrap)
    futures = client.create_topics([NewTopic(topic, 1, 1, config=config)],
                                    operation_timeout=10, request_timeout=10)
    err = topic_future_error(futures[topic])
    assert err is not None and err.code() == KafkaError.INVALID_CONFIG, err
    assert next(iter(config)) in err.str(), err.str()
    assert topic not in list_topics(broker.bootstrap).topics


def test_log_append_time_topic_stamps_broker_time(broker):
    topic = unique_topic("appendtime")
    client = admin(broker.bootstrap)
    futures = client.create_topics(
        [NewTopic(topic, 1, 1, config={"message.timestamp.type": "LogAppendTime"})],
        operation_timeout=10, request_timeout=10)
    assert topic_future_error(futures[topic]) is None
    before = int(time.time() * 1000)
    p = producer(broker.bootstrap, {"acks": "all"})
    for i in range(3):
        p.produce(topic, value=f"v{i}".encode(), timestamp=BASE_TS + i)
    flush(p)
    after = int(time.time() * 1000)
    messages = consume_all(broker.bootstrap, topic, 1, min_count=3)[0]
    assert [m.value() for m in messages] == [b"v0", b"v1", b"v2"]
    for m in messages:
        kind, ts = m.timestamp()
        assert kind == TIMESTAMP_LOG_APPEND_TIME, m.timestamp()
        assert before <= ts <= after, (before, ts, after)


def test_create_existing_topic_is_topic_already_exists(broker):
    topic = unique_topic("dup")
    create_topics(broker.bootstrap, {topic: 2})
    client = admin(broker.bootstrap)  # must outlive its futures
    futures = client.create_topics(
        [NewTopic(topic, num_partitions=2, replication_factor=1)], operation_timeout=10,
        request_timeout=10)
    err = topic_future_error(futures[topic])
    assert err is not None and err.code() == KafkaError.TOPIC_ALREADY_EXISTS, err


@pytest.mark.parametrize("name", ["bad topic!", ".", "..", "x" * 250, "slash/name"],
                         ids=["space-bang", "dot", "dotdot", "250-chars", "slash"])
def test_invalid_topic_name_is_invalid_topic_exception(broker, name):
    client = admin(broker.bootstrap)  # must outlive its futures
    futures = client.create_topics(
        [NewTopic(name, num_partitions=1, replication_factor=1)], operation_timeout=10,
        request_timeout=10)
    err = topic_future_error(futures[name])
    # INVALID_TOPIC_EXCEPTION (17) is TOPIC_EXCEPTION in librdkafka's names.
    assert err is not None and err.code() == KafkaError.TOPIC_EXCEPTION, err
    assert name not in list_topics(broker.bootstrap).topics


def test_longest_valid_topic_name_is_accepted(broker):
    name = "y" * 249
    create_topics(broker.bootstrap, {name: 1})
    assert name in list_topics(broker.bootstrap).topics


@pytest.mark.parametrize("partitions,replication,expected", [
    (0, 1, KafkaError.INVALID_PARTITIONS),
    (1, 3, KafkaError.INVALID_REPLICATION_FACTOR),
], ids=["zero-partitions", "rf-above-broker-count"])
def test_invalid_topic_settings_are_rejected(broker, partitions, replication, expected):
    topic = unique_topic("badcfg")
    client = admin(broker.bootstrap)  # must outlive its futures
    futures = client.create_topics(
        [NewTopic(topic, num_partitions=partitions, replication_factor=replication)],
        operation_timeout=10, request_timeout=10)
    err = topic_future_error(futures[topic])
    assert err is not None and err.code() == expected, err


def test_create_with_broker_default_partitions(broker_factory):
    b = broker_factory({"num.partitions": 2})
    topic = unique_topic("default-parts")
    # -1 = "broker default" (KIP-464, CreateTopics v4, which librdkafka 2.0.2 sends).
    client = admin(b.bootstrap)  # must outlive its futures
    futures = client.create_topics(
        [NewTopic(topic, num_partitions=-1, replication_factor=-1)], operation_timeout=10,
        request_timeout=10)
    assert topic_future_error(futures[topic]) is None
    assert len(list_topics(b.bootstrap).topics[topic].partitions) == 2


def test_delete_topic_and_unknown_topic(broker):
    topic = unique_topic("delete")
    create_topics(broker.bootstrap, {topic: 3})
    client = admin(broker.bootstrap)
    futures = client.delete_topics([topic], operation_timeout=10, request_timeout=10)
    assert topic_future_error(futures[topic]) is None
    wait_until(lambda: topic not in list_topics(broker.bootstrap).topics, 10,
               f"{topic} to disappear from metadata")

    missing = unique_topic("never-created")
    futures = client.delete_topics([missing], operation_timeout=10, request_timeout=10)
    err = topic_future_error(futures[missing])
    assert err is not None and err.code() == KafkaError.UNKNOWN_TOPIC_OR_PART, err

    # The name is free again.
    create_topics(broker.bootstrap, {topic: 1})
    assert len(list_topics(broker.bootstrap).topics[topic].partitions) == 1


def test_delete_topic_enable_false_keeps_every_topic(broker_factory):
    b = broker_factory({"delete.topic.enable": "false"})
    topic = unique_topic("kept")
    create_topics(b.bootstrap, {topic: 2})
    client = admin(b.bootstrap)
    futures = client.delete_topics([topic], operation_timeout=10, request_timeout=10)
    err = topic_future_error(futures[topic])
    # librdkafka 2.0 sends DeleteTopics v1, which has no TOPIC_DELETION_DISABLED: Kafka answers
    # it INVALID_REQUEST, and so does Fjord.
    assert err is not None and err.code() == KafkaError.INVALID_REQUEST, err
    # From v3 on, the answer is TOPIC_DELETION_DISABLED (73).
    with kafka_wire.Connection(b.bootstrap) as conn:
        body = kafka_wire.array([kafka_wire.string(topic)]) + kafka_wire.i32(10000)
        r = conn.roundtrip(kafka_wire.request(20, 3, 7, body), 7)
        r.i32()  # throttle_time_ms
        assert r.i32() == 1
        assert (r.string(), r.i16()) == (topic, 73)
    # The console's API is refused the same way.
    req = urllib.request.Request(f"{b.http_url}/api/v1/topics/{topic}", method="DELETE")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(req, timeout=10)
    assert refused.value.code == 403
    assert json.loads(refused.value.read())["error"]["code"] == "TOPIC_DELETION_DISABLED"
    assert len(list_topics(b.bootstrap).topics[topic].partitions) == 2


# ---------------------------------------------------------------------------------------------
# Produce in each codec, consume with assign(), compare every field


def _expected_wire_codec(codec: str, versions: dict[int, tuple[int, int]]) -> str:
    """What librdkafka 2.0.2 really puts on the wire for `codec` (CLIENTS.md §5): lz4 is only
    used when FindCoordinator v0 is advertised; otherwise it silently sends uncompressed."""
    if codec == "lz4":
        lo_hi = versions.get(kafka_wire.API_FIND_COORDINATOR)
        if lo_hi is None or lo_hi[0] > 0:
            return "none"
    return codec


@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4", "zstd"])
def test_produce_and_consume_every_field(broker, codec):
    topic = unique_topic(f"codec-{codec}")
    partitions = 3
    create_topics(broker.bootstrap, {topic: partitions})
    rnd = random.Random(codec)

    sent = []
    for i in range(300):
        key = None if i % 10 == 3 else f"key-{i % 7}".encode()
        if i % 50 == 7:
            value = None  # a tombstone
        elif i % 50 == 8:
            value = b""
        else:
            # Compressible text with some random bytes, sizes up to ~2 KB.
            value = (f"payment {i} " * rnd.randint(1, 120)).encode() + rnd.randbytes(8)
        headers = [("seq", str(i).encode()), ("dup", b"a"), ("dup", b"b"), ("empty", b"")]
        if i % 5 == 0:
            headers.append(("null", None))
        sent.append({"partition": i % partitions, "key": key, "value": value,
                     "headers": headers, "timestamp": BASE_TS + i * 1000})

    reports: dict[int, object] = {}

    def on_delivery(i, err, msg):
        reports[i] = (err, msg.partition(), msg.offset())

    p = producer(broker.bootstrap, {"compression.type": codec, "acks": "all"})
    for i, m in enumerate(sent):
        p.produce(topic, value=m["value"], key=m["key"], partition=m["partition"],
                  headers=m["headers"], timestamp=m["timestamp"],
                  on_delivery=functools.partial(on_delivery, i))
        p.poll(0)
    flush(p)

    assert len(reports) == len(sent)
    errors = {i: r[0] for i, r in reports.items() if r[0] is not None}
    assert not errors, f"delivery errors: {list(errors.items())[:5]}"
    for part in range(partitions):
        offsets = [reports[i][2] for i in range(len(sent)) if sent[i]["partition"] == part]
        assert offsets == list(range(len(offsets))), f"partition {part} offsets not sequential"

    got = consume_all(broker.bootstrap, topic, partitions)
    for part in range(partitions):
        want = [
            {"partition": part, "offset": reports[i][2], "key": m["key"], "value": m["value"],
             "headers": m["headers"], "timestamp": (TIMESTAMP_CREATE_TIME, m["timestamp"])}
            for i, m in enumerate(sent) if m["partition"] == part
        ]
        have = [message_fields(msg) for msg in got[part]]
        assert len(have) == len(want), f"partition {part}: {len(have)} != {len(want)}"
        for w, h in zip(want, have):
            assert h == w, f"partition {part} offset {w['offset']} differs"

    # What went over the wire and into the log: batches in the requested codec, CRCs intact.
    versions = kafka_wire.api_versions(broker.bootstrap).api_keys
    wire = _expected_wire_codec(codec, versions)
    for part in range(partitions):
        batches = kafka_wire.fetch_all_batches(broker.bootstrap, topic, part)
        assert batches and all(b.crc_ok for b in batches)
        stored = [b.compression for b in batches]
        # librdkafka sends a batch uncompressed when compressing would not make it smaller, so
        # "none" may appear next to the codec; but the codec must be there.
        assert wire in stored and set(stored) <= {wire, "none"}, (
            f"partition {part}: batches stored as {stored}, expected {wire} (codec {codec})")


# ---------------------------------------------------------------------------------------------
# ListOffsets


def test_watermarks_and_offsets_for_times(broker):
    topic = unique_topic("offsets")
    create_topics(broker.bootstrap, {topic: 2})
    log = DeliveryLog()
    p = producer(broker.bootstrap)
    for i in range(10):
        p.produce(topic, value=f"v{i}".encode(), partition=0, timestamp=BASE_TS + i * 1000,
                  on_delivery=log)
    flush(p)
    assert not log.errors()

    assert watermarks(broker.bootstrap, topic, 2) == {0: (0, 10), 1: (0, 0)}

    c = consumer(broker.bootstrap)
    try:
        def lookup(ts: int, part: int = 0) -> int:
            (tp,) = c.offsets_for_times([TopicPartition(topic, part, ts)], timeout=10)
            assert tp.error is None, tp.error
            return tp.offset

        assert lookup(BASE_TS - 1) == 0  # before everything: the first record
        assert lookup(BASE_TS) == 0
        assert lookup(BASE_TS + 3500) == 4  # first record with timestamp >= the target
        assert lookup(BASE_TS + 9000) == 9
        assert lookup(BASE_TS + 9001) == -1  # after everything: no such offset (OFFSET_END)
        assert lookup(BASE_TS, part=1) == -1  # empty partition
    finally:
        close_bounded(c)


# ---------------------------------------------------------------------------------------------
# acks=0 / acks=1


@pytest.mark.parametrize("acks", ["0", "1"])
def test_produce_with_weaker_acks(broker, acks):
    topic = unique_topic(f"acks{acks}")
    create_topics(broker.bootstrap, {topic: 1})
    log = DeliveryLog()
    p = producer(broker.bootstrap, {"acks": acks})
    for i in range(200):
        p.produce(topic, key=str(i).encode(), value=f"value-{i}".encode(), partition=0,
                  on_delivery=log)
    flush(p)
    assert len(log.reports) == 200 and not log.errors(), log.errors()[:3]
    if acks == "1":
        assert [d.offset for d in log.reports] == list(range(200))

    # acks=0 gets no response, so the data may land a little after flush(): poll for it.
    wait_until(lambda: watermarks(broker.bootstrap, topic, 1)[0] == (0, 200), 15,
               "all 200 records to be visible")
    got = consume_all(broker.bootstrap, topic, 1)[0]
    assert [(m.offset(), m.value()) for m in got] == [(i, f"value-{i}".encode()) for i in range(200)]

    # The connection used for acks=0 is still good for acknowledged requests.
    log2 = DeliveryLog()
    p2 = producer(broker.bootstrap, {"acks": "all"})
    p2.produce(topic, value=b"after", partition=0, on_delivery=log2)
    flush(p2)
    assert [(d.error, d.offset) for d in log2.reports] == [(None, 200)]


# ---------------------------------------------------------------------------------------------
# message.max.bytes


@pytest.mark.parametrize("broker_limit,size", [(None, 1_100_000), (10_000, 20_000)],
                         ids=["default-limit", "set-limit"])
def test_message_bigger_than_max_is_rejected(broker_factory, broker_limit, size):
    settings = {} if broker_limit is None else {"message.max.bytes": broker_limit}
    b = broker_factory(settings)
    topic = unique_topic("big")
    create_topics(b.bootstrap, {topic: 1})

    # The client's own limit is raised so that the broker is the one that says no.
    log = DeliveryLog()
    p = producer(b.bootstrap, {"message.max.bytes": 5_000_000, "compression.type": "none",
                               "batch.size": 5_000_000, "message.timeout.ms": 15000})
    p.produce(topic, value=os.urandom(size), partition=0, on_delivery=log)
    flush(p)
    assert len(log.reports) == 1
    err = log.reports[0].error
    assert err is not None and err.code() == KafkaError.MSG_SIZE_TOO_LARGE, err

    # The broker keeps serving, on a new connection and on the same producer.
    p.produce(topic, value=b"small", partition=0, on_delivery=log)
    flush(p)
    assert log.reports[1].error is None and log.reports[1].offset == 0
    assert topic in list_topics(b.bootstrap).topics
    assert watermarks(b.bootstrap, topic, 1) == {0: (0, 1)}


# ---------------------------------------------------------------------------------------------
# Auto-creation


def test_produce_to_unknown_topic_auto_creates_it(broker_factory):
    b = broker_factory({"num.partitions": 3})
    topic = unique_topic("auto")
    log = DeliveryLog()
    p = producer(b.bootstrap)
    for i in range(30):
        p.produce(topic, key=f"k{i}".encode(), value=b"v", on_delivery=log)
    flush(p)
    assert len(log.reports) == 30 and not log.errors(), log.errors()[:3]
    t = list_topics(b.bootstrap).topics[topic]
    assert len(t.partitions) == 3, "auto-created topics take num.partitions"


def test_default_broker_auto_creates_with_one_partition(broker):
    topic = unique_topic("auto1")
    log = DeliveryLog()
    p = producer(broker.bootstrap)
    p.produce(topic, value=b"v", on_delivery=log)
    flush(p)
    assert [(d.error, d.partition, d.offset) for d in log.reports] == [(None, 0, 0)]
    assert len(list_topics(broker.bootstrap).topics[topic].partitions) == 1


def test_unknown_topic_without_auto_create(broker_factory):
    b = broker_factory({"auto.create.topics.enable": "false"})
    topic = unique_topic("noauto")
    log = DeliveryLog()
    # librdkafka waits topic.metadata.propagation.max.ms for a topic to appear before failing
    # its messages; shorten that so the test does not wait 30 s.
    p = producer(b.bootstrap, {"topic.metadata.propagation.max.ms": 500,
                               "message.timeout.ms": 10000})
    p.produce(topic, value=b"v", on_delivery=log)
    flush(p, timeout=20)
    assert len(log.reports) == 1
    err = log.reports[0].error
    assert err is not None and err.code() in (KafkaError.UNKNOWN_TOPIC_OR_PART,
                                              KafkaError._UNKNOWN_TOPIC), err

    md = list_topics(b.bootstrap, topic=topic)
    t = md.topics.get(topic)
    assert t is not None and t.error is not None, "metadata for an unknown topic must carry an error"
    assert t.error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART, t.error
    assert topic not in list_topics(b.bootstrap).topics


# ---------------------------------------------------------------------------------------------
# Long poll


def test_fetch_long_poll_delivers_a_later_record(broker):
    topic = unique_topic("longpoll")
    create_topics(broker.bootstrap, {topic: 1})
    c = consumer(broker.bootstrap, {"fetch.wait.max.ms": 3000})
    try:
        c.assign([TopicPartition(topic, 0, 0)])
        # Wait until the consumer has reached the (empty) end and is parked in a fetch.
        deadline = time.monotonic() + 15
        while True:
            assert time.monotonic() < deadline, "consumer never reached the end of the partition"
            msg = c.poll(0.5)
            if msg is not None:
                assert msg.error() and msg.error().code() == KafkaError._PARTITION_EOF, msg.error()
                break

        log = DeliveryLog()
        p = producer(broker.bootstrap)
        p.produce(topic, value=b"late", partition=0, on_delivery=log)
        flush(p)
        produced_at = time.monotonic()
        assert not log.errors()

        deadline = time.monotonic() + 20
        while True:
            assert time.monotonic() < deadline, "the record produced later never arrived"
            msg = c.poll(0.5)
            if msg is None or (msg.error() and msg.error().code() == KafkaError._PARTITION_EOF):
                continue
            assert msg.error() is None, msg.error()
            break
        assert (msg.offset(), msg.value()) == (0, b"late")
        print(f"long-poll delivery took {time.monotonic() - produced_at:.3f}s")
    finally:
        close_bounded(c)


@pytest.mark.parametrize("topic_codec,producer_codec,stored", [
    ("gzip", "none", "gzip"),
    ("uncompressed", "zstd", "none"),
    ("zstd", "gzip", "zstd"),
], ids=["none-to-gzip", "zstd-to-uncompressed", "gzip-to-zstd"])
def test_topic_compression_type_reencodes_batches(broker, topic_codec, producer_codec, stored):
    topic = unique_topic(f"recode-{topic_codec}")
    client = admin(broker.bootstrap)
    futures = client.create_topics(
        [NewTopic(topic, 1, 1, config={"compression.type": topic_codec})],
        operation_timeout=10, request_timeout=10)
    assert topic_future_error(futures[topic]) is None
    p = producer(broker.bootstrap, {"compression.type": producer_codec, "acks": "all",
                                    "linger.ms": 50})
    sent = [(f"k{i % 3}".encode(), (f"value-{i}-" + "x" * 200).encode(), [("h", str(i).encode())])
            for i in range(50)]
    for key, value, headers in sent:
        p.produce(topic, key=key, value=value, headers=headers, timestamp=BASE_TS + 7)
    flush(p)
    messages = consume_all(broker.bootstrap, topic, 1, min_count=len(sent))[0]
    assert [(m.key(), m.value(), m.headers()) for m in messages] == sent
    assert [m.offset() for m in messages] == list(range(len(sent)))
    assert all(m.timestamp() == (TIMESTAMP_CREATE_TIME, BASE_TS + 7) for m in messages)
    batches = kafka_wire.fetch_all_batches(broker.bootstrap, topic, 0)
    assert batches and all(b.crc_ok for b in batches)
    assert {b.compression for b in batches} == {stored}, [b.compression for b in batches]
