"""librdkafka's idempotent producer (enable.idempotence=true) against connection drops and broker
restarts: every record ends up in the log exactly once, in order per partition.

Clients reach the broker through a TCP proxy (the broker advertises it with advertised.listeners),
which resets every connection several times while the producer has requests in flight, so the
producer retries batches the broker already appended; the broker is also restarted with SIGTERM
and with SIGKILL (the proxy then points at the new process). Every value carries its key's
sequence number, and the whole log is read back and checked afterwards.
"""

from __future__ import annotations

import time
from collections import defaultdict

import pytest

from clients import consume_all, create_topics, flush, producer, unique_topic
from tcp_proxy import TcpProxy

RECORDS = 50_000
PARTITIONS = 3
KEYS = 60
# (delivered records, action): faults spread over the run, each while requests are in flight.
FAULTS = [
    (4_000, "drop"),
    (9_000, "drop"),
    (14_000, "sigterm"),
    (20_000, "drop"),
    (26_000, "drop"),
    (31_000, "sigkill"),
    (38_000, "drop"),
    (44_000, "drop"),
]
MAX_OUTSTANDING = 4_000  # keeps the faults inside the run instead of after everything queued


class Deliveries:
    def __init__(self):
        self.ok: list[tuple[int, int, bytes]] = []  # partition, offset, value
        self.errors: list[str] = []

    def __call__(self, err, msg) -> None:
        if err is not None:
            self.errors.append(f"{msg.key()}: {err}")
        else:
            self.ok.append((msg.partition(), msg.offset(), msg.value()))


def restart(broker, proxy: TcpProxy, how: str) -> None:
    proxy.set_upstream(None)
    if how == "sigterm":
        broker.stop()
    else:
        broker.kill()
    proxy.drop_all()
    broker.start()
    proxy.set_upstream(broker.port)


@pytest.mark.timeout_s(150)
def test_librdkafka_idempotent_producer_writes_each_record_once_through_faults(broker_factory):
    proxy = TcpProxy()
    try:
        broker = broker_factory({"advertised.listeners": f"PLAINTEXT://{proxy.address}"})
        proxy.set_upstream(broker.port)
        topic = unique_topic("idem")
        create_topics(broker.bootstrap, {topic: PARTITIONS})

        deliveries = Deliveries()
        p = producer(proxy.address, {
            "enable.idempotence": True,
            "linger.ms": 2,
            "batch.num.messages": 500,
            "message.timeout.ms": 90000,
            "max.in.flight.requests.per.connection": 5,
            "on_delivery": deliveries,
        })
        next_seq: dict[str, int] = defaultdict(int)
        faults = list(FAULTS)
        fault_log = []
        started = time.monotonic()
        for i in range(RECORDS):
            key = f"k{i % KEYS:02d}"
            value = f"{key}:{next_seq[key]}".encode()
            next_seq[key] += 1
            while True:
                try:
                    p.produce(topic, key=key.encode(), value=value)
                    break
                except BufferError:
                    p.poll(0.05)
            p.poll(0)
            while i + 1 - len(deliveries.ok) - len(deliveries.errors) > MAX_OUTSTANDING:
                p.poll(0.05)
            if faults and len(deliveries.ok) >= faults[0][0]:
                _, action = faults.pop(0)
                in_flight = i + 1 - len(deliveries.ok)
                if action == "drop":
                    proxy.drop_all()
                else:
                    restart(broker, proxy, action)
                fault_log.append((action, len(deliveries.ok), in_flight))
        flush(p, 90)
        elapsed = time.monotonic() - started

        assert not deliveries.errors, deliveries.errors[:10]
        assert len(deliveries.ok) == RECORDS
        assert not faults, f"faults never triggered: {faults}"
        assert proxy.drops >= 8, proxy.drops

        logged = consume_all(broker.bootstrap, topic, PARTITIONS, min_count=RECORDS, timeout=60)
        check_exactly_once_in_order(logged, next_seq)
        # Every acknowledgement names the offset the record really has (duplicates were answered
        # with their original offsets).
        stored = {(m.partition(), m.offset()): m.value() for msgs in logged.values() for m in msgs}
        assert {(part, off): v for part, off, v in deliveries.ok} == stored
        print(f"{RECORDS} records in {elapsed:.1f}s through {fault_log}; "
              f"{proxy.connections} proxied connections")
    finally:
        proxy.close()


def check_exactly_once_in_order(logged: dict[int, list], expected: dict[str, int]) -> None:
    """Each key's sequence numbers, in log order, are exactly 0..n-1, all in one partition."""
    seen: dict[str, list[int]] = defaultdict(list)
    partition_of: dict[str, int] = {}
    for part, msgs in logged.items():
        for m in msgs:
            key = m.key().decode()
            k, seq = m.value().decode().split(":")
            assert k == key, m.value()
            assert partition_of.setdefault(key, part) == part, f"{key} in two partitions"
            seen[key].append(int(seq))
    problems = {}
    for key, count in expected.items():
        got = seen.get(key, [])
        if got != list(range(count)):
            problems[key] = (f"{len(got)} records for {count}: {len(got) - len(set(got))} "
                             f"duplicates, {sum(1 for a, b in zip(got, got[1:]) if b < a)} "
                             f"steps backwards, {count - len(set(got))} missing")
    assert not problems, problems
