"""Hostile and hand-made input on raw sockets.

A frame that cannot be parsed closes that connection only; the broker keeps serving everyone else.
A request that parses gets an answer, including ApiVersions at versions the broker does not know
(KIP-511: error 35 with a v0-format body listing ApiVersions' own range).
"""

from __future__ import annotations

import socket
import struct

import pytest

import kafka_wire as kw
from clients import create_topics, list_topics, unique_topic, wait_until

# The APIs of this milestone (CLIENTS.md §6, DESIGN.md).
REQUIRED_APIS = {0: "Produce", 1: "Fetch", 2: "ListOffsets", 3: "Metadata", 18: "ApiVersions",
                 19: "CreateTopics", 20: "DeleteTopics"}


def assert_healthy(broker) -> None:
    """The process is alive, answers a raw ApiVersions, and a real client lists topics."""
    assert broker.is_running(), f"broker died\n{broker.log_tail()}"
    res = kw.api_versions(broker.bootstrap, 0)
    assert res.error_code == 0
    md = list_topics(broker.bootstrap)
    assert 1 in md.brokers


def header(api_key: int, version: int, corr: int = 1) -> bytes:
    return kw.i16(api_key) + kw.i16(version) + kw.i32(corr) + kw.string("fjord-itest")


def framed(payload: bytes) -> bytes:
    return kw.i32(len(payload)) + payload


# Each case: bytes to send, and whether to half-close our side afterwards (the broker must then
# notice the truncation). The broker must close the connection.
CLOSING_CASES = {
    "http-request": (b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", False),
    "garbage-frame": (framed(b"\xff" * 16), False),
    "oversized-length": (b"\x7f\xff\xff\xff" + b"\x00" * 32, False),
    "length-above-socket-request-max": (kw.i32(104857600 + 1) + b"\x00" * 32, False),
    "negative-length": (b"\xff\xff\xff\xfe" + b"\x00" * 32, False),
    "min-int-length": (b"\x80\x00\x00\x00" + b"\x00" * 32, False),
    "zero-length": (kw.i32(0), False),
    "shorter-than-header": (framed(b"\x00\x12\x00"), False),
    "truncated-request": (kw.i32(100) + b"\x00\x12\x00\x00\x00\x00\x00\x01\x00\x00", True),
    "client-id-past-end": (framed(kw.i16(18) + kw.i16(0) + kw.i32(1) + kw.i16(500) + b"abc"), False),
    "unknown-api-key": (framed(header(1000, 0)), False),
    "negative-api-key": (framed(header(-1, 0)), False),
    "unsupported-metadata-version": (framed(header(3, 99)), False),
    "metadata-array-count-past-end": (framed(header(3, 1) + kw.i32(0x7FFFFFF0)), False),
    "metadata-topic-name-past-end": (framed(header(3, 1) + kw.i32(1) + kw.i16(300) + b"ab"), False),
    "produce-records-length-past-end": (
        framed(header(0, 3) + kw.string(None) + kw.i16(-1) + kw.i32(1000) + kw.i32(1)
               + kw.string("t") + kw.i32(1) + kw.i32(0) + kw.i32(1 << 30) + b"\x00" * 8), False),
    "create-topics-truncated-body": (framed(header(19, 2) + kw.i32(1) + kw.string("t")), False),
}


@pytest.mark.parametrize("case", list(CLOSING_CASES))
def test_bad_frame_closes_only_that_connection(broker, case):
    data, half_close = CLOSING_CASES[case]
    bystander = kw.Connection(broker.bootstrap)  # an innocent connection open during the attack
    with kw.Connection(broker.bootstrap) as conn:
        try:
            conn.send(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed even before we finished sending: fine
        if half_close:
            conn.sock.shutdown(socket.SHUT_WR)
        assert conn.closed_by_peer(timeout=10), f"{case}: connection still open after 10 s"

    # The other connection was not disturbed, and new clients work.
    with bystander:
        r = bystander.roundtrip(kw.api_versions_request(0, 77), 77)
        assert kw.parse_api_versions(r, 0).error_code == 0
    assert_healthy(broker)


def test_many_bad_connections_in_a_row(broker):
    for i, (data, _) in enumerate(list(CLOSING_CASES.values()) * 3):
        with kw.Connection(broker.bootstrap) as conn:
            try:
                conn.send(data)
            except (BrokenPipeError, ConnectionResetError):
                pass
            conn.sock.shutdown(socket.SHUT_WR)
            assert conn.closed_by_peer(timeout=10), f"attempt {i} not closed"
    assert_healthy(broker)


def test_client_disconnecting_mid_response_is_harmless(broker):
    # Ask for something, then vanish without reading the answer (RST via SO_LINGER 0).
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", broker.port), timeout=5)
        s.sendall(kw.api_versions_request(0, 1) + kw.request(3, 1, 2, kw.i32(-1)))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    assert_healthy(broker)


# ---------------------------------------------------------------------------------------------
# ApiVersions by hand


def api_versions_max(broker) -> int:
    return kw.api_versions(broker.bootstrap, 0).api_keys[kw.API_API_VERSIONS][1]


@pytest.mark.parametrize("version", [0, 1, 2, 3, 4])
def test_api_versions_answer(broker, version):
    if version > 2 and api_versions_max(broker) < version:
        pytest.skip(f"ApiVersions v{version} is not advertised")
    with kw.Connection(broker.bootstrap) as conn:
        r = conn.roundtrip(kw.api_versions_request(version, 4242), 4242)
        res = kw.parse_api_versions(r, version)
    assert res.error_code == 0
    missing = {k: n for k, n in REQUIRED_APIS.items() if k not in res.api_keys}
    assert not missing, f"not advertised: {missing}"
    for key, (lo, hi) in res.api_keys.items():
        assert 0 <= lo <= hi, f"api {key}: bad range {lo}..{hi}"
    lo, hi = res.api_keys[kw.API_API_VERSIONS]
    assert lo == 0 and hi >= 2, "ApiVersions must take v0 (every client's fallback) to v2 (kafkajs)"
    if version >= 1:
        assert res.throttle_time_ms == 0


def test_api_versions_same_answer_at_every_version(broker):
    top = api_versions_max(broker)
    answers = {v: kw.api_versions(broker.bootstrap, v).api_keys for v in range(top + 1)}
    for v in range(1, top + 1):
        assert answers[v] == answers[0], f"v{v} advertises differently from v0"


def test_advertised_ranges_suit_librdkafka_2_0(broker):
    """CLIENTS.md §5: librdkafka before 2.11.1 turns features off unless these ranges overlap."""
    keys = kw.api_versions(broker.bootstrap, 0).api_keys

    def covers(api: int, lo: int, hi: int) -> bool:
        r = keys.get(api)
        return r is not None and r[0] <= lo and hi <= r[1]

    assert covers(0, 0, 7), f"Produce {keys.get(0)}: needs 0 (gzip/snappy/lz4), 3 (MsgVer2), 7 (zstd)"
    assert covers(1, 4, 10), f"Fetch {keys.get(1)}: needs 4 (MsgVer2) and 10 (zstd)"
    assert covers(3, 4, 4), f"Metadata {keys.get(3)}: v4 carries allow_auto_topic_creation"


# kafkajs 2.2.4 never looks at MinVersion: it sends min(its max, broker max) (CLIENTS.md §7.8).
KAFKAJS_MAX = {0: 7, 1: 11, 2: 3, 3: 6, 18: 2, 19: 3, 20: 1}


def test_advertised_minimums_suit_kafkajs(broker):
    keys = kw.api_versions(broker.bootstrap, 0).api_keys
    too_high = {api: keys[api] for api, top in KAFKAJS_MAX.items() if api in keys and keys[api][0] > top}
    assert not too_high, f"minimum above what kafkajs sends: {too_high}"


@pytest.mark.parametrize("version", [5, 99, 32767])
def test_api_versions_unsupported_version_falls_back_to_v0_body(broker, version):
    if version <= api_versions_max(broker):
        pytest.skip(f"ApiVersions v{version} is advertised")
    with kw.Connection(broker.bootstrap) as conn:
        # As a newer client would send it: header v2 (ApiVersions is flexible from v3 on) and a
        # body the broker cannot know, so it must not try to parse it.
        body = kw.compact_string("fjord-itest") + kw.compact_string("9.9") + b"\x05future" + kw.EMPTY_TAGS
        frame = kw.request(kw.API_API_VERSIONS, version, 9001, body, flexible=True)
        r = conn.roundtrip(frame, 9001)
        res = kw.parse_api_versions(r, 0)  # header v0, body v0
        assert res.error_code == kw.ERR_UNSUPPORTED_VERSION
        assert list(res.api_keys) == [18], f"expected only ApiVersions' own range: {res.api_keys}"
        lo, hi = res.api_keys[18]
        assert lo == 0 and hi >= 2

        # Clients retry on the same connection at the advertised max (or v0).
        r = conn.roundtrip(kw.api_versions_request(hi, 9002), 9002)
        assert kw.parse_api_versions(r, hi).error_code == 0
        r = conn.roundtrip(kw.api_versions_request(0, 9003), 9003)
        assert kw.parse_api_versions(r, 0).error_code == 0
    assert_healthy(broker)


def test_api_versions_v3_rejects_bad_software_name(broker):
    if api_versions_max(broker) < 3:
        pytest.skip("ApiVersions v3 is not advertised")
    with kw.Connection(broker.bootstrap) as conn:
        r = conn.roundtrip(kw.api_versions_request(3, 5, software_name="bad name!"), 5)
        res = kw.parse_api_versions(r, 3)
        assert res.error_code == kw.ERR_INVALID_REQUEST
    assert_healthy(broker)


def test_pipelined_requests_are_answered_in_order(broker):
    with kw.Connection(broker.bootstrap) as conn:
        conn.send(kw.api_versions_request(0, 11)
                  + kw.request(kw.API_METADATA, 1, 12, kw.i32(0))  # Metadata v1, no topics
                  + kw.api_versions_request(2, 13)
                  + kw.api_versions_request(1, 14))
        order = [kw.Reader(conn.recv_frame()).i32() for _ in range(4)]
    assert order == [11, 12, 13, 14]


def test_request_sent_one_byte_at_a_time(broker):
    with kw.Connection(broker.bootstrap) as conn:
        for b in kw.api_versions_request(1, 21):
            conn.send(bytes([b]))
        r = kw.Reader(conn.recv_frame())
        assert r.i32() == 21
        assert kw.parse_api_versions(r, 1).error_code == 0


def test_null_client_id_is_accepted(broker):
    with kw.Connection(broker.bootstrap) as conn:
        r = conn.roundtrip(kw.request(kw.API_API_VERSIONS, 1, 31, b"", client_id=None), 31)
        assert kw.parse_api_versions(r, 1).error_code == 0


# ---------------------------------------------------------------------------------------------
# Produce with hand-made record batches


def test_corrupt_batches_get_corrupt_message_and_valid_ones_are_stored(broker):
    topic = unique_topic("raw")
    create_topics(broker.bootstrap, {topic: 1})
    good = kw.record_batch([(b"k1", b"v1"), (None, b"v2"), (b"k3", None)], base_timestamp=1_650_000_000_000)

    bad_crc = bytearray(good)
    bad_crc[-1] ^= 0xFF  # flips a byte of the last record: the CRC no longer matches
    long_length = bytearray(good)
    long_length[8:12] = kw.i32(len(good) - 12 + 50)  # batchLength beyond the bytes present
    bad_magic = bytearray(good)
    bad_magic[16] = 1

    with kw.Connection(broker.bootstrap) as conn:
        corr = 0
        for name, records in [("bad-crc", bad_crc), ("batch-length-past-end", long_length),
                              ("magic-1", bad_magic)]:
            corr += 1
            res = kw.parse_produce_v3(conn.roundtrip(kw.produce_v3_request(corr, topic, 0, bytes(records)), corr))
            err = res[(topic, 0)].error_code
            # magic 1: Kafka answers INVALID_RECORD (87); UNSUPPORTED_FOR_MESSAGE_FORMAT (43) is fair too.
            assert err == kw.ERR_CORRUPT_MESSAGE or (name == "magic-1" and err in (43, 87)), \
                f"{name}: error {err}"
        # Same connection still usable: the good batch lands at offset 0.
        corr += 1
        res = kw.parse_produce_v3(conn.roundtrip(kw.produce_v3_request(corr, topic, 0, good), corr))
        assert (res[(topic, 0)].error_code, res[(topic, 0)].base_offset) == (0, 0)
        # A produce to a partition that does not exist.
        corr += 1
        res = kw.parse_produce_v3(conn.roundtrip(kw.produce_v3_request(corr, topic, 7, good), corr))
        assert res[(topic, 7)].error_code == 3, "UNKNOWN_TOPIC_OR_PARTITION expected"

    batches = kw.fetch_all_batches(broker.bootstrap, topic, 0)
    assert [(b.base_offset, b.last_offset, b.record_count, b.crc_ok) for b in batches] == [(0, 2, 3, True)]
    assert_healthy(broker)


def test_produce_with_acks_0_gets_no_response(broker):
    topic = unique_topic("raw-acks0")
    create_topics(broker.bootstrap, {topic: 1})
    batch = kw.record_batch([(b"k", b"fire-and-forget")], base_timestamp=1_650_000_000_000)
    with kw.Connection(broker.bootstrap) as conn:
        conn.send(kw.produce_v3_request(41, topic, 0, batch, acks=0))
        # The next frame on the connection must answer the next request, not the produce.
        r = conn.roundtrip(kw.api_versions_request(0, 42), 42)
        assert kw.parse_api_versions(r, 0).error_code == 0
    # No acknowledgement means no ordering promise with the ApiVersions answer: poll for it.
    batches = wait_until(lambda: kw.fetch_all_batches(broker.bootstrap, topic, 0), 10,
                         "the acks=0 record to be readable")
    assert [(b.base_offset, b.record_count) for b in batches] == [(0, 1)]
