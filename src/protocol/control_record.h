// Kafka's control records: the transaction markers (COMMIT / ABORT) that the transaction
// coordinator has written into every partition a transaction touched. A marker is a control batch
// (attributes transactional | control) holding one record at offset delta 0, with base sequence
// -1 and the producer id and epoch of the transaction.
//   key   := version int16 (0) + type int16 (0 = ABORT, 1 = COMMIT)
//   value := version int16 (0) + coordinator epoch int32   (the end-transaction marker)
// All big-endian. Stateless, thread-safe functions.
#pragma once

#include <cstdint>
#include <optional>

#include "base/bytes.h"

namespace fjord::protocol {

enum class control_type : int16_t { abort = 0, commit = 1 };

inline constexpr int16_t control_key_version = 0;
inline constexpr int16_t end_txn_marker_version = 0;
inline constexpr size_t control_key_size = 4;
inline constexpr size_t end_txn_marker_value_size = 6;

// An uncompressed marker batch with base offset 0 (the log assigns the real one) and a valid CRC.
bytes build_marker_batch(int64_t producer_id, int16_t producer_epoch, control_type type,
                         int32_t coordinator_epoch, int64_t timestamp_ms);

struct txn_marker {
    control_type type;
    int32_t coordinator_epoch;
    bool operator==(const txn_marker&) const = default;
};

// The marker in the whole batch at the start of `batch`. nullopt when it is not a control batch,
// does not decode (bad CRC, truncated, no record), or its key or value is malformed, and when the
// key's type is not ABORT or COMMIT: Kafka skips control records of unknown types. Newer key or
// value versions are read like version 0 (their leading fields are the same).
std::optional<txn_marker> decode_marker(bytes_view batch);

}  // namespace fjord::protocol
