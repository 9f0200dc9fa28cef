"""Hand-encoded Kafka wire protocol for the tests that must control every byte.

Only what the tests need: request framing (header v1/v2), ApiVersions, Metadata v1, Produce v3
and Fetch v4 (both non-flexible), record batch v2 building and walking, CRC-32C. Layouts follow
../shared/kafka-protocol/README.md; integers are big-endian.
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
API_FIND_COORDINATOR = 10

ERR_NONE = 0
ERR_CORRUPT_MESSAGE = 2
ERR_UNSUPPORTED_VERSION = 35
ERR_INVALID_REQUEST = 42

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


def record_batch(records: list[tuple[bytes | None, bytes | None]], *, base_timestamp: int) -> bytes:
    """An uncompressed magic-2 batch of (key, value) records with a correct CRC."""
    body = bytearray()
    for delta, (key, value) in enumerate(records):
        rec = i8(0) + varint(0) + varint(delta)
        rec += varint(-1) if key is None else varint(len(key)) + key
        rec += varint(-1) if value is None else varint(len(value)) + value
        rec += varint(0)  # headers
        body += varint(len(rec)) + rec
    after_crc = (
        i16(0)  # attributes
        + i32(len(records) - 1)
        + i64(base_timestamp)
        + i64(base_timestamp)
        + i64(-1)  # producer id
        + i16(-1)  # producer epoch
        + i32(-1)  # base sequence
        + i32(len(records))
        + bytes(body)
    )
    after_length = i32(0) + i8(2) + struct.pack(">I", crc32c(after_crc)) + after_crc
    return i64(0) + i32(len(after_length)) + after_length


@dataclass
class BatchInfo:
    base_offset: int
    last_offset: int
    attributes: int
    record_count: int
    crc_ok: bool

    @property
    def compression(self) -> str:
        return COMPRESSION_NAMES.get(self.attributes & 7, f"unknown({self.attributes & 7})")


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
        out.append(BatchInfo(base_offset, base_offset + last_delta, attributes, count,
                             crc32c(records[pos + 21 : end]) == crc))
        pos = end
    return out


# ---------------------------------------------------------------------------------------------
# Produce v3 and Fetch v4


def produce_v3_request(correlation_id: int, topic: str, partition: int, records: bytes, *,
                       acks: int = -1, timeout_ms: int = 10000) -> bytes:
    body = (
        string(None)  # transactional id
        + i16(acks)
        + i32(timeout_ms)
        + array([string(topic) + array([i32(partition) + nbytes(records)])])
    )
    return request(API_PRODUCE, 3, correlation_id, body)


@dataclass
class ProducePartitionResult:
    partition: int
    error_code: int
    base_offset: int


def parse_produce_v3(r: Reader) -> dict[tuple[str, int], ProducePartitionResult]:
    out = {}
    for _ in range(r.i32()):
        topic = r.string()
        for _ in range(r.i32()):
            p, err, base = r.i32(), r.i16(), r.i64()
            r.i64()  # log append time
            out[(topic, p)] = ProducePartitionResult(p, err, base)
    r.i32()  # throttle time
    return out


def fetch_v4_request(correlation_id: int, topic: str, partition: int, offset: int, *,
                     max_wait_ms: int = 0, max_bytes: int = 8 * 1024 * 1024) -> bytes:
    body = (
        i32(-1)  # replica id
        + i32(max_wait_ms)
        + i32(1)  # min bytes
        + i32(max_bytes)
        + i8(0)  # read uncommitted
        + array([string(topic) + array([i32(partition) + i64(offset) + i32(max_bytes)])])
    )
    return request(API_FETCH, 4, correlation_id, body)


@dataclass
class FetchPartitionResult:
    error_code: int
    high_watermark: int
    records: bytes = field(repr=False)


def parse_fetch_v4(r: Reader) -> dict[tuple[str, int], FetchPartitionResult]:
    r.i32()  # throttle time
    out = {}
    for _ in range(r.i32()):
        topic = r.string()
        for _ in range(r.i32()):
            p, err, hw = r.i32(), r.i16(), r.i64()
            r.i64()  # last stable offset
            aborted = r.i32()
            for _ in range(max(aborted, 0)):
                r.i64()
                r.i64()
            out[(topic, p)] = FetchPartitionResult(err, hw, r.nbytes() or b"")
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
