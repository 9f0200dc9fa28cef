"""Hand-encoded Kafka wire protocol for the tests that must control every byte.

Only what the tests need: request framing (header v1/v2), ApiVersions, Metadata v1, Produce v3
and Fetch v4 (both non-flexible), record batch v2 building and walking, CRC-32C, and the group
coordinator's APIs at non-flexible versions (FindCoordinator v0-2, JoinGroup v0-5, SyncGroup v0-3,
Heartbeat v0-3, LeaveGroup v0, OffsetCommit v2, OffsetFetch v1, DescribeGroups v0, ListGroups v0,
DeleteGroups v0) with the consumer protocol's subscription and assignment blobs, InitProducerId
v0-5 and Metadata v1's broker list, and the transaction APIs (AddPartitionsToTxn, AddOffsetsToTxn,
EndTxn, TxnOffsetCommit, DescribeTransactions, ListTransactions; transactional and control batches,
read_committed Fetch). Layouts follow
../shared/kafka-protocol/README.md and message/*.json; integers are big-endian.
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass, field

API_PRODUCE = 0
API_FETCH = 1
API_METADATA = 3
API_API_VERSIONS = 18
API_OFFSET_COMMIT = 8
API_OFFSET_FETCH = 9
API_FIND_COORDINATOR = 10
API_JOIN_GROUP = 11
API_HEARTBEAT = 12
API_LEAVE_GROUP = 13
API_SYNC_GROUP = 14
API_DESCRIBE_GROUPS = 15
API_LIST_GROUPS = 16
API_DELETE_GROUPS = 42
API_INIT_PRODUCER_ID = 22

ERR_NONE = 0
ERR_CORRUPT_MESSAGE = 2
ERR_UNSUPPORTED_VERSION = 35
ERR_INVALID_REQUEST = 42
ERR_COORDINATOR_NOT_AVAILABLE = 15
ERR_NOT_COORDINATOR = 16
ERR_ILLEGAL_GENERATION = 22
ERR_INCONSISTENT_GROUP_PROTOCOL = 23
ERR_INVALID_GROUP_ID = 24
ERR_UNKNOWN_MEMBER_ID = 25
ERR_INVALID_SESSION_TIMEOUT = 26
ERR_REBALANCE_IN_PROGRESS = 27
ERR_NON_EMPTY_GROUP = 68
ERR_GROUP_ID_NOT_FOUND = 69
ERR_MEMBER_ID_REQUIRED = 79
ERR_FENCED_INSTANCE_ID = 82
ERR_COORDINATOR_LOAD_IN_PROGRESS = 14
ERR_OUT_OF_ORDER_SEQUENCE_NUMBER = 45
ERR_INVALID_PRODUCER_EPOCH = 47
ERR_INVALID_RECORD = 87

COMPRESSION_NAMES = {0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd"}


# ---------------------------------------------------------------------------------------------
# Primitive encoders


def i8(v: int) -> bytes:
    return struct.pack(">b", v)


def i16(v: int) -> bytes:
    return struct.pack(">h", v)


def i32(v: int) -> bytes:
    return struct.pack(">i", v)


def i64(v: int) -> bytes:
    return struct.pack(">q", v)


def string(s: str | None) -> bytes:
    if s is None:
        return i16(-1)
    raw = s.encode()
    return i16(len(raw)) + raw


def nbytes(b: bytes | None) -> bytes:
    if b is None:
        return i32(-1)
    return i32(len(b)) + b


def uvarint(v: int) -> bytes:
    out = bytearray()
    while True:
        byte = v & 0x7F
        v >>= 7
        if v:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def varint(v: int) -> bytes:
    """Zig-zag signed varint, as used inside records."""
    return uvarint((v << 1) ^ (v >> 63))


def compact_string(s: str | None) -> bytes:
    if s is None:
        return uvarint(0)
    raw = s.encode()
    return uvarint(len(raw) + 1) + raw


def array(items: list[bytes]) -> bytes:
    return i32(len(items)) + b"".join(items)


EMPTY_TAGS = uvarint(0)


# ---------------------------------------------------------------------------------------------
# Decoding


class Reader:
    """Cursor over a response payload; raises ValueError when reading past the end."""

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ValueError(f"read of {n} bytes at {self.pos} past end {len(self.data)}")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def _unpack(self, fmt: str, size: int) -> int:
        return struct.unpack(fmt, self.take(size))[0]

    def i8(self) -> int:
        return self._unpack(">b", 1)

    def i16(self) -> int:
        return self._unpack(">h", 2)

    def i32(self) -> int:
        return self._unpack(">i", 4)

    def u32(self) -> int:
        return self._unpack(">I", 4)

    def i64(self) -> int:
        return self._unpack(">q", 8)

    def uvarint(self) -> int:
        shift = 0
        value = 0
        while True:
            b = self.take(1)[0]
            value |= (b & 0x7F) << shift
            if not b & 0x80:
                return value
            shift += 7
            if shift > 63:
                raise ValueError("varint too long")

    def varint(self) -> int:
        v = self.uvarint()
        return (v >> 1) ^ -(v & 1)

    def string(self) -> str | None:
        n = self.i16()
        return None if n < 0 else self.take(n).decode()

    def nbytes(self) -> bytes | None:
        n = self.i32()
        return None if n < 0 else self.take(n)

    def skip_tags(self) -> None:
        for _ in range(self.uvarint()):
            self.uvarint()
            self.take(self.uvarint())

    def remaining(self) -> int:
        return len(self.data) - self.pos


# ---------------------------------------------------------------------------------------------
# Framing


def request(api_key: int, version: int, correlation_id: int, body: bytes, *,
            client_id: str | None = "fjord-itest", flexible: bool = False) -> bytes:
    """A complete size-prefixed request: header v1 (or v2 when `flexible`), then `body`."""
    header = i16(api_key) + i16(version) + i32(correlation_id) + string(client_id)
    if flexible:
        header += EMPTY_TAGS
    payload = header + body
    return i32(len(payload)) + payload


class Connection:
    """A blocking socket with bounded reads. Every wait has a deadline: tests never hang."""

    def __init__(self, bootstrap: str, timeout: float = 10.0):
        host, port = bootstrap.rsplit(":", 1)
        self.timeout = timeout
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _recv_exact(self, n: int, deadline: float) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"timed out after {len(buf)} of {n} bytes")
            self.sock.settimeout(left)
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError(f"connection closed after {len(buf)} of {n} bytes")
            buf += chunk
        return bytes(buf)

    def recv_frame(self, timeout: float | None = None) -> bytes:
        """One response payload (without its size prefix)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        (size,) = struct.unpack(">i", self._recv_exact(4, deadline))
        if size < 4 or size > 64 * 1024 * 1024:
            raise ValueError(f"implausible response size {size}")
        return self._recv_exact(size, deadline)

    def roundtrip(self, frame: bytes, correlation_id: int, *, timeout: float | None = None) -> Reader:
        """Sends `frame` and returns a Reader positioned after the v0 response header."""
        self.send(frame)
        r = Reader(self.recv_frame(timeout))
        got = r.i32()
        if got != correlation_id:
            raise AssertionError(f"correlation id {got}, expected {correlation_id}")
        return r

    def closed_by_peer(self, timeout: float = 10.0) -> bool:
        """True once the peer closes (EOF or reset) within `timeout`; any bytes it sends first
        are read and discarded. False if the connection is still open at the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not chunk:
                return True


# ---------------------------------------------------------------------------------------------
# ApiVersions


@dataclass
class ApiVersionsResponse:
    error_code: int
    api_keys: dict[int, tuple[int, int]]
    throttle_time_ms: int | None = None


def api_versions_request(version: int, correlation_id: int, *, software_name: str = "fjord-itest",
                         software_version: str = "1.0") -> bytes:
    if version >= 3:
        body = compact_string(software_name) + compact_string(software_version) + EMPTY_TAGS
        return request(API_API_VERSIONS, version, correlation_id, body, flexible=True)
    return request(API_API_VERSIONS, version, correlation_id, b"")


def parse_api_versions(r: Reader, version: int) -> ApiVersionsResponse:
    """Parses the body after the (always v0) response header. Pass version 0 to read the
    KIP-511 fallback answer to an unsupported version."""
    error = r.i16()
    keys: dict[int, tuple[int, int]] = {}
    if version >= 3:
        count = r.uvarint() - 1
    else:
        count = r.i32()
    for _ in range(max(count, 0)):
        key, lo, hi = r.i16(), r.i16(), r.i16()
        if version >= 3:
            r.skip_tags()
        keys[key] = (lo, hi)
    throttle = r.i32() if version >= 1 else None
    if version >= 3:
        r.skip_tags()
    if r.remaining():
        raise AssertionError(f"{r.remaining()} unexpected trailing bytes in ApiVersions v{version}")
    return ApiVersionsResponse(error, keys, throttle)


def api_versions(bootstrap: str, version: int = 0) -> ApiVersionsResponse:
    with Connection(bootstrap) as conn:
        r = conn.roundtrip(api_versions_request(version, 1), 1)
        return parse_api_versions(r, version)


# ---------------------------------------------------------------------------------------------
# CRC-32C and record batches v2


def _crc32c_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C = _crc32c_table()


def crc32c(data: bytes) -> int:
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC32C[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def record_batch(records: list[tuple[bytes | None, bytes | None]], *, base_timestamp: int,
                 producer_id: int = -1, producer_epoch: int = -1, base_sequence: int = -1,
                 transactional: bool = False, control: bool = False,
                 timestamp_deltas: list[int] | None = None) -> bytes:
    """An uncompressed magic-2 batch of (key, value) records with a correct CRC; an idempotent
    producer's when `producer_id` >= 0, part of a transaction when `transactional` (attribute
    bit 4), a control batch when `control` (bit 5). Every record has the base timestamp unless
    `timestamp_deltas` gives each its own offset from it."""
    deltas = timestamp_deltas or [0] * len(records)
    body = bytearray()
    for delta, (key, value) in enumerate(records):
        rec = i8(0) + varint(deltas[delta]) + varint(delta)
        rec += varint(-1) if key is None else varint(len(key)) + key
        rec += varint(-1) if value is None else varint(len(value)) + value
        rec += varint(0)  # headers
        body += varint(len(rec)) + rec
    after_crc = (
        i16((BATCH_TRANSACTIONAL if transactional else 0) | (BATCH_CONTROL if control else 0))
        + i32(len(records) - 1)
        + i64(base_timestamp)
        + i64(base_timestamp + max(deltas, default=0))
        + i64(producer_id)
        + i16(producer_epoch)
        + i32(base_sequence)
        + i32(len(records))
        + bytes(body)
    )
    after_length = i32(0) + i8(2) + struct.pack(">I", crc32c(after_crc)) + after_crc
    return i64(0) + i32(len(after_length)) + after_length


BATCH_TRANSACTIONAL = 0x10
BATCH_CONTROL = 0x20
CONTROL_ABORT = 0
CONTROL_COMMIT = 1


@dataclass
class BatchInfo:
    base_offset: int
    last_offset: int
    attributes: int
    record_count: int
    crc_ok: bool
    producer_id: int = -1
    producer_epoch: int = -1
    base_sequence: int = -1
    # For a control batch: the type in its record's key (CONTROL_ABORT / CONTROL_COMMIT).
    control_type: int | None = None

    @property
    def compression(self) -> str:
        return COMPRESSION_NAMES.get(self.attributes & 7, f"unknown({self.attributes & 7})")

    @property
    def is_transactional(self) -> bool:
        return bool(self.attributes & BATCH_TRANSACTIONAL)

    @property
    def is_control(self) -> bool:
        return bool(self.attributes & BATCH_CONTROL)


def walk_batches(records: bytes) -> list[BatchInfo]:
    """Headers of the complete batches in a Fetch `records` blob (a partial last batch, which
    brokers may send when a size limit cuts it, is ignored)."""
    out = []
    pos = 0
    while len(records) - pos >= 61:
        base_offset, batch_len = struct.unpack_from(">qi", records, pos)
        end = pos + 12 + batch_len
        if end > len(records):
            break
        magic = records[pos + 16]
        if magic != 2:
            raise AssertionError(f"batch at offset {base_offset} has magic {magic}")
        (crc,) = struct.unpack_from(">I", records, pos + 17)
        attributes, last_delta = struct.unpack_from(">hi", records, pos + 21)
        (count,) = struct.unpack_from(">i", records, pos + 57)
        producer_id, producer_epoch, base_sequence = struct.unpack_from(">qhi", records, pos + 43)
        control_type = None
        if attributes & BATCH_CONTROL and count > 0:
            recs = _decode_records(records[pos + 61 : end], base_offset, 1)
            key = recs[0][1] if recs else None
            if key is not None and len(key) >= 4:
                control_type = struct.unpack(">h", key[2:4])[0]
        out.append(BatchInfo(base_offset, base_offset + last_delta, attributes, count,
                             crc32c(records[pos + 21 : end]) == crc, producer_id, producer_epoch,
                             base_sequence, control_type))
        pos = end
    return out


def _decode_records(body: bytes, base_offset: int, count: int) -> list[tuple[int, bytes | None, bytes | None]]:
    """(offset, key, value) of the first `count` records of an uncompressed batch body."""
    r = Reader(body)
    out = []
    for _ in range(count):
        length = r.varint()
        end = r.pos + length
        r.i8()  # attributes
        r.varint()  # timestamp delta
        offset_delta = r.varint()
        klen = r.varint()
        key = None if klen < 0 else r.take(klen)
        vlen = r.varint()
        value = None if vlen < 0 else r.take(vlen)
        r.pos = end  # headers skipped
        out.append((base_offset + offset_delta, key, value))
    return out


def data_records(records: bytes) -> list[tuple[int, bytes | None, bytes | None, BatchInfo]]:
    """(offset, key, value, batch) of every record of the uncompressed, non-control batches in a
    Fetch `records` blob, in log order."""
    out = []
    pos = 0
    for b in walk_batches(records):
        (batch_len,) = struct.unpack_from(">i", records, pos + 8)
        end = pos + 12 + batch_len
        if not b.is_control:
            if b.attributes & 7:
                raise AssertionError(f"batch at {b.base_offset} is compressed ({b.compression})")
            for off, key, value in _decode_records(records[pos + 61 : end], b.base_offset,
                                                   b.record_count):
                out.append((off, key, value, b))
        pos = end
    return out


# ---------------------------------------------------------------------------------------------
# Produce v3 and Fetch v4


def _produce_body(topic: str, partition: int, records: bytes, acks: int, timeout_ms: int,
                  transactional_id: str | None) -> bytes:
    """Produce v3 to v8 share this body."""
    return (
        string(transactional_id)
        + i16(acks)
        + i32(timeout_ms)
        + array([string(topic) + array([i32(partition) + nbytes(records)])])
    )


def produce_v3_request(correlation_id: int, topic: str, partition: int, records: bytes, *,
                       acks: int = -1, timeout_ms: int = 10000,
                       transactional_id: str | None = None) -> bytes:
    return request(API_PRODUCE, 3, correlation_id,
                   _produce_body(topic, partition, records, acks, timeout_ms, transactional_id))


def produce_v8_request(correlation_id: int, topic: str, partition: int, records: bytes, *,
                       acks: int = -1, timeout_ms: int = 10000) -> bytes:
    """The same body as v3; the v8 response adds per-record errors and an error message."""
    return request(API_PRODUCE, 8, correlation_id,
                   _produce_body(topic, partition, records, acks, timeout_ms, None))


@dataclass
class ProducePartitionResult:
    partition: int
    error_code: int
    base_offset: int
    # v8 and later: (batch index, message) of each record that made the batch fail, and a message.
    record_errors: list[tuple[int, str | None]] = field(default_factory=list)
    error_message: str | None = None


def _parse_produce(r: Reader, version: int) -> dict[tuple[str, int], ProducePartitionResult]:
    out = {}
    for _ in range(r.i32()):
        topic = r.string()
        for _ in range(r.i32()):
            res = ProducePartitionResult(r.i32(), r.i16(), r.i64())
            r.i64()  # log append time
            if version >= 5:
                r.i64()  # log start offset
            if version >= 8:
                res.record_errors = [(r.i32(), r.string()) for _ in range(r.i32())]
                res.error_message = r.string()
            out[(topic, res.partition)] = res
    r.i32()  # throttle time
    return out


def parse_produce_v3(r: Reader) -> dict[tuple[str, int], ProducePartitionResult]:
    return _parse_produce(r, 3)


def parse_produce_v8(r: Reader) -> dict[tuple[str, int], ProducePartitionResult]:
    return _parse_produce(r, 8)


def fetch_v4_request(correlation_id: int, topic: str, partition: int, offset: int, *,
                     max_wait_ms: int = 0, max_bytes: int = 8 * 1024 * 1024,
                     isolation_level: int = 0) -> bytes:
    """`isolation_level`: 0 read_uncommitted, 1 read_committed."""
    body = (
        i32(-1)  # replica id
        + i32(max_wait_ms)
        + i32(1)  # min bytes
        + i32(max_bytes)
        + i8(isolation_level)
        + array([string(topic) + array([i32(partition) + i64(offset) + i32(max_bytes)])])
    )
    return request(API_FETCH, 4, correlation_id, body)


@dataclass
class FetchPartitionResult:
    error_code: int
    high_watermark: int
    records: bytes = field(repr=False)
    last_stable_offset: int = -1
    # (producer id, first offset) of each aborted transaction in the returned range.
    aborted_transactions: list[tuple[int, int]] | None = None


def parse_fetch_v4(r: Reader) -> dict[tuple[str, int], FetchPartitionResult]:
    r.i32()  # throttle time
    out = {}
    for _ in range(r.i32()):
        topic = r.string()
        for _ in range(r.i32()):
            p, err, hw = r.i32(), r.i16(), r.i64()
            lso = r.i64()
            count = r.i32()
            aborted = None if count < 0 else [(r.i64(), r.i64()) for _ in range(count)]
            out[(topic, p)] = FetchPartitionResult(err, hw, r.nbytes() or b"", lso, aborted)
    return out


def fetch_all_batches(bootstrap: str, topic: str, partition: int) -> list[BatchInfo]:
    """Every batch of a partition, from offset 0 to the high watermark, via raw Fetch v4."""
    batches: list[BatchInfo] = []
    offset = 0
    corr = 0
    with Connection(bootstrap) as conn:
        while True:
            corr += 1
            res = parse_fetch_v4(conn.roundtrip(fetch_v4_request(corr, topic, partition, offset), corr))
            part = res[(topic, partition)]
            if part.error_code != ERR_NONE:
                raise AssertionError(f"fetch {topic}/{partition}@{offset}: error {part.error_code}")
            got = [b for b in walk_batches(part.records) if b.last_offset >= offset]
            if not got:
                if offset >= part.high_watermark:
                    return batches
                raise AssertionError(f"fetch {topic}/{partition}@{offset} below high watermark "
                                     f"{part.high_watermark} returned no complete batch")
            batches += got
            offset = got[-1].last_offset + 1


# ---------------------------------------------------------------------------------------------
# InitProducerId v0-5 (flexible from v2) and Metadata v1's brokers


@dataclass
class InitProducerIdResponse:
    error_code: int
    producer_id: int
    producer_epoch: int


def init_producer_id_request(version: int, correlation_id: int, *,
                             transactional_id: str | None = None, timeout_ms: int = 60000,
                             producer_id: int = -1, producer_epoch: int = -1) -> bytes:
    flexible = version >= 2
    body = compact_string(transactional_id) if flexible else string(transactional_id)
    body += i32(timeout_ms)
    if version >= 3:
        body += i64(producer_id) + i16(producer_epoch)
    if flexible:
        body += EMPTY_TAGS
    return request(API_INIT_PRODUCER_ID, version, correlation_id, body, flexible=flexible)


def parse_init_producer_id(r: Reader, version: int) -> InitProducerIdResponse:
    flexible = version >= 2
    if flexible:
        r.skip_tags()  # response header v1
    r.i32()  # throttle
    out = InitProducerIdResponse(r.i16(), r.i64(), r.i16())
    if flexible:
        r.skip_tags()
    _done(r, f"InitProducerId v{version}")
    return out


def init_producer_id(bootstrap: str, version: int = 0, **kwargs) -> InitProducerIdResponse:
    with Connection(bootstrap) as conn:
        r = conn.roundtrip(init_producer_id_request(version, 7, **kwargs), 7)
        return parse_init_producer_id(r, version)


def metadata_v1_brokers(bootstrap: str) -> list[tuple[int, str, int]]:
    """(node id, host, port) of every broker in a Metadata v1 answer for no topics."""
    with Connection(bootstrap) as conn:
        r = conn.roundtrip(request(API_METADATA, 1, 3, array([])), 3)
        return [(r.i32(), r.string(), r.i32(), r.string())[:3] for _ in range(r.i32())]


# ---------------------------------------------------------------------------------------------
# Group coordinator APIs (non-flexible versions only)
#
# Each *_request() returns a complete frame; each parse_*() reads the body after the v0 response
# header (Connection.roundtrip returns a Reader positioned there) and rejects trailing bytes.


def _done(r: Reader, what: str) -> None:
    if r.remaining():
        raise AssertionError(f"{r.remaining()} unexpected trailing bytes in {what}")


def consumer_subscription(topics: list[str], user_data: bytes | None = None) -> bytes:
    """ConsumerProtocolSubscription v0: the metadata of a JoinGroup protocol of type "consumer"."""
    return i16(0) + array([string(t) for t in topics]) + nbytes(user_data)


def consumer_assignment(partitions: dict[str, list[int]], user_data: bytes | None = None) -> bytes:
    """ConsumerProtocolAssignment v0: what a SyncGroup leader hands each member."""
    return (i16(0)
            + array([string(t) + array([i32(p) for p in ps]) for t, ps in partitions.items()])
            + nbytes(user_data))


def parse_consumer_assignment(blob: bytes) -> dict[str, list[int]]:
    """The topic -> partitions of a ConsumerProtocolAssignment (any version: the fields this
    reads come first in all of them). An empty blob means no assignment."""
    if not blob:
        return {}
    r = Reader(blob)
    r.i16()  # version
    out = {}
    for _ in range(r.i32()):
        topic = r.string()
        out[topic] = [r.i32() for _ in range(r.i32())]
    return out


# -- FindCoordinator v0-2 ----------------------------------------------------------------------


@dataclass
class FindCoordinatorResponse:
    error_code: int
    node_id: int
    host: str
    port: int
    error_message: str | None = None


def find_coordinator_request(version: int, correlation_id: int, key: str, key_type: int = 0) -> bytes:
    assert version <= 2, "v3+ is flexible"
    body = string(key) + (i8(key_type) if version >= 1 else b"")
    return request(API_FIND_COORDINATOR, version, correlation_id, body)


def parse_find_coordinator(r: Reader, version: int) -> FindCoordinatorResponse:
    if version >= 1:
        r.i32()  # throttle
    error = r.i16()
    message = r.string() if version >= 1 else None
    node, host, port = r.i32(), r.string(), r.i32()
    _done(r, f"FindCoordinator v{version}")
    return FindCoordinatorResponse(error, node, host, port, message)


def find_coordinator(bootstrap: str, key: str, key_type: int = 0,
                     version: int = 1) -> FindCoordinatorResponse:
    """One lookup; the first for a group (key type 0) creates __consumer_offsets."""
    with Connection(bootstrap) as conn:
        return parse_find_coordinator(
            conn.roundtrip(find_coordinator_request(version, 1, key, key_type), 1), version)


# -- JoinGroup v0-5 ----------------------------------------------------------------------------


@dataclass
class JoinGroupMember:
    member_id: str
    group_instance_id: str | None
    metadata: bytes = field(repr=False)


@dataclass
class JoinGroupResponse:
    error_code: int
    generation_id: int
    protocol_name: str | None
    leader: str
    member_id: str
    members: list[JoinGroupMember]


def join_group_request(version: int, correlation_id: int, group: str, *, member_id: str = "",
                       session_timeout_ms: int = 6000, rebalance_timeout_ms: int | None = None,
                       group_instance_id: str | None = None, protocol_type: str = "consumer",
                       protocols: list[tuple[str, bytes]] | None = None) -> bytes:
    assert version <= 5, "v6+ is flexible"
    if protocols is None:
        protocols = [("range", consumer_subscription([]))]
    body = string(group) + i32(session_timeout_ms)
    if version >= 1:
        body += i32(rebalance_timeout_ms if rebalance_timeout_ms is not None else session_timeout_ms)
    body += string(member_id)
    if version >= 5:
        body += string(group_instance_id)
    body += string(protocol_type) + array([string(n) + nbytes(m) for n, m in protocols])
    return request(API_JOIN_GROUP, version, correlation_id, body)


def parse_join_group(r: Reader, version: int) -> JoinGroupResponse:
    if version >= 2:
        r.i32()  # throttle
    error, generation = r.i16(), r.i32()
    protocol, leader, member_id = r.string(), r.string(), r.string()
    members = []
    for _ in range(r.i32()):
        mid = r.string()
        instance = r.string() if version >= 5 else None
        members.append(JoinGroupMember(mid, instance, r.nbytes() or b""))
    _done(r, f"JoinGroup v{version}")
    return JoinGroupResponse(error, generation, protocol, leader, member_id, members)


# -- SyncGroup v0-3 ----------------------------------------------------------------------------


def sync_group_request(version: int, correlation_id: int, group: str, generation_id: int,
                       member_id: str, assignments: dict[str, bytes] | None = None, *,
                       group_instance_id: str | None = None) -> bytes:
    assert version <= 3, "v4+ is flexible"
    body = string(group) + i32(generation_id) + string(member_id)
    if version >= 3:
        body += string(group_instance_id)
    body += array([string(m) + nbytes(a) for m, a in (assignments or {}).items()])
    return request(API_SYNC_GROUP, version, correlation_id, body)


def parse_sync_group(r: Reader, version: int) -> tuple[int, bytes]:
    """(error code, assignment blob)."""
    if version >= 1:
        r.i32()
    error, assignment = r.i16(), r.nbytes() or b""
    _done(r, f"SyncGroup v{version}")
    return error, assignment


# -- Heartbeat v0-3, LeaveGroup v0 -------------------------------------------------------------


def heartbeat_request(version: int, correlation_id: int, group: str, generation_id: int,
                      member_id: str, *, group_instance_id: str | None = None) -> bytes:
    assert version <= 3, "v4+ is flexible"
    body = string(group) + i32(generation_id) + string(member_id)
    if version >= 3:
        body += string(group_instance_id)
    return request(API_HEARTBEAT, version, correlation_id, body)


def parse_error_only(r: Reader, version: int, what: str, throttle_from: int = 1) -> int:
    """Heartbeat and LeaveGroup (v0-2) answers: [throttle_time_ms] error_code."""
    if version >= throttle_from:
        r.i32()
    error = r.i16()
    _done(r, f"{what} v{version}")
    return error


def parse_heartbeat(r: Reader, version: int) -> int:
    return parse_error_only(r, version, "Heartbeat")


def leave_group_v0_request(correlation_id: int, group: str, member_id: str) -> bytes:
    return request(API_LEAVE_GROUP, 0, correlation_id, string(group) + string(member_id))


def parse_leave_group_v0(r: Reader) -> int:
    return parse_error_only(r, 0, "LeaveGroup")


# -- OffsetCommit v2, OffsetFetch v1 -----------------------------------------------------------


def offset_commit_v2_request(correlation_id: int, group: str, generation_id: int, member_id: str,
                             offsets: dict[tuple[str, int], int | tuple[int, str | None]], *,
                             retention_time_ms: int = -1) -> bytes:
    """`offsets`: (topic, partition) -> offset, or -> (offset, metadata)."""
    by_topic: dict[str, list[bytes]] = {}
    for (topic, partition), value in offsets.items():
        offset, metadata = value if isinstance(value, tuple) else (value, "")
        by_topic.setdefault(topic, []).append(i32(partition) + i64(offset) + string(metadata))
    body = (string(group) + i32(generation_id) + string(member_id) + i64(retention_time_ms)
            + array([string(t) + array(parts) for t, parts in by_topic.items()]))
    return request(API_OFFSET_COMMIT, 2, correlation_id, body)


def parse_offset_commit_v2(r: Reader) -> dict[tuple[str, int], int]:
    """(topic, partition) -> error code."""
    out = {}
    for _ in range(r.i32()):
        topic = r.string()
        for _ in range(r.i32()):
            p, err = r.i32(), r.i16()
            out[(topic, p)] = err
    _done(r, "OffsetCommit v2")
    return out


@dataclass
class FetchedOffset:
    offset: int
    metadata: str | None
    error_code: int


def offset_fetch_v1_request(correlation_id: int, group: str, partitions: dict[str, list[int]]) -> bytes:
    body = string(group) + array([string(t) + array([i32(p) for p in ps]) for t, ps in partitions.items()])
    return request(API_OFFSET_FETCH, 1, correlation_id, body)


def parse_offset_fetch_v1(r: Reader) -> dict[tuple[str, int], FetchedOffset]:
    out = {}
    for _ in range(r.i32()):
        topic = r.string()
        for _ in range(r.i32()):
            p, offset, metadata, err = r.i32(), r.i64(), r.string(), r.i16()
            out[(topic, p)] = FetchedOffset(offset, metadata, err)
    _done(r, "OffsetFetch v1")
    return out


# -- DescribeGroups v0, ListGroups v0, DeleteGroups v0 -----------------------------------------


@dataclass
class DescribedMember:
    member_id: str
    client_id: str
    client_host: str
    metadata: bytes = field(repr=False)
    assignment: bytes = field(repr=False)


@dataclass
class DescribedGroup:
    error_code: int
    group_id: str
    state: str
    protocol_type: str
    protocol: str
    members: list[DescribedMember]


def describe_groups_v0_request(correlation_id: int, groups: list[str]) -> bytes:
    return request(API_DESCRIBE_GROUPS, 0, correlation_id, array([string(g) for g in groups]))


def parse_describe_groups_v0(r: Reader) -> dict[str, DescribedGroup]:
    out = {}
    for _ in range(r.i32()):
        error, gid, state, ptype, proto = r.i16(), r.string(), r.string(), r.string(), r.string()
        members = []
        for _ in range(r.i32()):
            members.append(DescribedMember(r.string(), r.string(), r.string(), r.nbytes() or b"",
                                           r.nbytes() or b""))
        out[gid] = DescribedGroup(error, gid, state, ptype, proto, members)
    _done(r, "DescribeGroups v0")
    return out


def list_groups_v0_request(correlation_id: int) -> bytes:
    return request(API_LIST_GROUPS, 0, correlation_id, b"")


def parse_list_groups_v0(r: Reader) -> tuple[int, dict[str, str]]:
    """(error code, group id -> protocol type)."""
    error = r.i16()
    groups = {}
    for _ in range(r.i32()):
        gid = r.string()
        groups[gid] = r.string()
    _done(r, "ListGroups v0")
    return error, groups


def delete_groups_v0_request(correlation_id: int, groups: list[str]) -> bytes:
    return request(API_DELETE_GROUPS, 0, correlation_id, array([string(g) for g in groups]))


def parse_delete_groups_v0(r: Reader) -> dict[str, int]:
    r.i32()  # throttle (present from v0)
    out = {}
    for _ in range(r.i32()):
        gid = r.string()
        out[gid] = r.i16()
    _done(r, "DeleteGroups v0")
    return out


# -- One-shot helpers on a fresh connection ------------------------------------------------------


def _one(bootstrap: str, frame_fn, parse, *args, timeout: float = 10.0):
    with Connection(bootstrap, timeout=timeout) as conn:
        return parse(conn.roundtrip(frame_fn(1, *args), 1))


def describe_group(bootstrap: str, group: str) -> DescribedGroup:
    return _one(bootstrap, describe_groups_v0_request, parse_describe_groups_v0, [group])[group]


def list_groups(bootstrap: str) -> dict[str, str]:
    error, groups = _one(bootstrap, list_groups_v0_request, parse_list_groups_v0)
    if error != ERR_NONE:
        raise AssertionError(f"ListGroups: error {error}")
    return groups


def fetch_offsets(bootstrap: str, group: str, partitions: dict[str, list[int]]) -> dict[tuple[str, int], FetchedOffset]:
    return _one(bootstrap, offset_fetch_v1_request, parse_offset_fetch_v1, group, partitions)


def delete_groups(bootstrap: str, groups: list[str]) -> dict[str, int]:
    return _one(bootstrap, delete_groups_v0_request, parse_delete_groups_v0, groups)


class RawMember:
    """One consumer-group member driven by hand on its own connection: join (taking the
    MEMBER_ID_REQUIRED round trip of v4+ in stride), sync as leader with a given assignment,
    heartbeat, commit. The fields keep the last generation it was told."""

    def __init__(self, bootstrap: str, group: str, *, topics: list[str] | None = None,
                 session_timeout_ms: int = 6000, rebalance_timeout_ms: int = 10000,
                 group_instance_id: str | None = None, timeout: float = 15.0):
        self.conn = Connection(bootstrap, timeout=timeout)
        self.group = group
        self.topics = topics or []
        self.session_timeout_ms = session_timeout_ms
        self.rebalance_timeout_ms = rebalance_timeout_ms
        self.group_instance_id = group_instance_id
        self.member_id = ""
        self.generation = -1
        self.leader = ""
        self.members: list[JoinGroupMember] = []
        self._corr = 0

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "RawMember":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def next_corr(self) -> int:
        self._corr += 1
        return self._corr

    def call(self, frame_fn, parse, *args, **kwargs):
        """Sends frame_fn(corr, *args, **kwargs) and parses the answer with parse(reader)."""
        corr = self.next_corr()
        return parse(self.conn.roundtrip(frame_fn(corr, *args, **kwargs), corr))

    def join(self, version: int = 5, *, metadata: bytes | None = None) -> JoinGroupResponse:
        """JoinGroup until it succeeds or fails with anything but MEMBER_ID_REQUIRED (once)."""
        meta = metadata if metadata is not None else consumer_subscription(self.topics)
        res = None
        for _ in range(2):
            corr = self.next_corr()
            frame = join_group_request(
                version, corr, self.group, member_id=self.member_id,
                session_timeout_ms=self.session_timeout_ms, rebalance_timeout_ms=self.rebalance_timeout_ms,
                group_instance_id=self.group_instance_id if version >= 5 else None,
                protocols=[("range", meta)])
            res = parse_join_group(self.conn.roundtrip(frame, corr), version)
            if res.error_code == ERR_MEMBER_ID_REQUIRED:
                self.member_id = res.member_id
                continue
            break
        if res.error_code == ERR_NONE:
            self.member_id = res.member_id
            self.generation = res.generation_id
            self.leader = res.leader
            self.members = res.members
        return res

    def sync(self, assignments: dict[str, dict[str, list[int]]] | None = None, version: int = 3) -> tuple[int, dict[str, list[int]]]:
        """SyncGroup at the current generation; `assignments` is member id -> topic -> partitions
        (only the leader's is used). Returns (error, this member's assignment)."""
        blobs = {m: consumer_assignment(a) for m, a in (assignments or {}).items()}
        corr = self.next_corr()
        frame = sync_group_request(version, corr, self.group, self.generation, self.member_id, blobs,
                                   group_instance_id=self.group_instance_id)
        error, blob = parse_sync_group(self.conn.roundtrip(frame, corr), version)
        return error, parse_consumer_assignment(blob)

    def join_and_sync(self, assignment: dict[str, list[int]] | None = None) -> dict[str, list[int]]:
        """Join as the only member (so the leader) and assign `assignment` to itself."""
        res = self.join()
        if res.error_code != ERR_NONE:
            raise AssertionError(f"JoinGroup {self.group}: error {res.error_code}")
        if res.leader != self.member_id or len(res.members) != 1:
            raise AssertionError(f"expected to lead a group of one: {res}")
        error, got = self.sync({self.member_id: assignment or {}})
        if error != ERR_NONE:
            raise AssertionError(f"SyncGroup {self.group}: error {error}")
        return got

    def heartbeat(self, version: int = 3, *, generation: int | None = None,
                  member_id: str | None = None) -> int:
        corr = self.next_corr()
        frame = heartbeat_request(version, corr, self.group,
                                  self.generation if generation is None else generation,
                                  self.member_id if member_id is None else member_id,
                                  group_instance_id=self.group_instance_id)
        return parse_heartbeat(self.conn.roundtrip(frame, corr), version)

    def commit(self, offsets: dict[tuple[str, int], int], *, generation: int | None = None,
               member_id: str | None = None) -> dict[tuple[str, int], int]:
        return self.call(offset_commit_v2_request, parse_offset_commit_v2, self.group,
                         self.generation if generation is None else generation,
                         self.member_id if member_id is None else member_id, offsets)

    def leave(self) -> int:
        return self.call(leave_group_v0_request, parse_leave_group_v0, self.group, self.member_id)


# ---------------------------------------------------------------------------------------------
# Transactions: FindCoordinator key type 1 (above), AddPartitionsToTxn v0-3, AddOffsetsToTxn v0-3,
# EndTxn v0-3, TxnOffsetCommit v0-2 (flexible from v3), DescribeTransactions v0 and
# ListTransactions v0-1 (both flexible from v0). Flexible answers start with the response header
# v1's tagged fields, which the parsers skip.

API_ADD_PARTITIONS_TO_TXN = 24
API_ADD_OFFSETS_TO_TXN = 25
API_END_TXN = 26
API_TXN_OFFSET_COMMIT = 28
API_DESCRIBE_TRANSACTIONS = 65
API_LIST_TRANSACTIONS = 66

COORDINATOR_GROUP = 0
COORDINATOR_TRANSACTION = 1

ERR_UNKNOWN_TOPIC_OR_PARTITION = 3
ERR_INVALID_TXN_STATE = 48
ERR_INVALID_PRODUCER_ID_MAPPING = 49
ERR_INVALID_TRANSACTION_TIMEOUT = 50
ERR_CONCURRENT_TRANSACTIONS = 51
ERR_TRANSACTION_COORDINATOR_FENCED = 52
ERR_OPERATION_NOT_ATTEMPTED = 55
ERR_PRODUCER_FENCED = 90
ERR_TRANSACTIONAL_ID_NOT_FOUND = 105


def compact_array(items: list[bytes]) -> bytes:
    return uvarint(len(items) + 1) + b"".join(items)


def _read_compact_string(r: Reader) -> str | None:
    n = r.uvarint()
    return None if n == 0 else r.take(n - 1).decode()


def _read_compact_count(r: Reader) -> int:
    n = r.uvarint()
    return -1 if n == 0 else n - 1


def _str(s: str | None, flexible: bool) -> bytes:
    return compact_string(s) if flexible else string(s)


def _arr(items: list[bytes], flexible: bool) -> bytes:
    return compact_array(items) if flexible else array(items)


def _tags(flexible: bool) -> bytes:
    return EMPTY_TAGS if flexible else b""


def _read_str(r: Reader, flexible: bool) -> str | None:
    return _read_compact_string(r) if flexible else r.string()


def _read_count(r: Reader, flexible: bool) -> int:
    return _read_compact_count(r) if flexible else r.i32()


# -- AddPartitionsToTxn v0-3 -------------------------------------------------------------------


def add_partitions_to_txn_request(version: int, correlation_id: int, transactional_id: str,
                                  producer_id: int, producer_epoch: int,
                                  partitions: dict[str, list[int]]) -> bytes:
    assert version <= 3, "v4+ batches transactions"
    flex = version >= 3
    topics = [_str(t, flex) + _arr([i32(p) for p in ps], flex) + _tags(flex)
              for t, ps in partitions.items()]
    body = (_str(transactional_id, flex) + i64(producer_id) + i16(producer_epoch)
            + _arr(topics, flex) + _tags(flex))
    return request(API_ADD_PARTITIONS_TO_TXN, version, correlation_id, body, flexible=flex)


def parse_add_partitions_to_txn(r: Reader, version: int) -> dict[tuple[str, int], int]:
    """(topic, partition) -> error code."""
    flex = version >= 3
    if flex:
        r.skip_tags()
    r.i32()  # throttle
    out = {}
    for _ in range(max(_read_count(r, flex), 0)):
        topic = _read_str(r, flex)
        for _ in range(max(_read_count(r, flex), 0)):
            p, err = r.i32(), r.i16()
            if flex:
                r.skip_tags()
            out[(topic, p)] = err
        if flex:
            r.skip_tags()
    if flex:
        r.skip_tags()
    _done(r, f"AddPartitionsToTxn v{version}")
    return out


# -- AddOffsetsToTxn v0-3, EndTxn v0-3 ---------------------------------------------------------


def add_offsets_to_txn_request(version: int, correlation_id: int, transactional_id: str,
                               producer_id: int, producer_epoch: int, group_id: str) -> bytes:
    flex = version >= 3
    body = (_str(transactional_id, flex) + i64(producer_id) + i16(producer_epoch)
            + _str(group_id, flex) + _tags(flex))
    return request(API_ADD_OFFSETS_TO_TXN, version, correlation_id, body, flexible=flex)


def end_txn_request(version: int, correlation_id: int, transactional_id: str, producer_id: int,
                    producer_epoch: int, committed: bool) -> bytes:
    assert version <= 4, "v5 answers with the new epoch"
    flex = version >= 3
    body = (_str(transactional_id, flex) + i64(producer_id) + i16(producer_epoch)
            + i8(1 if committed else 0) + _tags(flex))
    return request(API_END_TXN, version, correlation_id, body, flexible=flex)


def _parse_throttle_error(r: Reader, version: int, what: str) -> int:
    """AddOffsetsToTxn and EndTxn (v0-4) answers: throttle_time_ms, error_code."""
    flex = version >= 3
    if flex:
        r.skip_tags()
    r.i32()
    error = r.i16()
    if flex:
        r.skip_tags()
    _done(r, f"{what} v{version}")
    return error


def parse_add_offsets_to_txn(r: Reader, version: int) -> int:
    return _parse_throttle_error(r, version, "AddOffsetsToTxn")


def parse_end_txn(r: Reader, version: int) -> int:
    return _parse_throttle_error(r, version, "EndTxn")


# -- TxnOffsetCommit v0-3 ------------------------------------------------------------------------


def txn_offset_commit_request(version: int, correlation_id: int, transactional_id: str,
                              group_id: str, producer_id: int, producer_epoch: int,
                              offsets: dict[tuple[str, int], int], *, generation_id: int = -1,
                              member_id: str = "", group_instance_id: str | None = None) -> bytes:
    assert version <= 3
    flex = version >= 3
    by_topic: dict[str, list[bytes]] = {}
    for (topic, partition), offset in offsets.items():
        part = i32(partition) + i64(offset)
        if version >= 2:
            part += i32(-1)  # committed leader epoch
        part += _str("", flex) + _tags(flex)
        by_topic.setdefault(topic, []).append(part)
    body = _str(transactional_id, flex) + _str(group_id, flex) + i64(producer_id) + i16(producer_epoch)
    if version >= 3:
        body += i32(generation_id) + _str(member_id, flex) + _str(group_instance_id, flex)
    body += _arr([_str(t, flex) + _arr(ps, flex) + _tags(flex) for t, ps in by_topic.items()], flex)
    body += _tags(flex)
    return request(API_TXN_OFFSET_COMMIT, version, correlation_id, body, flexible=flex)


def parse_txn_offset_commit(r: Reader, version: int) -> dict[tuple[str, int], int]:
    flex = version >= 3
    if flex:
        r.skip_tags()
    r.i32()  # throttle
    out = {}
    for _ in range(max(_read_count(r, flex), 0)):
        topic = _read_str(r, flex)
        for _ in range(max(_read_count(r, flex), 0)):
            p, err = r.i32(), r.i16()
            if flex:
                r.skip_tags()
            out[(topic, p)] = err
        if flex:
            r.skip_tags()
    if flex:
        r.skip_tags()
    _done(r, f"TxnOffsetCommit v{version}")
    return out


# -- DescribeTransactions v0, ListTransactions v0-1 ----------------------------------------------


@dataclass
class DescribedTransaction:
    error_code: int
    transactional_id: str
    state: str
    timeout_ms: int
    start_time_ms: int
    producer_id: int
    producer_epoch: int
    partitions: dict[str, list[int]]


def describe_transactions_request(correlation_id: int, transactional_ids: list[str]) -> bytes:
    body = compact_array([compact_string(t) for t in transactional_ids]) + EMPTY_TAGS
    return request(API_DESCRIBE_TRANSACTIONS, 0, correlation_id, body, flexible=True)


def parse_describe_transactions(r: Reader) -> dict[str, DescribedTransaction]:
    r.skip_tags()
    r.i32()  # throttle
    out = {}
    for _ in range(max(_read_compact_count(r), 0)):
        error = r.i16()
        tid = _read_compact_string(r)
        state = _read_compact_string(r)
        timeout, start, pid, epoch = r.i32(), r.i64(), r.i64(), r.i16()
        parts = {}
        for _ in range(max(_read_compact_count(r), 0)):
            topic = _read_compact_string(r)
            parts[topic] = sorted(r.i32() for _ in range(max(_read_compact_count(r), 0)))
            r.skip_tags()
        r.skip_tags()
        out[tid] = DescribedTransaction(error, tid, state, timeout, start, pid, epoch, parts)
    r.skip_tags()
    _done(r, "DescribeTransactions v0")
    return out


@dataclass
class ListedTransactions:
    error_code: int
    unknown_state_filters: list[str]
    # transactional id -> (producer id, state)
    transactions: dict[str, tuple[int, str]]


def list_transactions_request(version: int, correlation_id: int, *,
                              states: list[str] | None = None,
                              producer_ids: list[int] | None = None,
                              duration_ms: int = -1) -> bytes:
    body = (compact_array([compact_string(s) for s in states or []])
            + compact_array([i64(p) for p in producer_ids or []]))
    if version >= 1:
        body += i64(duration_ms)
    body += EMPTY_TAGS
    return request(API_LIST_TRANSACTIONS, version, correlation_id, body, flexible=True)


def parse_list_transactions(r: Reader, version: int) -> ListedTransactions:
    r.skip_tags()
    r.i32()  # throttle
    error = r.i16()
    unknown = [_read_compact_string(r) for _ in range(max(_read_compact_count(r), 0))]
    txns = {}
    for _ in range(max(_read_compact_count(r), 0)):
        tid = _read_compact_string(r)
        pid = r.i64()
        state = _read_compact_string(r)
        r.skip_tags()
        txns[tid] = (pid, state)
    r.skip_tags()
    _done(r, f"ListTransactions v{version}")
    return ListedTransactions(error, unknown, txns)


# -- One-shot helpers ------------------------------------------------------------------------------


def describe_transactions(bootstrap: str, transactional_ids: list[str]) -> dict[str, DescribedTransaction]:
    with Connection(bootstrap) as conn:
        return parse_describe_transactions(
            conn.roundtrip(describe_transactions_request(1, transactional_ids), 1))


def list_transactions(bootstrap: str, version: int = 1, **kwargs) -> ListedTransactions:
    with Connection(bootstrap) as conn:
        return parse_list_transactions(
            conn.roundtrip(list_transactions_request(version, 1, **kwargs), 1), version)


def fetch_v4(bootstrap: str, topic: str, partition: int, offset: int, *,
             isolation_level: int = 0) -> FetchPartitionResult:
    """One Fetch v4 of one partition; fails on a partition error."""
    with Connection(bootstrap) as conn:
        r = conn.roundtrip(fetch_v4_request(1, topic, partition, offset,
                                            isolation_level=isolation_level), 1)
        part = parse_fetch_v4(r)[(topic, partition)]
    if part.error_code != ERR_NONE:
        raise AssertionError(f"fetch {topic}/{partition}@{offset}: error {part.error_code}")
    return part
