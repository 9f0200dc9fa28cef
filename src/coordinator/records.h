// Keys and values of the records the coordinator keeps in __consumer_offsets, in Kafka's own
// layouts so a data directory's offsets topic reads like Kafka's. The grammar, versions, byte
// order and a worked example are in docs/formats/consumer-offsets.md.
//
// Every key and value starts with an int16 version. Versions below the flexible threshold use
// the classic encoding: big-endian fixed-width integers, strings with an int16 length (-1 = null),
// bytes with an int32 length, arrays with an int32 count. Flexible versions (offset value 4,
// group metadata value 4) use compact (varint length + 1) strings, bytes and arrays, and end
// every struct with a tagged-field section.
//
// Encoders write one fixed version; decoders accept every version Kafka has written. Decoders
// are bounds-checked: truncated or malformed input yields nullopt, never a crash. Trailing bytes
// after a complete value are accepted (a newer writer may have appended fields).
//
// Pure functions, no state: safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"

namespace fjord::coordinator::records {

// Key versions: 0 and 1 are offset commits (identical layout), 2 is group metadata. Kafka also
// writes other versions in the same topic for features Fjord does not implement (the new
// consumer-group protocol, shares); those are unknown here and skipped on load.
inline constexpr int16_t offset_key_version = 1;
inline constexpr int16_t group_metadata_key_version = 2;
inline constexpr int16_t offset_value_version = 3;
inline constexpr int16_t offset_value_version_with_expiry = 1;
inline constexpr int16_t offset_value_max_version = 4;
inline constexpr int16_t group_metadata_value_version = 3;
inline constexpr int16_t group_metadata_value_max_version = 4;

enum class key_kind { offset_commit, group_metadata, unknown };

// Classifies a key by its version prefix. Shorter than two bytes: unknown.
key_kind kind_of(bytes_view key);

struct offset_key {
    std::string group;
    std::string topic;
    int32_t partition = 0;
    bool operator==(const offset_key&) const = default;
};

// Writes key version 1.
bytes encode_offset_key(const offset_key&);
// Accepts key versions 0 and 1.
std::optional<offset_key> decode_offset_key(bytes_view);

struct offset_value {
    int64_t offset = 0;
    int32_t leader_epoch = -1;  // -1 = unknown (also what versions 0-2 decode to)
    std::string metadata;
    int64_t commit_timestamp = 0;
    int64_t expire_timestamp = -1;  // only version 1 carries it; -1 = none
    bool operator==(const offset_value&) const = default;
};

// Writes version 3, or version 1 when `expire_timestamp != -1` (the only version that can hold
// it; Kafka makes the same choice). Version 1 has no leader epoch, so it is lost in that case.
bytes encode_offset_value(const offset_value&);
// Accepts versions 0-4.
std::optional<offset_value> decode_offset_value(bytes_view);

struct member_metadata {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    int32_t rebalance_timeout = 0;  // ms; version 0 has none and decodes it as session_timeout
    int32_t session_timeout = 0;    // ms
    bytes subscription;
    bytes assignment;
    bool operator==(const member_metadata&) const = default;
};

struct group_metadata_value {
    std::string protocol_type;
    int32_t generation = 0;
    std::optional<std::string> protocol;
    std::optional<std::string> leader;
    int64_t current_state_timestamp = -1;  // ms; -1 = unknown (versions 0-1)
    std::vector<member_metadata> members;
    bool operator==(const group_metadata_value&) const = default;
};

// Writes key version 2.
bytes encode_group_metadata_key(std::string_view group);
std::optional<std::string> decode_group_metadata_key(bytes_view);

// Writes version 3.
bytes encode_group_metadata_value(const group_metadata_value&);
// Accepts versions 0-4.
std::optional<group_metadata_value> decode_group_metadata_value(bytes_view);

}  // namespace fjord::coordinator::records
