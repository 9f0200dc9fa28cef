"""kcat as a balanced (consumer group) consumer: `kcat -G <group> <topic>`.

kcat joins the group with subscribe(), reads its assigned partitions (from the beginning when the
group has no committed offset: `-X auto.offset.reset=earliest`), exits at the end of them (`-e`),
and commits what it read when it closes, so the next run of the same group continues from there.
(`-o beginning` is not the way: in -G mode kcat applies it to every assignment, overriding the
committed offsets; one test checks that too.)
"""

from __future__ import annotations

import json
import signal
import subprocess

import pytest

import kafka_wire as kw
from clients import create_topics, kcat, produce_records, unique_topic, wait_until

SETTINGS = {"group.initial.rebalance.delay.ms": 0}
GROUP_ARGS = ["-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500", "-X", "auto.offset.reset=earliest"]


@pytest.fixture
def gbroker(broker_factory):
    return broker_factory(SETTINGS)


def produce(bootstrap: str, topic: str, partitions: int, per_partition: int, start: int = 0) -> set[tuple[int, int]]:
    produce_records(bootstrap, topic, [(f"k{p}".encode(), f"v-{p}-{i}".encode(), p)
                                       for i in range(start, start + per_partition) for p in range(partitions)])
    return {(p, o) for p in range(partitions) for o in range(start, start + per_partition)}


def kcat_group(bootstrap: str, group: str, topic: str, *extra: str, timeout: float = 60) -> list[dict]:
    """One bounded `kcat -G` run to the end of its partitions; its records as dicts."""
    res = kcat("-b", bootstrap, "-G", group, "-e", "-q", "-J", *GROUP_ARGS, *extra, topic, timeout=timeout)
    return [json.loads(line) for line in res.stdout.decode().splitlines() if line.strip()]


def test_kcat_group_consumer_reads_everything_then_continues(gbroker):
    topic = unique_topic("kcat-grp")
    group = f"g-{topic}"
    create_topics(gbroker.bootstrap, {topic: 3})
    sent = produce(gbroker.bootstrap, topic, 3, 20)

    got = kcat_group(gbroker.bootstrap, group, topic)
    keys = [(r["partition"], r["offset"]) for r in got]
    assert sorted(keys) == sorted(sent), f"{len(keys)} records, expected {len(sent)}"
    for r in got:
        assert r["payload"] == f"v-{r['partition']}-{r['offset']}" and r["key"] == f"k{r['partition']}"

    # kcat committed on exit: the group is at the end of every partition.
    offsets = kw.fetch_offsets(gbroker.bootstrap, group, {topic: [0, 1, 2]})
    assert {p: v.offset for (_, p), v in offsets.items()} == {0: 20, 1: 20, 2: 20}

    # A second run reads nothing; after more records, only those.
    assert kcat_group(gbroker.bootstrap, group, topic) == []
    more = produce(gbroker.bootstrap, topic, 3, 5, start=20)
    got = kcat_group(gbroker.bootstrap, group, topic)
    assert sorted((r["partition"], r["offset"]) for r in got) == sorted(more)

    # Another group reads everything again.
    other = kcat_group(gbroker.bootstrap, f"other-{topic}", topic)
    assert len(other) == 75

    # -o beginning overrides the committed offsets on assignment.
    again = kcat_group(gbroker.bootstrap, group, topic, "-o", "beginning")
    assert len(again) == 75


def test_two_kcat_members_together_read_everything(gbroker):
    # Without -e: kcat's end-of-partition count is not reset by a rebalance, so with -e a member
    # whose assignment changed can exit before printing records it has fetched. The members run
    # until the group has committed the end of every partition, then stop on SIGTERM (kcat closes
    # the consumer: final commit and LeaveGroup).
    topic = unique_topic("kcat-pair")
    group = f"g-{topic}"
    create_topics(gbroker.bootstrap, {topic: 4})

    cmd = ["kcat", "-b", gbroker.bootstrap, "-G", group, "-q", "-J", *GROUP_ARGS,
           "-X", "auto.commit.interval.ms=200", topic]
    procs = [subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(2)]
    outputs = []
    try:
        def stable_pair():
            g = kw.describe_group(gbroker.bootstrap, group)
            return g if g.state == "Stable" and len(g.members) == 2 else None

        owned = [kw.parse_consumer_assignment(m.assignment).get(topic, [])
                 for m in wait_until(stable_pair, 30, "two kcat members in a Stable group").members]
        assert sorted(owned[0] + owned[1]) == [0, 1, 2, 3] and owned[0] and owned[1], owned
        # Produced once the group is stable: each member reads its own partitions.
        sent = produce(gbroker.bootstrap, topic, 4, 50)

        def all_committed():
            got = kw.fetch_offsets(gbroker.bootstrap, group, {topic: [0, 1, 2, 3]})
            return all(v.offset == 50 for v in got.values())

        wait_until(all_committed, 60, "the group to commit offset 50 on every partition")
        assert stable_pair(), "the group rebalanced while consuming"
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for i, p in enumerate(procs):
            out, err = p.communicate(timeout=30)
            assert p.returncode == 0, f"kcat {i} exited with {p.returncode}: {err.decode(errors='replace')[-2000:]}"
            outputs.append([json.loads(line) for line in out.decode().splitlines() if line.strip()])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=5)
    got = sorted((r["partition"], r["offset"]) for out in outputs for r in out)
    assert got == sorted(sent), f"missing {sorted(sent - set(got))[:10]}, {len(got) - len(set(got))} duplicates"
    read = sorted(sorted({r["partition"] for r in out}) for out in outputs)
    assert read == sorted(sorted(o) for o in owned), f"members read partitions {read}, own {owned}"
    wait_until(lambda: kw.describe_group(gbroker.bootstrap, group).state == "Empty", 10,
               "the group to be Empty after both left")
