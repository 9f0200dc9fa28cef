"""Transactions with librdkafka (python3-confluent-kafka): commit and abort across partitions,
read_committed against read_uncommitted consumers, fencing of a zombie producer, offsets sent to
a transaction, the transaction timeout, and broker crashes (SIGKILL) with transactions open.
"""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaException, Producer, TopicPartition

from clients import (close_bounded, consume_all, consumer, create_topics, unique_topic,
                     wait_until)

PARTITIONS = 3
# Fast timeout checks, and few partitions for __transaction_state and __consumer_offsets so the
# brokers start quickly.
FAST = {
    "transaction.abort.timed.out.transaction.cleanup.interval.ms": 200,
    "transaction.state.log.num.partitions": 3,
    "offsets.topic.num.partitions": 3,
}
UNCOMMITTED = {"isolation.level": "read_uncommitted"}


def txn_producer(bootstrap: str, txn_id: str, timeout_ms: int = 30000) -> Producer:
    p = Producer({
        "bootstrap.servers": bootstrap,
        "transactional.id": txn_id,
        "linger.ms": 5,
        "transaction.timeout.ms": timeout_ms,
        # librdkafka requires message.timeout.ms <= transaction.timeout.ms.
        "message.timeout.ms": timeout_ms,
    })
    p.init_transactions(30)
    return p


def send(p: Producer, topic: str, values: list[str]) -> None:
    for i, v in enumerate(values):
        p.produce(topic, key=str(i).encode(), value=v.encode(), partition=i % PARTITIONS)
    assert p.flush(30) == 0


def values_of(by_partition: dict[int, list]) -> list[str]:
    return sorted(m.value().decode() for msgs in by_partition.values() for m in msgs)


def end_offsets(bootstrap: str, topic: str, committed_only: bool) -> dict[int, int]:
    c = consumer(bootstrap, {} if committed_only else UNCOMMITTED)
    try:
        return {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10, cached=False)[1]
                for p in range(PARTITIONS)}
    finally:
        close_bounded(c)


def lso_reaches_end(bootstrap: str, topic: str) -> bool:
    # librdkafka asks ListOffsets with its isolation level: read_committed gives the LSO.
    return end_offsets(bootstrap, topic, True) == end_offsets(bootstrap, topic, False)


@pytest.fixture
def fast_broker(broker_factory):
    return broker_factory(FAST)


def test_commit_and_abort_across_partitions(fast_broker):
    bootstrap = fast_broker.bootstrap
    topic = unique_topic("txn")
    create_topics(bootstrap, {topic: PARTITIONS})
    p = txn_producer(bootstrap, "txn-commit-abort")
    committed = [f"c{i}" for i in range(30)]
    aborted = [f"a{i}" for i in range(30)]
    p.begin_transaction()
    send(p, topic, committed)
    p.commit_transaction(30)
    p.begin_transaction()
    send(p, topic, aborted)
    p.abort_transaction(30)
    later = [f"l{i}" for i in range(6)]
    p.begin_transaction()
    send(p, topic, later)
    p.commit_transaction(30)

    visible = consume_all(bootstrap, topic, PARTITIONS, min_count=36)
    assert values_of(visible) == sorted(committed + later)
    everything = consume_all(bootstrap, topic, PARTITIONS, min_count=66, conf=UNCOMMITTED)
    assert values_of(everything) == sorted(committed + aborted + later)
    # Each partition holds 3 data batches + 3 markers; nothing is left open.
    assert lso_reaches_end(bootstrap, topic)


def test_open_transaction_is_invisible_to_read_committed(fast_broker):
    bootstrap = fast_broker.bootstrap
    topic = unique_topic("txn-open")
    create_topics(bootstrap, {topic: PARTITIONS})
    p = txn_producer(bootstrap, "txn-open")
    p.begin_transaction()
    send(p, topic, ["before"])
    p.commit_transaction(30)
    p.begin_transaction()
    send(p, topic, [f"open{i}" for i in range(9)])

    assert values_of(consume_all(bootstrap, topic, PARTITIONS, min_count=1)) == ["before"]
    assert len(values_of(consume_all(bootstrap, topic, PARTITIONS, min_count=10,
                                     conf=UNCOMMITTED))) == 10
    assert not lso_reaches_end(bootstrap, topic)

    p.commit_transaction(30)
    assert len(values_of(consume_all(bootstrap, topic, PARTITIONS, min_count=10))) == 10
    assert lso_reaches_end(bootstrap, topic)


def test_second_producer_fences_the_first(fast_broker):
    bootstrap = fast_broker.bootstrap
    topic = unique_topic("txn-fence")
    create_topics(bootstrap, {topic: PARTITIONS})
    zombie = txn_producer(bootstrap, "txn-fenced")
    zombie.begin_transaction()
    send(zombie, topic, ["zombie0", "zombie1", "zombie2"])

    # The new incarnation aborts the zombie's open transaction and bumps the epoch.
    successor = txn_producer(bootstrap, "txn-fenced")
    successor.begin_transaction()
    send(successor, topic, ["successor"])
    successor.commit_transaction(30)

    with pytest.raises(KafkaException) as fenced:
        zombie.commit_transaction(30)
    err = fenced.value.args[0]
    assert err.fatal() or "fenced" in err.str().lower(), err
    assert values_of(consume_all(bootstrap, topic, PARTITIONS, min_count=1)) == ["successor"]
    assert lso_reaches_end(bootstrap, topic)


def test_offsets_sent_to_a_transaction_commit_with_it(fast_broker):
    bootstrap = fast_broker.bootstrap
    source = unique_topic("txn-src")
    sink = unique_topic("txn-sink")
    create_topics(bootstrap, {source: PARTITIONS, sink: PARTITIONS})
    group = "txn-transform"
    p = txn_producer(bootstrap, "txn-offsets")
    probe = consumer(bootstrap, {"group.id": group})

    def committed() -> list[int]:
        return [tp.offset for tp in probe.committed(
            [TopicPartition(source, i) for i in range(PARTITIONS)], timeout=10)]

    try:
        # Aborted: neither the output nor the offsets appear.
        p.begin_transaction()
        send(p, sink, ["lost"])
        p.send_offsets_to_transaction(
            [TopicPartition(source, i, 5) for i in range(PARTITIONS)],
            probe.consumer_group_metadata(), 30)
        p.abort_transaction(30)
        assert all(o < 0 for o in committed())

        # Committed: both appear.
        p.begin_transaction()
        send(p, sink, ["kept"])
        p.send_offsets_to_transaction(
            [TopicPartition(source, i, 7 + i) for i in range(PARTITIONS)],
            probe.consumer_group_metadata(), 30)
        p.commit_transaction(30)
        assert committed() == [7, 8, 9]
        assert values_of(consume_all(bootstrap, sink, PARTITIONS, min_count=1)) == ["kept"]
    finally:
        close_bounded(probe)

    # The committed offsets survive a restart (replayed with their marker); the aborted ones
    # stay dropped.
    fast_broker.restart()
    probe = consumer(fast_broker.bootstrap, {"group.id": group})
    try:
        assert [tp.offset for tp in probe.committed(
            [TopicPartition(source, i) for i in range(PARTITIONS)], timeout=10)] == [7, 8, 9]
    finally:
        close_bounded(probe)


def test_timed_out_transaction_is_aborted(fast_broker):
    bootstrap = fast_broker.bootstrap
    topic = unique_topic("txn-timeout")
    create_topics(bootstrap, {topic: PARTITIONS})
    p = txn_producer(bootstrap, "txn-timeout", timeout_ms=2000)
    p.begin_transaction()
    send(p, topic, ["stuck0", "stuck1", "stuck2"])
    assert not lso_reaches_end(bootstrap, topic)
    wait_until(lambda: lso_reaches_end(bootstrap, topic), 20, "the timeout aborts the transaction")
    assert values_of(consume_all(bootstrap, topic, PARTITIONS)) == []
    with pytest.raises(KafkaException):
        p.commit_transaction(15)


def test_sigkill_with_open_and_acknowledged_transactions(broker_factory):
    broker = broker_factory(FAST)
    topic = unique_topic("txn-crash")
    create_topics(broker.bootstrap, {topic: PARTITIONS})
    acked = txn_producer(broker.bootstrap, "txn-crash-acked")
    acked.begin_transaction()
    send(acked, topic, [f"acked{i}" for i in range(6)])
    acked.commit_transaction(30)
    stuck = txn_producer(broker.bootstrap, "txn-crash-open", timeout_ms=3000)
    stuck.begin_transaction()
    send(stuck, topic, [f"open{i}" for i in range(6)])

    broker.kill()
    broker.start()
    bootstrap = broker.bootstrap
    # Right after the restart the open transaction still holds the LSO ...
    assert values_of(consume_all(bootstrap, topic, PARTITIONS, min_count=6)) == sorted(
        f"acked{i}" for i in range(6))
    # ... until its timeout aborts it.
    wait_until(lambda: lso_reaches_end(bootstrap, topic), 30,
               "the open transaction is aborted after the restart")
    assert values_of(consume_all(bootstrap, topic, PARTITIONS, min_count=6)) == sorted(
        f"acked{i}" for i in range(6))
    assert len(values_of(consume_all(bootstrap, topic, PARTITIONS, min_count=12,
                                     conf=UNCOMMITTED))) == 12
    # The transactional id works again, with a new epoch.
    again = txn_producer(bootstrap, "txn-crash-open")
    again.begin_transaction()
    send(again, topic, ["after"])
    again.commit_transaction(30)
    assert "after" in values_of(consume_all(bootstrap, topic, PARTITIONS, min_count=7))
    del stuck, acked


def test_many_transactions_in_a_row(fast_broker):
    bootstrap = fast_broker.bootstrap
    topic = unique_topic("txn-many")
    create_topics(bootstrap, {topic: PARTITIONS})
    p = txn_producer(bootstrap, "txn-many")
    expected = []
    for t in range(20):
        p.begin_transaction()
        batch = [f"t{t}-{i}" for i in range(10)]
        send(p, topic, batch)
        if t % 3 == 2:
            p.abort_transaction(30)
        else:
            p.commit_transaction(30)
            expected += batch
    assert values_of(consume_all(bootstrap, topic, PARTITIONS, min_count=len(expected))) == sorted(
        expected)
