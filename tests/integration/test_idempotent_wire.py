"""InitProducerId and idempotent Produce on the wire, byte for byte (docs/formats/producer-state.md
§1): ids, duplicates answered with their original offsets, out-of-order sequences, stale epochs,
fencing by a newer epoch, state kept across restarts (clean and SIGKILL), expiry, and
advertised.listeners."""

from __future__ import annotations

import subprocess

import pytest
from confluent_kafka.admin import ConfigResource, ConfigSource

import kafka_wire as kw
from clients import admin, create_topics, unique_topic, wait_until

TS = 1_700_000_000_000


class Producer:
    """One idempotent producer on one partition, sending raw Produce v3 (acks=all)."""

    def __init__(self, bootstrap: str, topic: str, producer_id: int, epoch: int = 0,
                 partition: int = 0):
        self.bootstrap = bootstrap
        self.topic = topic
        self.producer_id = producer_id
        self.epoch = epoch
        self.partition = partition
        self.corr = 0

    def send(self, seq: int, count: int = 1, *, epoch: int | None = None, tag: str = "v",
             acks: int = -1) -> kw.ProducePartitionResult:
        records = [(f"k{seq + i}".encode(), f"{tag}{seq + i}".encode()) for i in range(count)]
        batch = kw.record_batch(records, base_timestamp=TS, producer_id=self.producer_id,
                                producer_epoch=self.epoch if epoch is None else epoch,
                                base_sequence=seq)
        self.corr += 1
        with kw.Connection(self.bootstrap) as conn:
            r = conn.roundtrip(kw.produce_v3_request(self.corr, self.topic, self.partition, batch,
                                                     acks=acks), self.corr)
            return kw.parse_produce_v3(r)[(self.topic, self.partition)]


def new_topic(bootstrap: str) -> str:
    topic = unique_topic("idem")
    create_topics(bootstrap, {topic: 1})
    return topic


def batches(bootstrap: str, topic: str) -> list[tuple[int, int]]:
    return [(b.base_offset, b.last_offset) for b in kw.fetch_all_batches(bootstrap, topic, 0)]


def test_api_versions_advertises_init_producer_id_from_v0_to_v5(broker):
    assert kw.api_versions(broker.bootstrap, 0).api_keys[kw.API_INIT_PRODUCER_ID] == (0, 5)


@pytest.mark.parametrize("version", range(6))
def test_init_producer_id_hands_out_distinct_ids_with_epoch_zero(broker, version):
    kwargs = {"producer_id": 12, "producer_epoch": 3} if version >= 3 else {}
    a = kw.init_producer_id(broker.bootstrap, version, **kwargs)
    b = kw.init_producer_id(broker.bootstrap, version, **kwargs)
    assert (a.error_code, b.error_code) == (kw.ERR_NONE, kw.ERR_NONE)
    assert a.producer_id >= 0 and b.producer_id >= 0 and a.producer_id != b.producer_id
    # Without a transactional id Kafka ignores the v3+ id and epoch: always a fresh id.
    assert (a.producer_epoch, b.producer_epoch) == (0, 0)


@pytest.mark.parametrize("version", [0, 2, 4])
def test_transactional_init_producer_id_bumps_the_epoch(broker, version):
    first = kw.init_producer_id(broker.bootstrap, version, transactional_id="tx-1")
    again = kw.init_producer_id(broker.bootstrap, version, transactional_id="tx-1")
    assert (first.error_code, again.error_code) == (kw.ERR_NONE, kw.ERR_NONE)
    assert first.producer_id >= 0 and again.producer_id == first.producer_id
    assert (first.producer_epoch, again.producer_epoch) == (0, 1)
    empty = kw.init_producer_id(broker.bootstrap, version, transactional_id="")
    assert empty.error_code == kw.ERR_INVALID_REQUEST


def test_producer_ids_stay_unique_across_restarts(broker):
    before = {kw.init_producer_id(broker.bootstrap).producer_id for _ in range(5)}
    broker.restart()
    after = {kw.init_producer_id(broker.bootstrap, 4).producer_id for _ in range(5)}
    broker.kill()
    broker.start()
    killed = {kw.init_producer_id(broker.bootstrap, 1).producer_id for _ in range(5)}
    assert len(before | after | killed) == 15
    assert max(before) < min(after) and max(after) < min(killed)


def test_duplicate_is_acknowledged_with_its_original_offset_and_stored_once(broker):
    topic = new_topic(broker.bootstrap)
    pid = kw.init_producer_id(broker.bootstrap, 3).producer_id
    p = Producer(broker.bootstrap, topic, pid)
    assert p.send(0, 3).base_offset == 0
    assert p.send(3, 2).base_offset == 3
    for seq, count, offset in [(3, 2, 3), (0, 3, 0), (3, 2, 3)]:
        dup = p.send(seq, count)
        assert (dup.error_code, dup.base_offset) == (kw.ERR_NONE, offset)
    assert p.send(5, 1, acks=1).base_offset == 5
    assert p.send(5, 1, acks=1).base_offset == 5
    # acks=all on a duplicate waits until the original is durable (readable below the HW).
    assert p.send(5, 1).base_offset == 5
    assert batches(broker.bootstrap, topic) == [(0, 2), (3, 4), (5, 5)]


def test_gap_in_sequence_is_out_of_order_and_appends_nothing(broker):
    topic = new_topic(broker.bootstrap)
    p = Producer(broker.bootstrap, topic, kw.init_producer_id(broker.bootstrap).producer_id)
    assert p.send(0).error_code == kw.ERR_NONE
    for seq in (2, 7):
        r = p.send(seq)
        assert (r.error_code, r.base_offset) == (kw.ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, -1)
    assert p.send(1).base_offset == 1
    assert batches(broker.bootstrap, topic) == [(0, 0), (1, 1)]


def test_unknown_producer_may_start_anywhere_but_a_new_epoch_starts_at_zero(broker):
    topic = new_topic(broker.bootstrap)
    p = Producer(broker.bootstrap, topic, kw.init_producer_id(broker.bootstrap).producer_id)
    assert p.send(41).error_code == kw.ERR_NONE  # KIP-360: no UNKNOWN_PRODUCER_ID
    assert p.send(42).error_code == kw.ERR_NONE
    assert p.send(5, epoch=1).error_code == kw.ERR_OUT_OF_ORDER_SEQUENCE_NUMBER
    assert p.send(0, epoch=1).error_code == kw.ERR_NONE


def test_older_epoch_is_fenced_after_an_epoch_bump(broker):
    topic = new_topic(broker.bootstrap)
    pid = kw.init_producer_id(broker.bootstrap).producer_id
    old = Producer(broker.bootstrap, topic, pid, epoch=0)
    new = Producer(broker.bootstrap, topic, pid, epoch=1)
    assert old.send(0).error_code == kw.ERR_NONE
    assert new.send(0).error_code == kw.ERR_NONE
    # The zombie with the old epoch, continuing its sequence or retrying: fenced.
    assert old.send(1).error_code == kw.ERR_INVALID_PRODUCER_EPOCH
    assert old.send(0).error_code == kw.ERR_INVALID_PRODUCER_EPOCH
    assert new.send(1).error_code == kw.ERR_NONE
    assert batches(broker.bootstrap, topic) == [(0, 0), (1, 1), (2, 2)]


def test_batch_with_producer_id_and_no_sequence_is_an_invalid_record(broker):
    topic = new_topic(broker.bootstrap)
    p = Producer(broker.bootstrap, topic, 5)
    assert p.send(-1).error_code == kw.ERR_INVALID_RECORD


@pytest.mark.parametrize("stop", ["sigterm", "sigkill"])
def test_producer_state_survives_a_restart(broker, stop):
    topic = new_topic(broker.bootstrap)
    p = Producer(broker.bootstrap, topic, kw.init_producer_id(broker.bootstrap).producer_id)
    for seq in range(4):
        assert p.send(seq).base_offset == seq  # acks=all: durable when answered
    if stop == "sigterm":
        broker.restart()
    else:
        broker.kill()
        broker.start()
    p.bootstrap = broker.bootstrap
    assert p.send(3).base_offset == 3  # still a duplicate
    assert p.send(1).base_offset == 1
    assert p.send(7).error_code == kw.ERR_OUT_OF_ORDER_SEQUENCE_NUMBER
    assert p.send(4).base_offset == 4
    assert batches(broker.bootstrap, topic) == [(i, i) for i in range(5)]


def test_idle_producer_expires(broker_factory):
    b = broker_factory({"producer.id.expiration.ms": 1000, "log.retention.check.interval.ms": 200})
    topic = new_topic(b.bootstrap)
    p = Producer(b.bootstrap, topic, kw.init_producer_id(b.bootstrap).producer_id)
    assert p.send(0).error_code == kw.ERR_NONE
    assert p.send(10).error_code == kw.ERR_OUT_OF_ORDER_SEQUENCE_NUMBER
    # Forgotten after a second of silence: any sequence is accepted again.
    wait_until(lambda: p.send(10).error_code == kw.ERR_NONE, 15, "the producer to expire")


def test_expiration_settings_are_validated_and_described(fjord_bin, tmp_path, broker_factory):
    b = broker_factory({"producer.id.expiration.ms": 5000})
    client = admin(b.bootstrap)
    resource = ConfigResource("broker", "1")
    configs = client.describe_configs([resource], request_timeout=10)[resource].result(timeout=20)
    described = {name: (configs[name].value, int(configs[name].source))
                 for name in ("producer.id.expiration.ms", "transactional.id.expiration.ms",
                              "advertised.listeners")}
    assert described == {
        "producer.id.expiration.ms": ("5000", ConfigSource.STATIC_BROKER_CONFIG.value),
        "transactional.id.expiration.ms": ("604800000", ConfigSource.DEFAULT_CONFIG.value),
        "advertised.listeners": (None, ConfigSource.DEFAULT_CONFIG.value),
    }
    for bad in ["producer.id.expiration.ms=0", "transactional.id.expiration.ms=-5",
                "advertised.listeners=127.0.0.1:9092", "advertised.listeners=PLAINTEXT://h:0",
                "advertised.listeners=PLAINTEXT://a:1,PLAINTEXT://b:2"]:
        res = subprocess.run([str(fjord_bin), "serve", "--listen", "127.0.0.1:0", "--data-dir",
                              str(tmp_path / "data"), "--set", bad], capture_output=True,
                             timeout=20)
        assert res.returncode == 2, bad
        assert bad.split("=")[0].encode() in res.stderr, res.stderr


def test_advertised_listener_is_what_clients_are_told(broker_factory):
    b = broker_factory({"advertised.listeners": "PLAINTEXT://proxy.example:19092"})
    assert kw.metadata_v1_brokers(b.bootstrap) == [(1, "proxy.example", 19092)]
    with kw.Connection(b.bootstrap) as conn:
        fc = kw.parse_find_coordinator(conn.roundtrip(kw.find_coordinator_request(1, 2, "g"), 2), 1)
    assert (fc.error_code, fc.host, fc.port) == (kw.ERR_NONE, "proxy.example", 19092)
