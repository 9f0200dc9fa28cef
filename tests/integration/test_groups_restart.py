"""Consumer-group state across broker restarts (same data directory; the port may change).

Committed offsets and each group's last generation live in __consumer_offsets: after a restart
OffsetFetch (librdkafka's committed()) returns every committed offset, DescribeGroups shows every
group as it was, a member of a group that was Stable can go on heartbeating at its generation,
and a new member continues from the committed offsets.
"""

from __future__ import annotations

import pytest
from confluent_kafka import TopicPartition

import kafka_wire as kw
from clients import GroupMember, create_topics, poll_members, produce_records, unique_topic, wait_until

SETTINGS = {"group.initial.rebalance.delay.ms": 0}
# Long enough to cover a restart, within the broker's default maximum (30 minutes).
LONG_SESSION_MS = 120000


def offsets_of(bootstrap: str, group: str, topic: str, partitions: int) -> dict[int, tuple[int, str | None, int]]:
    """partition -> (offset, metadata, error). Null metadata reads as "" (Kafka stores a null
    commit metadata as ""; test_groups_bad_input checks that detail on its own)."""
    got = kw.fetch_offsets(bootstrap, group, {topic: list(range(partitions))})
    return {p: (v.offset, v.metadata or "", v.error_code) for (_, p), v in got.items()}


def described(bootstrap: str, group: str) -> tuple:
    g = kw.describe_group(bootstrap, group)
    return (g.error_code, g.state, g.protocol_type, g.protocol,
            sorted((m.member_id, m.client_id, m.metadata, m.assignment) for m in g.members))


@pytest.mark.timeout_s(120)
def test_offsets_and_group_state_survive_a_restart(broker_factory):
    broker = broker_factory(SETTINGS)
    topic = unique_topic("grp-restart")
    create_topics(broker.bootstrap, {topic: 3})
    produce_records(broker.bootstrap, topic, [(None, f"v-{p}-{i}".encode(), p) for i in range(30) for p in range(3)])

    # Group A: a librdkafka member that commits and leaves (the group ends up Empty).
    group_a = f"a-{topic}"
    member = GroupMember(broker.bootstrap, group_a, [topic], name="a")
    try:
        poll_members([member], lambda: len(member.messages) >= 90, 30, "90 records")
        res = member.consumer.commit(offsets=[TopicPartition(topic, 0, 5), TopicPartition(topic, 1, 10),
                                              TopicPartition(topic, 2, 30)], asynchronous=False)
        assert all(tp.error is None for tp in res), res
    finally:
        member.close()

    # Group B: a hand-driven member that stays Stable at its generation, offsets with metadata.
    group_b = f"b-{topic}"
    raw = kw.RawMember(broker.bootstrap, group_b, topics=[topic], session_timeout_ms=LONG_SESSION_MS,
                       rebalance_timeout_ms=LONG_SESSION_MS)
    raw.join_and_sync({topic: [0, 1, 2]})
    assert raw.commit({(topic, 0): (1, "one"), (topic, 1): (2, "two"), (topic, 2): (3, None)}) == \
        {(topic, p): 0 for p in range(3)}

    # Group C: many commits to one partition; the last one counts.
    group_c = f"c-{topic}"
    with kw.RawMember(broker.bootstrap, group_c, topics=[topic]) as c:
        c.join_and_sync({topic: [0]})
        for i in range(1, 101):
            assert c.commit({(topic, 0): i}) == {(topic, 0): 0}
        assert c.leave() == 0

    wait_until(lambda: kw.describe_group(broker.bootstrap, group_a).state == "Empty", 10, "group A Empty")
    before_offsets = {g: offsets_of(broker.bootstrap, g, topic, 3) for g in (group_a, group_b, group_c)}
    before_groups = {g: described(broker.bootstrap, g) for g in (group_a, group_b, group_c)}
    assert before_offsets[group_a] == {0: (5, "", 0), 1: (10, "", 0), 2: (30, "", 0)}
    assert before_offsets[group_c][0][0] == 100
    assert before_groups[group_b][1] == "Stable"
    raw.close()

    broker.restart()

    after_offsets = {g: offsets_of(broker.bootstrap, g, topic, 3) for g in (group_a, group_b, group_c)}
    assert after_offsets == before_offsets
    after_groups = {g: described(broker.bootstrap, g) for g in (group_a, group_b, group_c)}
    assert after_groups == before_groups
    listed = kw.list_groups(broker.bootstrap)
    assert {group_a, group_b, group_c} <= set(listed), listed

    # B's member is still a member at its generation (within its session timeout).
    with kw.RawMember(broker.bootstrap, group_b, topics=[topic], session_timeout_ms=LONG_SESSION_MS) as again:
        again.member_id, again.generation = raw.member_id, raw.generation
        assert again.heartbeat() == 0, "the restarted broker forgot the member or its generation"
        assert again.commit({(topic, 2): 4}) == {(topic, 2): 0}
        assert again.commit({(topic, 2): 5}, generation=raw.generation - 1) == {(topic, 2): kw.ERR_ILLEGAL_GENERATION}
        assert again.leave() == 0
    assert offsets_of(broker.bootstrap, group_b, topic, 3)[2][0] == 4

    # librdkafka sees the same offsets, and a new member of A continues from them.
    resumed = GroupMember(broker.bootstrap, group_a, [topic], name="a-again")
    try:
        tps = resumed.consumer.committed([TopicPartition(topic, p) for p in range(3)], timeout=10)
        assert [tp.offset for tp in tps] == [5, 10, 30]
        poll_members([resumed], lambda: len(resumed.messages) >= 25 + 20, 30, "the rest of partitions 0 and 1")
        got = sorted(resumed.keys())
        assert got == sorted([(0, o) for o in range(5, 30)] + [(1, o) for o in range(10, 30)]), got[:5]
    finally:
        resumed.close()


@pytest.mark.timeout_s(60)
def test_committed_offsets_survive_sigkill(broker_factory):
    """An acknowledged OffsetCommit is durable: it outlives a crash."""
    broker = broker_factory(SETTINGS)
    topic = unique_topic("grp-crash")
    create_topics(broker.bootstrap, {topic: 2})
    group = f"g-{topic}"
    with kw.RawMember(broker.bootstrap, group, topics=[topic]) as m:
        m.join_and_sync({topic: [0, 1]})
        for i in range(1, 21):
            assert m.commit({(topic, 0): i, (topic, 1): 1000 + i}) == {(topic, 0): 0, (topic, 1): 0}
    broker.kill()
    broker.start()
    assert offsets_of(broker.bootstrap, group, topic, 2) == {0: (20, "", 0), 1: (1020, "", 0)}


@pytest.mark.timeout_s(60)
def test_deleted_group_stays_deleted_after_restart(broker_factory):
    broker = broker_factory(SETTINGS)
    topic = unique_topic("grp-gone")
    create_topics(broker.bootstrap, {topic: 1})
    gone, kept = f"gone-{topic}", f"kept-{topic}"
    for group in (gone, kept):
        with kw.RawMember(broker.bootstrap, group, topics=[topic]) as m:
            m.join_and_sync({topic: [0]})
            assert m.commit({(topic, 0): 7}) == {(topic, 0): 0}
            assert m.leave() == 0
    wait_until(lambda: kw.describe_group(broker.bootstrap, gone).state == "Empty", 10, "the group to be Empty")
    assert kw.delete_groups(broker.bootstrap, [gone]) == {gone: 0}

    broker.restart()
    listed = kw.list_groups(broker.bootstrap)
    assert gone not in listed and kept in listed, listed
    assert offsets_of(broker.bootstrap, gone, topic, 1) == {0: (-1, "", 0)}
    assert offsets_of(broker.bootstrap, kept, topic, 1) == {0: (7, "", 0)}


@pytest.mark.timeout_s(90)
def test_restart_twice_with_members_coming_and_going(broker_factory):
    """Generations keep counting up across restarts: a group rejoined after a restart gets a
    generation above the one it had, and its offsets carry over."""
    broker = broker_factory(SETTINGS)
    topic = unique_topic("grp-gen")
    create_topics(broker.bootstrap, {topic: 1})
    group = f"g-{topic}"
    generations = []
    for round_ in range(3):
        with kw.RawMember(broker.bootstrap, group, topics=[topic]) as m:
            m.join_and_sync({topic: [0]})
            generations.append(m.generation)
            if round_:
                assert offsets_of(broker.bootstrap, group, topic, 1)[0][0] == round_ * 10
            assert m.commit({(topic, 0): (round_ + 1) * 10}) == {(topic, 0): 0}
            assert m.leave() == 0
        broker.restart()
    assert generations == sorted(set(generations)), f"generations did not increase: {generations}"
    assert offsets_of(broker.bootstrap, group, topic, 1)[0][0] == 30
