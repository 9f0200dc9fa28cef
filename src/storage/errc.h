// Errors of the storage layer. `kafka/` maps them to Kafka error codes in one place
// (io_error / no_space / corrupt_log / closed -> KAFKA_STORAGE_ERROR, offset_out_of_range ->
// OFFSET_OUT_OF_RANGE, record_set_too_large -> RECORD_LIST_TOO_LARGE / MESSAGE_TOO_LARGE,
// invalid_batch -> CORRUPT_MESSAGE, out_of_order_sequence -> OUT_OF_ORDER_SEQUENCE_NUMBER,
// invalid_producer_epoch -> INVALID_PRODUCER_EPOCH, invalid_txn_state -> INVALID_TXN_STATE,
// transaction_coordinator_fenced -> TRANSACTION_COORDINATOR_FENCED).
#pragma once

#include <string_view>

namespace fjord::storage {

enum class errc {
    io_error,              // a read, write, fsync, rename... failed (details are logged)
    no_space,              // ENOSPC / EDQUOT
    offset_out_of_range,   // read below the log start or above the log end
    corrupt_log,           // durable data failed its checks; the log was not opened
    closed,                // the log was closed or removed
    record_set_too_large,  // an append that cannot fit in an empty segment
    invalid_batch,         // append() got bytes that are not whole v2 batches (caller bug)
    // Idempotent producers (docs/formats/producer-state.md §1): nothing was appended.
    out_of_order_sequence,   // a gap (or an old sequence) in a producer's sequence numbers
    invalid_producer_epoch,  // a batch or marker from an epoch older than the producer's current
                             // one
    // Transactions (producer-state.md §1): nothing was appended.
    invalid_txn_state,  // a non-transactional batch while the producer's transaction is open
    transaction_coordinator_fenced,  // a marker from an older transaction coordinator epoch
};

std::string_view describe(errc e);

}  // namespace fjord::storage
