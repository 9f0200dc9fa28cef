"""Consumer groups with librdkafka (python3-confluent-kafka 1.7.0, librdkafka 2.0.2).

subscribe() members split a topic's partitions, commit and resume, show up in ListGroups /
DescribeGroups, keep their assignment as static members, and empty groups can be deleted.

confluent-kafka 1.7.0 has AdminClient.list_groups() (ListGroups + DescribeGroups) but neither
list_consumer_group_offsets, describe_consumer_groups nor delete_consumer_groups (those came in
later releases): committed offsets are cross-checked with a hand-made OffsetFetch v1, and groups
are deleted with a hand-made DeleteGroups v0 (kafka_wire.py).
"""

from __future__ import annotations

import time

import pytest
from confluent_kafka import OFFSET_INVALID, Consumer, TopicPartition

import kafka_wire as kw
from clients import (COMMON_CONF, GROUP_CONF, GroupMember, admin, assignments_split, close_all, create_topics, poll_members,
                     produce_records, unique_topic, wait_until)

NO_DELAY = {"group.initial.rebalance.delay.ms": 0}


@pytest.fixture
def gbroker(broker_factory):
    return broker_factory(NO_DELAY)


@pytest.fixture
def members():
    """Members made by a test, closed at its end."""
    made: list[GroupMember] = []
    yield made
    close_all(made)


def spread(topic: str, partitions: int, per_partition: int, tag: str = "r") -> list[tuple[bytes, bytes, int]]:
    return [(f"k{p}".encode(), f"{tag}-{p}-{i}".encode(), p)
            for i in range(per_partition) for p in range(partitions)]


def group_info(bootstrap: str, group: str):
    """AdminClient.list_groups(group): librdkafka's ListGroups + DescribeGroups for one group."""
    groups = admin(bootstrap).list_groups(group, timeout=10)
    assert len(groups) == 1, f"list_groups({group}) returned {groups}"
    return groups[0]


def committed_offsets(bootstrap: str, group: str, topic: str, partitions: int) -> dict[int, int]:
    got = kw.fetch_offsets(bootstrap, group, {topic: list(range(partitions))})
    assert all(v.error_code == 0 for v in got.values()), got
    return {p: got[(topic, p)].offset for p in range(partitions)}


# ---------------------------------------------------------------------------------------------


@pytest.mark.timeout_s(120)
def test_members_split_partitions_and_take_over_from_a_leaver(gbroker, members):
    topic = unique_topic("grp-split")
    group = f"g-{topic}"
    create_topics(gbroker.bootstrap, {topic: 6})
    # Auto-commit (quickly) so that after the rebalance below nobody re-reads what was consumed.
    conf = {"enable.auto.commit": True, "auto.commit.interval.ms": 200}
    members += [GroupMember(gbroker.bootstrap, group, [topic], conf, name=f"m{i}") for i in range(3)]
    poll_members(members, lambda: assignments_split(members, topic, 6), 30,
                 "three members to split 6 partitions")

    # The coordinator's view agrees with the members' callbacks.
    info = wait_until(lambda: (lambda g: g if g.state == "Stable" else None)(group_info(gbroker.bootstrap, group)),
                      10, "the group to be Stable")
    assert info.protocol_type == "consumer" and info.protocol in ("range", "roundrobin"), info
    by_client = {m.client_id: m for m in info.members}
    assert sorted(by_client) == ["m0", "m1", "m2"], [m.client_id for m in info.members]
    for m in members:
        described = kw.parse_consumer_assignment(by_client[m.name].assignment)
        assert {(t, p) for t, ps in described.items() for p in ps} == m.assignment, m

    records = spread(topic, 6, 10)
    produce_records(gbroker.bootstrap, topic, records)
    poll_members(members, lambda: sum(len(m.messages) for m in members) >= len(records), 30,
                 f"{len(records)} records")
    received = [k for m in members for k in m.keys()]
    assert sorted(received) == sorted((p, o) for p in range(6) for o in range(10)), "each record exactly once"
    for m in members:
        assert {p for p, _ in m.keys()} <= set(m.partitions()), f"{m.name} got records of partitions it does not own"

    # Wait for the auto-commits to land, then one member leaves gracefully (LeaveGroup).
    poll_members(members, lambda: committed_offsets(gbroker.bootstrap, group, topic, 6) == {p: 10 for p in range(6)},
                 15, "every partition committed at 10")
    leaver, stayers = members[2], members[:2]
    moved = leaver.partitions()
    left_at = time.monotonic()
    leaver.close()
    poll_members(stayers, lambda: assignments_split(stayers, topic, 6), 20,
                 f"the two remaining members to take over {moved}")
    took = max(m.events[-1][2] for m in stayers) - left_at
    assert took < 6.0, f"takeover after a graceful leave took {took:.1f}s (session timeout is 6s)"

    more = spread(topic, 6, 5, tag="after")
    produce_records(gbroker.bootstrap, topic, more)
    before = {m.name: len(m.messages) for m in stayers}
    poll_members(stayers, lambda: sum(len(m.messages) - before[m.name] for m in stayers) >= len(more), 30,
                 f"{len(more)} records after the leave")
    new = [k for m in stayers for k in m.keys()[before[m.name]:]]
    assert sorted(new) == sorted((p, o) for p in range(6) for o in range(10, 15)), \
        "after the takeover every new record arrives exactly once and nothing is re-read"


@pytest.mark.timeout_s(90)
def test_manual_commit_then_a_new_member_resumes_at_the_committed_offset(gbroker, members):
    topic = unique_topic("grp-commit")
    group = f"g-{topic}"
    create_topics(gbroker.bootstrap, {topic: 2})
    produce_records(gbroker.bootstrap, topic, spread(topic, 2, 20))

    a = GroupMember(gbroker.bootstrap, group, [topic], name="a")
    members.append(a)
    poll_members([a], lambda: len(a.messages) >= 40, 30, "a to read all 40 records")
    assert sorted(a.keys()) == sorted((p, o) for p in range(2) for o in range(20))

    # Nothing is committed yet: OFFSET_INVALID (-1001) from librdkafka, -1 on the wire.
    tps = [TopicPartition(topic, 0), TopicPartition(topic, 1)]
    assert [tp.offset for tp in a.consumer.committed(tps, timeout=10)] == [OFFSET_INVALID] * 2
    assert committed_offsets(gbroker.bootstrap, group, topic, 2) == {0: -1, 1: -1}

    # commit(message=...) stores that message's offset + 1; commit(offsets=...) stores as given.
    msg_p0_6 = next(m for m in a.messages if (m.partition(), m.offset()) == (0, 6))
    result = a.consumer.commit(message=msg_p0_6, asynchronous=False)
    assert [(tp.partition, tp.offset, tp.error) for tp in result] == [(0, 7, None)]
    result = a.consumer.commit(offsets=[TopicPartition(topic, 1, 12)], asynchronous=False)
    assert [(tp.partition, tp.offset, tp.error) for tp in result] == [(1, 12, None)]

    assert [tp.offset for tp in a.consumer.committed(tps, timeout=10)] == [7, 12]
    assert committed_offsets(gbroker.bootstrap, group, topic, 2) == {0: 7, 1: 12}, \
        "OffsetFetch and committed() disagree"
    a.close()

    b = GroupMember(gbroker.bootstrap, group, [topic], name="b")
    members.append(b)
    poll_members([b], lambda: len(b.messages) >= (20 - 7) + (20 - 12), 30, "b to read from the committed offsets")
    first = {p: min(o for q, o in b.keys() if q == p) for p in (0, 1)}
    assert first == {0: 7, 1: 12}, f"b started at {first}"
    assert sorted(b.keys()) == sorted([(0, o) for o in range(7, 20)] + [(1, o) for o in range(12, 20)])
    assert [tp.offset for tp in b.consumer.committed(tps, timeout=10)] == [7, 12]

    # commit() with no arguments commits what b has consumed.
    result = b.consumer.commit(asynchronous=False)
    assert sorted((tp.partition, tp.offset) for tp in result) == [(0, 20), (1, 20)]
    assert committed_offsets(gbroker.bootstrap, group, topic, 2) == {0: 20, 1: 20}


@pytest.mark.timeout_s(90)
def test_no_committed_offset_follows_auto_offset_reset(gbroker, members):
    topic = unique_topic("grp-reset")
    create_topics(gbroker.bootstrap, {topic: 1})
    produce_records(gbroker.bootstrap, topic, spread(topic, 1, 5, tag="old"))
    early = GroupMember(gbroker.bootstrap, f"early-{topic}", [topic], {"auto.offset.reset": "earliest"})
    late = GroupMember(gbroker.bootstrap, f"late-{topic}", [topic], {"auto.offset.reset": "latest"})
    members += [early, late]
    poll_members(members, lambda: early.assignment and late.assignment and len(early.messages) >= 5, 30,
                 "both groups assigned")
    # "latest" resolves to the end (ListOffsets) soon after the assignment; librdkafka does not
    # show that fetch position (position() stays invalid until a message arrives), so give it
    # a bounded moment of polling before adding records.
    assigned = late.events[0][2]
    poll_members(members, lambda: time.monotonic() - assigned > 1.5, 5, "1.5s after late's assignment")
    produce_records(gbroker.bootstrap, topic, spread(topic, 1, 3, tag="new"))
    poll_members(members, lambda: len(early.messages) >= 8 and len(late.messages) >= 3, 20, "new records")
    assert [o for _, o in early.keys()] == list(range(8))
    assert [o for _, o in late.keys()] == [5, 6, 7]


@pytest.mark.timeout_s(90)
def test_list_groups_describes_members_and_assignments(gbroker, members):
    topic = unique_topic("grp-list")
    group = f"g-{topic}"
    create_topics(gbroker.bootstrap, {topic: 4})
    members += [GroupMember(gbroker.bootstrap, group, [topic], name=f"lister-{i}") for i in range(2)]
    poll_members(members, lambda: assignments_split(members, topic, 4), 30, "two members to split 4 partitions")

    listed = {g.id: g for g in admin(gbroker.bootstrap).list_groups(timeout=10)}
    assert group in listed, f"{group} not in {sorted(listed)}"
    assert listed[group].protocol_type == "consumer"
    assert kw.list_groups(gbroker.bootstrap).get(group) == "consumer"

    info = group_info(gbroker.bootstrap, group)
    assert info.state == "Stable", info.state
    assert info.error is None or info.error.code() == 0, info.error
    assert info.protocol in ("range", "roundrobin")
    assert sorted(m.client_id for m in info.members) == ["lister-0", "lister-1"]
    for dm in info.members:
        assert dm.id, "member id"
        assert "127.0.0.1" in dm.client_host, dm.client_host
        sub = kw.Reader(dm.metadata)
        sub.i16()
        assert [sub.string() for _ in range(sub.i32())] == [topic], "the subscription in the member metadata"
        owner = next(m for m in members if m.name == dm.client_id)
        got = kw.parse_consumer_assignment(dm.assignment)
        assert {(t, p) for t, ps in got.items() for p in ps} == owner.assignment

    close_all(members)
    info = wait_until(lambda: (lambda g: g if g.state == "Empty" else None)(group_info(gbroker.bootstrap, group)),
                      10, "the group to be Empty after both members closed")
    assert info.members == []
    assert info.protocol_type == "consumer"


@pytest.mark.timeout_s(120)
def test_static_member_restart_keeps_its_assignment_without_a_rebalance(gbroker, members):
    topic = unique_topic("grp-static")
    group = f"g-{topic}"
    create_topics(gbroker.bootstrap, {topic: 4})
    a = GroupMember(gbroker.bootstrap, group, [topic], {"group.instance.id": "instance-a"}, name="a")
    b = GroupMember(gbroker.bootstrap, group, [topic], {"group.instance.id": "instance-b"}, name="b")
    members += [a, b]
    poll_members(members, lambda: assignments_split(members, topic, 4), 30, "a and b to split 4 partitions")
    before = group_info(gbroker.bootstrap, group)
    ids_before = {m.client_id: m.id for m in before.members}
    a_parts, b_parts, b_events = set(a.assignment), set(b.assignment), len(b.events)

    # A static member does not send LeaveGroup on close: the coordinator keeps its place.
    closed_at = time.monotonic()
    a.close()
    a2 = GroupMember(gbroker.bootstrap, group, [topic], {"group.instance.id": "instance-a"}, name="a")
    members.append(a2)
    poll_members([a2, b], lambda: a2.assignment, 5.5, "the restarted static member to get its assignment back "
                 "within the session timeout")
    assert a2.assignment == a_parts, f"restarted member got {sorted(a2.assignment)}, had {sorted(a_parts)}"

    # Past the old member's session timeout: still no rebalance for b.
    poll_members([a2, b], lambda: time.monotonic() - closed_at > 7.5, 10, "7.5s to pass")
    assert len(b.events) == b_events, f"b saw a rebalance: {b.events[b_events:]}"
    assert b.assignment == b_parts and a2.assignment == a_parts
    after = group_info(gbroker.bootstrap, group)
    assert after.state == "Stable"
    ids_after = {m.client_id: m.id for m in after.members}
    assert sorted(ids_after) == ["a", "b"], ids_after
    assert ids_after["b"] == ids_before["b"], "b's membership must be untouched"

    # Both keep consuming their own partitions.
    produce_records(gbroker.bootstrap, topic, spread(topic, 4, 3))
    poll_members([a2, b], lambda: len(a2.messages) + len(b.messages) >= 12, 20, "12 records")
    assert {p for p, _ in a2.keys()} == {p for _, p in a_parts}
    assert {p for p, _ in b.keys()} == {p for _, p in b_parts}


@pytest.mark.timeout_s(60)
def test_delete_groups(gbroker, members):
    topic = unique_topic("grp-del")
    create_topics(gbroker.bootstrap, {topic: 1})
    produce_records(gbroker.bootstrap, topic, spread(topic, 1, 4))
    empty, busy = f"empty-{topic}", f"busy-{topic}"

    m = GroupMember(gbroker.bootstrap, empty, [topic], name="soon-gone")
    members.append(m)
    poll_members([m], lambda: len(m.messages) >= 4, 30, "4 records")
    m.consumer.commit(asynchronous=False)
    m.close()
    assert committed_offsets(gbroker.bootstrap, empty, topic, 1) == {0: 4}

    stay = GroupMember(gbroker.bootstrap, busy, [topic], name="stays")
    members.append(stay)
    poll_members([stay], lambda: stay.assignment, 30, "the busy group's member to be assigned")

    wait_until(lambda: group_info(gbroker.bootstrap, empty).state == "Empty", 10, "the group to be Empty")
    never = f"never-{topic}"
    assert kw.delete_groups(gbroker.bootstrap, [empty, busy, never]) == {
        empty: 0, busy: kw.ERR_NON_EMPTY_GROUP, never: kw.ERR_GROUP_ID_NOT_FOUND}

    assert empty not in kw.list_groups(gbroker.bootstrap)
    assert busy in kw.list_groups(gbroker.bootstrap)
    assert committed_offsets(gbroker.bootstrap, empty, topic, 1) == {0: -1}, "deleting a group drops its offsets"
    # A fresh member of the deleted group's name starts over from auto.offset.reset.
    again = GroupMember(gbroker.bootstrap, empty, [topic], name="reborn")
    members.append(again)
    poll_members([again], lambda: len(again.messages) >= 4, 30, "the reborn group to read from 0")
    assert [o for _, o in again.keys()] == [0, 1, 2, 3]
    assert stay.assignment == {(topic, 0)}


@pytest.mark.timeout_s(90)
def test_initial_rebalance_delay_gathers_members_into_one_generation(broker_factory, members):
    # group.initial.rebalance.delay.ms at its default (3000): the first join of an empty group
    # waits that long, so members starting together share the first generation.
    broker = broker_factory()
    topic = unique_topic("grp-delay")
    group = f"g-{topic}"
    create_topics(broker.bootstrap, {topic: 4})
    started = time.monotonic()
    first = GroupMember(broker.bootstrap, group, [topic], name="first")
    members.append(first)
    poll_members([first], lambda: time.monotonic() - started > 0.5, 2, "0.5s")
    second = GroupMember(broker.bootstrap, group, [topic], name="second")
    members.append(second)
    poll_members(members, lambda: assignments_split(members, topic, 4), 30, "both members assigned")
    first_assign = min(m.events[0][2] for m in members) - started
    assert first_assign >= 2.5, f"first assignment after {first_assign:.2f}s: the 3s initial delay was skipped"
    for m in members:
        assert [k for k, _, _ in m.events] == ["assign"], f"{m.name} went through more than one rebalance: {m.events}"


def test_committed_for_a_group_that_never_committed(gbroker):
    topic = unique_topic("grp-none")
    create_topics(gbroker.bootstrap, {topic: 3})
    got = kw.fetch_offsets(gbroker.bootstrap, f"nobody-{topic}", {topic: [0, 1, 2]})
    assert {p: (v.offset, v.error_code) for (_, p), v in got.items()} == {0: (-1, 0), 1: (-1, 0), 2: (-1, 0)}
    m = GroupMember(gbroker.bootstrap, f"nobody-{topic}", [topic])
    try:
        tps = m.consumer.committed([TopicPartition(topic, p) for p in range(3)], timeout=10)
        assert [tp.offset for tp in tps] == [OFFSET_INVALID] * 3
        assert all(tp.error is None for tp in tps)
    finally:
        m.close()


@pytest.mark.timeout_s(90)
def test_cooperative_sticky_moves_only_the_partitions_that_change_owner(gbroker):
    """KIP-429 as librdkafka drives it: the first member keeps the partitions it still owns and
    is asked to revoke only those that move to the newcomer."""
    topic = unique_topic("grp-coop")
    group = f"g-{topic}"
    create_topics(gbroker.bootstrap, {topic: 4})
    owned: dict[str, set[int]] = {"a": set(), "b": set()}
    revoked: dict[str, list[int]] = {"a": [], "b": []}

    def member(name: str) -> Consumer:
        c = Consumer({"bootstrap.servers": gbroker.bootstrap, "group.id": group,
                      "client.id": name, "partition.assignment.strategy": "cooperative-sticky",
                      **GROUP_CONF, **COMMON_CONF})

        def on_assign(consumer, parts):
            owned[name] |= {p.partition for p in parts}
            consumer.incremental_assign(parts)

        def on_revoke(consumer, parts):
            revoked[name] += [p.partition for p in parts]
            owned[name] -= {p.partition for p in parts}
            consumer.incremental_unassign(parts)

        c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
        return c

    def poll_until(consumers, predicate, what: str, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f"timed out waiting for {what}: {owned} {revoked}"
            for c in consumers:
                c.poll(0.05)

    a = member("a")
    b = None
    try:
        poll_until([a], lambda: owned["a"] == {0, 1, 2, 3}, "a to own every partition")
        b = member("b")
        poll_until([a, b], lambda: len(owned["a"]) == 2 and len(owned["b"]) == 2,
                   "the partitions to split two and two")
        assert owned["a"].isdisjoint(owned["b"])
        assert sorted(revoked["a"]) == sorted(owned["b"]), "a revoked more than what moved to b"
        assert revoked["b"] == []
    finally:
        for c in (a, b):
            if c is not None:
                c.close()
