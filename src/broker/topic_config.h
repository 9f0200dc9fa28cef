// Topic-level configuration: Kafka's topic property names, their validation, and the effective
// value of each (the topic's override, else the broker default it inherits from).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "broker/config.h"

namespace fjord::broker {

using config_overrides = std::map<std::string, std::string>;

struct topic_config {
    std::string cleanup_policy = "delete";
    bool cleanup_delete = true;    // cleanup.policy includes delete
    bool cleanup_compact = false;  // cleanup.policy includes compact
    std::string compression_type = "producer";
    int64_t delete_retention_ms = 86400000;
    int32_t max_message_bytes = 1048588;
    bool log_append_time = false;                     // message.timestamp.type=LogAppendTime
    int64_t timestamp_before_max_ms = INT64_MAX;      // message.timestamp.before.max.ms
    int64_t timestamp_after_max_ms = INT64_MAX;       // message.timestamp.after.max.ms
    int64_t timestamp_difference_max_ms = INT64_MAX;  // message.timestamp.difference.max.ms
    int32_t min_insync_replicas = 1;
    int64_t retention_bytes = -1;
    int64_t retention_ms = 604800000;
    int64_t segment_bytes = 1073741824;
    int64_t segment_ms = 604800000;
    int32_t segment_index_bytes = 10485760;
    int32_t index_interval_bytes = 4096;
    int64_t min_compaction_lag_ms = 0;
    int64_t max_compaction_lag_ms = INT64_MAX;
    double min_cleanable_dirty_ratio = 0.5;
    bool unclean_leader_election_enable = false;
    // Flush bounds and preallocation; see broker_config.
    int64_t flush_messages = INT64_MAX;
    int64_t flush_ms = INT64_MAX;
    bool preallocate = false;
};

// A topic property as DescribeConfigs reports it.
struct topic_property_info {
    std::string_view name;
    config_type type;
    std::string_view broker_name;  // the broker property that gives its default
    std::string_view documentation;
};

// Every topic property Fjord knows, sorted by name.
std::span<const topic_property_info> topic_properties();
const topic_property_info* find_topic_property(std::string_view name);

// Checks one override: the name must be a known topic property and the value valid for it. The
// message names the property.
result<void, std::string> validate_topic_override(std::string_view name, std::string_view value);

// The effective configuration: broker defaults, then the topic's (already validated) overrides.
topic_config effective_topic_config(const broker_config& broker, const config_overrides& overrides);

// Checks what single overrides cannot: min.compaction.lag.ms must not exceed
// max.compaction.lag.ms (either may come from the broker). The message names both.
result<void, std::string> validate_topic_config(const topic_config& config);

// How long a segment of this topic stays active: segment.ms, or max.compaction.lag.ms when the
// topic is compacted and that is shorter, so no record waits longer to become compactable.
int64_t roll_ms(const topic_config& config);

// How far before and after the broker's clock a CreateTime record's timestamp may lie: each
// bound as set, or message.timestamp.difference.max.ms where it is left at its default (as
// Kafka 3.6 and later read them).
struct timestamp_bounds {
    int64_t before_ms;
    int64_t after_ms;
};
timestamp_bounds create_time_bounds(const topic_config& config);

// The effective value of property `name` as text (as DescribeConfigs shows it); empty for an
// unknown name.
std::string topic_config_value(const topic_config& config, std::string_view name);

}  // namespace fjord::broker
