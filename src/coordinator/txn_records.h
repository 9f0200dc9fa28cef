// Keys and values of the records the transaction coordinator keeps in __transaction_state, in
// Kafka's layouts (TransactionLogKey / TransactionLogValue). Grammar, versions, byte order and a
// worked example: docs/formats/transaction-state.md.
//
// The key is int16 version 0 then the transactional id (classic string). Value version 0 is
// classic (int16-length strings, int32-count arrays); version 1 is flexible (compact strings and
// arrays, tagged-field sections) and adds tagged fields. Fjord writes version 0 and reads both.
//
// Decoders are bounds-checked: truncated or malformed input yields nullopt, never a crash.
// Trailing bytes after a complete value are accepted (a newer writer may append fields); after a
// key they are not (the key is the compaction identity).
//
// Pure functions, no state: safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "coordinator/transaction_coordinator.h"
#include "model/fundamental.h"

namespace fjord::coordinator::txn_records {

inline constexpr int16_t key_version = 0;
inline constexpr int16_t value_version = 0;      // what Fjord writes
inline constexpr int16_t value_max_version = 1;  // the newest Fjord reads

struct txn_value {
    model::producer_id producer_id{-1};
    model::producer_epoch producer_epoch{-1};
    int32_t timeout_ms = 0;
    txn_state state = txn_state::empty;
    // nullopt is the null array Kafka writes for Empty; otherwise sorted, one entry a partition
    // (the encoding groups them by topic).
    std::optional<std::vector<model::topic_partition>> partitions;
    int64_t last_update_timestamp_ms = 0;
    int64_t start_timestamp_ms = -1;
    // Version 1 tagged fields (defaults when absent or in version 0; never written).
    model::producer_id previous_producer_id{-1};
    model::producer_id next_producer_id{-1};
    int16_t client_transaction_version = 0;
    bool operator==(const txn_value&) const = default;
};

bytes encode_key(std::string_view transactional_id);
// Any other key version, or trailing bytes: nullopt.
std::optional<std::string> decode_key(bytes_view);

// Writes version 0 (tagged fields are dropped: version 0 cannot hold them).
bytes encode_value(const txn_value&);
// Accepts versions 0 and 1. A transaction_status outside 0-7 is malformed.
std::optional<txn_value> decode_value(bytes_view);

}  // namespace fjord::coordinator::txn_records
