"""Consumer-group requests that Kafka refuses, sent by hand on raw sockets.

Each case checks the exact error code Kafka answers with, and that nothing else changed: a
bystander group (one member, joined and synced, with committed offsets) keeps its state, its
member keeps heartbeating at its generation, and its offsets stay as they were.
"""

from __future__ import annotations

import pytest

import kafka_wire as kw
from clients import create_topics, list_topics, unique_topic

MAX_SESSION_MS = 60000
SETTINGS = {
    "group.initial.rebalance.delay.ms": 0,
    "group.max.session.timeout.ms": MAX_SESSION_MS,
}


class Bystander:
    """A stable one-member group with offsets committed on a 2-partition topic."""

    def __init__(self, broker):
        self.broker = broker
        self.topic = unique_topic("grp-bystander")
        create_topics(broker.bootstrap, {self.topic: 2})
        self.group = f"bystander-{self.topic}"
        # A long session timeout: the bystander only heartbeats when a test checks on it.
        self.member = kw.RawMember(broker.bootstrap, self.group, topics=[self.topic],
                                   session_timeout_ms=MAX_SESSION_MS)
        assignment = {self.topic: [0, 1]}
        got = self.member.join_and_sync(assignment)
        assert got == assignment, f"bystander's own assignment came back as {got}"
        errors = self.member.commit({(self.topic, 0): (3, "meta-0"), (self.topic, 1): (7, "")})
        assert errors == {(self.topic, 0): 0, (self.topic, 1): 0}, errors
        self.before = self.snapshot()

    def snapshot(self) -> dict:
        g = kw.describe_group(self.broker.bootstrap, self.group)
        offsets = kw.fetch_offsets(self.broker.bootstrap, self.group, {self.topic: [0, 1]})
        return {
            "state": (g.error_code, g.state, g.protocol_type, g.protocol),
            "members": [(m.member_id, m.metadata, kw.parse_consumer_assignment(m.assignment))
                        for m in g.members],
            "offsets": {k: (v.offset, v.metadata, v.error_code) for k, v in offsets.items()},
            "generation": self.member.generation,
        }

    def assert_unchanged(self) -> None:
        assert self.broker.is_running(), f"broker died\n{self.broker.log_tail()}"
        assert self.member.heartbeat() == kw.ERR_NONE, "the bystander lost its membership"
        assert self.snapshot() == self.before
        assert self.before["state"][1] == "Stable"
        assert self.before["offsets"] == {(self.topic, 0): (3, "meta-0", 0), (self.topic, 1): (7, "", 0)}
        assert 1 in list_topics(self.broker.bootstrap).brokers


@pytest.fixture
def gbroker(broker_factory):
    return broker_factory(SETTINGS)


@pytest.fixture
def bystander(gbroker):
    b = Bystander(gbroker)
    yield b
    b.member.close()


def fresh_group(prefix: str = "bad") -> str:
    return unique_topic(prefix)


# ---------------------------------------------------------------------------------------------
# FindCoordinator


@pytest.mark.parametrize("version", [0, 1, 2])
def test_find_coordinator_names_this_broker(gbroker, version):
    with kw.Connection(gbroker.bootstrap) as conn:
        for i, key in enumerate(["some-group", fresh_group("never-seen"), ""]):
            corr = 10 + i
            res = kw.parse_find_coordinator(
                conn.roundtrip(kw.find_coordinator_request(version, corr, key), corr), version)
            assert (res.error_code, res.node_id, res.host, res.port) == (0, 1, "127.0.0.1", gbroker.port), \
                f"key {key!r}: {res}"


# ---------------------------------------------------------------------------------------------
# OffsetCommit from a stale generation, or with too much metadata


def test_offset_commit_from_stale_generation_is_illegal_generation(gbroker, bystander):
    topic = bystander.topic
    group = fresh_group("stale")
    with kw.RawMember(gbroker.bootstrap, group, topics=[topic]) as m:
        m.join_and_sync({topic: [0, 1]})
        first = m.generation
        assert first >= 1, f"generation {first} after the first join"
        assert m.commit({(topic, 0): 5}) == {(topic, 0): 0}

        # The leader rejoins with new metadata: a new generation starts (it is the only member,
        # so the rebalance completes at once).
        m.topics = [topic, topic + "-other"]
        res = m.join()
        assert res.error_code == 0, res
        assert m.generation > first, f"rejoin kept generation {m.generation} (was {first})"
        assert m.sync({m.member_id: {topic: [0, 1]}})[0] == 0

        # A commit stamped with the old generation is fenced and changes nothing.
        assert m.commit({(topic, 0): 9}, generation=first) == {(topic, 0): kw.ERR_ILLEGAL_GENERATION}
        # So is a future generation, and a member the group does not know.
        assert m.commit({(topic, 0): 9}, generation=m.generation + 1) == {(topic, 0): kw.ERR_ILLEGAL_GENERATION}
        assert m.commit({(topic, 0): 9}, member_id="not-a-member") == {(topic, 0): kw.ERR_UNKNOWN_MEMBER_ID}
        got = kw.fetch_offsets(gbroker.bootstrap, group, {topic: [0, 1]})
        assert (got[(topic, 0)].offset, got[(topic, 0)].error_code) == (5, 0)
        assert got[(topic, 1)].offset == -1, "partition 1 was never committed"

        # The member itself is still fine, and the current generation commits.
        assert m.heartbeat() == 0
        assert m.commit({(topic, 0): 11}) == {(topic, 0): 0}
        assert kw.fetch_offsets(gbroker.bootstrap, group, {topic: [0]})[(topic, 0)].offset == 11
    bystander.assert_unchanged()


def test_offset_commit_metadata_too_large_rejects_only_that_partition(gbroker, bystander):
    # offset.metadata.max.bytes defaults to 4096: Kafka answers OFFSET_METADATA_TOO_LARGE (12)
    # for that partition and commits the others of the same request.
    topic = bystander.topic
    group = fresh_group("bigmeta")
    with kw.RawMember(gbroker.bootstrap, group, topics=[topic]) as m:
        m.join_and_sync({topic: [0, 1]})
        assert m.commit({(topic, 0): (2, "small")}) == {(topic, 0): 0}
        errors = m.commit({(topic, 0): (4, "x" * 4097), (topic, 1): (6, "y" * 4096)})
        assert errors == {(topic, 0): 12, (topic, 1): 0}, errors
        got = kw.fetch_offsets(gbroker.bootstrap, group, {topic: [0, 1]})
        assert (got[(topic, 0)].offset, got[(topic, 0)].metadata) == (2, "small")
        assert (got[(topic, 1)].offset, got[(topic, 1)].metadata) == (6, "y" * 4096)
    bystander.assert_unchanged()


def test_offset_fetch_metadata_of_null_and_missing_commits_is_empty(gbroker):
    # Kafka stores a null commit metadata as "", and answers "" (offset -1) for a partition the
    # group never committed.
    topic = unique_topic("grp-nullmeta")
    create_topics(gbroker.bootstrap, {topic: 2})
    group = fresh_group("nullmeta")
    with kw.RawMember(gbroker.bootstrap, group, topics=[topic]) as m:
        m.join_and_sync({topic: [0, 1]})
        assert m.commit({(topic, 0): (4, None)}) == {(topic, 0): 0}
    got = kw.fetch_offsets(gbroker.bootstrap, group, {topic: [0, 1]})
    assert (got[(topic, 0)].offset, got[(topic, 0)].metadata, got[(topic, 0)].error_code) == (4, "", 0)
    assert (got[(topic, 1)].offset, got[(topic, 1)].metadata, got[(topic, 1)].error_code) == (-1, "", 0)


def test_offset_commit_for_a_group_with_no_members_at_generation_minus_one(gbroker):
    # Kafka lets anyone commit to a group that has no members when generation is -1 and the
    # member id empty (how admin tools reset offsets); a member id it does not know is refused
    # while the group has members.
    topic = unique_topic("grp-admin")
    create_topics(gbroker.bootstrap, {topic: 1})
    group = fresh_group("admincommit")
    with kw.Connection(gbroker.bootstrap) as conn:
        frame = kw.offset_commit_v2_request(1, group, -1, "", {(topic, 0): 42})
        assert kw.parse_offset_commit_v2(conn.roundtrip(frame, 1)) == {(topic, 0): 0}
    assert kw.fetch_offsets(gbroker.bootstrap, group, {topic: [0]})[(topic, 0)].offset == 42
    with kw.RawMember(gbroker.bootstrap, group, topics=[topic]) as m:
        m.join_and_sync({topic: [0]})
        assert m.commit({(topic, 0): 43}, generation=-1, member_id="") == {(topic, 0): kw.ERR_UNKNOWN_MEMBER_ID}
    assert kw.fetch_offsets(gbroker.bootstrap, group, {topic: [0]})[(topic, 0)].offset == 42


# ---------------------------------------------------------------------------------------------
# JoinGroup refusals


@pytest.mark.parametrize("api", ["join", "heartbeat", "sync"])
def test_empty_group_id_is_invalid_group_id(gbroker, bystander, api):
    with kw.Connection(gbroker.bootstrap) as conn:
        if api == "join":
            frame, parse = kw.join_group_request(3, 1, ""), (lambda r: kw.parse_join_group(r, 3).error_code)
        elif api == "heartbeat":
            frame, parse = kw.heartbeat_request(3, 1, "", 1, "m"), (lambda r: kw.parse_heartbeat(r, 3))
        else:
            frame, parse = kw.sync_group_request(3, 1, "", 1, "m", {}), (lambda r: kw.parse_sync_group(r, 3)[0])
        assert parse(conn.roundtrip(frame, 1)) == kw.ERR_INVALID_GROUP_ID
    bystander.assert_unchanged()


@pytest.mark.parametrize("version", [0, 3, 5])
def test_join_without_protocols_is_inconsistent_group_protocol(gbroker, bystander, version):
    group = fresh_group("noproto")
    with kw.Connection(gbroker.bootstrap) as conn:
        # No protocols at all; then a protocol but an empty protocol type. Kafka checks this
        # before asking a v4+ member for a member id.
        for corr, (ptype, protocols) in enumerate([("consumer", []),
                                                   ("", [("range", kw.consumer_subscription([bystander.topic]))])], 1):
            frame = kw.join_group_request(version, corr, group, protocol_type=ptype, protocols=protocols)
            res = kw.parse_join_group(conn.roundtrip(frame, corr), version)
            assert res.error_code == kw.ERR_INCONSISTENT_GROUP_PROTOCOL, f"{ptype!r} {protocols}: {res}"
    g = kw.describe_group(gbroker.bootstrap, group)
    assert g.members == [], f"a refused join left members behind: {g}"
    assert g.state in ("Dead", "Empty"), g
    bystander.assert_unchanged()


def test_join_incompatible_with_a_stable_group_is_refused(gbroker, bystander):
    """A new member whose protocol type or protocols the group cannot use is turned away
    without starting a rebalance."""
    cases = [
        ("connect", [("range", kw.consumer_subscription([bystander.topic]))]),
        ("consumer", [("roundrobin", kw.consumer_subscription([bystander.topic]))]),
    ]
    with kw.Connection(gbroker.bootstrap) as conn:
        for corr, (ptype, protocols) in enumerate(cases, 1):
            frame = kw.join_group_request(3, corr, bystander.group, protocol_type=ptype, protocols=protocols)
            res = kw.parse_join_group(conn.roundtrip(frame, corr), 3)
            assert res.error_code == kw.ERR_INCONSISTENT_GROUP_PROTOCOL, f"{ptype} {protocols[0][0]}: {res}"
    bystander.assert_unchanged()


@pytest.mark.parametrize("version", [4, 5])
def test_join_v4_plus_without_member_id_gets_member_id_required(gbroker, bystander, version):
    group = fresh_group("mid")
    meta = kw.consumer_subscription([bystander.topic])
    with kw.Connection(gbroker.bootstrap) as conn:
        frame = kw.join_group_request(version, 1, group, protocols=[("range", meta)])
        first = kw.parse_join_group(conn.roundtrip(frame, 1), version)
        assert first.error_code == kw.ERR_MEMBER_ID_REQUIRED, first
        assert first.member_id, "MEMBER_ID_REQUIRED must carry the member id to use"
        assert first.members == []

        frame = kw.join_group_request(version, 2, group, member_id=first.member_id, protocols=[("range", meta)])
        second = kw.parse_join_group(conn.roundtrip(frame, 2), version)
        assert second.error_code == 0, second
        assert second.member_id == first.member_id
        assert second.leader == first.member_id
        assert second.generation_id >= 1
        assert second.protocol_name == "range"
        assert [(m.member_id, m.metadata) for m in second.members] == [(first.member_id, meta)]

        frame = kw.sync_group_request(3, 3, group, second.generation_id, first.member_id,
                                      {first.member_id: kw.consumer_assignment({bystander.topic: [1]})})
        error, blob = kw.parse_sync_group(conn.roundtrip(frame, 3), 3)
        assert (error, kw.parse_consumer_assignment(blob)) == (0, {bystander.topic: [1]})
        frame = kw.heartbeat_request(3, 4, group, second.generation_id, first.member_id)
        assert kw.parse_heartbeat(conn.roundtrip(frame, 4), 3) == 0
    g = kw.describe_group(gbroker.bootstrap, group)
    assert g.state == "Stable" and [m.member_id for m in g.members] == [first.member_id], g
    bystander.assert_unchanged()


def test_join_v3_without_member_id_is_accepted_at_once(gbroker):
    group = fresh_group("v3")
    with kw.Connection(gbroker.bootstrap) as conn:
        res = kw.parse_join_group(conn.roundtrip(kw.join_group_request(3, 1, group), 1), 3)
    assert res.error_code == 0 and res.member_id and res.leader == res.member_id, res


@pytest.mark.parametrize("session_timeout_ms", [5999, 0, -1, MAX_SESSION_MS + 1, 2**31 - 1])
def test_join_with_session_timeout_out_of_range(gbroker, bystander, session_timeout_ms):
    group = fresh_group("sto")
    with kw.Connection(gbroker.bootstrap) as conn:
        for corr, version in enumerate([0, 3, 5], 1):
            frame = kw.join_group_request(version, corr, group, session_timeout_ms=session_timeout_ms)
            res = kw.parse_join_group(conn.roundtrip(frame, corr), version)
            assert res.error_code == kw.ERR_INVALID_SESSION_TIMEOUT, f"v{version}: {res}"
        # Same for a rejoin of an existing member that asks for a timeout out of range.
        corr = 9
        frame = kw.join_group_request(3, corr, bystander.group, member_id=bystander.member.member_id,
                                      session_timeout_ms=session_timeout_ms,
                                      protocols=[("range", kw.consumer_subscription([bystander.topic]))])
        res = kw.parse_join_group(conn.roundtrip(frame, corr), 3)
        assert res.error_code == kw.ERR_INVALID_SESSION_TIMEOUT, f"existing member: {res}"
    assert group not in kw.list_groups(gbroker.bootstrap), "a refused join created the group"
    bystander.assert_unchanged()


@pytest.mark.parametrize("session_timeout_ms", [6000, MAX_SESSION_MS])
def test_join_with_session_timeout_at_the_bounds(gbroker, session_timeout_ms):
    with kw.RawMember(gbroker.bootstrap, fresh_group("stok"), session_timeout_ms=session_timeout_ms) as m:
        assert m.join().error_code == 0


def test_join_beyond_group_max_size(broker_factory):
    broker = broker_factory({**SETTINGS, "group.max.size": 1})
    b = Bystander(broker)
    try:
        with kw.Connection(broker.bootstrap) as conn:
            frame = kw.join_group_request(3, 1, b.group, protocols=[("range", kw.consumer_subscription([b.topic]))])
            res = kw.parse_join_group(conn.roundtrip(frame, 1), 3)
        assert res.error_code == 81, f"GROUP_MAX_SIZE_REACHED expected: {res}"
        b.assert_unchanged()
    finally:
        b.member.close()


# ---------------------------------------------------------------------------------------------
# Heartbeat and SyncGroup for groups or members the coordinator does not know


@pytest.mark.parametrize("version", [0, 1, 2, 3])
def test_heartbeat_and_sync_for_unknown_group_are_unknown_member_id(gbroker, bystander, version):
    group = fresh_group("ghost")
    with kw.Connection(gbroker.bootstrap) as conn:
        frame = kw.heartbeat_request(version, 1, group, 1, "ghost-member")
        assert kw.parse_heartbeat(conn.roundtrip(frame, 1), version) == kw.ERR_UNKNOWN_MEMBER_ID
        frame = kw.sync_group_request(version, 2, group, 1, "ghost-member",
                                      {"ghost-member": kw.consumer_assignment({bystander.topic: [0]})})
        error, blob = kw.parse_sync_group(conn.roundtrip(frame, 2), version)
        assert (error, blob) == (kw.ERR_UNKNOWN_MEMBER_ID, b"")
        # An empty member id and a leave are refused the same way.
        frame = kw.heartbeat_request(version, 3, group, -1, "")
        assert kw.parse_heartbeat(conn.roundtrip(frame, 3), version) == kw.ERR_UNKNOWN_MEMBER_ID
        res = kw.parse_leave_group_v0(conn.roundtrip(kw.leave_group_v0_request(4, group, "ghost-member"), 4))
        assert res == kw.ERR_UNKNOWN_MEMBER_ID
    assert group not in kw.list_groups(gbroker.bootstrap), "a refused heartbeat created the group"
    bystander.assert_unchanged()


def test_heartbeat_and_sync_with_wrong_member_or_generation(gbroker, bystander):
    m = bystander.member
    gen = m.generation
    assert m.heartbeat(member_id="someone-else") == kw.ERR_UNKNOWN_MEMBER_ID
    assert m.heartbeat(generation=gen + 1) == kw.ERR_ILLEGAL_GENERATION
    assert m.heartbeat(generation=gen - 1) == kw.ERR_ILLEGAL_GENERATION
    with kw.Connection(gbroker.bootstrap) as conn:
        frame = kw.sync_group_request(3, 1, bystander.group, gen, "someone-else", {})
        assert kw.parse_sync_group(conn.roundtrip(frame, 1), 3)[0] == kw.ERR_UNKNOWN_MEMBER_ID
        frame = kw.sync_group_request(3, 2, bystander.group, gen + 1, m.member_id, {})
        assert kw.parse_sync_group(conn.roundtrip(frame, 2), 3)[0] == kw.ERR_ILLEGAL_GENERATION
        res = kw.parse_leave_group_v0(conn.roundtrip(kw.leave_group_v0_request(3, bystander.group, "someone-else"), 3))
        assert res == kw.ERR_UNKNOWN_MEMBER_ID
    bystander.assert_unchanged()


# ---------------------------------------------------------------------------------------------
# Member metadata size


BIG_METADATA = 600 * 1024
SMALL_REQUEST_MAX = 1024 * 1024


def test_large_member_metadata_within_the_frame_limit_is_kept(broker_factory):
    """Kafka puts no limit of its own on member metadata: it is bounded by the frame size
    (socket.request.max.bytes). A frame above that closes only its own connection."""
    broker = broker_factory({**SETTINGS, "socket.request.max.bytes": SMALL_REQUEST_MAX})
    b = Bystander(broker)
    try:
        topic = b.topic
        meta = kw.consumer_subscription([topic], user_data=bytes(range(256)) * (BIG_METADATA // 256))
        group = fresh_group("bigmember")
        with kw.RawMember(broker.bootstrap, group, topics=[topic]) as big:
            res = big.join(metadata=meta)
            assert res.error_code == 0, res
            assert [m.metadata for m in res.members] == [meta], "the leader must get the metadata back intact"
            assert big.sync({big.member_id: {topic: [0]}}) == (0, {topic: [0]})
            g = kw.describe_group(broker.bootstrap, group)
            assert [(m.member_id, m.metadata) for m in g.members] == [(big.member_id, meta)]

            # A second member's JoinGroup that is one frame too big: that connection closes.
            huge = kw.consumer_subscription([topic], user_data=b"\x01" * SMALL_REQUEST_MAX)
            frame = kw.join_group_request(3, 1, group, protocols=[("range", huge)])
            assert len(frame) - 4 > SMALL_REQUEST_MAX
            with kw.Connection(broker.bootstrap) as conn:
                try:
                    conn.send(frame)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                assert conn.closed_by_peer(timeout=10), "an oversize frame must close its connection"

            # Nothing else moved: the big member is still the only one, at its generation.
            assert big.heartbeat() == 0
            g = kw.describe_group(broker.bootstrap, group)
            assert g.state == "Stable" and [m.member_id for m in g.members] == [big.member_id], g
        b.assert_unchanged()
    finally:
        b.member.close()
