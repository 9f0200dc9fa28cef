// Kafka wire primitives: the reader and writer that generated message codecs are built on.
//
// Encoding rules (big-endian integers, classic vs compact lengths, tagged-field sections) are in
// ../shared/kafka-protocol/README.md §3.4. Unsigned varints here are the protobuf base-128 form
// used by compact lengths and tagged fields, never the zig-zag form of v2 records.
//
// Neither class is thread-safe; each is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/uuid.h"

namespace fjord::protocol {

// A tagged field kept as raw bytes: decoders store tags they do not know here, and encoders write
// them back, so a message passes through Fjord without losing fields from newer clients.
struct tagged_field {
    uint32_t tag = 0;
    bytes data;

    bool operator==(const tagged_field&) const = default;
};

// Reads Kafka primitives from a buffer without throwing.
//
// Failure is sticky: the first read that runs past the end or meets a malformed value (an
// overlong varint, a negative length that is not the null marker, an array count larger than the
// bytes left) marks the reader failed. Every later read returns a zero value and ok() stays false,
// so a decoder may read a whole struct and check ok() once. Lengths are checked against the bytes
// left before anything is allocated, so garbage input cannot cause a large allocation.
//
// `owner` keeps `data` alive. read_records() returns views into `data` that share `owner`, so
// record sets leave the reader without a copy and outlive it.
class reader {
public:
    reader(std::shared_ptr<const void> owner, bytes_view data)
        : _owner(std::move(owner)), _data(data) {}

    bool ok() const { return !_failed; }
    size_t remaining() const { return _failed ? 0 : _data.size() - _pos; }
    size_t position() const { return _pos; }
    // Marks the reader failed; decoders call it for semantic errors (a null where none is allowed).
    void fail() { _failed = true; }

    int8_t read_int8();
    int16_t read_int16();
    int32_t read_int32();
    int64_t read_int64();
    uint16_t read_uint16();
    uint32_t read_uint32();
    double read_float64();
    bool read_bool();  // any non-zero byte is true
    uuid read_uuid();
    // An unsigned varint of at most 5 bytes whose value fits in 32 bits.
    uint32_t read_uvarint();

    // Classic strings: int16 length (-1 = null). Compact: uvarint length+1 (0 = null).
    std::string read_string();
    std::optional<std::string> read_nullable_string();
    std::string read_compact_string();
    std::optional<std::string> read_compact_nullable_string();

    // Classic bytes: int32 length (-1 = null). Compact: uvarint length+1 (0 = null).
    bytes read_bytes();
    std::optional<bytes> read_nullable_bytes();
    bytes read_compact_bytes();
    std::optional<bytes> read_compact_nullable_bytes();

    // A record set (nullable bytes), returned as a view into this reader's buffer that shares its
    // owner: no copy. nullopt means null (or failure; check ok()).
    std::optional<shared_bytes> read_records();
    std::optional<shared_bytes> read_compact_records();

    // Array counts: classic int32 (-1 = null), compact uvarint count+1 (0 = null). nullopt means
    // null (or failure; check ok()). A count larger than the bytes left fails, since every
    // element takes at least one byte.
    std::optional<size_t> read_array_length();
    std::optional<size_t> read_compact_array_length();

    // Reads a whole tagged-field section, keeping every field in `out` (for structs with no
    // known tags).
    void read_tagged_fields(std::vector<tagged_field>& out);
    // Reads one tagged field's size and returns a reader over its payload, advancing past it.
    // Used after reading the tag itself with read_uvarint().
    reader read_tagged_payload();

    // Copies `n` bytes out; fails if fewer are left.
    bytes read_raw(size_t n);
    // Consumes `n` bytes and returns a view of them (valid while the owner lives).
    bytes_view read_view(size_t n);

private:
    // Returns a pointer to `n` readable bytes and advances, or nullptr after failing.
    const uint8_t* take(size_t n);
    template <typename T>
    T read_be();
    std::optional<size_t> compact_length();  // uvarint N+1; nullopt = null or failure

    std::shared_ptr<const void> _owner;
    bytes_view _data;
    size_t _pos = 0;
    bool _failed = false;
};

// Writes Kafka primitives into a growing buffer. Record sets are appended as separate iobuf
// fragments without copying; everything else is copied into the current contiguous chunk.
class writer {
public:
    writer() = default;
    writer(writer&&) = default;
    writer& operator=(writer&&) = default;
    writer(const writer&) = delete;
    writer& operator=(const writer&) = delete;

    void write_int8(int8_t v);
    void write_int16(int16_t v);
    void write_int32(int32_t v);
    void write_int64(int64_t v);
    void write_uint16(uint16_t v);
    void write_uint32(uint32_t v);
    void write_float64(double v);
    void write_bool(bool v);
    void write_uuid(const uuid& v);
    void write_uvarint(uint32_t v);

    // A classic string longer than 32767 bytes cannot be represented; it is cut to that length
    // rather than producing a frame the peer cannot parse.
    void write_string(std::string_view s);
    void write_nullable_string(const std::optional<std::string>& s);
    void write_compact_string(std::string_view s);
    void write_compact_nullable_string(const std::optional<std::string>& s);

    void write_bytes(bytes_view b);
    void write_nullable_bytes(const std::optional<bytes>& b);
    void write_compact_bytes(bytes_view b);
    void write_compact_nullable_bytes(const std::optional<bytes>& b);

    // Appends the length, then `records` as its own fragment (shares the owner, no copy).
    void write_records(const shared_bytes& records);
    void write_records(const std::optional<shared_bytes>& records);  // nullopt writes null
    void write_compact_records(const shared_bytes& records);
    void write_compact_records(const std::optional<shared_bytes>& records);

    void write_array_length(size_t n);
    void write_null_array();
    void write_compact_array_length(size_t n);
    void write_compact_null_array();

    // Writes a tagged-field section holding `unknown` (kept from decoding), in tag order.
    void write_tagged_fields(const std::vector<tagged_field>& unknown);
    // Writes a section merging `known` (already encoded by the caller) with `unknown`, in tag
    // order. If both hold the same tag, the known field wins.
    void write_tagged_fields(std::vector<tagged_field>&& known,
                             const std::vector<tagged_field>& unknown);

    void write_raw(bytes_view b);

    size_t size() const { return _done.size() + _current.size(); }
    iobuf finish() &&;
    // Everything in one contiguous buffer (copies record fragments; for small payloads).
    bytes finish_bytes() &&;

private:
    void flush();

    iobuf _done;
    bytes _current;
};

}  // namespace fjord::protocol
