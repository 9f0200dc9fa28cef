// Broker settings under Kafka's property names and defaults. Every value is validated when set;
// an unknown name or a bad value is an error naming the property, never silently ignored.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "broker/listeners.h"

namespace fjord::broker {

// Kafka's configuration data types, by their DescribeConfigs (v3+) wire ids.
enum class config_type : int8_t {
    unknown = 0,
    boolean = 1,
    string = 2,
    int32 = 3,
    int16 = 4,
    int64 = 5,
    float64 = 6,
    list = 7,
    class_name = 8,
    password = 9,
};

struct broker_config {
    int32_t node_id = 1;  // node.id (or broker.id)
    // The listener Fjord serves (resolve(), from `listener`): address to bind.
    std::string listen_host = "127.0.0.1";
    uint16_t listen_port = 9092;
    std::filesystem::path data_dir = "data";                // log.dirs
    int32_t num_partitions = 1;                             // num.partitions
    int16_t default_replication_factor = 1;                 // default.replication.factor
    bool auto_create_topics_enable = true;                  // auto.create.topics.enable
    bool delete_topic_enable = true;                        // delete.topic.enable
    bool log_cleaner_enable = true;                         // log.cleaner.enable
    int32_t message_max_bytes = 1048588;                    // message.max.bytes
    int32_t socket_request_max_bytes = 104857600;           // socket.request.max.bytes
    int64_t log_segment_bytes = 1073741824;                 // log.segment.bytes
    std::chrono::milliseconds log_roll_ms{604800000};       // log.roll.ms (log.roll.hours=168)
    int32_t log_index_interval_bytes = 4096;                // log.index.interval.bytes
    int32_t log_index_size_max_bytes = 10485760;            // log.index.size.max.bytes
    std::string log_message_timestamp_type = "CreateTime";  // log.message.timestamp.type
    // How far a CreateTime record's timestamp may lie before / after the broker's clock.
    int64_t log_message_timestamp_before_max_ms = INT64_MAX;  // log.message.timestamp.before.max.ms
    int64_t log_message_timestamp_after_max_ms = INT64_MAX;   // log.message.timestamp.after.max.ms
    // Kafka's older single bound: used for whichever of the two above is left at its default.
    int64_t log_message_timestamp_difference_max_ms =
        INT64_MAX;                    // log.message.timestamp.difference.max.ms
    size_t num_network_threads = 0;   // num.network.threads (0 = cores)
    int32_t max_connections = 10000;  // max.connections
    // Retention and cleaning: the defaults every topic inherits.
    int64_t log_retention_ms = 604800000;  // log.retention.ms/.minutes/.hours (168); -1: forever
    int64_t log_retention_bytes = -1;      // log.retention.bytes; -1: no limit
    std::string log_cleanup_policy = "delete";              // log.cleanup.policy
    int64_t log_cleaner_delete_retention_ms = 86400000;     // log.cleaner.delete.retention.ms
    int64_t log_cleaner_min_compaction_lag_ms = 0;          // log.cleaner.min.compaction.lag.ms
    int64_t log_cleaner_max_compaction_lag_ms = INT64_MAX;  // log.cleaner.max.compaction.lag.ms
    double log_cleaner_min_cleanable_ratio = 0.5;           // log.cleaner.min.cleanable.ratio
    std::chrono::milliseconds log_retention_check_interval{
        300000};                                  // log.retention.check.interval.ms
    std::string compression_type = "producer";    // compression.type
    int32_t min_insync_replicas = 1;              // min.insync.replicas
    bool unclean_leader_election_enable = false;  // unclean.leader.election.enable
    // Kafka's flush bounds and preallocation (topic defaults). Every append's fsync starts at
    // once by group commit, which meets any flush.ms; flush.messages makes acks=1 wait for it;
    // segments are zero-filled ahead by Fjord's own rule whatever preallocate says.
    int64_t log_flush_interval_messages = INT64_MAX;  // log.flush.interval.messages
    int64_t log_flush_interval_ms = INT64_MAX;        // log.flush.interval.ms
    bool log_preallocate = false;                     // log.preallocate
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
    // Idempotent producers and transactions.
    int32_t producer_id_expiration_ms = 86400000;        // producer.id.expiration.ms
    int32_t transactional_id_expiration_ms = 604800000;  // transactional.id.expiration.ms
    int32_t transaction_state_log_num_partitions = 50;   // transaction.state.log.num.partitions
    int32_t transaction_max_timeout_ms = 900000;         // transaction.max.timeout.ms
    // transaction.abort.timed.out.transaction.cleanup.interval.ms
    int32_t transaction_abort_check_interval_ms = 10000;
    // transaction.remove.expired.transaction.cleanup.interval.ms
    int32_t transaction_id_expiry_check_interval_ms = 3600000;
    // The address Metadata, FindCoordinator and DescribeCluster give clients (resolve(), from
    // advertised.listeners). Empty host: the bound address; port 0: the bound port.
    std::string advertised_host;
    uint16_t advertised_port = 0;
    // listeners, advertised.listeners, listener.security.protocol.map,
    // controller.listener.names, inter.broker.listener.name, as given.
    listener_settings listener;
    std::vector<std::string> unbound_listeners;  // controller listeners (resolve())

    // Checked by resolve(): Fjord runs no KRaft quorum, so the only voter may be this node.
    std::vector<int32_t> quorum_voter_ids;  // controller.quorum.voters
    std::optional<int32_t> broker_id;       // broker.id (Kafka's older name of node.id)
    // socket.send.buffer.bytes / socket.receive.buffer.bytes: SO_SNDBUF / SO_RCVBUF of client
    // connections; -1: the operating system's default and autotuning. Kafka's default is
    // 102400; on loopback that produced 25-45% fewer records/s than -1 (docs/profile.md).
    int32_t socket_send_buffer_bytes = -1;
    int32_t socket_receive_buffer_bytes = -1;

    // Every property given at start-up (config file, --set, --listen, --data-dir), by Kafka
    // name, with the text as given (the last one when given twice). DescribeConfigs reports these
    // as STATIC_BROKER_CONFIG; the rest come from their defaults. Filled by set().
    std::map<std::string, std::string, std::less<>> static_values;

    // Sets one property by its Kafka name. The error names the property and the problem.
    // Where Kafka has several names for one setting (log.retention.ms/.minutes/.hours,
    // log.roll.ms/.hours), the most precise one given wins, whatever the order.
    result<void, std::string> set(std::string_view name, std::string_view value);
    // Checks the properties that depend on each other, once all are set (config file, then
    // flags): picks the listener to serve (resolve_listeners), and refuses a KRaft quorum of
    // other nodes, a broker.id that differs from node.id, and a minimum compaction lag above
    // the maximum. set() already applies the listener
    // properties whenever they fit together, so a config built with set() alone works too.
    result<void, std::string> resolve();
};

// Parses "host:port" (the port may be 0 to pick a free one).
result<void, std::string> parse_listen_address(std::string_view text, broker_config& config);

struct host_port {
    std::string host;
    uint16_t port = 0;
};
// Splits "HOST:PORT" at its last colon; nullopt when the host is empty or the port is not a
// number in 0-65535. Listener addresses of every kind (Kafka, advertised, HTTP) go through it.
std::optional<host_port> split_host_port(std::string_view text);

// What DescribeConfigs says about a broker property.
struct broker_property_info {
    std::string_view name;
    config_type type;
    std::optional<std::string_view> default_value;  // nullopt: no default (Kafka shows null)
    std::string_view documentation;
};

// Every broker property Fjord knows, sorted by name.
std::span<const broker_property_info> broker_properties();
const broker_property_info* find_broker_property(std::string_view name);

// The names that set the same value as `name`, most precise (highest precedence) first,
// `name` included: {"log.retention.ms", "log.retention.minutes", "log.retention.hours"} for any
// of those three; {name} for a property without synonyms.
std::vector<std::string_view> broker_synonyms(std::string_view name);

// cleanup.policy / log.cleanup.policy: a comma-separated list of "delete" and "compact".
struct cleanup_policy {
    bool remove = false;   // "delete": retention by time and size
    bool compact = false;  // "compact": keep the latest record per key
};
result<cleanup_policy, std::string> parse_cleanup_policy(std::string_view name,
                                                         std::string_view value);
// compression.type (broker and topic): producer, uncompressed, gzip, snappy, lz4, zstd.
result<void, std::string> validate_compression_type(std::string_view name, std::string_view value);
// A number in [0, 1] (min.cleanable.dirty.ratio, log.cleaner.min.cleanable.ratio).
std::optional<double> parse_ratio(std::string_view text);

}  // namespace fjord::broker
