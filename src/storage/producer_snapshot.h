// Producer state snapshot files, `<base offset>.snapshot`: the producer state of a partition as of
// an offset, so opening the log replays only the batches after it. The format is specified in
// docs/formats/producer-state.md; change that page first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "model/fundamental.h"
#include "storage/producer_state.h"

namespace fjord::storage::format {

// §2: file names, like segments: the offset zero-padded to 20 digits.
inline constexpr std::string_view snapshot_suffix = ".snapshot";
std::string snapshot_file_name(model::offset offset);
// Parses "<20 digits>.snapshot"; nullopt for any other name.
std::optional<model::offset> parse_snapshot_file_name(std::string_view name);

// §3: layout.
inline constexpr uint32_t snapshot_magic = 0x464A5053;  // "FJPS"
inline constexpr uint16_t snapshot_version = 1;
inline constexpr size_t snapshot_header_size = 20;
inline constexpr size_t snapshot_producer_size = 31;  // without its batches
inline constexpr size_t snapshot_batch_size = 32;
inline constexpr size_t snapshot_trailer_size = 4;

// The state of every batch below `offset`.
bytes encode_producer_snapshot(model::offset offset, const producer_state& state);

enum class snapshot_status {
    ok,
    damaged,          // wrong size, magic or CRC, or a field breaks §3's rules
    unknown_version,  // written by a newer Fjord
};
struct decoded_producer_snapshot {
    snapshot_status status = snapshot_status::damaged;
    model::offset offset;
    producer_state state;
};
decoded_producer_snapshot decode_producer_snapshot(bytes_view data);

}  // namespace fjord::storage::format
