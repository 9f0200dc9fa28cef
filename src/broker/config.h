// Broker settings under Kafka's property names and defaults. Every value is validated when set;
// an unknown name or a bad value is an error naming the property, never silently ignored.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

namespace fjord::broker {

struct broker_config {
    int32_t node_id = 1;                                    // node.id
    std::string listen_host = "127.0.0.1";                  // listeners (host part)
    uint16_t listen_port = 9092;                            // listeners (port part)
    std::filesystem::path data_dir = "data";                // log.dirs
    int32_t num_partitions = 1;                             // num.partitions
    int16_t default_replication_factor = 1;                 // default.replication.factor
    bool auto_create_topics_enable = true;                  // auto.create.topics.enable
    int32_t message_max_bytes = 1048588;                    // message.max.bytes
    int32_t socket_request_max_bytes = 104857600;           // socket.request.max.bytes
    int64_t log_segment_bytes = 1073741824;                 // log.segment.bytes
    std::chrono::milliseconds log_roll_ms{604800000};       // log.roll.ms (log.roll.hours=168)
    int32_t log_index_interval_bytes = 4096;                // log.index.interval.bytes
    int32_t log_index_size_max_bytes = 10485760;            // log.index.size.max.bytes
    std::string log_message_timestamp_type = "CreateTime";  // log.message.timestamp.type
    size_t num_network_threads = 0;                         // num.network.threads (0 = cores)
    int32_t max_connections = 10000;                        // max.connections
    // Group coordinator.
    std::chrono::milliseconds group_min_session_timeout{6000};     // group.min.session.timeout.ms
    std::chrono::milliseconds group_max_session_timeout{1800000};  // group.max.session.timeout.ms
    std::chrono::milliseconds group_initial_rebalance_delay{
        3000};                                      // group.initial.rebalance.delay.ms
    int32_t group_max_size = 2147483647;            // group.max.size
    int32_t offsets_topic_num_partitions = 50;      // offsets.topic.num.partitions
    std::chrono::minutes offsets_retention{10080};  // offsets.retention.minutes
    std::chrono::milliseconds offsets_retention_check_interval{
        600000};                               // offsets.retention.check.interval.ms
    int32_t offset_metadata_max_bytes = 4096;  // offset.metadata.max.bytes

    // Sets one property by its Kafka name. The error names the property and the problem.
    result<void, std::string> set(std::string_view name, std::string_view value);
};

// Parses "host:port" (the port may be 0 to pick a free one).
result<void, std::string> parse_listen_address(std::string_view text, broker_config& config);

}  // namespace fjord::broker
