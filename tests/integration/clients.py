"""Bounded wrappers around kcat and confluent-kafka (librdkafka) for the integration tests.

Every call here has a deadline: a broker that stops answering fails the test, never hangs it.
consumer()/consume_all() use assign() with explicit offsets (no group membership); GroupMember
below is a subscribe()d member of a consumer group.
"""

from __future__ import annotations

import json
import logging
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

# librdkafka settings shared by every client: small reconnect backoff so a restarted broker is
# picked up quickly, bounded socket waits, and librdkafka's log routed through Python logging
# (pytest shows it with a failing test, instead of clients that outlive their test printing
# "Connection refused" to the terminal once their broker is gone).
COMMON_CONF = {
    "socket.timeout.ms": 10000,
    "reconnect.backoff.ms": 50,
    "reconnect.backoff.max.ms": 1000,
    "logger": logging.getLogger("librdkafka"),
}


# ---------------------------------------------------------------------------------------------
# kcat


def kcat(*args: str, input: bytes | None = None, timeout: float = 60.0,
         check: bool = True) -> subprocess.CompletedProcess:
    """Runs kcat with a hard timeout (the child is killed when it expires)."""
    cmd = ["kcat", *args]
    try:
        res = subprocess.run(cmd, input=input,
                             stdin=None if input is not None else subprocess.DEVNULL,
                             capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"kcat timed out after {timeout}s: {' '.join(cmd)}\nstderr: "
                             f"{(e.stderr or b'').decode(errors='replace')[-4000:]}") from None
    if check and res.returncode != 0:
        raise AssertionError(f"kcat exited with {res.returncode}: {' '.join(cmd)}\n"
                             f"stderr: {res.stderr.decode(errors='replace')[-4000:]}")
    return res


def kcat_metadata(bootstrap: str, topic: str | None = None) -> dict:
    """`kcat -L -J` parsed: {"brokers": [{"id", "name"}], "topics": [{"topic", "partitions"}]}."""
    args = ["-b", bootstrap, "-L", "-J", "-m", "10"]
    if topic:
        args += ["-t", topic]
    return json.loads(kcat(*args, timeout=30).stdout)


# ---------------------------------------------------------------------------------------------
# Admin


def admin(bootstrap: str) -> AdminClient:
    return AdminClient({"bootstrap.servers": bootstrap, **COMMON_CONF})


def topic_future_error(future, timeout: float = 20.0) -> KafkaError | None:
    """The KafkaError a create/delete future resolved with, or None on success."""
    try:
        future.result(timeout=timeout)
    except KafkaException as e:
        return e.args[0]
    return None


def create_topics(bootstrap: str, topics: dict[str, int], timeout: float = 20.0) -> None:
    """Creates each topic with the given partition count and fails on any error."""
    client = admin(bootstrap)
    new = [NewTopic(name, num_partitions=n, replication_factor=1) for name, n in topics.items()]
    futures = client.create_topics(new, operation_timeout=timeout, request_timeout=timeout)
    errors = {name: topic_future_error(f, timeout + 5) for name, f in futures.items()}
    bad = {name: str(err) for name, err in errors.items() if err is not None}
    assert not bad, f"create_topics failed: {bad}"


def list_topics(bootstrap: str, topic: str | None = None, timeout: float = 10.0):
    return admin(bootstrap).list_topics(topic=topic, timeout=timeout)


def partition_counts(bootstrap: str) -> dict[str, int]:
    md = list_topics(bootstrap)
    return {name: len(t.partitions) for name, t in md.topics.items() if not name.startswith("__")}


def unique_topic(prefix: str = "itest") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# ---------------------------------------------------------------------------------------------
# Producer


@dataclass
class Delivery:
    error: KafkaError | None
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def producer(bootstrap: str, conf: dict | None = None) -> Producer:
    base = {
        "bootstrap.servers": bootstrap,
        "acks": "all",
        "linger.ms": 5,
        "enable.idempotence": False,  # tests that need it opt in (test_idempotence.py)
        "message.timeout.ms": 30000,
        **COMMON_CONF,
    }
    base.update(conf or {})
    return Producer(base)


class DeliveryLog:
    """An on_delivery callback that remembers every report in arrival order."""

    def __init__(self):
        self.reports: list[Delivery] = []

    def __call__(self, err, msg) -> None:
        self.reports.append(Delivery(err, msg.topic(), msg.partition(), msg.offset(),
                                     msg.key(), msg.value()))

    def errors(self) -> list[Delivery]:
        return [d for d in self.reports if d.error is not None]


def flush(p: Producer, timeout: float = 30.0) -> None:
    left = p.flush(timeout)
    assert left == 0, f"{left} messages still undelivered after flush({timeout})"


# ---------------------------------------------------------------------------------------------
# Consumer (assign only, no group membership)


def consumer(bootstrap: str, conf: dict | None = None) -> Consumer:
    base = {
        "bootstrap.servers": bootstrap,
        "group.id": f"itest-{uuid.uuid4().hex[:8]}",  # required by librdkafka; never joined
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": True,
        "auto.offset.reset": "error",
        "fetch.wait.max.ms": 100,
        **COMMON_CONF,
    }
    base.update(conf or {})
    return Consumer(base)


def close_bounded(client: Consumer, timeout: float = 15.0) -> None:
    """Consumer.close() in a thread, so a broker that never answers cannot hang the test."""
    t = threading.Thread(target=client.close, daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), f"consumer close() did not return within {timeout}s"


def consume_all(bootstrap: str, topic: str, partitions: int | list[int], *, min_count: int = 0,
                timeout: float = 60.0, conf: dict | None = None) -> dict[int, list]:
    """Every message of `partitions` from offset 0 up to the end, per partition in log order.

    Stops once every partition reported end-of-partition and at least `min_count` messages
    arrived; fails on any consumer error or at the deadline.
    """
    parts = list(range(partitions)) if isinstance(partitions, int) else list(partitions)
    c = consumer(bootstrap, conf)
    out: dict[int, list] = {p: [] for p in parts}
    at_end: set[int] = set()
    total = 0
    try:
        c.assign([TopicPartition(topic, p, 0) for p in parts])
        deadline = time.monotonic() + timeout
        while len(at_end) < len(parts) or total < min_count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"consume {topic}: {total} messages, end reached on {sorted(at_end)} of "
                    f"{parts} after {timeout}s (min_count {min_count})")
            for msg in c.consume(num_messages=1000, timeout=0.5):
                err = msg.error()
                if err is not None:
                    if err.code() == KafkaError._PARTITION_EOF:
                        at_end.add(msg.partition())
                        continue
                    raise AssertionError(f"consume {topic}/{msg.partition()}: {err}")
                out[msg.partition()].append(msg)
                at_end.discard(msg.partition())
                total += 1
    finally:
        close_bounded(c)
    return out


def watermarks(bootstrap: str, topic: str, partitions: int, timeout: float = 10.0) -> dict[int, tuple[int, int]]:
    """(low, high) per partition, from ListOffsets."""
    c = consumer(bootstrap)
    try:
        return {p: tuple(c.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout, cached=False))
                for p in range(partitions)}
    finally:
        close_bounded(c)


def message_fields(msg) -> dict:
    """The comparable content of a consumed message."""
    return {
        "partition": msg.partition(),
        "offset": msg.offset(),
        "key": msg.key(),
        "value": msg.value(),
        "headers": msg.headers() or [],
        "timestamp": msg.timestamp(),
    }


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05):
    """Polls `predicate` until it returns a truthy value; fails with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - retried until the deadline, then reported
            last_exc = e
        time.sleep(interval)
        interval = min(interval * 1.5, 0.5)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}"
                         + (f" (last error: {last_exc!r})" if last_exc else ""))


# ---------------------------------------------------------------------------------------------
# Consumer groups (subscribe)

# The broker's minimum session timeout (group.min.session.timeout.ms default), so a member that
# vanishes is noticed as soon as the broker allows; frequent heartbeats so rebalances are quick.
GROUP_CONF = {
    "session.timeout.ms": 6000,
    "heartbeat.interval.ms": 500,
    "max.poll.interval.ms": 30000,
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
    "enable.partition.eof": False,
    "fetch.wait.max.ms": 100,
    "topic.metadata.refresh.interval.ms": 2000,
}


class GroupMember:
    """A subscribe()d consumer that records its rebalance callbacks and everything it receives.

    The callbacks run inside poll(), so a test drives several members from one thread by
    polling each in turn (poll_members). `assignment` is the set of (topic, partition) the member
    owns now; `events` lists ("assign" | "revoke" | "lost", sorted partitions, monotonic time).
    """

    def __init__(self, bootstrap: str, group: str, topics: list[str], conf: dict | None = None,
                 name: str | None = None):
        self.name = name or f"member-{uuid.uuid4().hex[:6]}"
        self.group = group
        base = {"bootstrap.servers": bootstrap, "group.id": group, "client.id": self.name,
                **GROUP_CONF, **COMMON_CONF}
        base.update(conf or {})
        self.consumer = Consumer(base)
        self.assignment: set[tuple[str, int]] = set()
        self.events: list[tuple[str, list[tuple[str, int]], float]] = []
        self.messages: list = []
        self.errors: list[KafkaError] = []
        self.closed = False
        self.consumer.subscribe(topics, on_assign=self._on_assign, on_revoke=self._on_revoke,
                                on_lost=self._on_lost)

    def _record(self, kind: str, partitions) -> list[tuple[str, int]]:
        parts = sorted((p.topic, p.partition) for p in partitions)
        self.events.append((kind, parts, time.monotonic()))
        return parts

    def _on_assign(self, consumer, partitions) -> None:
        self.assignment = set(self._record("assign", partitions))

    def _on_revoke(self, consumer, partitions) -> None:
        self._record("revoke", partitions)
        self.assignment = set()

    def _on_lost(self, consumer, partitions) -> None:
        self._record("lost", partitions)
        self.assignment = set()

    def poll(self, timeout: float = 0.05) -> list:
        """One consume() call; returns the messages it got (also kept in self.messages)."""
        got = []
        for msg in self.consumer.consume(num_messages=1000, timeout=timeout):
            err = msg.error()
            if err is not None:
                if err.code() != KafkaError._PARTITION_EOF:
                    self.errors.append(err)
                continue
            got.append(msg)
        self.messages += got
        return got

    def partitions(self) -> list[int]:
        return sorted(p for _, p in self.assignment)

    def keys(self) -> list[tuple[int, int]]:
        """(partition, offset) of every message received, in arrival order."""
        return [(m.partition(), m.offset()) for m in self.messages]

    def close(self, timeout: float = 15.0) -> None:
        if not self.closed:
            self.closed = True
            close_bounded(self.consumer, timeout)

    def __repr__(self) -> str:
        return f"<{self.name} {sorted(self.assignment)} {len(self.messages)} msgs>"


def poll_members(members: list[GroupMember], predicate, timeout: float, what: str):
    """Polls every open member in turn until `predicate()` is truthy; fails at the deadline
    with the members' assignments and rebalance events."""
    deadline = time.monotonic() + timeout
    while True:
        for m in members:
            if not m.closed:
                m.poll(0.02)
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            state = "\n".join(f"  {m.name}: assignment {sorted(m.assignment)}, {len(m.messages)} messages, "
                              f"events {[(k, p) for k, p, _ in m.events]}, errors {[str(e) for e in m.errors[-3:]]}"
                              for m in members)
            raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{state}")


def assignments_split(members: list[GroupMember], topic: str, partitions: int) -> bool:
    """True when every member owns at least one partition of `topic`, no two own the same one,
    and together they own all of them."""
    owned = [m.assignment for m in members]
    if any(not a for a in owned):
        return False
    union = set().union(*owned)
    return (sum(len(a) for a in owned) == len(union)
            and union == {(topic, p) for p in range(partitions)})


def close_all(members: list[GroupMember]) -> None:
    for m in members:
        try:
            m.close()
        except AssertionError:
            pass


def produce_records(bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes, int | None]]) -> list[Delivery]:
    """Produces (key, value, partition or None) records and returns their delivery reports
    (all must succeed), in the order produced."""
    p = producer(bootstrap)
    log = DeliveryLog()
    for key, value, partition in records:
        kwargs = {} if partition is None else {"partition": partition}
        p.produce(topic, value=value, key=key, on_delivery=log, **kwargs)
    flush(p)
    assert not log.errors(), f"delivery errors: {[str(d.error) for d in log.errors()][:5]}"
    return log.reports
