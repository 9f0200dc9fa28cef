// Plain data exchanged with the group coordinator (group_manager.h): configuration, requests
// and results. Model types in, coordinator errc out; the broker translates to and from the wire.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "coordinator/coordinator_log.h"
#include "coordinator/errc.h"

namespace fjord::coordinator {

struct group_config {
    std::chrono::milliseconds min_session_timeout{6000};      // group.min.session.timeout.ms
    std::chrono::milliseconds max_session_timeout{1800000};   // group.max.session.timeout.ms
    std::chrono::milliseconds initial_rebalance_delay{3000};  // group.initial.rebalance.delay.ms
    int32_t max_size = std::numeric_limits<int32_t>::max();   // group.max.size
    int32_t offsets_partitions = default_offsets_partitions;  // offsets.topic.num.partitions
};

struct protocol_metadata {
    std::string name;
    bytes metadata;
    bool operator==(const protocol_metadata&) const = default;
};

struct join_request {
    std::string group_id;
    std::string member_id;  // "" on first join
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    int32_t session_timeout_ms = 0;
    int32_t rebalance_timeout_ms = 0;  // v0: the caller passes the session timeout
    std::string protocol_type;
    std::vector<protocol_metadata> protocols;  // in the member's order of preference
    // JoinGroup v4+: an unknown member first gets member_id_required with its new id.
    bool require_known_member_id = false;
    // JoinGroup v9+ (KIP-814): a static leader replaced while Stable is told it leads but may
    // skip the assignment. Older versions are instead told the old leader id, so they do not
    // run an assignment that a Stable group would ignore.
    bool supports_skip_assignment = true;
    std::optional<std::string> reason;
};

struct join_member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    bytes metadata;
};

struct join_result {
    errc error = errc::none;
    int32_t generation_id = -1;
    std::optional<std::string> protocol_type;
    std::optional<std::string> protocol_name;
    std::string leader;
    bool skip_assignment = false;  // KIP-814: a static leader rejoined without a rebalance
    std::string member_id;
    std::vector<join_member> members;  // filled for the leader only
};

struct sync_request {
    std::string group_id;
    int32_t generation_id = -1;
    std::string member_id;
    std::optional<std::string> group_instance_id;
    // v5+: must match the group's if given (else inconsistent_group_protocol).
    std::optional<std::string> protocol_type;
    std::optional<std::string> protocol_name;
    std::vector<std::pair<std::string, bytes>> assignments;  // from the leader
};

struct sync_result {
    errc error = errc::none;
    std::optional<std::string> protocol_type;
    std::optional<std::string> protocol_name;
    bytes assignment;
};

struct member_identity {
    std::string member_id;
    std::optional<std::string> group_instance_id;
};

struct described_member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    bytes metadata;
    bytes assignment;
};

struct group_description {
    errc error = errc::none;
    std::string group_id;
    std::string state;
    std::string protocol_type;
    std::string protocol;
    std::vector<described_member> members;
};

struct listed_group {
    std::string group_id;
    std::string protocol_type;
    std::string state;
};

}  // namespace fjord::coordinator
