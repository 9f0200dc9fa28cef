// Errors of the group coordinator. The broker maps them to Kafka error codes in one place
// (broker/error_mapping.cc); names follow Kafka's so the mapping is obvious.
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
    coordinator_not_available,  // persisting to __consumer_offsets failed
    group_subscribed_to_topic,  // OffsetDelete on a partition the group still consumes
    invalid_request,
};

std::string_view describe(errc e);

}  // namespace fjord::coordinator
