// Constants and encoders of the partition's on-disk files. The format is specified in
// docs/formats/segment-files.md; change that page first.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "model/fundamental.h"
#include "protocol/record_batch.h"

namespace fjord::storage::format {

// §1: file names. A segment is named by its base offset, zero-padded to 20 digits.
inline constexpr std::string_view log_suffix = ".log";
inline constexpr std::string_view index_suffix = ".index";
inline constexpr std::string_view timeindex_suffix = ".timeindex";
inline constexpr std::string_view txnindex_suffix = ".txnindex";  // §11
inline constexpr std::string_view tmp_suffix = ".tmp";
inline constexpr std::string_view checkpoint_name = "partition.checkpoint";
// §9: a compacted copy of a segment file is written as "<name>.cleaned", renamed to
// "<name>.swap" (the commit point, for the .log) and then over "<name>".
inline constexpr std::string_view cleaned_suffix = ".cleaned";
inline constexpr std::string_view swap_suffix = ".swap";
inline constexpr size_t base_offset_digits = 20;

std::string segment_file_name(model::offset base, std::string_view suffix);

enum class file_kind { log, index, timeindex, txnindex };
struct segment_file {
    model::offset base;
    file_kind kind;
};
// Parses "<20 digits><suffix>"; nullopt for any other name.
std::optional<segment_file> parse_segment_file_name(std::string_view name);

// §2: batches are Kafka's v2 record batches (protocol/record_batch.h has the layout).
inline constexpr size_t batch_header_size = protocol::batch_header_size;
inline constexpr size_t batch_length_prefix = protocol::batch_length_overhead;
inline constexpr size_t batch_min_length = protocol::min_batch_length;
inline constexpr size_t crc_covered_from = protocol::batch_field::attributes;
inline constexpr uint64_t max_segment_bytes = INT32_MAX;   // index positions are int32
inline constexpr int64_t max_relative_offset = INT32_MAX;  // index offsets are int32

// The header fields of the batch starting at `header`, without any check (protocol's
// read_batch_header wants the whole batch; scans often hold just the header).
// REQUIRES: header.size() >= batch_header_size.
protocol::batch_header read_header(bytes_view header);

// §3 and §4: index entries.
inline constexpr size_t offset_entry_size = 8;
inline constexpr size_t time_entry_size = 12;

// §5: partition.checkpoint.
inline constexpr uint32_t checkpoint_magic = 0x464A4350;  // "FJCP"
inline constexpr uint16_t checkpoint_version = 1;
inline constexpr size_t checkpoint_size = 28;

struct checkpoint {
    model::offset log_start;
    model::offset recovery_point;
    bool operator==(const checkpoint&) const = default;
};
bytes encode_checkpoint(const checkpoint& c);
enum class checkpoint_status { ok, damaged, unknown_version };
struct decoded_checkpoint {
    checkpoint_status status;
    checkpoint value;
};
decoded_checkpoint decode_checkpoint(bytes_view data);

// §11: `.txnindex`, the aborted transactions whose ABORT marker is in the segment.
inline constexpr size_t txn_entry_size = 34;
inline constexpr int16_t txn_entry_version = 0;

struct txn_index_entry {
    model::producer_id producer_id;
    model::offset first_offset;  // the transaction's first offset
    model::offset last_offset;   // its ABORT marker's offset
    // The last stable offset right after the abort: the first offset of the earliest transaction
    // still open then (of another producer), or last_offset + 1.
    model::offset last_stable_offset;
    bool operator==(const txn_index_entry&) const = default;
};
bytes encode_txn_entries(std::span<const txn_index_entry> entries);
// nullopt: damaged (size not a multiple of 34, a version other than 0, or an entry breaking §11's
// rules: negative producer id, first offset > last offset, last offsets not increasing).
std::optional<std::vector<txn_index_entry>> decode_txn_index(bytes_view data);

}  // namespace fjord::storage::format
