"""Kafka transactions on the wire, byte for byte: FindCoordinator for transactional ids,
transactional InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn,
DescribeTransactions, ListTransactions, transactional Produce, and what Fetch at read_committed
sees (last stable offset, aborted transactions, control batches). Also timeouts, fencing,
malformed requests and broker restarts (SIGKILL) with transactions open or just committed.

Kafka's behaviour is the reference: EndTxn answers once the outcome is durable, markers may follow
a moment later, so tests that look at the log wait (bounded) for LSO == HW instead of expecting it
at once, and requests that may meet a transaction still completing retry on
CONCURRENT_TRANSACTIONS like clients do.
"""

from __future__ import annotations

import socket
import time

import pytest

import kafka_wire as kw
from clients import create_topics, list_topics, unique_topic, wait_until

TS = 1_700_000_000_000
READ_UNCOMMITTED = 0
READ_COMMITTED = 1
MAX_TIMEOUT_MS = 60_000

SETTINGS = {
    "transaction.state.log.num.partitions": 5,
    "offsets.topic.num.partitions": 5,
    "transaction.max.timeout.ms": MAX_TIMEOUT_MS,
    "transaction.abort.timed.out.transaction.cleanup.interval.ms": 500,
    "group.initial.rebalance.delay.ms": 0,
}

# Answers that mean "not yet, ask again" while a coordinator loads or a transaction completes.
RETRIABLE = {kw.ERR_COORDINATOR_LOAD_IN_PROGRESS, kw.ERR_COORDINATOR_NOT_AVAILABLE,
             kw.ERR_NOT_COORDINATOR, kw.ERR_CONCURRENT_TRANSACTIONS}
FENCED = {kw.ERR_INVALID_PRODUCER_EPOCH, kw.ERR_PRODUCER_FENCED}


@pytest.fixture
def txb(broker_factory):
    """A broker with small internal topics and a fast timeout check."""
    return broker_factory(SETTINGS)


def new_topic(bootstrap: str, partitions: int = 1) -> str:
    topic = unique_topic("txn")
    create_topics(bootstrap, {topic: partitions})
    return topic


def call(bootstrap: str, frame_fn, parse, *args, **kwargs):
    """One request on a fresh connection: frame_fn(corr, *args, **kwargs), parse(reader)."""
    with kw.Connection(bootstrap) as conn:
        return parse(conn.roundtrip(frame_fn(1, *args, **kwargs), 1))


def find_txn_coordinator(bootstrap: str, key: str, version: int = 1,
                         key_type: int = kw.COORDINATOR_TRANSACTION) -> kw.FindCoordinatorResponse:
    return call(bootstrap, lambda corr: kw.find_coordinator_request(version, corr, key, key_type),
                lambda r: kw.parse_find_coordinator(r, version))


def retrying(fn, what: str, timeout: float = 20.0):
    """Calls fn() (an error code, or an answer with `error_code`) until the answer is not
    retriable (coordinator loading, transaction completing); returns the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        res = fn()
        err = res if isinstance(res, int) else res.error_code
        if err not in RETRIABLE:
            return res
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still retriable error {err} after {timeout}s")
        time.sleep(0.05)


class Txn:
    """One transactional producer driven by hand: its id, producer id and epoch, and the next
    sequence number per partition. Every request goes on a fresh connection, so a restarted
    broker only needs `bootstrap` updated."""

    def __init__(self, bootstrap: str, transactional_id: str | None = None, *,
                 timeout_ms: int = 60_000):
        self.bootstrap = bootstrap
        self.tid = transactional_id or unique_topic("tid")
        self.timeout_ms = timeout_ms
        self.pid = -1
        self.epoch = -1
        self.seq: dict[tuple[str, int], int] = {}

    def init(self, version: int = 1, *, expect: int = kw.ERR_NONE) -> kw.InitProducerIdResponse:
        res = retrying(lambda: kw.init_producer_id(self.bootstrap, version, transactional_id=self.tid,
                                                   timeout_ms=self.timeout_ms),
                       f"InitProducerId {self.tid}")
        assert res.error_code == expect, f"InitProducerId {self.tid}: {res}"
        if res.error_code == kw.ERR_NONE:
            self.pid, self.epoch = res.producer_id, res.producer_epoch
            self.seq.clear()
        return res

    def add_partitions(self, partitions: dict[str, list[int]], version: int = 0, *,
                       pid: int | None = None, epoch: int | None = None,
                       tid: str | None = None) -> dict[tuple[str, int], int]:
        """(topic, partition) -> error; retried while the whole answer is retriable."""
        def once():
            with kw.Connection(self.bootstrap) as conn:
                frame = kw.add_partitions_to_txn_request(
                    version, 1, self.tid if tid is None else tid, self.pid if pid is None else pid,
                    self.epoch if epoch is None else epoch, partitions)
                return kw.parse_add_partitions_to_txn(conn.roundtrip(frame, 1), version)

        deadline = time.monotonic() + 20
        while True:
            res = once()
            errors = set(res.values())
            if not errors or not errors <= RETRIABLE or time.monotonic() > deadline:
                return res
            time.sleep(0.05)

    def add_ok(self, partitions: dict[str, list[int]], version: int = 0) -> None:
        res = self.add_partitions(partitions, version)
        want = {(t, p): kw.ERR_NONE for t, ps in partitions.items() for p in ps}
        assert res == want, f"AddPartitionsToTxn v{version}: {res}"

    def produce(self, topic: str, partition: int = 0, count: int = 1, *, tag: str = "t",
                epoch: int | None = None, transactional: bool = True,
                seq: int | None = None) -> kw.ProducePartitionResult:
        key = (topic, partition)
        first = self.seq.get(key, 0) if seq is None else seq
        records = [(f"k{first + i}".encode(), f"{tag}{first + i}".encode()) for i in range(count)]
        batch = kw.record_batch(records, base_timestamp=TS, producer_id=self.pid,
                                producer_epoch=self.epoch if epoch is None else epoch,
                                base_sequence=first, transactional=transactional)
        with kw.Connection(self.bootstrap) as conn:
            frame = kw.produce_v3_request(1, topic, partition, batch,
                                          transactional_id=self.tid if transactional else None)
            res = kw.parse_produce_v3(conn.roundtrip(frame, 1))[key]
        if res.error_code == kw.ERR_NONE and seq is None:
            self.seq[key] = first + count
        return res

    def produce_ok(self, topic: str, partition: int = 0, count: int = 1, **kwargs) -> int:
        res = self.produce(topic, partition, count, **kwargs)
        assert res.error_code == kw.ERR_NONE, f"transactional produce to {topic}/{partition}: {res}"
        return res.base_offset

    def end(self, commit: bool, version: int = 0, *, epoch: int | None = None,
            retry: bool = True) -> int:
        def once():
            with kw.Connection(self.bootstrap) as conn:
                frame = kw.end_txn_request(version, 1, self.tid, self.pid,
                                           self.epoch if epoch is None else epoch, commit)
                return kw.parse_end_txn(conn.roundtrip(frame, 1), version)
        return retrying(once, f"EndTxn {self.tid}") if retry else once()

    def add_offsets(self, group: str, version: int = 0) -> int:
        def once():
            with kw.Connection(self.bootstrap) as conn:
                frame = kw.add_offsets_to_txn_request(version, 1, self.tid, self.pid, self.epoch, group)
                return kw.parse_add_offsets_to_txn(conn.roundtrip(frame, 1), version)
        return retrying(once, f"AddOffsetsToTxn {self.tid}")

    def commit_offsets(self, group: str, offsets: dict[tuple[str, int], int],
                       version: int = 0) -> dict[tuple[str, int], int]:
        with kw.Connection(self.bootstrap) as conn:
            frame = kw.txn_offset_commit_request(version, 1, self.tid, group, self.pid, self.epoch,
                                                 offsets)
            return kw.parse_txn_offset_commit(conn.roundtrip(frame, 1), version)

    def describe(self) -> kw.DescribedTransaction:
        return kw.describe_transactions(self.bootstrap, [self.tid])[self.tid]


def fetch(bootstrap: str, topic: str, offset: int = 0, partition: int = 0, *,
          committed: bool = True) -> kw.FetchPartitionResult:
    return kw.fetch_v4(bootstrap, topic, partition, offset,
                       isolation_level=READ_COMMITTED if committed else READ_UNCOMMITTED)


def values(part: kw.FetchPartitionResult, below: int | None = None) -> list[tuple[int, str]]:
    """(offset, value) of the data records in a fetch answer, optionally only below an offset."""
    return [(off, v.decode()) for off, _, v, _ in kw.data_records(part.records)
            if below is None or off < below]


def wait_stable(bootstrap: str, topic: str, partition: int = 0, timeout: float = 15.0) -> kw.FetchPartitionResult:
    """Waits until the last stable offset reaches the high watermark (all markers written)."""
    def ready():
        part = fetch(bootstrap, topic, partition=partition)
        return part if part.last_stable_offset == part.high_watermark else None
    return wait_until(ready, timeout, f"LSO == HW on {topic}/{partition}")


def plain_produce(bootstrap: str, topic: str, value: str, partition: int = 0) -> int:
    batch = kw.record_batch([(None, value.encode())], base_timestamp=TS)
    with kw.Connection(bootstrap) as conn:
        res = kw.parse_produce_v3(conn.roundtrip(kw.produce_v3_request(1, topic, partition, batch), 1))
    part = res[(topic, partition)]
    assert part.error_code == kw.ERR_NONE, part
    return part.base_offset


def all_batches(bootstrap: str, topic: str, partition: int = 0) -> list[kw.BatchInfo]:
    return kw.fetch_all_batches(bootstrap, topic, partition)


# ---------------------------------------------------------------------------------------------
# ApiVersions, FindCoordinator


def test_api_versions_advertise_the_transaction_apis(txb):
    keys = kw.api_versions(txb.bootstrap, 0).api_keys
    got = {api: keys.get(api) for api in (kw.API_ADD_PARTITIONS_TO_TXN, kw.API_ADD_OFFSETS_TO_TXN,
                                          kw.API_END_TXN, kw.API_TXN_OFFSET_COMMIT,
                                          kw.API_DESCRIBE_TRANSACTIONS, kw.API_LIST_TRANSACTIONS)}
    assert got == {24: (0, 3), 25: (0, 4), 26: (0, 4), 28: (0, 4), 65: (0, 0), 66: (0, 1)}


@pytest.mark.parametrize("version", [1, 2])
def test_find_coordinator_for_a_transactional_id_is_this_broker(txb, version):
    res = retrying(lambda: find_txn_coordinator(txb.bootstrap, "tx-find", version),
                   "FindCoordinator")
    assert (res.error_code, res.node_id, res.port) == (kw.ERR_NONE, 1, txb.port)
    assert res.host in ("127.0.0.1", "localhost")
    # The transaction state topic now exists, with the configured partition count.
    md = list_topics(txb.bootstrap, "__transaction_state")
    assert len(md.topics["__transaction_state"].partitions) == 5


def test_find_coordinator_rejects_empty_key_and_unknown_key_type(txb):
    assert find_txn_coordinator(txb.bootstrap, "").error_code == kw.ERR_INVALID_REQUEST
    assert find_txn_coordinator(txb.bootstrap, "tx", key_type=7).error_code == kw.ERR_INVALID_REQUEST
    # The connection-level failure did not disturb anything: key type 0 still works.
    group = retrying(lambda: find_txn_coordinator(txb.bootstrap, "g", key_type=kw.COORDINATOR_GROUP),
                     "FindCoordinator group")
    assert group.error_code == kw.ERR_NONE


# ---------------------------------------------------------------------------------------------
# InitProducerId with a transactional id


@pytest.mark.parametrize("version", [0, 2, 4])
def test_transactional_init_producer_id_bumps_the_epoch_of_the_same_id(txb, version):
    t = Txn(txb.bootstrap, f"tx-init-{version}")
    first = t.init(version)
    assert first.producer_id >= 0 and first.producer_epoch == 0
    again = t.init(version)
    assert (again.producer_id, again.producer_epoch) == (first.producer_id, 1)
    third = t.init(version)
    assert (third.producer_id, third.producer_epoch) == (first.producer_id, 2)
    # A different transactional id gets a different producer id.
    other = Txn(txb.bootstrap, f"tx-init-other-{version}").init(version)
    assert other.producer_id != first.producer_id and other.producer_epoch == 0


@pytest.mark.parametrize("timeout_ms", [0, -1, MAX_TIMEOUT_MS + 1])
def test_transactional_init_producer_id_validates_the_timeout(txb, timeout_ms):
    t = Txn(txb.bootstrap, "tx-bad-timeout", timeout_ms=timeout_ms)
    t.init(1, expect=kw.ERR_INVALID_TRANSACTION_TIMEOUT)
    # The limit itself is fine.
    Txn(txb.bootstrap, "tx-max-timeout", timeout_ms=MAX_TIMEOUT_MS).init(1)


@pytest.mark.parametrize("version", [0, 3])
def test_transactional_init_producer_id_with_empty_id_is_invalid(txb, version):
    res = kw.init_producer_id(txb.bootstrap, version, transactional_id="")
    assert res.error_code == kw.ERR_INVALID_REQUEST


# ---------------------------------------------------------------------------------------------
# AddPartitionsToTxn


@pytest.mark.parametrize("version", [0, 1, 2, 3])
def test_add_partitions_succeeds_at_every_version(txb, version):
    topic = new_topic(txb.bootstrap, 3)
    t = Txn(txb.bootstrap, f"tx-add-{version}")
    t.init()
    t.add_ok({topic: [0, 2]}, version)
    t.add_ok({topic: [0, 1]}, version)  # adding again is fine
    d = t.describe()
    assert (d.error_code, d.state, d.partitions) == (kw.ERR_NONE, "Ongoing", {topic: [0, 1, 2]})


def test_add_partitions_with_an_unknown_topic_attempts_nothing(txb):
    topic = new_topic(txb.bootstrap, 2)
    t = Txn(txb.bootstrap, "tx-unknown-topic")
    t.init()
    res = t.add_partitions({topic: [0, 1, 7], "no-such-topic-x": [0]})
    assert res == {(topic, 0): kw.ERR_OPERATION_NOT_ATTEMPTED,
                   (topic, 1): kw.ERR_OPERATION_NOT_ATTEMPTED,
                   (topic, 7): kw.ERR_UNKNOWN_TOPIC_OR_PARTITION,
                   ("no-such-topic-x", 0): kw.ERR_UNKNOWN_TOPIC_OR_PARTITION}
    # Nothing was added: the transaction is still Empty and EndTxn has nothing to end.
    assert t.describe().state == "Empty"
    assert t.end(True) == kw.ERR_INVALID_TXN_STATE


@pytest.mark.parametrize("version,expect", [(0, kw.ERR_INVALID_PRODUCER_EPOCH),
                                            (1, kw.ERR_INVALID_PRODUCER_EPOCH),
                                            (2, kw.ERR_PRODUCER_FENCED),
                                            (3, kw.ERR_PRODUCER_FENCED)])
def test_add_partitions_with_a_stale_epoch_is_fenced(txb, version, expect):
    topic = new_topic(txb.bootstrap, 2)
    t = Txn(txb.bootstrap, f"tx-stale-{version}")
    t.init()
    t.init()  # epoch 1
    assert t.add_partitions({topic: [0, 1]}, version, epoch=t.epoch - 1) == {
        (topic, 0): expect, (topic, 1): expect}
    assert t.describe().state == "Empty"


def test_add_partitions_with_unknown_id_or_wrong_producer_id_is_a_mapping_error(txb):
    topic = new_topic(txb.bootstrap)
    t = Txn(txb.bootstrap, "tx-mapping")
    t.init()
    want = {(topic, 0): kw.ERR_INVALID_PRODUCER_ID_MAPPING}
    assert t.add_partitions({topic: [0]}, tid="tx-never-initialised") == want
    assert t.add_partitions({topic: [0]}, pid=t.pid + 1000) == want
    assert t.add_partitions({topic: [0]}, 2, pid=t.pid + 1000) == want


def test_end_txn_and_add_offsets_check_the_producer_like_add_partitions(txb):
    topic = new_topic(txb.bootstrap)
    t = Txn(txb.bootstrap, "tx-checks")
    t.init()
    t.init()  # epoch 1
    t.add_ok({topic: [0]})
    stranger = Txn(txb.bootstrap, "tx-never-initialised")
    stranger.pid, stranger.epoch = t.pid, t.epoch
    assert stranger.end(True) == kw.ERR_INVALID_PRODUCER_ID_MAPPING
    assert stranger.add_offsets("g") == kw.ERR_INVALID_PRODUCER_ID_MAPPING
    wrong_pid = Txn(txb.bootstrap, t.tid)
    wrong_pid.pid, wrong_pid.epoch = t.pid + 1000, t.epoch
    assert wrong_pid.end(True) == kw.ERR_INVALID_PRODUCER_ID_MAPPING
    assert t.end(True, 0, epoch=0) == kw.ERR_INVALID_PRODUCER_EPOCH
    assert t.end(True, 2, epoch=0) == kw.ERR_PRODUCER_FENCED
    old = Txn(txb.bootstrap, t.tid)
    old.pid, old.epoch = t.pid, 0
    assert old.add_offsets("g", 0) == kw.ERR_INVALID_PRODUCER_EPOCH
    assert old.add_offsets("g", 2) == kw.ERR_PRODUCER_FENCED
    # None of that disturbed the transaction.
    assert t.describe().state == "Ongoing"
    assert t.end(True) == kw.ERR_NONE


# ---------------------------------------------------------------------------------------------
# EndTxn, control batches, last stable offset, aborted transactions


@pytest.mark.parametrize("commit", [True, False])
def test_end_txn_with_nothing_in_the_transaction_is_invalid_state(txb, commit):
    t = Txn(txb.bootstrap, "tx-empty")
    t.init()
    assert t.end(commit, 0) == kw.ERR_INVALID_TXN_STATE
    assert t.end(commit, 3) == kw.ERR_INVALID_TXN_STATE
    assert t.describe().state == "Empty"


@pytest.mark.parametrize("version", [0, 2, 3])
def test_commit_writes_a_commit_marker_and_releases_the_lso(txb, version):
    topic = new_topic(txb.bootstrap)
    t = Txn(txb.bootstrap, f"tx-commit-{version}")
    t.init()
    t.add_ok({topic: [0]})
    assert t.produce_ok(topic, 0, 3) == 0
    assert t.end(True, version) == kw.ERR_NONE

    part = wait_stable(txb.bootstrap, topic)
    assert (part.high_watermark, part.last_stable_offset) == (4, 4)
    assert not part.aborted_transactions, part.aborted_transactions
    assert values(part) == [(0, "t0"), (1, "t1"), (2, "t2")]
    batches = all_batches(txb.bootstrap, topic)
    assert [(b.base_offset, b.last_offset) for b in batches] == [(0, 2), (3, 3)]
    data, marker = batches
    assert data.is_transactional and not data.is_control
    assert marker.is_control and marker.is_transactional
    assert (marker.control_type, marker.producer_id, marker.producer_epoch) == (
        kw.CONTROL_COMMIT, t.pid, t.epoch)
    assert all(b.crc_ok for b in batches)

    # A retry of the same EndTxn succeeds; the opposite outcome is refused.
    assert t.end(True, version) == kw.ERR_NONE
    assert t.end(False, version) == kw.ERR_INVALID_TXN_STATE
    wait_until(lambda: t.describe().state == "CompleteCommit", 10, "CompleteCommit")
    assert len(all_batches(txb.bootstrap, topic)) == 2  # the retry wrote no second marker


@pytest.mark.parametrize("version", [0, 2])
def test_abort_writes_an_abort_marker_and_fetch_lists_the_aborted_transaction(txb, version):
    topic = new_topic(txb.bootstrap)
    first = plain_produce(txb.bootstrap, topic, "before")
    t = Txn(txb.bootstrap, f"tx-abort-{version}")
    t.init()
    t.add_ok({topic: [0]})
    assert t.produce_ok(topic, 0, 2) == first + 1
    assert t.end(False, version) == kw.ERR_NONE

    part = wait_stable(txb.bootstrap, topic)
    assert (part.high_watermark, part.last_stable_offset) == (4, 4)
    assert part.aborted_transactions == [(t.pid, 1)]
    # The broker returns the aborted records; the client drops them using that list.
    assert values(part) == [(0, "before"), (1, "t0"), (2, "t1")]
    marker = all_batches(txb.bootstrap, topic)[-1]
    assert (marker.base_offset, marker.is_control, marker.control_type) == (3, True, kw.CONTROL_ABORT)
    # A fetch that starts at the marker still lists it (the transaction ends at its marker);
    # one that starts past the marker does not.
    assert fetch(txb.bootstrap, topic, 3).aborted_transactions == [(t.pid, 1)]
    assert plain_produce(txb.bootstrap, topic, "after") == 4
    assert not fetch(txb.bootstrap, topic, 4).aborted_transactions

    assert t.end(False, version) == kw.ERR_NONE
    assert t.end(True, version) == kw.ERR_INVALID_TXN_STATE
    wait_until(lambda: t.describe().state == "CompleteAbort", 10, "CompleteAbort")

    # The next transaction of the same producer commits; only the first is listed as aborted.
    t.add_ok({topic: [0]})
    assert t.produce_ok(topic, 0, 1, tag="n") == 5
    assert t.end(True, version) == kw.ERR_NONE
    part = wait_stable(txb.bootstrap, topic)
    assert part.high_watermark == 7
    assert part.aborted_transactions == [(t.pid, 1)]
    assert values(part)[-2:] == [(4, "after"), (5, "n2")]


def test_open_transaction_holds_the_last_stable_offset(txb):
    topic = new_topic(txb.bootstrap)
    assert plain_produce(txb.bootstrap, topic, "a") == 0
    t = Txn(txb.bootstrap, "tx-lso")
    t.init()
    t.add_ok({topic: [0]})
    assert t.produce_ok(topic, 0, 2) == 1
    assert plain_produce(txb.bootstrap, topic, "b") == 3  # after the open transaction

    part = fetch(txb.bootstrap, topic, 0)
    assert (part.high_watermark, part.last_stable_offset) == (4, 1)
    assert values(part, below=1) == [(0, "a")]
    assert all(off < 1 for off, _ in values(part)), values(part)
    at_lso = fetch(txb.bootstrap, topic, 1)
    assert (at_lso.last_stable_offset, values(at_lso)) == (1, [])
    uncommitted = fetch(txb.bootstrap, topic, 1, committed=False)
    assert values(uncommitted) == [(1, "t0"), (2, "t1"), (3, "b")]
    assert uncommitted.high_watermark == 4

    assert t.end(True) == kw.ERR_NONE
    part = wait_stable(txb.bootstrap, topic)
    assert (part.high_watermark, part.last_stable_offset) == (5, 5)
    assert values(part) == [(0, "a"), (1, "t0"), (2, "t1"), (3, "b")]


def test_two_producers_lso_is_the_earliest_open_transaction(txb):
    topic = new_topic(txb.bootstrap)
    a, b = Txn(txb.bootstrap, "tx-a"), Txn(txb.bootstrap, "tx-b")
    for t in (a, b):
        t.init()
        t.add_ok({topic: [0]})
    assert a.produce_ok(topic) == 0
    assert b.produce_ok(topic) == 1
    assert fetch(txb.bootstrap, topic).last_stable_offset == 0
    assert b.end(True) == kw.ERR_NONE
    wait_until(lambda: fetch(txb.bootstrap, topic).high_watermark == 3, 10, "b's marker")
    assert fetch(txb.bootstrap, topic).last_stable_offset == 0  # a is still open
    assert a.end(False) == kw.ERR_NONE
    part = wait_stable(txb.bootstrap, topic)
    assert part.high_watermark == 4
    assert part.aborted_transactions == [(a.pid, 0)]


# ---------------------------------------------------------------------------------------------
# Fencing and producer-state checks on transactional produce


def test_transactional_produce_from_a_fenced_epoch_is_refused(txb):
    topic = new_topic(txb.bootstrap)
    zombie = Txn(txb.bootstrap, "tx-zombie")
    zombie.init()
    zombie.add_ok({topic: [0]})
    assert zombie.produce_ok(topic) == 0
    old_epoch = zombie.epoch

    fresh = Txn(txb.bootstrap, "tx-zombie")
    fresh.init()  # aborts the zombie's open transaction, bumping the epoch
    assert fresh.pid == zombie.pid and fresh.epoch > old_epoch

    res = zombie.produce(topic, count=1)
    assert res.error_code in FENCED, res
    assert zombie.end(True, 0) in FENCED
    assert zombie.end(True, 2) == kw.ERR_PRODUCER_FENCED
    assert zombie.add_partitions({topic: [0]}, 0) == {(topic, 0): kw.ERR_INVALID_PRODUCER_EPOCH}

    part = wait_stable(txb.bootstrap, topic)
    assert part.aborted_transactions == [(zombie.pid, 0)]
    marker = all_batches(txb.bootstrap, topic)[-1]
    assert marker.control_type == kw.CONTROL_ABORT and marker.producer_epoch > old_epoch

    fresh.add_ok({topic: [0]})
    assert fresh.produce_ok(topic, tag="f") == part.high_watermark
    assert fresh.end(True) == kw.ERR_NONE
    assert values(wait_stable(txb.bootstrap, topic))[-1][1] == "f0"


def test_non_transactional_batch_from_a_producer_with_an_open_transaction(txb):
    topic = new_topic(txb.bootstrap)
    t = Txn(txb.bootstrap, "tx-mixed")
    t.init()
    t.add_ok({topic: [0]})
    assert t.produce_ok(topic) == 0
    res = t.produce(topic, transactional=False, seq=1)
    assert res.error_code == kw.ERR_INVALID_TXN_STATE, res
    assert t.produce_ok(topic) == 1  # the transactional sequence goes on
    assert t.end(True) == kw.ERR_NONE
    assert wait_stable(txb.bootstrap, topic).high_watermark == 3


# ---------------------------------------------------------------------------------------------
# Transaction timeouts


@pytest.mark.timeout_s(60)
def test_timed_out_transaction_is_aborted_and_its_producer_fenced(broker_factory):
    b = broker_factory({**SETTINGS, "transaction.abort.timed.out.transaction.cleanup.interval.ms": 200})
    topic = new_topic(b.bootstrap)
    t = Txn(b.bootstrap, "tx-timeout", timeout_ms=1000)
    t.init()
    t.add_ok({topic: [0]})
    assert t.produce_ok(topic, count=2) == 0
    assert fetch(b.bootstrap, topic).last_stable_offset == 0
    time.sleep(3)
    d = wait_until(lambda: (lambda d: d if d.state == "CompleteAbort" else None)(t.describe()), 15,
                   "the timed-out transaction to be aborted")
    assert (d.producer_id, d.producer_epoch) == (t.pid, t.epoch + 1)
    part = wait_stable(b.bootstrap, topic)
    assert part.aborted_transactions == [(t.pid, 0)]
    assert all_batches(b.bootstrap, topic)[-1].control_type == kw.CONTROL_ABORT

    assert t.end(True, 0, retry=False) == kw.ERR_INVALID_PRODUCER_EPOCH
    assert t.end(True, 2, retry=False) == kw.ERR_PRODUCER_FENCED
    assert t.produce(topic).error_code in FENCED
    # The same transactional id starts over with a newer epoch.
    again = t.init()
    assert again.producer_epoch > d.producer_epoch


# ---------------------------------------------------------------------------------------------
# AddOffsetsToTxn and TxnOffsetCommit


@pytest.mark.parametrize("commit", [True, False])
def test_transactional_offsets_appear_only_when_committed(txb, commit):
    topic = new_topic(txb.bootstrap, 2)
    group = unique_topic("txg")
    t = Txn(txb.bootstrap, f"tx-offsets-{commit}")
    t.init()
    assert t.add_offsets(group) == kw.ERR_NONE
    assert t.commit_offsets(group, {(topic, 0): 5, (topic, 1): 7}) == {
        (topic, 0): kw.ERR_NONE, (topic, 1): kw.ERR_NONE}
    pending = kw.fetch_offsets(txb.bootstrap, group, {topic: [0, 1]})
    assert [pending[(topic, p)].offset for p in (0, 1)] == [-1, -1]
    assert t.describe().state == "Ongoing"
    assert t.end(commit) == kw.ERR_NONE
    want = [5, 7] if commit else [-1, -1]

    def settled():
        got = kw.fetch_offsets(txb.bootstrap, group, {topic: [0, 1]})
        return [got[(topic, p)].offset for p in (0, 1)] == want and t.describe().state in (
            "CompleteCommit", "CompleteAbort")
    wait_until(settled, 10, f"offsets {want}")
    got = kw.fetch_offsets(txb.bootstrap, group, {topic: [0, 1]})
    assert [got[(topic, p)].offset for p in (0, 1)] == want


def test_txn_offset_commit_at_flexible_version(txb):
    topic = new_topic(txb.bootstrap)
    group = unique_topic("txg")
    t = Txn(txb.bootstrap, "tx-offsets-v3")
    t.init()
    assert t.add_offsets(group, 3) == kw.ERR_NONE
    assert t.commit_offsets(group, {(topic, 0): 3}, 3) == {(topic, 0): kw.ERR_NONE}
    assert t.end(True, 3) == kw.ERR_NONE
    wait_until(lambda: kw.fetch_offsets(txb.bootstrap, group, {topic: [0]})[(topic, 0)].offset == 3,
               10, "the committed offset")


# ---------------------------------------------------------------------------------------------
# DescribeTransactions, ListTransactions


def test_describe_transactions(txb):
    topic = new_topic(txb.bootstrap, 2)
    res = kw.describe_transactions(txb.bootstrap, ["tx-nobody"])
    assert res["tx-nobody"].error_code == kw.ERR_TRANSACTIONAL_ID_NOT_FOUND

    t = Txn(txb.bootstrap, "tx-describe", timeout_ms=45_000)
    t.init()
    d = t.describe()
    assert (d.error_code, d.state, d.producer_id, d.producer_epoch, d.timeout_ms, d.partitions) == (
        kw.ERR_NONE, "Empty", t.pid, t.epoch, 45_000, {})

    before = int(time.time() * 1000)
    t.add_ok({topic: [1, 0]})
    d = t.describe()
    assert (d.state, d.partitions, d.timeout_ms) == ("Ongoing", {topic: [0, 1]}, 45_000)
    assert before - 5000 <= d.start_time_ms <= int(time.time() * 1000) + 5000, d

    both = kw.describe_transactions(txb.bootstrap, ["tx-describe", "tx-nobody"])
    assert set(both) == {"tx-describe", "tx-nobody"}
    assert both["tx-nobody"].error_code == kw.ERR_TRANSACTIONAL_ID_NOT_FOUND
    assert kw.describe_transactions(txb.bootstrap, []) == {}

    assert t.end(True) == kw.ERR_NONE
    wait_until(lambda: t.describe().state == "CompleteCommit", 10, "CompleteCommit")
    assert t.describe().partitions == {}


def test_list_transactions_filters(txb):
    topic = new_topic(txb.bootstrap)
    a, b = Txn(txb.bootstrap, "tx-list-a"), Txn(txb.bootstrap, "tx-list-b")
    a.init()
    b.init()
    a.add_ok({topic: [0]})
    time.sleep(0.3)

    def ours(listed: kw.ListedTransactions) -> dict[str, tuple[int, str]]:
        assert listed.error_code == kw.ERR_NONE
        return {k: v for k, v in listed.transactions.items() if k in (a.tid, b.tid)}

    everything = {a.tid: (a.pid, "Ongoing"), b.tid: (b.pid, "Empty")}
    for version in (0, 1):
        assert ours(kw.list_transactions(txb.bootstrap, version)) == everything
    assert ours(kw.list_transactions(txb.bootstrap, states=["Ongoing"])) == {a.tid: (a.pid, "Ongoing")}
    bogus = kw.list_transactions(txb.bootstrap, 0, states=["Ongoing", "Bogus"])
    assert bogus.unknown_state_filters == ["Bogus"]
    assert ours(bogus) == {a.tid: (a.pid, "Ongoing")}
    assert ours(kw.list_transactions(txb.bootstrap, producer_ids=[b.pid])) == {b.tid: (b.pid, "Empty")}
    assert set(kw.list_transactions(txb.bootstrap, producer_ids=[b.pid]).transactions) == {b.tid}
    # v1: only transactions running longer than the duration.
    long = kw.list_transactions(txb.bootstrap, 1, states=["Ongoing"], duration_ms=60_000)
    assert ours(long) == {}
    short = kw.list_transactions(txb.bootstrap, 1, states=["Ongoing"], duration_ms=100)
    assert ours(short) == {a.tid: (a.pid, "Ongoing")}


# ---------------------------------------------------------------------------------------------
# Malformed requests


def _header(api_key: int, version: int, flexible: bool = False) -> bytes:
    h = kw.i16(api_key) + kw.i16(version) + kw.i32(1) + kw.string("fjord-itest")
    return h + (kw.EMPTY_TAGS if flexible else b"")


def _framed(payload: bytes) -> bytes:
    return kw.i32(len(payload)) + payload


MALFORMED = {
    "end-txn-v0-truncated": _framed(_header(26, 0) + kw.string("tx") + kw.i32(7)),
    "end-txn-v3-truncated": _framed(_header(26, 3, True) + kw.compact_string("tx") + kw.i64(1)),
    "end-txn-v0-id-past-end": _framed(_header(26, 0) + kw.i16(200) + b"tx"),
    "add-partitions-v0-count-past-end": _framed(
        _header(24, 0) + kw.string("tx") + kw.i64(1) + kw.i16(0) + kw.i32(0x7FFFFFF0)),
    "describe-transactions-count-past-end": _framed(_header(65, 0, True) + kw.uvarint(1 << 28)),
    "list-transactions-truncated": _framed(_header(66, 1, True) + kw.uvarint(2)),
    "txn-offset-commit-truncated": _framed(_header(28, 0) + kw.string("tx") + kw.string("g")),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_transaction_request_closes_only_that_connection(txb, case):
    bystander = kw.Connection(txb.bootstrap)
    with kw.Connection(txb.bootstrap) as conn:
        try:
            conn.send(MALFORMED[case])
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert conn.closed_by_peer(timeout=10), f"{case}: connection still open after 10 s"
    with bystander:
        r = bystander.roundtrip(kw.api_versions_request(0, 77), 77)
        assert kw.parse_api_versions(r, 0).error_code == 0
    assert txb.is_running()
    # Transactions still work.
    topic = new_topic(txb.bootstrap)
    t = Txn(txb.bootstrap, f"tx-after-{case}")
    t.init()
    t.add_ok({topic: [0]})
    t.produce_ok(topic)
    assert t.end(True) == kw.ERR_NONE


def test_half_closed_truncated_end_txn(txb):
    with kw.Connection(txb.bootstrap) as conn:
        conn.send(kw.i32(100) + _header(26, 0) + kw.string("tx"))
        conn.sock.shutdown(socket.SHUT_WR)
        assert conn.closed_by_peer(timeout=10)
    assert kw.api_versions(txb.bootstrap, 0).error_code == 0


# ---------------------------------------------------------------------------------------------
# Restarts


@pytest.mark.timeout_s(90)
def test_open_transaction_survives_sigkill(txb):
    topic = new_topic(txb.bootstrap)
    assert plain_produce(txb.bootstrap, topic, "a") == 0
    t = Txn(txb.bootstrap, "tx-restart-open")
    t.init()
    t.add_ok({topic: [0]})
    assert t.produce_ok(topic, count=2) == 1
    before = t.describe()
    assert before.state == "Ongoing"

    txb.kill()
    txb.start()
    t.bootstrap = txb.bootstrap
    retrying(lambda: find_txn_coordinator(txb.bootstrap, t.tid), "coordinator after restart")

    def described():
        res = kw.describe_transactions(txb.bootstrap, [t.tid])[t.tid]
        return None if res.error_code in RETRIABLE else res
    d = wait_until(described, 20, "DescribeTransactions after restart")
    assert (d.error_code, d.state, d.producer_id, d.producer_epoch, d.partitions) == (
        kw.ERR_NONE, "Ongoing", t.pid, t.epoch, {topic: [0]})
    assert d.start_time_ms == before.start_time_ms
    part = fetch(txb.bootstrap, topic)
    assert (part.high_watermark, part.last_stable_offset) == (3, 1)
    assert values(part) == [(0, "a")]

    # The producer carries on where it was: same sequence, then commit.
    assert t.produce_ok(topic, count=1) == 3
    assert t.end(True) == kw.ERR_NONE
    part = wait_stable(txb.bootstrap, topic)
    assert (part.high_watermark, part.last_stable_offset) == (5, 5)
    assert values(part) == [(0, "a"), (1, "t0"), (2, "t1"), (3, "t2")]
    assert not part.aborted_transactions


@pytest.mark.timeout_s(90)
def test_acknowledged_commit_survives_sigkill(txb):
    topics = [new_topic(txb.bootstrap), new_topic(txb.bootstrap)]
    t = Txn(txb.bootstrap, "tx-restart-commit")
    t.init()
    t.add_ok({topics[0]: [0], topics[1]: [0]})
    for topic in topics:
        assert t.produce_ok(topic, count=2) == 0
    assert t.end(True) == kw.ERR_NONE
    txb.kill()  # at once: markers may not be written yet, the coordinator must finish the job
    txb.start()
    t.bootstrap = txb.bootstrap
    for topic in topics:
        part = wait_stable(txb.bootstrap, topic, timeout=30)
        assert (part.high_watermark, part.last_stable_offset) == (3, 3)
        assert values(part) == [(0, "t0"), (1, "t1")]
        assert not part.aborted_transactions
        assert all_batches(txb.bootstrap, topic)[-1].control_type == kw.CONTROL_COMMIT
    wait_until(lambda: t.describe().state == "CompleteCommit", 20, "CompleteCommit after restart")
    # And the id is usable: the next init bumps the epoch.
    assert t.init().producer_epoch == 1


@pytest.mark.timeout_s(90)
def test_acknowledged_abort_survives_sigterm_restart(txb):
    topic = new_topic(txb.bootstrap)
    t = Txn(txb.bootstrap, "tx-restart-abort")
    t.init()
    t.add_ok({topic: [0]})
    assert t.produce_ok(topic, count=2) == 0
    assert t.end(False) == kw.ERR_NONE
    txb.restart()
    t.bootstrap = txb.bootstrap
    part = wait_stable(txb.bootstrap, topic, timeout=30)
    assert (part.high_watermark, part.aborted_transactions) == (3, [(t.pid, 0)])
