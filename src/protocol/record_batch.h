// Kafka record batches, message format v2 (magic 2): the unit producers send, the log stores and
// consumers fetch. Layout, constants and edge cases: docs/formats/record-batch.md.
//
// Fjord stores a batch exactly as the producer sent it. The functions here therefore work on the
// raw bytes: validation and the broker's edits (base offset, leader epoch, LogAppendTime) happen
// in place, and records are only decoded when someone needs their contents (compaction,
// re-compression, tools).
//
// Every function is stateless and thread-safe. Views passed in are only read (or written, for the
// mutable ones) during the call; results own their memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "protocol/compression.h"

namespace fjord::protocol {

// Byte offsets of the header fields, all big-endian.
namespace batch_field {
inline constexpr size_t base_offset = 0;              // int64
inline constexpr size_t batch_length = 8;             // int32
inline constexpr size_t partition_leader_epoch = 12;  // int32
inline constexpr size_t magic = 16;                   // int8
inline constexpr size_t crc = 17;                     // uint32, CRC-32C of [attributes, end)
inline constexpr size_t attributes = 21;              // int16
inline constexpr size_t last_offset_delta = 23;       // int32
inline constexpr size_t base_timestamp = 27;          // int64
inline constexpr size_t max_timestamp = 35;           // int64
inline constexpr size_t producer_id = 43;             // int64
inline constexpr size_t producer_epoch = 51;          // int16
inline constexpr size_t base_sequence = 53;           // int32
inline constexpr size_t records_count = 57;           // int32
inline constexpr size_t records = 61;
}  // namespace batch_field

inline constexpr size_t batch_header_size = 61;
// base_offset and batch_length are not counted in batch_length.
inline constexpr size_t batch_length_overhead = 12;
inline constexpr int32_t min_batch_length = batch_header_size - batch_length_overhead;  // 49
inline constexpr int8_t batch_magic_v2 = 2;

// Bits of the int16 attributes field.
namespace batch_attribute {
inline constexpr uint16_t compression_mask = 0x07;
inline constexpr uint16_t log_append_time = 0x08;  // timestamp type: 0 CreateTime, 1 LogAppendTime
inline constexpr uint16_t transactional = 0x10;
inline constexpr uint16_t control = 0x20;
inline constexpr uint16_t delete_horizon = 0x40;  // base_timestamp is compaction's delete horizon
}  // namespace batch_attribute

inline constexpr int64_t no_producer_id = -1;
inline constexpr int16_t no_producer_epoch = -1;
inline constexpr int32_t no_sequence = -1;
inline constexpr int64_t no_timestamp = -1;

struct batch_header {
    int64_t base_offset = 0;
    int32_t batch_length = 0;
    int32_t partition_leader_epoch = -1;
    int8_t magic = batch_magic_v2;
    uint32_t crc = 0;
    int16_t attributes = 0;
    int32_t last_offset_delta = 0;
    int64_t base_timestamp = no_timestamp;
    int64_t max_timestamp = no_timestamp;
    int64_t producer_id = no_producer_id;
    int16_t producer_epoch = no_producer_epoch;
    int32_t base_sequence = no_sequence;
    int32_t records_count = 0;

    // Valid for any header read_batch_header returned (it rejects unknown codecs).
    compression_type compression() const {
        return static_cast<compression_type>(attribute_bits() & batch_attribute::compression_mask);
    }
    bool is_transactional() const { return attribute_bits() & batch_attribute::transactional; }
    bool is_control() const { return attribute_bits() & batch_attribute::control; }
    bool log_append_time() const { return attribute_bits() & batch_attribute::log_append_time; }
    bool has_delete_horizon() const { return attribute_bits() & batch_attribute::delete_horizon; }
    // Wraps instead of overflowing: the fields come from the wire.
    int64_t last_offset() const {
        return static_cast<int64_t>(static_cast<uint64_t>(base_offset) +
                                    static_cast<uint64_t>(int64_t{last_offset_delta}));
    }
    // The whole batch on the wire, header included.
    size_t size_bytes() const { return static_cast<size_t>(batch_length) + batch_length_overhead; }

    friend bool operator==(const batch_header&, const batch_header&) = default;

private:
    uint16_t attribute_bits() const { return static_cast<uint16_t>(attributes); }
};

enum class batch_errc {
    truncated,             // fewer bytes than the header or batch_length announce
    invalid_length,        // batch_length below the 49-byte minimum
    unsupported_magic,     // magic is not 2
    crc_mismatch,          // CRC-32C of [attributes, end) differs from the crc field
    unknown_compression,   // attributes name a codec other than 0-4
    corrupt_records,       // the records do not parse, or do not match records_count
    decompression_failed,  // the codec rejected the records, or they exceed the size limit
};

std::string_view describe(batch_errc);

// Parses the header of the batch at the start of `data` (bytes after that batch are ignored).
// Checks, in order: enough bytes to reach the magic byte, magic == 2, batch_length >= 49, the
// whole batch present, known compression codec. Does NOT check the CRC.
result<batch_header, batch_errc> read_batch_header(bytes_view data);

// Validates a record set (the `records` of one partition in a Produce request, or a stretch of a
// log segment): one or more complete v2 batches back to back, with no trailing partial batch, each
// with a correct CRC and a known codec. Reads in place, copies nothing, decompresses nothing.
// An empty view is `truncated`. Record-level checks belong to decode_records.
result<std::vector<batch_header>, batch_errc> validate_record_set(bytes_view data);

// In-place edits of one batch. REQUIRES: `batch` starts with a batch read_batch_header accepted
// and holds all of it.
//
// base_offset and partition_leader_epoch lie outside the CRC, so these leave the CRC untouched.
void set_base_offset(mutable_bytes_view batch, int64_t base_offset);
void set_partition_leader_epoch(mutable_bytes_view batch, int32_t epoch);
// Marks the batch LogAppendTime with append time `ts`, as Kafka does: sets the timestamp-type
// bit and max_timestamp, leaves base_timestamp and the records alone (readers then report `ts` as
// every record's timestamp), and recomputes the CRC.
void set_log_append_time(mutable_bytes_view batch, int64_t ts);

// Recomputes the CRC-32C of a batch (the value its crc field must hold).
uint32_t compute_batch_crc(bytes_view batch);

struct record_header {
    std::string key;
    std::optional<bytes> value;

    friend bool operator==(const record_header&, const record_header&) = default;
};

struct record {
    int64_t offset = 0;     // absolute: base_offset + offset delta
    int64_t timestamp = 0;  // absolute, milliseconds; max_timestamp for LogAppendTime batches
    std::optional<bytes> key;
    std::optional<bytes> value;  // nullopt is a tombstone
    std::vector<record_header> headers;

    friend bool operator==(const record&, const record&) = default;
};

inline constexpr size_t default_max_decompressed = size_t{64} << 20;

// Decodes every record of the batch at the start of `batch` (bytes after it are ignored): checks
// the header and the CRC, decompresses into at most `max_decompressed` bytes, and checks every
// length against what remains, that exactly records_count records fill the records section, and
// that each record's fields fill exactly its length. Header keys are not checked for UTF-8.
result<std::vector<record>, batch_errc> decode_records(
    bytes_view batch, size_t max_decompressed = default_max_decompressed);

struct batch_options {
    compression_type compression = compression_type::none;
    int64_t base_offset = 0;
    int64_t producer_id = no_producer_id;
    int16_t producer_epoch = no_producer_epoch;
    int32_t base_sequence = no_sequence;
    bool transactional = false;
    bool control = false;
    // Sets the timestamp-type bit; the records' timestamps should then all be the append time.
    bool log_append_time = false;
    int32_t partition_leader_epoch = -1;
    // Overrides last_offset_delta, which otherwise is the last record's offset minus base_offset
    // (-1 for no records). Compaction uses it to keep a batch's offset range after dropping
    // records. REQUIRES: >= the computed value.
    std::optional<int32_t> last_offset_delta;
};

// Encodes `records` into one v2 batch. Offset deltas are each record's offset minus
// options.base_offset; base_timestamp is the first record's timestamp and every timestamp delta
// is relative to it; max_timestamp is the largest timestamp (both -1 with no records); the CRC is
// computed. REQUIRES: offsets increase and lie in [base_offset, base_offset + INT32_MAX]; the
// batch fits in INT32_MAX bytes.
bytes build_batch(const batch_options& options, std::span<const record> records);

}  // namespace fjord::protocol
