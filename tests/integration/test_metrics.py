"""GET /metrics over real HTTP: Prometheus text that Debian's prometheus_client parses, every
family of docs/metrics.md present with its type, and the counters moving by the right amounts
as records are produced, fetched, committed and refused."""

from __future__ import annotations

import time
import urllib.request

import pytest
from confluent_kafka import TopicPartition
from prometheus_client.parser import text_string_to_metric_families

import kafka_wire as kw
from clients import (
    GroupMember,
    admin,
    consume_all,
    create_topics,
    flush,
    poll_members,
    producer,
    unique_topic,
    wait_until,
)

BASE_TS = 1_700_000_000_000

# Family name as prometheus_client reports it (a counter's without "_total") -> type.
FAMILIES = {
    "kafka_network_requests": "counter",
    "kafka_network_request_errors": "counter",
    "kafka_network_request_duration_seconds": "histogram",
    "kafka_server_connections": "gauge",
    "kafka_server_connections_created": "counter",
    "kafka_server_connections_closed": "counter",
    "kafka_server_brokertopicmetrics_bytes_in": "counter",
    "kafka_server_brokertopicmetrics_bytes_out": "counter",
    "kafka_server_brokertopicmetrics_messages_in": "counter",
    "kafka_server_brokertopicmetrics_produce_requests": "counter",
    "kafka_server_brokertopicmetrics_fetch_requests": "counter",
    "kafka_log_size_bytes": "gauge",
    "kafka_log_log_start_offset": "gauge",
    "kafka_log_log_end_offset": "gauge",
    "kafka_cluster_partition_high_watermark": "gauge",
    "kafka_log_segments": "gauge",
    "kafka_server_topics": "gauge",
    "kafka_server_partitions": "gauge",
    "kafka_log_logcleanermanager_max_dirty_percent": "gauge",
    "kafka_log_flush_duration_seconds": "histogram",
    "kafka_log_flushes": "counter",
    "kafka_consumergroup_committed_offset": "gauge",
    "kafka_consumergroup_lag": "gauge",
    "kafka_consumergroup_members": "gauge",
    "process_resident_memory_bytes": "gauge",
    "process_virtual_memory_bytes": "gauge",
    "process_cpu_seconds": "counter",
    "process_open_fds": "gauge",
    "process_max_fds": "gauge",
    "process_start_time_seconds": "gauge",
}

GROUP_SETTINGS = {"group.initial.rebalance.delay.ms": 0}


class Scrape:
    """One parsed /metrics answer."""

    def __init__(self, text: str):
        self.text = text
        self.families = {f.name: f for f in text_string_to_metric_families(text)}

    def value(self, sample: str, **labels: str) -> float | None:
        """The value of the sample named `sample` whose labels include `labels`; None if there
        is none. Exactly one sample may match."""
        family = sample
        for suffix in ("_total", "_bucket", "_count", "_sum"):
            if sample.endswith(suffix) and sample[: -len(suffix)] in self.families:
                family = sample[: -len(suffix)]
                break
        f = self.families.get(family)
        if f is None:
            return None
        found = [s.value for s in f.samples
                 if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items())]
        assert len(found) <= 1, f"{sample}{labels} matches {len(found)} samples"
        return found[0] if found else None

    def get(self, sample: str, **labels: str) -> float:
        v = self.value(sample, **labels)
        assert v is not None, f"no sample {sample}{labels} in\n{self.text}"
        return v

    def counter(self, sample: str, **labels: str) -> float:
        """A counter sample; a labelled series that does not exist yet counts as 0."""
        v = self.value(sample, **labels)
        return 0.0 if v is None else v


def http_port(broker) -> int:
    port = getattr(broker, "http_port", None)
    assert port, "the broker fixture has no HTTP port (conftest passes --http 127.0.0.1:0)"
    return port


def scrape(broker) -> Scrape:
    url = f"http://127.0.0.1:{http_port(broker)}/metrics"
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.status == 200
        content_type = resp.headers.get("Content-Type", "")
        body = resp.read()
    assert content_type.startswith("text/plain") and "version=0.0.4" in content_type, content_type
    text = body.decode("utf-8")
    assert text.endswith("\n")
    return Scrape(text)


def produce_raw(broker, topic: str, partition: int, batch: bytes) -> int:
    """One Produce v3 (acks=all) of `batch`; returns the partition's error code."""
    with kw.Connection(broker.bootstrap) as conn:
        res = kw.parse_produce_v3(conn.roundtrip(kw.produce_v3_request(1, topic, partition, batch), 1))
    return res[(topic, partition)].error_code


def fetch_raw(broker, topic: str, partition: int, offset: int) -> kw.FetchPartitionResult:
    with kw.Connection(broker.bootstrap) as conn:
        res = kw.parse_fetch_v4(conn.roundtrip(kw.fetch_v4_request(1, topic, partition, offset), 1))
    return res[(topic, partition)]


# ---------------------------------------------------------------------------------------------


def test_metrics_is_prometheus_text_with_every_family(broker):
    topic = unique_topic("metrics-families")
    create_topics(broker.bootstrap, {topic: 2})
    s = scrape(broker)

    for name, typ in FAMILIES.items():
        assert name in s.families, f"family {name} missing from /metrics"
        assert s.families[name].type == typ, f"{name} is a {s.families[name].type}, expected {typ}"
        assert s.families[name].documentation, f"{name} has no HELP text"
    # Every sample line belongs to a declared family (the parser makes orphans "unknown").
    untyped = [f.name for f in s.families.values() if f.type == "unknown"]
    assert not untyped, f"samples without # TYPE: {untyped}"

    # Every API has its series from the start, at 0 or more.
    for api in ("Produce", "Fetch", "Metadata", "ApiVersions", "JoinGroup", "OffsetCommit"):
        assert s.value("kafka_network_requests_total", request=api) is not None, api
        assert s.value("kafka_network_request_duration_seconds_count", request=api) is not None, api
    buckets = [x for x in s.families["kafka_network_request_duration_seconds"].samples
               if x.name.endswith("_bucket") and x.labels["request"] == "Metadata"]
    assert buckets and buckets[-1].labels["le"] == "+Inf"
    assert [b.value for b in buckets] == sorted(b.value for b in buckets), "buckets are cumulative"

    # The new topic's counters exist at 0, and its partitions are described.
    for counter in ("bytes_in", "bytes_out", "messages_in", "produce_requests", "fetch_requests"):
        assert s.get(f"kafka_server_brokertopicmetrics_{counter}_total", topic=topic) == 0
    for p in ("0", "1"):
        assert s.get("kafka_log_size_bytes", topic=topic, partition=p) == 0
        assert s.get("kafka_log_log_end_offset", topic=topic, partition=p) == 0
        assert s.get("kafka_cluster_partition_high_watermark", topic=topic, partition=p) == 0
        assert s.get("kafka_log_segments", topic=topic, partition=p) == 1
    assert s.get("kafka_server_topics") >= 1
    assert s.get("kafka_server_partitions") >= 2

    assert s.get("process_resident_memory_bytes") > 0
    assert s.get("process_open_fds") > 0
    assert abs(s.get("process_start_time_seconds") - time.time()) < 3600


def test_produce_moves_the_topic_and_request_counters(broker):
    topic = unique_topic("metrics-produce")
    create_topics(broker.bootstrap, {topic: 1})
    before = scrape(broker)
    messages = 5

    p = producer(broker.bootstrap, {"linger.ms": 0})
    for i in range(messages):
        p.produce(topic, value=f"value-{i}".encode() * 10, key=f"k{i}".encode(), partition=0)
        flush(p)  # one Produce request per message
    after = scrape(broker)

    def delta(sample, **labels):
        return after.counter(sample, **labels) - before.counter(sample, **labels)

    log_size = after.get("kafka_log_size_bytes", topic=topic, partition="0")
    assert log_size > 0
    assert delta("kafka_server_brokertopicmetrics_bytes_in_total", topic=topic) == log_size
    assert delta("kafka_server_brokertopicmetrics_messages_in_total", topic=topic) == messages
    assert delta("kafka_server_brokertopicmetrics_produce_requests_total", topic=topic) == messages
    assert delta("kafka_network_requests_total", request="Produce") == messages
    assert delta("kafka_network_request_duration_seconds_count", request="Produce") == messages
    assert delta("kafka_network_request_duration_seconds_sum", request="Produce") > 0
    assert delta("kafka_network_request_errors_total", request="Produce",
                 error="UNKNOWN_TOPIC_OR_PARTITION") == 0

    # acks=all: everything is durable, so the high watermark is at the log end.
    assert after.get("kafka_log_log_end_offset", topic=topic, partition="0") == messages
    assert after.get("kafka_cluster_partition_high_watermark", topic=topic, partition="0") == messages
    assert after.get("kafka_log_log_start_offset", topic=topic, partition="0") == 0
    assert delta("kafka_log_flushes_total") >= 1
    assert delta("kafka_log_flush_duration_seconds_count") == delta("kafka_log_flushes_total")
    assert delta("kafka_server_connections_created_total") >= 1


def test_exact_bytes_in_and_out_with_a_raw_batch(broker):
    topic = unique_topic("metrics-raw")
    create_topics(broker.bootstrap, {topic: 1})
    batch = kw.record_batch([(b"k", b"v" * 100), (None, b"w" * 50), (b"x", None)], base_timestamp=BASE_TS)
    before = scrape(broker)
    assert produce_raw(broker, topic, 0, batch) == 0
    got = fetch_raw(broker, topic, 0, 0)
    assert got.error_code == 0 and len(got.records) == len(batch)
    after = scrape(broker)

    def delta(sample, **labels):
        return after.counter(sample, **labels) - before.counter(sample, **labels)

    assert delta("kafka_server_brokertopicmetrics_bytes_in_total", topic=topic) == len(batch)
    assert delta("kafka_server_brokertopicmetrics_messages_in_total", topic=topic) == 3
    assert delta("kafka_server_brokertopicmetrics_bytes_out_total", topic=topic) == len(batch)
    assert delta("kafka_server_brokertopicmetrics_fetch_requests_total", topic=topic) == 1
    assert delta("kafka_network_requests_total", request="Fetch") == 1
    assert delta("kafka_network_requests_total", request="Produce") == 1
    assert after.get("kafka_log_size_bytes", topic=topic, partition="0") == len(batch)


def test_consuming_moves_bytes_out(broker):
    topic = unique_topic("metrics-consume")
    create_topics(broker.bootstrap, {topic: 1})
    p = producer(broker.bootstrap)
    for i in range(20):
        p.produce(topic, value=b"x" * 200, partition=0)
    flush(p)
    before = scrape(broker)
    got = consume_all(broker.bootstrap, topic, 1, min_count=20)
    assert len(got[0]) == 20
    after = scrape(broker)
    log_size = after.get("kafka_log_size_bytes", topic=topic, partition="0")
    moved = (after.counter("kafka_server_brokertopicmetrics_bytes_out_total", topic=topic)
             - before.counter("kafka_server_brokertopicmetrics_bytes_out_total", topic=topic))
    assert moved >= log_size > 0
    assert (after.counter("kafka_server_brokertopicmetrics_fetch_requests_total", topic=topic)
            > before.counter("kafka_server_brokertopicmetrics_fetch_requests_total", topic=topic))
    assert (after.counter("kafka_network_requests_total", request="Fetch")
            > before.counter("kafka_network_requests_total", request="Fetch"))


@pytest.mark.timeout_s(90)
def test_consumer_group_lag_committed_offset_and_members(broker_factory):
    broker = broker_factory(GROUP_SETTINGS)
    topic = unique_topic("metrics-lag")
    group = unique_topic("metrics-group")
    create_topics(broker.bootstrap, {topic: 1})
    p = producer(broker.bootstrap)
    for i in range(10):
        p.produce(topic, value=f"m{i}".encode(), partition=0)
    flush(p)

    member = GroupMember(broker.bootstrap, group, [topic])
    try:
        poll_members([member], lambda: len(member.messages) >= 10, 30, "10 messages")
        member.consumer.commit(offsets=[TopicPartition(topic, 0, 4)], asynchronous=False)
        s = scrape(broker)
        assert s.get("kafka_consumergroup_committed_offset", group=group, topic=topic, partition="0") == 4
        assert s.get("kafka_consumergroup_lag", group=group, topic=topic, partition="0") == 6
        assert s.get("kafka_consumergroup_members", group=group) == 1

        member.consumer.commit(offsets=[TopicPartition(topic, 0, 10)], asynchronous=False)
        s = scrape(broker)
        assert s.get("kafka_consumergroup_lag", group=group, topic=topic, partition="0") == 0
    finally:
        member.close()
    # Leaving the group empties it; the committed offset stays.
    wait_until(lambda: scrape(broker).get("kafka_consumergroup_members", group=group) == 0, 20,
               "the group to have no members")
    s = scrape(broker)
    assert s.get("kafka_consumergroup_committed_offset", group=group, topic=topic, partition="0") == 10


def test_error_counters_move(broker):
    topic = unique_topic("metrics-errors")
    create_topics(broker.bootstrap, {topic: 1})
    before = scrape(broker)
    batch = kw.record_batch([(None, b"v")], base_timestamp=BASE_TS)
    assert produce_raw(broker, topic, 7, batch) == 3  # UNKNOWN_TOPIC_OR_PARTITION
    assert fetch_raw(broker, topic, 7, 0).error_code == 3
    with kw.Connection(broker.bootstrap) as conn:  # KIP-511: answered UNSUPPORTED_VERSION
        r = conn.roundtrip(kw.api_versions_request(99, 5), 5)
        assert kw.parse_api_versions(r, 0).error_code == kw.ERR_UNSUPPORTED_VERSION
    after = scrape(broker)

    def delta(sample, **labels):
        return after.counter(sample, **labels) - before.counter(sample, **labels)

    assert delta("kafka_network_request_errors_total", request="Produce",
                 error="UNKNOWN_TOPIC_OR_PARTITION") == 1
    assert delta("kafka_network_request_errors_total", request="Fetch",
                 error="UNKNOWN_TOPIC_OR_PARTITION") == 1
    assert delta("kafka_network_request_errors_total", request="ApiVersions",
                 error="UNSUPPORTED_VERSION") == 1
    # A refused produce appends nothing.
    assert delta("kafka_server_brokertopicmetrics_messages_in_total", topic=topic) == 0
    assert delta("kafka_server_brokertopicmetrics_bytes_in_total", topic=topic) == 0


def test_connection_gauge_follows_open_connections(broker):
    before = scrape(broker)
    with kw.Connection(broker.bootstrap) as conn:
        kw.parse_api_versions(conn.roundtrip(kw.api_versions_request(0, 1), 1), 0)
        during = scrape(broker)
        assert during.get("kafka_server_connections") >= 1
        assert (during.get("kafka_server_connections_created_total")
                >= before.get("kafka_server_connections_created_total") + 1)
        closed_before = during.get("kafka_server_connections_closed_total")
    wait_until(lambda: scrape(broker).get("kafka_server_connections_closed_total") >= closed_before + 1,
               10, "the closed connection to be counted")
    s = scrape(broker)
    assert s.get("kafka_server_connections") == (s.get("kafka_server_connections_created_total")
                                                 - s.get("kafka_server_connections_closed_total"))


def test_deleted_topic_leaves_the_metrics(broker):
    topic = unique_topic("metrics-delete")
    create_topics(broker.bootstrap, {topic: 1})
    assert scrape(broker).value("kafka_server_brokertopicmetrics_bytes_in_total", topic=topic) == 0
    client = admin(broker.bootstrap)
    client.delete_topics([topic], operation_timeout=10, request_timeout=10)[topic].result(20)
    wait_until(lambda: scrape(broker).value("kafka_log_size_bytes", topic=topic, partition="0") is None,
               10, "the deleted topic's partitions to leave /metrics")
    s = scrape(broker)
    assert s.value("kafka_server_brokertopicmetrics_bytes_in_total", topic=topic) is None
