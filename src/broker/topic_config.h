// Topic-level configuration: Kafka's topic property names, their validation, and the effective
// value of each (the topic's override, else the broker default it inherits from).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "broker/config.h"

namespace fjord::broker {

using config_overrides = std::map<std::string, std::string>;

struct topic_config {
    std::string cleanup_policy = "delete";
    std::string compression_type = "producer";
    int64_t delete_retention_ms = 86400000;
    int32_t max_message_bytes = 1048588;
    bool log_append_time = false;  // message.timestamp.type=LogAppendTime
    int32_t min_insync_replicas = 1;
    int64_t retention_bytes = -1;
    int64_t retention_ms = 604800000;
    int64_t segment_bytes = 1073741824;
    int64_t segment_ms = 604800000;
    int32_t segment_index_bytes = 10485760;
    int32_t index_interval_bytes = 4096;
    int64_t min_compaction_lag_ms = 0;
    bool unclean_leader_election_enable = false;
};

// Where a value comes from, as DescribeConfigs reports it.
enum class config_source { topic_override, broker_default };

struct config_entry {
    std::string name;
    std::string value;
    config_source source;
};

// Checks one override: the name must be a known topic property and the value valid for it.
result<void, std::string> validate_topic_override(std::string_view name, std::string_view value);

// The effective configuration: broker defaults, then the topic's (already validated) overrides.
topic_config effective_topic_config(const broker_config& broker, const config_overrides& overrides);

// Every topic property with its effective value and source, sorted by name.
std::vector<config_entry> describe_topic_config(const broker_config& broker,
                                                const config_overrides& overrides);

}  // namespace fjord::broker
