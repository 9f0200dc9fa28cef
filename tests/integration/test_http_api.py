"""The admin HTTP API (docs/http-api.md) over real HTTP against a real broker, checked against
what real Kafka clients see: topics made through the API are used by confluent-kafka, records
produced by clients are read through the API and the other way round, and group lag follows a
real consumer. Bad input gets a 4xx with a JSON error naming the problem."""

from __future__ import annotations

import base64
import json
import socket
import time
import urllib.error
import urllib.request

import pytest
from confluent_kafka import TopicPartition

import kafka_wire as kw
from clients import (DeliveryLog, GroupMember, close_all, consumer, create_topics, flush,
                     list_topics, poll_members, produce_records, producer, unique_topic,
                     wait_until)


class Api:
    """A tiny JSON client: call() returns (status, decoded body)."""

    def __init__(self, base_url: str):
        self.base = base_url

    def call(self, method: str, path: str, body=None, *, raw: bytes | None = None,
             headers: dict | None = None):
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                return res.status, _decode(res.read(), res.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as e:
            return e.code, _decode(e.read(), e.headers.get("Content-Type", ""))

    def get(self, path):
        return self.call("GET", path)

    def ok(self, method: str, path: str, body=None, status: int = 200):
        got, answer = self.call(method, path, body)
        assert got == status, f"{method} {path}: {got} {answer}"
        return answer


def _decode(data: bytes, content_type: str):
    if content_type.startswith("application/json"):
        return json.loads(data)
    return data.decode(errors="replace")


def assert_error(result, status: int, code: str, *message_parts: str):
    got, body = result
    assert got == status, f"expected {status} {code}, got {got} {body}"
    assert isinstance(body, dict) and "error" in body, body
    assert body["error"]["code"] == code, body
    for part in message_parts:
        assert part in body["error"]["message"], body


@pytest.fixture
def api(broker) -> Api:
    return Api(broker.http_url)


# -- health, cluster ---------------------------------------------------------------------------


def test_health_and_readiness(api):
    assert api.get("/healthz") == (200, {"status": "ok"})
    assert api.get("/readyz") == (200, {"status": "ready"})


def test_cluster_describes_the_broker(broker, api):
    create_topics(broker.bootstrap, {unique_topic(): 3})
    cluster = api.ok("GET", "/api/v1/cluster")
    assert cluster["controller_id"] == 1
    assert [b["port"] for b in cluster["brokers"]] == [broker.port]
    assert cluster["topic_count"] == 1 and cluster["partition_count"] == 3
    assert set(cluster["totals"]) == {"bytes_in", "bytes_out", "messages_in"}
    assert all(isinstance(v, int) for v in cluster["totals"].values()), cluster["totals"]
    assert len(cluster["cluster_id"]) > 10
    assert api.ok("GET", "/api/v1/brokers")["brokers"] == cluster["brokers"]


def test_totals_count_produced_records(broker, api):
    topic = unique_topic()
    create_topics(broker.bootstrap, {topic: 1})
    before = api.ok("GET", "/api/v1/cluster")["totals"]
    produce_records(broker.bootstrap, topic, [(None, b"x" * 100, 0) for _ in range(20)])
    after = api.ok("GET", "/api/v1/cluster")["totals"]
    assert after["messages_in"] - before["messages_in"] == 20
    assert after["bytes_in"] - before["bytes_in"] >= 20 * 100
    # Records produced through the API count too.
    api.ok("POST", f"/api/v1/topics/{topic}/messages", {"value": "y" * 100}, status=201)
    last = api.ok("GET", "/api/v1/cluster")["totals"]
    assert last["messages_in"] - after["messages_in"] == 1
    assert last["bytes_in"] - after["bytes_in"] >= 100


# -- topics -----------------------------------------------------------------------------------


def test_topic_lifecycle_is_seen_by_kafka_clients(broker, api):
    topic = unique_topic("orders")
    created = api.ok("POST", "/api/v1/topics",
                     {"name": topic, "partitions": 3, "configs": {"retention.ms": "3600000"}},
                     status=201)
    assert created["partition_count"] == 3 and len(created["partitions"]) == 3
    assert list_topics(broker.bootstrap, topic).topics[topic].partitions.keys() == {0, 1, 2}

    detail = api.ok("GET", f"/api/v1/topics/{topic}")
    configs = {c["name"]: c for c in detail["configs"]}
    assert configs["retention.ms"]["value"] == "3600000"
    assert configs["retention.ms"]["source"] == "topic"
    assert configs["cleanup.policy"]["source"] == "default"
    assert detail["retention_ms"] == 3600000
    # The first group lookup creates __consumer_offsets.
    assert kw.find_coordinator(broker.bootstrap, "some-group").error_code == 0
    names = [t["name"] for t in api.ok("GET", "/api/v1/topics")["topics"]]
    assert topic in names and "__consumer_offsets" in names
    public = [t["name"] for t in api.ok("GET", "/api/v1/topics?internal=false")["topics"]]
    assert topic in public and "__consumer_offsets" not in public

    changed = api.ok("PATCH", f"/api/v1/topics/{topic}/configs",
                     {"set": {"max.message.bytes": 2000}, "delete": ["retention.ms"]})
    configs = {c["name"]: c for c in changed["configs"]}
    assert configs["max.message.bytes"]["value"] == "2000"
    assert configs["retention.ms"]["source"] == "default"
    # The change applies to Kafka producers at once.
    p = producer(broker.bootstrap)
    log = DeliveryLog()
    p.produce(topic, value=b"x" * 3000, partition=0, on_delivery=log)
    flush(p)
    assert log.reports[0].error is not None and log.reports[0].error.name() == "MSG_SIZE_TOO_LARGE"

    grown = api.ok("POST", f"/api/v1/topics/{topic}/partitions", {"count": 5})
    assert grown["partition_count"] == 5
    assert len(api.ok("GET", f"/api/v1/topics/{topic}/partitions")["partitions"]) == 5
    assert len(list_topics(broker.bootstrap, topic).topics[topic].partitions) == 5

    assert api.ok("DELETE", f"/api/v1/topics/{topic}") == {"deleted": topic}
    assert_error(api.get(f"/api/v1/topics/{topic}"), 404, "UNKNOWN_TOPIC_OR_PARTITION", topic)
    wait_until(lambda: topic not in list_topics(broker.bootstrap).topics, 10, "topic gone")


def test_topic_sizes_and_offsets_follow_the_log(broker, api):
    topic = unique_topic()
    create_topics(broker.bootstrap, {topic: 2})
    produce_records(broker.bootstrap, topic, [(None, b"v" * 50, 1) for _ in range(7)])
    detail = api.ok("GET", f"/api/v1/topics/{topic}")
    p0, p1 = detail["partitions"]
    assert (p0["log_start_offset"], p0["high_watermark"], p0["size_bytes"]) == (0, 0, 0)
    assert p1["high_watermark"] == 7 and p1["log_end_offset"] == 7 and p1["size_bytes"] > 350
    assert p1["leader"] == 1 and p1["replicas"] == [1] and p1["isr"] == [1]
    assert detail["record_count"] == 7 and detail["size_bytes"] == p1["size_bytes"]


def test_topic_create_errors(broker, api):
    topic = unique_topic()
    api.ok("POST", "/api/v1/topics", {"name": topic}, status=201)
    assert_error(api.call("POST", "/api/v1/topics", {"name": topic}), 409, "TOPIC_ALREADY_EXISTS")
    assert_error(api.call("POST", "/api/v1/topics", {"name": "bad/name"}), 400,
                 "INVALID_TOPIC_EXCEPTION")
    assert_error(api.call("POST", "/api/v1/topics", {"partitions": 3}), 400, "INVALID_REQUEST",
                 "'name'")
    assert_error(api.call("POST", "/api/v1/topics", {"name": unique_topic(), "partitions": 0}),
                 400, "INVALID_REQUEST", "partitions")
    assert_error(api.call("POST", "/api/v1/topics", {"name": unique_topic(), "partitions": "3"}),
                 400, "INVALID_REQUEST", "partitions")
    assert_error(api.call("POST", "/api/v1/topics",
                          {"name": unique_topic(), "configs": {"retention.ms": "soon"}}),
                 400, "INVALID_CONFIG", "retention.ms")
    assert_error(api.call("POST", "/api/v1/topics",
                          {"name": unique_topic(), "configs": {"no.such.property": "1"}}),
                 400, "INVALID_CONFIG", "no.such.property")
    assert_error(api.call("POST", "/api/v1/topics", raw=b"{not json"), 400, "INVALID_JSON")
    assert_error(api.call("POST", "/api/v1/topics", raw=b"[1, 2]"), 400, "INVALID_JSON", "object")
    assert_error(api.call("POST", "/api/v1/topics", raw=b""), 400, "INVALID_JSON")
    # Nothing half-made: only the first topic exists.
    names = [t["name"] for t in api.ok("GET", "/api/v1/topics?internal=false")["topics"]]
    assert names == [topic]


def test_topic_change_errors(broker, api):
    topic = unique_topic()
    api.ok("POST", "/api/v1/topics", {"name": topic, "partitions": 2}, status=201)
    assert_error(api.call("PATCH", f"/api/v1/topics/{topic}/configs",
                          {"set": {"cleanup.policy": "sometimes"}}),
                 400, "INVALID_CONFIG", "cleanup.policy")
    assert_error(api.call("PATCH", f"/api/v1/topics/{topic}/configs", {}), 400, "INVALID_REQUEST")
    assert_error(api.call("PATCH", f"/api/v1/topics/{topic}/configs", {"sett": {}}), 400,
                 "INVALID_REQUEST", "sett")
    assert_error(api.call("PATCH", "/api/v1/topics/nope/configs", {"set": {"retention.ms": "1"}}),
                 404, "UNKNOWN_TOPIC_OR_PARTITION")
    assert_error(api.call("POST", f"/api/v1/topics/{topic}/partitions", {"count": 2}), 400,
                 "INVALID_PARTITIONS")
    assert_error(api.call("POST", f"/api/v1/topics/{topic}/partitions", {"count": -1}), 400,
                 "INVALID_REQUEST", "count")
    assert_error(api.call("DELETE", "/api/v1/topics/nope"), 404, "UNKNOWN_TOPIC_OR_PARTITION")
    assert_error(api.call("DELETE", "/api/v1/topics/__consumer_offsets"), 400,
                 "INVALID_TOPIC_EXCEPTION")
    # The failed changes changed nothing.
    detail = api.ok("GET", f"/api/v1/topics/{topic}")
    assert detail["partition_count"] == 2
    assert all(c["source"] != "topic" for c in detail["configs"])


# -- messages ---------------------------------------------------------------------------------


def test_produce_through_the_api_and_read_with_a_kafka_consumer(broker, api):
    topic = unique_topic()
    create_topics(broker.bootstrap, {topic: 3})
    answer = api.ok("POST", f"/api/v1/topics/{topic}/messages",
                    {"key": "user-1", "value": '{"amount": 3}',
                     "headers": [{"key": "trace", "value": "abc"}]}, status=201)
    # Keyed records go where the Java client would send them: murmur2("user-1") % 3.
    deliveries = produce_records(broker.bootstrap, topic, [(b"user-1", b"from-kafka", None)])
    assert answer["partition"] == deliveries[0].partition
    assert answer["offset"] == 0 and answer["timestamp"] > 0

    c = consumer(broker.bootstrap)
    c.assign([TopicPartition(topic, answer["partition"], 0)])
    msg = None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            msg = m
            break
    c.close()
    assert msg is not None
    assert (msg.key(), msg.value(), msg.headers()) == (b"user-1", b'{"amount": 3}',
                                                       [("trace", b"abc")])
    assert msg.timestamp()[1] == answer["timestamp"]


def test_read_pages_by_offset_timestamp_and_position(broker, api):
    topic = unique_topic()
    create_topics(broker.bootstrap, {topic: 2})
    before = int(time.time() * 1000)
    produce_records(broker.bootstrap, topic, [(f"k{i}".encode(), f"v{i}".encode(), 0)
                                              for i in range(10)])
    produce_records(broker.bootstrap, topic, [(None, b"p1", 1)])

    page = api.ok("GET", f"/api/v1/topics/{topic}/messages?partition=0&offset=3&limit=4")
    assert [m["offset"] for m in page["messages"]] == [3, 4, 5, 6]
    assert [m["value"] for m in page["messages"]] == ["v3", "v4", "v5", "v6"]
    assert page["messages"][0]["key"] == "k3"
    assert page["messages"][0]["key_base64"] == base64.b64encode(b"k3").decode()
    assert page["messages"][0]["timestamp"] >= before
    assert page["messages"][0]["timestamp_type"] == "create_time"
    assert page["partitions"] == [{"partition": 0, "log_start_offset": 0, "high_watermark": 10,
                                   "next_offset": 7}]
    # Tailing from next_offset gives the rest, then nothing until more arrives.
    rest = api.ok("GET", f"/api/v1/topics/{topic}/messages?partition=0&offset=7")
    assert [m["offset"] for m in rest["messages"]] == [7, 8, 9]
    assert api.ok("GET", f"/api/v1/topics/{topic}/messages?partition=0&offset=10")["messages"] == []

    newest = api.ok("GET", f"/api/v1/topics/{topic}/messages?limit=2")
    assert [(m["partition"], m["offset"]) for m in newest["messages"]] == [(0, 8), (0, 9), (1, 0)]
    oldest = api.ok("GET", f"/api/v1/topics/{topic}/messages?from=beginning&limit=1")
    assert [(m["partition"], m["offset"]) for m in oldest["messages"]] == [(0, 0), (1, 0)]
    future = int(time.time() * 1000) + 3_600_000
    assert api.ok("GET", f"/api/v1/topics/{topic}/messages?timestamp={future}")["messages"] == []
    by_time = api.ok("GET", f"/api/v1/topics/{topic}/messages?partition=0&timestamp={before}")
    assert by_time["messages"][0]["offset"] == 0


def test_binary_null_and_json_values(broker, api):
    topic = unique_topic()
    create_topics(broker.bootstrap, {topic: 1})
    binary = bytes([0, 159, 146, 150, 255])
    api.ok("POST", f"/api/v1/topics/{topic}/messages",
           {"partition": 0, "key": None, "value_base64": base64.b64encode(binary).decode(),
            "headers": {"h": None}}, status=201)
    api.ok("POST", f"/api/v1/topics/{topic}/messages", {"partition": 0, "key": "k", "value": None},
           status=201)
    produce_records(broker.bootstrap, topic, [(b"\xff\xfe", "héllo ✓".encode(), 0)])
    first, tombstone, text = api.ok("GET", f"/api/v1/topics/{topic}/messages?partition=0&from=beginning")["messages"]
    assert first["key"] is None and first["key_base64"] is None
    assert first["value"] is None, "invalid UTF-8 is not shown as text"
    assert base64.b64decode(first["value_base64"]) == binary
    assert first["headers"] == [{"key": "h", "value": None, "value_base64": None}]
    assert tombstone["value"] is None and tombstone["value_base64"] is None
    assert text["value"] == "héllo ✓" and text["key"] is None
    assert base64.b64decode(text["key_base64"]) == b"\xff\xfe"


def test_compressed_batches_are_decoded(broker, api):
    topic = unique_topic()
    create_topics(broker.bootstrap, {topic: 1})
    p = producer(broker.bootstrap, {"compression.type": "zstd", "linger.ms": 50})
    for i in range(30):
        p.produce(topic, value=f"record-{i}".encode(), partition=0)
    flush(p)
    page = api.ok("GET", f"/api/v1/topics/{topic}/messages?partition=0&offset=12&limit=5")
    assert [m["value"] for m in page["messages"]] == [f"record-{i}" for i in range(12, 17)]


def test_message_errors(broker, api):
    topic = unique_topic()
    create_topics(broker.bootstrap, {topic: 2})
    base = f"/api/v1/topics/{topic}/messages"
    assert_error(api.get("/api/v1/topics/nope/messages"), 404, "UNKNOWN_TOPIC_OR_PARTITION", "nope")
    assert_error(api.get(base + "?partition=2"), 404, "UNKNOWN_TOPIC_OR_PARTITION", "partition 2")
    assert_error(api.get(base + "?offset=-1"), 400, "INVALID_REQUEST", "offset")
    assert_error(api.get(base + "?partition=-1"), 400, "INVALID_REQUEST", "partition")
    assert_error(api.get(base + "?offset=abc"), 400, "INVALID_REQUEST", "offset")
    assert_error(api.get(base + "?limit=0"), 400, "INVALID_REQUEST", "limit")
    assert_error(api.get(base + "?limit=5000"), 400, "INVALID_REQUEST", "limit")
    assert_error(api.get(base + "?offset=1&timestamp=5"), 400, "INVALID_REQUEST", "at most one")
    assert_error(api.get(base + "?from=middle"), 400, "INVALID_REQUEST", "from")
    assert_error(api.get(base + "?timestamp=-5"), 400, "INVALID_REQUEST", "timestamp")

    assert_error(api.call("POST", "/api/v1/topics/nope/messages", {"value": "x"}), 404,
                 "UNKNOWN_TOPIC_OR_PARTITION")
    assert_error(api.call("POST", base, {"partition": 7, "value": "x"}), 404,
                 "UNKNOWN_TOPIC_OR_PARTITION", "partition 7")
    assert_error(api.call("POST", base, {"partition": -1, "value": "x"}), 400, "INVALID_REQUEST")
    assert_error(api.call("POST", base, {"value": 5}), 400, "INVALID_REQUEST", "value")
    assert_error(api.call("POST", base, {"value_base64": "***"}), 400, "INVALID_REQUEST", "base64")
    assert_error(api.call("POST", base, {"value": "a", "value_base64": "YQ=="}), 400,
                 "INVALID_REQUEST", "not both")
    assert_error(api.call("POST", base, {"headers": [{"value": "x"}]}), 400, "INVALID_REQUEST",
                 "key")
    assert_error(api.call("POST", base, {"headers": "x"}), 400, "INVALID_REQUEST", "headers")
    assert_error(api.call("POST", base, raw=b'{"value": '), 400, "INVALID_JSON")
    assert kw.find_coordinator(broker.bootstrap, "any-group").error_code == 0
    assert_error(api.call("POST", "/api/v1/topics/__consumer_offsets/messages", {"value": "x"}),
                 400, "INVALID_TOPIC_EXCEPTION", "internal")
    api.ok("PATCH", f"/api/v1/topics/{topic}/configs", {"set": {"max.message.bytes": "1000"}})
    assert_error(api.call("POST", base, {"partition": 0, "value": "x" * 2000}), 413,
                 "MESSAGE_TOO_LARGE", "max.message.bytes")
    # Nothing was appended by any of the refused requests.
    assert all(p["high_watermark"] == 0
               for p in api.ok("GET", f"/api/v1/topics/{topic}/partitions")["partitions"])


def test_unknown_routes_and_oversized_bodies(api):
    assert_error(api.get("/api/v1/nothing"), 404, "NOT_FOUND", "/api/v1/nothing")
    assert_error(api.call("PUT", "/api/v1/topics"), 404, "NOT_FOUND")
    got, body = api.call("POST", "/api/v1/topics", raw=b"x" * (9 << 20))
    assert got == 413, (got, body)


def test_console_routes_serve_the_page(api):
    for path in ["/", "/topics", "/topics/orders.v1", "/groups/billing", "/produce"]:
        got, body = api.call("GET", path)
        assert got in (200, 503), (path, got)  # 503: a build without the console
        assert "<" in body
    got, _ = api.call("GET", "/assets/does-not-exist.js")
    assert got in (404, 503)


# -- groups -----------------------------------------------------------------------------------


def test_group_lag_follows_a_real_consumer(broker, api):
    topic = unique_topic()
    group = unique_topic("group")
    create_topics(broker.bootstrap, {topic: 2})
    produce_records(broker.bootstrap, topic, [(None, b"a", i % 2) for i in range(10)])

    member = GroupMember(broker.bootstrap, group, [topic], {"enable.auto.commit": False})
    try:
        poll_members([member], lambda: len(member.messages) >= 10, 60, "the consumer read all")
        member.consumer.commit(asynchronous=False)
        detail = wait_until(lambda: (d := api.ok("GET", f"/api/v1/groups/{group}"))["total_lag"] == 0
                            and d["state"] == "Stable" and d, 20, "lag 0")
        assert [m["client_id"] for m in detail["members"]] == [member.name]
        assigned = detail["members"][0]["assignments"]
        assert assigned == [{"topic": topic, "partitions": [0, 1]}]
        rows = {(o["topic"], o["partition"]): o for o in detail["offsets"]}
        assert rows[(topic, 0)]["committed_offset"] == 5 and rows[(topic, 0)]["lag"] == 0
        assert rows[(topic, 1)]["member_id"] == detail["members"][0]["member_id"]
        listed = {g["group_id"]: g for g in api.ok("GET", "/api/v1/groups")["groups"]}
        assert listed[group]["member_count"] == 1 and listed[group]["total_lag"] == 0
        assert listed[group]["topics"] == [topic]

        produce_records(broker.bootstrap, topic, [(None, b"b", 0) for _ in range(4)])
        assert api.ok("GET", f"/api/v1/groups/{group}")["total_lag"] == 4
        assert_error(api.call("POST", f"/api/v1/groups/{group}/offsets/reset",
                              {"topic": topic, "to": "earliest"}), 409, "NON_EMPTY_GROUP")
        assert_error(api.call("DELETE", f"/api/v1/groups/{group}"), 409, "NON_EMPTY_GROUP")
    finally:
        close_all([member])

    wait_until(lambda: api.ok("GET", f"/api/v1/groups/{group}")["members"] == [], 20, "member left")
    reset = api.ok("POST", f"/api/v1/groups/{group}/offsets/reset",
                   {"topic": topic, "to": "earliest"})
    assert reset["offsets"] == [{"topic": topic, "partition": 0, "offset": 0},
                                {"topic": topic, "partition": 1, "offset": 0}]
    assert api.ok("GET", f"/api/v1/groups/{group}")["total_lag"] == 14
    api.ok("POST", f"/api/v1/groups/{group}/offsets/reset",
           {"topic": topic, "partitions": [0], "to": "offset", "offset": 7})
    c = consumer(broker.bootstrap, {"group.id": group})
    committed = c.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout=10)
    c.close()
    assert [tp.offset for tp in committed] == [7, 0], "a Kafka client sees the reset offsets"

    assert api.ok("DELETE", f"/api/v1/groups/{group}") == {"deleted": group}
    assert_error(api.get(f"/api/v1/groups/{group}"), 404, "GROUP_ID_NOT_FOUND")


def test_group_errors(broker, api):
    topic = unique_topic()
    create_topics(broker.bootstrap, {topic: 1})
    assert_error(api.get("/api/v1/groups/nobody"), 404, "GROUP_ID_NOT_FOUND", "nobody")
    assert_error(api.call("DELETE", "/api/v1/groups/nobody"), 404, "GROUP_ID_NOT_FOUND")
    reset = "/api/v1/groups/g/offsets/reset"
    assert_error(api.call("POST", reset, {"to": "earliest"}), 400, "INVALID_REQUEST", "topic")
    assert_error(api.call("POST", reset, {"topic": topic, "to": "yesterday"}), 400,
                 "INVALID_REQUEST", "yesterday")
    assert_error(api.call("POST", reset, {"topic": topic, "to": "offset"}), 400, "INVALID_REQUEST",
                 "offset")
    assert_error(api.call("POST", reset, {"topic": topic, "to": "offset", "offset": -3}), 400,
                 "INVALID_REQUEST", "offset")
    assert_error(api.call("POST", reset, {"topic": topic, "to": "earliest", "partitions": [-1]}),
                 400, "INVALID_REQUEST", "partitions")
    assert_error(api.call("POST", reset, {"topic": topic, "to": "earliest", "partitions": [4]}),
                 404, "UNKNOWN_TOPIC_OR_PARTITION")
    assert_error(api.call("POST", reset, {"topic": "nope", "to": "earliest"}), 404,
                 "UNKNOWN_TOPIC_OR_PARTITION")
    assert_error(api.call("POST", reset, raw=b"nope"), 400, "INVALID_JSON")
    # None of the refused resets created the group.
    assert_error(api.get("/api/v1/groups/g"), 404, "GROUP_ID_NOT_FOUND")


def test_http_off_and_bad_http_flag(broker_factory, fjord_bin, tmp_path):
    import subprocess
    quiet = broker_factory(name="nohttp", start=False, extra_args=[])
    quiet.command = lambda: [str(fjord_bin), "serve", "--listen", "127.0.0.1:0", "--data-dir",
                             str(quiet.data_dir), "--port-file", str(quiet.port_file),
                             "--http", "off"]
    quiet.start()
    assert not quiet.http_port_file.exists()
    res = subprocess.run([str(fjord_bin), "serve", "--http", "nowhere"], capture_output=True,
                         timeout=15, cwd=tmp_path)
    assert res.returncode == 2 and b"--http" in res.stderr
    # A taken HTTP port is refused with a message naming it, before anything is served.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        taken = s.getsockname()[1]
        res = subprocess.run([str(fjord_bin), "serve", "--listen", "127.0.0.1:0", "--data-dir",
                              str(tmp_path / "d2"), "--http", f"127.0.0.1:{taken}"],
                             capture_output=True, timeout=15)
        assert res.returncode == 1 and f"127.0.0.1:{taken}".encode() in res.stderr, res.stderr
