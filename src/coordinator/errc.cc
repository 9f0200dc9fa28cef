#include "coordinator/errc.h"

namespace fjord::coordinator {

std::string_view describe(errc e) {
    switch (e) {
        case errc::none:
            return "no error";
        case errc::coordinator_load_in_progress:
            return "the coordinator is loading its state";
        case errc::invalid_group_id:
            return "invalid group id";
        case errc::group_id_not_found:
            return "group not found";
        case errc::unknown_member_id:
            return "unknown member id";
        case errc::member_id_required:
            return "a member id is required: rejoin with the given id";
        case errc::illegal_generation:
            return "illegal generation";
        case errc::rebalance_in_progress:
            return "the group is rebalancing";
        case errc::inconsistent_group_protocol:
            return "inconsistent group protocol";
        case errc::invalid_session_timeout:
            return "session timeout out of the allowed range";
        case errc::fenced_instance_id:
            return "the static member was fenced by a newer instance";
        case errc::group_max_size_reached:
            return "the group is full";
        case errc::non_empty_group:
            return "the group still has members";
        case errc::unknown_topic_or_partition:
            return "unknown topic or partition";
        case errc::offset_metadata_too_large:
            return "offset metadata too large";
        case errc::coordinator_not_available:
            return "coordinator not available";
        case errc::group_subscribed_to_topic:
            return "the group is still subscribed to the topic";
        case errc::invalid_request:
            return "invalid request";
        case errc::producer_fenced:
            return "the producer was fenced by a newer producer with the same transactional id";
        case errc::invalid_producer_epoch:
            return "invalid producer epoch";
        case errc::invalid_producer_id_mapping:
            return "the producer id does not own the transactional id";
        case errc::invalid_txn_state:
            return "the request is not valid in the transaction's current state";
        case errc::concurrent_transactions:
            return "another change to the transaction is in progress; retry";
        case errc::invalid_transaction_timeout:
            return "transaction timeout out of the allowed range";
        case errc::transactional_id_not_found:
            return "transactional id not found";
    }
    return "unknown coordinator error";
}

}  // namespace fjord::coordinator
