// Errors of the group and transaction coordinators. The broker maps them to Kafka error codes in
// one place (broker/error_mapping.cc); names follow Kafka's so the mapping is obvious.
#pragma once

#include <string_view>

namespace fjord::coordinator {

enum class errc {
    none = 0,
    coordinator_load_in_progress,
    invalid_group_id,
    group_id_not_found,
    unknown_member_id,
    member_id_required,
    illegal_generation,
    rebalance_in_progress,
    inconsistent_group_protocol,
    invalid_session_timeout,
    fenced_instance_id,
    group_max_size_reached,
    non_empty_group,
    unknown_topic_or_partition,
    offset_metadata_too_large,
    coordinator_not_available,  // persisting to __consumer_offsets / __transaction_state failed
    group_subscribed_to_topic,  // OffsetDelete on a partition the group still consumes
    invalid_request,
    // Transactions (transaction_coordinator.h).
    producer_fenced,              // a newer producer owns the transactional id
    invalid_producer_epoch,       // the epoch is not one the coordinator handed out
    invalid_producer_id_mapping,  // unknown transactional id, or another producer id owns it
    invalid_txn_state,            // the request does not fit the transaction's state
    concurrent_transactions,      // another change to the id is in flight: retry
    invalid_transaction_timeout,  // outside (0, transaction.max.timeout.ms]
    transactional_id_not_found,
};

std::string_view describe(errc e);

}  // namespace fjord::coordinator
