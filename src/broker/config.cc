#include "broker/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>

namespace fjord::broker {
namespace {

template <typename T>
result<T, std::string> parse_int(std::string_view name, std::string_view value, T min,
                                 T max = std::numeric_limits<T>::max()) {
    T out{};
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
    if (ec != std::errc() || ptr != value.data() + value.size()) {
        return fail(fmt::format("{}: '{}' is not an integer", name, value));
    }
    if (out < min || out > max) {
        return fail(fmt::format("{}: {} is out of range [{}, {}]", name, value, min, max));
    }
    return out;
}

result<bool, std::string> parse_bool(std::string_view name, std::string_view value) {
    if (value == "true") return true;
    if (value == "false") return false;
    return fail(fmt::format("{}: '{}' is not a boolean (true or false)", name, value));
}

using setter =
    std::function<result<void, std::string>(broker_config&, std::string_view, std::string_view)>;

template <typename Duration>
setter duration_setter(Duration broker_config::*field, int64_t min) {
    return [field, min](broker_config& c, std::string_view name,
                        std::string_view value) -> result<void, std::string> {
        auto v = parse_int<int64_t>(name, value, min);
        if (!v) return fail(v.error());
        c.*field = Duration(*v);
        return {};
    };
}

template <typename T, typename Field>
setter int_setter(Field field, T min, T max = std::numeric_limits<T>::max()) {
    return [field, min, max](broker_config& c, std::string_view name,
                             std::string_view value) -> result<void, std::string> {
        auto v = parse_int<T>(name, value, min, max);
        if (!v) return fail(v.error());
        c.*field = *v;
        return {};
    };
}

setter bool_setter(bool broker_config::*field) {
    return [field](broker_config& c, std::string_view name,
                   std::string_view value) -> result<void, std::string> {
        auto v = parse_bool(name, value);
        if (!v) return fail(v.error());
        c.*field = *v;
        return {};
    };
}

// Kafka turns any negative retention time into -1 (keep forever).
int64_t retention_or_forever(int64_t ms) {
    return ms < 0 ? -1 : ms;
}

// A retention time given in `unit`; applied only when no more precise name was given, so the
// most precise name wins in any order (log.retention.ms > .minutes > .hours).
template <typename Unit>
setter retention_setter(std::initializer_list<std::string_view> more_precise) {
    std::vector<std::string_view> precise(more_precise);
    return [precise](broker_config& c, std::string_view name,
                     std::string_view value) -> result<void, std::string> {
        auto v = parse_int<int32_t>(name, value, -1);
        if (!v) return fail(v.error());
        for (auto p : precise)
            if (c.static_values.contains(p)) return {};
        c.log_retention_ms = retention_or_forever(
            std::chrono::duration_cast<std::chrono::milliseconds>(Unit(*v)).count());
        return {};
    };
}

// Takes the listener that resolve_listeners() picks, when the listener properties fit together.
result<void, std::string> apply_listeners(broker_config& c) {
    auto served = resolve_listeners(c.listener);
    if (!served) return fail(served.error());
    c.listen_host = std::move(served->host);
    c.listen_port = served->port;
    c.advertised_host = std::move(served->advertised_host);
    c.advertised_port = served->advertised_port;
    c.unbound_listeners = std::move(served->unbound);
    return {};
}

using syntax_check = result<void, std::string> (*)(std::string_view name, std::string_view value);

// One of the listener properties: its syntax is checked here; how it fits with the others only
// in resolve(), since a file may give them in any order.
setter listener_setter(std::string listener_settings::*field, syntax_check check) {
    return [field, check](broker_config& c, std::string_view name,
                          std::string_view value) -> result<void, std::string> {
        if (auto r = check(name, value); !r) return r;
        c.listener.*field = std::string(value);
        (void)apply_listeners(c);
        return {};
    };
}

result<void, std::string> check_listeners(std::string_view name, std::string_view value) {
    auto r = parse_listeners(name, value, true);
    if (!r) return fail(r.error());
    return {};
}

result<void, std::string> check_advertised(std::string_view name, std::string_view value) {
    auto r = parse_advertised_listeners(name, value);
    if (!r) return fail(r.error());
    return {};
}

result<void, std::string> check_protocol_map(std::string_view name, std::string_view value) {
    auto r = parse_protocol_map(name, value);
    if (!r) return fail(r.error());
    return {};
}

result<void, std::string> check_names(std::string_view, std::string_view) {
    return {};
}

// process.roles: Fjord's node is always the broker, and its own controller.
result<void, std::string> check_process_roles(broker_config&, std::string_view name,
                                              std::string_view value) {
    bool broker = false;
    for (const auto& role : parse_listener_names(value)) {
        if (role == "BROKER") {
            broker = true;
        } else if (role != "CONTROLLER") {
            return fail(fmt::format("{}: '{}' is not a role (broker, controller)", name, role));
        }
    }
    if (!broker) {
        return fail(fmt::format("{}: '{}' leaves out broker; a Fjord node always serves clients",
                                name, value));
    }
    return {};
}

// controller.quorum.voters: ID@HOST:PORT,... (resolve() refuses voters other than this node).
result<void, std::string> set_quorum_voters(broker_config& c, std::string_view name,
                                            std::string_view value) {
    std::vector<int32_t> ids;
    for (auto voter : list_items(value)) {
        auto at = voter.find('@');
        auto id = parse_int<int32_t>(name, voter.substr(0, at), 0);
        if (at == std::string_view::npos || !id || !split_host_port(voter.substr(at + 1))) {
            return fail(fmt::format("{}: '{}' must be ID@HOST:PORT", name, voter));
        }
        ids.push_back(*id);
    }
    c.quorum_voter_ids = std::move(ids);
    return {};
}

// controller.quorum.bootstrap.servers: HOST:PORT,...
result<void, std::string> check_host_ports(std::string_view name, std::string_view value) {
    for (auto server : list_items(value)) {
        if (!split_host_port(server)) {
            return fail(fmt::format("{}: '{}' must be HOST:PORT", name, server));
        }
    }
    return {};
}

// A Kafka setting Fjord has no use for (see the table): checked, stored in static_values and
// reported, nothing else.
template <typename T>
setter checked_only(T min, T max = std::numeric_limits<T>::max()) {
    return [min, max](broker_config&, std::string_view name,
                      std::string_view value) -> result<void, std::string> {
        auto v = parse_int<T>(name, value, min, max);
        if (!v) return fail(v.error());
        return {};
    };
}

struct property_def {
    broker_property_info info;
    setter set;
};

constexpr int32_t int_max = std::numeric_limits<int32_t>::max();

std::vector<property_def> make_properties() {
    using ct = config_type;
    std::vector<property_def> table = {
        {{"node.id", ct::int32, "1", "The id of this broker."},
         int_setter<int32_t>(&broker_config::node_id, 0)},
        {{"num.partitions", ct::int32, "1", "Partitions of an auto-created topic."},
         int_setter<int32_t>(&broker_config::num_partitions, 1)},
        {{"default.replication.factor", ct::int32, "1",
          "Replication factor of an auto-created topic."},
         int_setter<int16_t>(&broker_config::default_replication_factor, 1)},
        {{"message.max.bytes", ct::int32, "1048588",
          "Largest record batch the broker accepts (topic default for max.message.bytes)."},
         int_setter<int32_t>(&broker_config::message_max_bytes, 0)},
        {{"socket.request.max.bytes", ct::int32, "104857600", "Largest request accepted."},
         int_setter<int32_t>(&broker_config::socket_request_max_bytes, 1)},
        {{"log.segment.bytes", ct::int32, "1073741824",
          "Size at which a log segment rolls (topic default for segment.bytes)."},
         int_setter<int64_t>(&broker_config::log_segment_bytes, 14, int_max)},
        {{"log.index.interval.bytes", ct::int32, "4096",
          "Bytes between offset index entries (topic default for index.interval.bytes)."},
         int_setter<int32_t>(&broker_config::log_index_interval_bytes, 0)},
        {{"log.index.size.max.bytes", ct::int32, "10485760",
          "Largest offset index of a segment (topic default for segment.index.bytes)."},
         int_setter<int32_t>(&broker_config::log_index_size_max_bytes, 4)},
        {{"max.connections", ct::int32, "10000", "Most client connections at once."},
         int_setter<int32_t>(&broker_config::max_connections, 1)},
        {{"group.min.session.timeout.ms", ct::int32, "6000",
          "Shortest session timeout a group member may ask for."},
         duration_setter(&broker_config::group_min_session_timeout, 0)},
        {{"group.max.session.timeout.ms", ct::int32, "1800000",
          "Longest session timeout a group member may ask for."},
         duration_setter(&broker_config::group_max_session_timeout, 0)},
        {{"group.initial.rebalance.delay.ms", ct::int32, "3000",
          "How long a new group waits for more members before its first rebalance."},
         duration_setter(&broker_config::group_initial_rebalance_delay, 0)},
        {{"group.max.size", ct::int32, "2147483647", "Most members of one group."},
         int_setter<int32_t>(&broker_config::group_max_size, 1)},
        {{"offsets.topic.num.partitions", ct::int32, "50", "Partitions of __consumer_offsets."},
         int_setter<int32_t>(&broker_config::offsets_topic_num_partitions, 1)},
        {{"offsets.retention.minutes", ct::int32, "10080",
          "How long committed offsets of an empty group are kept."},
         duration_setter(&broker_config::offsets_retention, 1)},
        {{"offsets.retention.check.interval.ms", ct::int64, "600000",
          "How often expired committed offsets are removed."},
         duration_setter(&broker_config::offsets_retention_check_interval, 1)},
        {{"offset.metadata.max.bytes", ct::int32, "4096",
          "Largest metadata string of a committed offset."},
         int_setter<int32_t>(&broker_config::offset_metadata_max_bytes, 0)},
        {{"num.network.threads", ct::int32, std::nullopt,
          "Network threads (default: one per core)."},
         [](broker_config& c, std::string_view name,
            std::string_view value) -> result<void, std::string> {
             auto v = parse_int<int32_t>(name, value, 1, 256);
             if (!v) return fail(v.error());
             c.num_network_threads = static_cast<size_t>(*v);
             return {};
         }},
        {{"log.roll.ms", ct::int64, std::nullopt,
          "Age at which a log segment rolls (topic default for segment.ms); wins over "
          "log.roll.hours."},
         duration_setter(&broker_config::log_roll_ms, 1)},
        {{"log.roll.hours", ct::int32, "168",
          "Age in hours at which a log segment rolls, unless log.roll.ms is set."},
         [](broker_config& c, std::string_view name,
            std::string_view value) -> result<void, std::string> {
             auto v = parse_int<int64_t>(name, value, 1, 1LL << 40);
             if (!v) return fail(v.error());
             if (!c.static_values.contains("log.roll.ms")) c.log_roll_ms = std::chrono::hours(*v);
             return {};
         }},
        {{"log.retention.ms", ct::int64, std::nullopt,
          "How long a log keeps a segment (topic default for retention.ms); -1: forever. "
          "Wins over log.retention.minutes and log.retention.hours."},
         [](broker_config& c, std::string_view name,
            std::string_view value) -> result<void, std::string> {
             auto v = parse_int<int64_t>(name, value, -1);
             if (!v) return fail(v.error());
             c.log_retention_ms = retention_or_forever(*v);
             return {};
         }},
        {{"log.retention.minutes", ct::int32, std::nullopt,
          "Retention in minutes, unless log.retention.ms is set."},
         retention_setter<std::chrono::minutes>({"log.retention.ms"})},
        {{"log.retention.hours", ct::int32, "168",
          "Retention in hours, unless log.retention.ms or log.retention.minutes is set."},
         retention_setter<std::chrono::hours>({"log.retention.ms", "log.retention.minutes"})},
        {{"log.retention.bytes", ct::int64, "-1",
          "Largest size of a partition's log before old segments are deleted (topic default "
          "for retention.bytes); -1: no limit."},
         int_setter<int64_t>(&broker_config::log_retention_bytes, -1)},
        {{"log.cleanup.policy", ct::list, "delete",
          "delete, compact or both (topic default for cleanup.policy)."},
         [](broker_config& c, std::string_view name,
            std::string_view value) -> result<void, std::string> {
             if (auto p = parse_cleanup_policy(name, value); !p) return fail(p.error());
             c.log_cleanup_policy = std::string(value);
             return {};
         }},
        {{"log.cleaner.enable", ct::boolean, "true",
          "Whether the cleaner compacts compacted topics (__consumer_offsets included); false "
          "lets them grow. Retention goes on either way."},
         bool_setter(&broker_config::log_cleaner_enable)},
        {{"log.cleaner.threads", ct::int32, "1",
          "Kafka's cleaner threads: no effect (Fjord's cleaner is one thread)."},
         checked_only<int32_t>(1)},
        {{"log.cleaner.delete.retention.ms", ct::int64, "86400000",
          "How long tombstones stay in a compacted log (topic default for "
          "delete.retention.ms)."},
         int_setter<int64_t>(&broker_config::log_cleaner_delete_retention_ms, 0)},
        {{"log.cleaner.min.compaction.lag.ms", ct::int64, "0",
          "Youngest a record may be to be compacted (topic default for "
          "min.compaction.lag.ms)."},
         int_setter<int64_t>(&broker_config::log_cleaner_min_compaction_lag_ms, 0)},
        {{"log.cleaner.max.compaction.lag.ms", ct::int64, "9223372036854775807",
          "Oldest a record of a compacted log may get before its segment rolls, so the next "
          "cleaner pass can compact it (topic default for max.compaction.lag.ms)."},
         int_setter<int64_t>(&broker_config::log_cleaner_max_compaction_lag_ms, 1)},
        {{"log.cleaner.min.cleanable.ratio", ct::float64, "0.5",
          "Share of a log written since its last compaction above which the cleaner compacts "
          "it (topic default for min.cleanable.dirty.ratio)."},
         [](broker_config& c, std::string_view name,
            std::string_view value) -> result<void, std::string> {
             auto ratio = parse_ratio(value);
             if (!ratio)
                 return fail(fmt::format("{}: '{}' must be a number in [0, 1]", name, value));
             c.log_cleaner_min_cleanable_ratio = *ratio;
             return {};
         }},
        {{"log.retention.check.interval.ms", ct::int64, "300000",
          "How often the log cleaner applies retention and compaction."},
         duration_setter(&broker_config::log_retention_check_interval, 1)},
        {{"compression.type", ct::string, "producer",
          "Compression of stored batches (topic default for compression.type)."},
         [](broker_config& c, std::string_view name,
            std::string_view value) -> result<void, std::string> {
             if (auto r = validate_compression_type(name, value); !r) return r;
             c.compression_type = std::string(value);
             return {};
         }},
        {{"min.insync.replicas", ct::int32, "1",
          "Replicas that must have a write for acks=all (topic default)."},
         int_setter<int32_t>(&broker_config::min_insync_replicas, 1)},
        {{"unclean.leader.election.enable", ct::boolean, "false",
          "Whether an out-of-sync replica may become leader (topic default)."},
         bool_setter(&broker_config::unclean_leader_election_enable)},
        {{"log.flush.interval.messages", ct::int64, "9223372036854775807",
          "Unsynced records a partition may hold before an acks=1 answer waits for the fsync "
          "(topic default for flush.messages)."},
         int_setter<int64_t>(&broker_config::log_flush_interval_messages, 1)},
        {{"log.flush.interval.ms", ct::int64, "9223372036854775807",
          "Longest time data may stay unsynced (topic default for flush.ms). Fjord fsyncs "
          "every append by group commit, which meets any value."},
         int_setter<int64_t>(&broker_config::log_flush_interval_ms, 0)},
        {{"log.preallocate", ct::boolean, "false",
          "Whether new segment files are preallocated (topic default for preallocate). Fjord "
          "zero-fills ahead of slow appends by its own rule either way."},
         bool_setter(&broker_config::log_preallocate)},
        {{"delete.topic.enable", ct::boolean, "true",
          "Whether topics may be deleted (DeleteTopics and the console); false answers "
          "TOPIC_DELETION_DISABLED."},
         bool_setter(&broker_config::delete_topic_enable)},
        {{"auto.create.topics.enable", ct::boolean, "true",
          "Create a topic when a client asks for metadata of an unknown one."},
         bool_setter(&broker_config::auto_create_topics_enable)},
        {{"log.message.timestamp.before.max.ms", ct::int64, "9223372036854775807",
          "How far before the broker's clock a CreateTime record's timestamp may lie (topic "
          "default for message.timestamp.before.max.ms)."},
         int_setter<int64_t>(&broker_config::log_message_timestamp_before_max_ms, 0)},
        {{"log.message.timestamp.after.max.ms", ct::int64, "9223372036854775807",
          "How far after the broker's clock a CreateTime record's timestamp may lie (topic "
          "default for message.timestamp.after.max.ms)."},
         int_setter<int64_t>(&broker_config::log_message_timestamp_after_max_ms, 0)},
        {{"log.message.timestamp.difference.max.ms", ct::int64, "9223372036854775807",
          "Kafka's older bound for both directions, used where the before or after bound is "
          "left at its default (topic default for message.timestamp.difference.max.ms)."},
         int_setter<int64_t>(&broker_config::log_message_timestamp_difference_max_ms, 0)},
        {{"log.message.timestamp.type", ct::string, "CreateTime",
          "CreateTime or LogAppendTime (topic default for message.timestamp.type)."},
         [](broker_config& c, std::string_view name,
            std::string_view value) -> result<void, std::string> {
             if (value != "CreateTime" && value != "LogAppendTime") {
                 return fail(
                     fmt::format("{}: '{}' must be CreateTime or LogAppendTime", name, value));
             }
             c.log_message_timestamp_type = std::string(value);
             return {};
         }},
        {{"log.dirs", ct::string, "data", "The data directory (exactly one)."},
         [](broker_config& c, std::string_view name,
            std::string_view value) -> result<void, std::string> {
             if (value.empty() || value.find(',') != std::string_view::npos) {
                 return fail(fmt::format("{}: exactly one directory is supported", name));
             }
             c.data_dir = std::string(value);
             return {};
         }},
        {{"producer.id.expiration.ms", ct::int32, "86400000",
          "How long a partition keeps an idle producer's state (its epoch and last sequence "
          "numbers): a producer that has not written to the partition for this long is "
          "forgotten, unless it has a transaction open."},
         int_setter<int32_t>(&broker_config::producer_id_expiration_ms, 1)},
        {{"transactional.id.expiration.ms", ct::int32, "604800000",
          "How long the transaction coordinator keeps a transactional id that sends no "
          "transaction status updates."},
         int_setter<int32_t>(&broker_config::transactional_id_expiration_ms, 1)},
        {{"transaction.state.log.num.partitions", ct::int32, "50",
          "Partitions of __transaction_state (created when the first transactional producer "
          "looks for its coordinator)."},
         int_setter<int32_t>(&broker_config::transaction_state_log_num_partitions, 1)},
        {{"transaction.max.timeout.ms", ct::int32, "900000",
          "The longest transaction.timeout.ms a producer may ask for."},
         int_setter<int32_t>(&broker_config::transaction_max_timeout_ms, 1)},
        {{"transaction.abort.timed.out.transaction.cleanup.interval.ms", ct::int32, "10000",
          "How often transactions past their timeout are looked for and aborted."},
         int_setter<int32_t>(&broker_config::transaction_abort_check_interval_ms, 1)},
        {{"transaction.remove.expired.transaction.cleanup.interval.ms", ct::int32, "3600000",
          "How often expired transactional ids are removed."},
         int_setter<int32_t>(&broker_config::transaction_id_expiry_check_interval_ms, 1)},
        {{"listeners", ct::string, "PLAINTEXT://127.0.0.1:9092",
          "Listeners as NAME://HOST:PORT (empty host: every interface). Fjord serves clients on "
          "the one that is not a controller listener; it must map to PLAINTEXT."},
         listener_setter(&listener_settings::listeners, check_listeners)},
        {{"advertised.listeners", ct::string, std::nullopt,
          "The address clients are told to connect to, NAME://HOST:PORT, when it differs from "
          "the listener's (a proxy or NAT in front of the broker). Default: the listener."},
         listener_setter(&listener_settings::advertised, check_advertised)},
        {{"listener.security.protocol.map", ct::string,
          "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
          "Security protocol of each listener name, NAME:PROTOCOL,..."},
         listener_setter(&listener_settings::protocol_map, check_protocol_map)},
        {{"controller.listener.names", ct::string, std::nullopt,
          "Listeners of a KRaft controller. Fjord keeps its metadata itself and does not bind "
          "them."},
         listener_setter(&listener_settings::controller_names, check_names)},
        {{"inter.broker.listener.name", ct::string, std::nullopt,
          "The listener brokers use between them; if set, the one Fjord serves."},
         listener_setter(&listener_settings::inter_broker_name, check_names)},
        {{"process.roles", ct::list, std::nullopt,
          "KRaft roles: must include broker. A Fjord node is always a broker and keeps its "
          "metadata itself, so the roles change nothing."},
         check_process_roles},
        {{"controller.quorum.voters", ct::list, "",
          "KRaft quorum voters, ID@HOST:PORT: only this node may be one (Fjord runs no KRaft "
          "quorum)."},
         set_quorum_voters},
        {{"controller.quorum.bootstrap.servers", ct::list, "",
          "KRaft quorum addresses, HOST:PORT: checked, no effect."},
         [](broker_config&, std::string_view name, std::string_view value)
             -> result<void, std::string> { return check_host_ports(name, value); }},
        {{"broker.id", ct::int32, "-1",
          "Kafka's older name of node.id; must equal it if both are set."},
         [](broker_config& c, std::string_view name,
            std::string_view value) -> result<void, std::string> {
             auto v = parse_int<int32_t>(name, value, -1);
             if (!v) return fail(v.error());
             c.broker_id = *v == -1 ? std::nullopt : std::optional<int32_t>(*v);
             return {};
         }},
        {{"num.io.threads", ct::int32, "8",
          "Kafka's request handler threads: no effect (Fjord's network threads handle "
          "requests)."},
         checked_only<int32_t>(1)},
        {{"num.recovery.threads.per.data.dir", ct::int32, "1",
          "Kafka's log recovery threads: no effect (Fjord re-validates only the tail of each "
          "log)."},
         checked_only<int32_t>(1)},
        {{"offsets.topic.replication.factor", ct::int16, "3",
          "Replicas of __consumer_offsets: no effect on a single node."},
         checked_only<int16_t>(1)},
        {{"transaction.state.log.replication.factor", ct::int16, "3",
          "Replicas of __transaction_state: no effect on a single node."},
         checked_only<int16_t>(1)},
        {{"transaction.state.log.min.isr", ct::int32, "2",
          "min.insync.replicas of __transaction_state: no effect on a single node."},
         checked_only<int32_t>(1)},
        {{"socket.send.buffer.bytes", ct::int32, "-1",
          "SO_SNDBUF of client connections; -1: the operating system's default. Kafka's default "
          "is 102400, which measured slower on loopback."},
         int_setter<int32_t>(&broker_config::socket_send_buffer_bytes, -1)},
        {{"socket.receive.buffer.bytes", ct::int32, "-1",
          "SO_RCVBUF of client connections; -1: the operating system's default. Kafka's default "
          "is 102400, which measured slower on loopback."},
         int_setter<int32_t>(&broker_config::socket_receive_buffer_bytes, -1)},
    };
    std::sort(table.begin(), table.end(),
              [](const auto& a, const auto& b) { return a.info.name < b.info.name; });
    return table;
}

const std::vector<property_def>& properties() {
    static const std::vector<property_def> table = make_properties();
    return table;
}

const std::vector<broker_property_info>& infos() {
    static const std::vector<broker_property_info> table = [] {
        std::vector<broker_property_info> out;
        for (const auto& p : properties()) out.push_back(p.info);
        return out;
    }();
    return table;
}

const property_def* find_def(std::string_view name) {
    const auto& table = properties();
    auto it =
        std::lower_bound(table.begin(), table.end(), name,
                         [](const property_def& p, std::string_view n) { return p.info.name < n; });
    return it != table.end() && it->info.name == name ? &*it : nullptr;
}

// Groups of names for one setting, most precise first (Kafka's broker config synonyms).
constexpr std::string_view retention_names[] = {"log.retention.ms", "log.retention.minutes",
                                                "log.retention.hours"};
constexpr std::string_view roll_names[] = {"log.roll.ms", "log.roll.hours"};

}  // namespace

result<void, std::string> broker_config::set(std::string_view name, std::string_view value) {
    const property_def* def = find_def(name);
    if (!def && name.starts_with("zookeeper.")) {
        return fail(fmt::format(
            "{}: Fjord has no ZooKeeper mode; it keeps its metadata itself, as Kafka does in "
            "KRaft mode (drop the zookeeper.* properties)",
            name));
    }
    if (!def) return fail(fmt::format("unknown broker property '{}'", name));
    if (auto r = def->set(*this, name, value); !r) return r;
    static_values[std::string(name)] = std::string(value);
    return {};
}

result<void, std::string> broker_config::resolve() {
    if (auto r = apply_listeners(*this); !r) return r;
    if (broker_id && *broker_id != node_id) {
        if (static_values.contains("node.id")) {
            return fail(
                fmt::format("broker.id ({}) differs from node.id ({})", *broker_id, node_id));
        }
        node_id = *broker_id;
    }
    // Every compacted topic would otherwise inherit a pair that topic creation refuses.
    if (log_cleaner_min_compaction_lag_ms > log_cleaner_max_compaction_lag_ms) {
        return fail(
            fmt::format("log.cleaner.min.compaction.lag.ms ({}) must not exceed "
                        "log.cleaner.max.compaction.lag.ms ({})",
                        log_cleaner_min_compaction_lag_ms, log_cleaner_max_compaction_lag_ms));
    }
    for (int32_t id : quorum_voter_ids) {
        if (id != node_id) {
            return fail(fmt::format(
                "controller.quorum.voters: voter {} is not this node ({}); Fjord runs no KRaft "
                "quorum and serves one node",
                id, node_id));
        }
    }
    return {};
}

std::optional<host_port> split_host_port(std::string_view text) {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    auto port = parse_int<uint16_t>("port", text.substr(colon + 1), 0);
    if (!port) return std::nullopt;
    return host_port{.host = std::string(text.substr(0, colon)), .port = *port};
}

std::span<const broker_property_info> broker_properties() {
    return infos();
}

const broker_property_info* find_broker_property(std::string_view name) {
    const property_def* def = find_def(name);
    return def ? &def->info : nullptr;
}

std::vector<std::string_view> broker_synonyms(std::string_view name) {
    for (std::span<const std::string_view> group :
         {std::span<const std::string_view>(retention_names),
          std::span<const std::string_view>(roll_names)}) {
        if (std::find(group.begin(), group.end(), name) != group.end()) {
            return {group.begin(), group.end()};
        }
    }
    return {name};
}

std::optional<double> parse_ratio(std::string_view text) {
    double v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size() || !(v >= 0 && v <= 1)) {
        return std::nullopt;
    }
    return v;
}

result<cleanup_policy, std::string> parse_cleanup_policy(std::string_view name,
                                                         std::string_view value) {
    cleanup_policy out;
    auto bad = [&] {
        return fail(
            fmt::format("invalid value '{}' for {}: must be a list of delete and compact, e.g. "
                        "compact,delete",
                        value, name));
    };
    std::string_view rest = value;
    while (true) {
        auto comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        // Kafka's list type trims spaces around each item.
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item == "delete") {
            out.remove = true;
        } else if (item == "compact") {
            out.compact = true;
        } else {
            return bad();
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return out;
}

result<void, std::string> validate_compression_type(std::string_view name, std::string_view value) {
    for (auto v : {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"})
        if (value == v) return {};
    return fail(fmt::format(
        "invalid value '{}' for {}: must be one of producer, uncompressed, gzip, snappy, lz4, "
        "zstd",
        value, name));
}

}  // namespace fjord::broker
