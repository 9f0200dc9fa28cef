#include "broker/topic_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>

namespace fjord::broker {
namespace {

bool parse_long(std::string_view text, int64_t& out) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && ptr == text.data() + text.size();
}

int64_t to_long(std::string_view s) {
    int64_t v = 0;
    parse_long(s, v);
    return v;
}

// How a property's value is checked.
enum class value_kind { integer, ratio, boolean, cleanup_policy, compression, timestamp_type };

constexpr int64_t int_max = std::numeric_limits<int32_t>::max();
constexpr int64_t long_max = std::numeric_limits<int64_t>::max();

struct property_def {
    topic_property_info info;
    value_kind kind;
    int64_t min = 0;  // for integers
    int64_t max = 0;
    void (*apply)(topic_config&, std::string_view);
    std::string (*show)(const topic_config&);
};

std::string show_bool(bool v) {
    return v ? "true" : "false";
}

// Sorted by name: DescribeConfigs lists them in this order.
const property_def properties[] = {
    {{"cleanup.policy", config_type::list, "log.cleanup.policy",
      "delete (retention by time and size), compact (keep the latest record per key), or both."},
     value_kind::cleanup_policy,
     0,
     0,
     [](topic_config& c, std::string_view v) {
         c.cleanup_policy = std::string(v);
         auto p = parse_cleanup_policy("cleanup.policy", v);
         c.cleanup_delete = p && p->remove;
         c.cleanup_compact = p && p->compact;
     },
     [](const topic_config& c) { return c.cleanup_policy; }},
    {{"compression.type", config_type::string, "compression.type",
      "Compression of stored batches: producer keeps what the producer sent."},
     value_kind::compression,
     0,
     0,
     [](topic_config& c, std::string_view v) { c.compression_type = std::string(v); },
     [](const topic_config& c) { return c.compression_type; }},
    {{"delete.retention.ms", config_type::int64, "log.cleaner.delete.retention.ms",
      "How long tombstones are kept in a compacted topic."},
     value_kind::integer,
     0,
     long_max,
     [](topic_config& c, std::string_view v) { c.delete_retention_ms = to_long(v); },
     [](const topic_config& c) { return fmt::format("{}", c.delete_retention_ms); }},
    // Bounds on unsynced data. Every append's fsync starts at once (group commit), which meets
    // any flush.ms; flush.messages makes acks=1 answers wait for it (handlers/produce.cc).
    {{"flush.messages", config_type::int64, "log.flush.interval.messages",
      "Unsynced records a partition may hold before an acks=1 answer waits for the fsync."},
     value_kind::integer,
     1,
     long_max,
     [](topic_config& c, std::string_view v) { c.flush_messages = to_long(v); },
     [](const topic_config& c) { return fmt::format("{}", c.flush_messages); }},
    {{"flush.ms", config_type::int64, "log.flush.interval.ms",
      "Longest time data may stay unsynced; every append's fsync starts at once anyway."},
     value_kind::integer,
     0,
     long_max,
     [](topic_config& c, std::string_view v) { c.flush_ms = to_long(v); },
     [](const topic_config& c) { return fmt::format("{}", c.flush_ms); }},
    {{"index.interval.bytes", config_type::int32, "log.index.interval.bytes",
      "Bytes between offset index entries."},
     value_kind::integer,
     0,
     int_max,
     [](topic_config& c, std::string_view v) {
         c.index_interval_bytes = static_cast<int32_t>(to_long(v));
     },
     [](const topic_config& c) { return fmt::format("{}", c.index_interval_bytes); }},
    {{"max.compaction.lag.ms", config_type::int64, "log.cleaner.max.compaction.lag.ms",
      "Oldest a record of a compacted topic may get before its segment rolls, so the next "
      "cleaner pass can compact it."},
     value_kind::integer,
     1,
     long_max,
     [](topic_config& c, std::string_view v) { c.max_compaction_lag_ms = to_long(v); },
     [](const topic_config& c) { return fmt::format("{}", c.max_compaction_lag_ms); }},
    {{"max.message.bytes", config_type::int32, "message.max.bytes",
      "Largest record batch a producer may write."},
     value_kind::integer,
     0,
     int_max,
     [](topic_config& c, std::string_view v) {
         c.max_message_bytes = static_cast<int32_t>(to_long(v));
     },
     [](const topic_config& c) { return fmt::format("{}", c.max_message_bytes); }},
    {{"message.timestamp.after.max.ms", config_type::int64, "log.message.timestamp.after.max.ms",
      "How far after the broker's clock a CreateTime record's timestamp may lie."},
     value_kind::integer,
     0,
     long_max,
     [](topic_config& c, std::string_view v) { c.timestamp_after_max_ms = to_long(v); },
     [](const topic_config& c) { return fmt::format("{}", c.timestamp_after_max_ms); }},
    {{"message.timestamp.before.max.ms", config_type::int64, "log.message.timestamp.before.max.ms",
      "How far before the broker's clock a CreateTime record's timestamp may lie."},
     value_kind::integer,
     0,
     long_max,
     [](topic_config& c, std::string_view v) { c.timestamp_before_max_ms = to_long(v); },
     [](const topic_config& c) { return fmt::format("{}", c.timestamp_before_max_ms); }},
    {{"message.timestamp.difference.max.ms", config_type::int64,
      "log.message.timestamp.difference.max.ms",
      "Kafka's older bound for both directions, used where the before or after bound is left "
      "at its default."},
     value_kind::integer,
     0,
     long_max,
     [](topic_config& c, std::string_view v) { c.timestamp_difference_max_ms = to_long(v); },
     [](const topic_config& c) { return fmt::format("{}", c.timestamp_difference_max_ms); }},
    {{"message.timestamp.type", config_type::string, "log.message.timestamp.type",
      "CreateTime (the producer's timestamp) or LogAppendTime (the broker's clock)."},
     value_kind::timestamp_type,
     0,
     0,
     [](topic_config& c, std::string_view v) { c.log_append_time = v == "LogAppendTime"; },
     [](const topic_config& c) {
         return std::string(c.log_append_time ? "LogAppendTime" : "CreateTime");
     }},
    {{"min.cleanable.dirty.ratio", config_type::float64, "log.cleaner.min.cleanable.ratio",
      "Share of the log not yet compacted below which Kafka skips cleaning it; Fjord's cleaner "
      "compacts at every pass whatever the share."},
     value_kind::ratio,
     0,
     0,
     [](topic_config& c, std::string_view v) {
         c.min_cleanable_dirty_ratio = parse_ratio(v).value_or(c.min_cleanable_dirty_ratio);
     },
     [](const topic_config& c) { return fmt::format("{}", c.min_cleanable_dirty_ratio); }},
    {{"min.compaction.lag.ms", config_type::int64, "log.cleaner.min.compaction.lag.ms",
      "Youngest a record may be to be compacted away."},
     value_kind::integer,
     0,
     long_max,
     [](topic_config& c, std::string_view v) { c.min_compaction_lag_ms = to_long(v); },
     [](const topic_config& c) { return fmt::format("{}", c.min_compaction_lag_ms); }},
    {{"min.insync.replicas", config_type::int32, "min.insync.replicas",
      "Replicas that must have a write for acks=all to succeed."},
     value_kind::integer,
     1,
     int_max,
     [](topic_config& c, std::string_view v) {
         c.min_insync_replicas = static_cast<int32_t>(to_long(v));
     },
     [](const topic_config& c) { return fmt::format("{}", c.min_insync_replicas); }},
    {{"preallocate", config_type::boolean, "log.preallocate",
      "Whether new segment files are preallocated; Fjord zero-fills ahead of slow appends by "
      "its own rule either way."},
     value_kind::boolean,
     0,
     0,
     [](topic_config& c, std::string_view v) { c.preallocate = v == "true"; },
     [](const topic_config& c) { return show_bool(c.preallocate); }},
    {{"retention.bytes", config_type::int64, "log.retention.bytes",
      "Largest size of a partition before its oldest segments are deleted; -1: no limit."},
     value_kind::integer,
     -1,
     long_max,
     [](topic_config& c, std::string_view v) { c.retention_bytes = to_long(v); },
     [](const topic_config& c) { return fmt::format("{}", c.retention_bytes); }},
    {{"retention.ms", config_type::int64, "log.retention.ms",
      "How long a segment is kept after its newest record; -1: forever."},
     value_kind::integer,
     -1,
     long_max,
     [](topic_config& c, std::string_view v) { c.retention_ms = to_long(v); },
     [](const topic_config& c) { return fmt::format("{}", c.retention_ms); }},
    // A segment must hold at least a batch header; Kafka's floor.
    {{"segment.bytes", config_type::int32, "log.segment.bytes", "Size at which a segment rolls."},
     value_kind::integer,
     14,
     int_max,
     [](topic_config& c, std::string_view v) { c.segment_bytes = to_long(v); },
     [](const topic_config& c) { return fmt::format("{}", c.segment_bytes); }},
    {{"segment.index.bytes", config_type::int32, "log.index.size.max.bytes",
      "Largest offset index of a segment; a full index rolls the segment."},
     value_kind::integer,
     4,
     int_max,
     [](topic_config& c, std::string_view v) {
         c.segment_index_bytes = static_cast<int32_t>(to_long(v));
     },
     [](const topic_config& c) { return fmt::format("{}", c.segment_index_bytes); }},
    {{"segment.ms", config_type::int64, "log.roll.ms", "Age at which a segment rolls."},
     value_kind::integer,
     1,
     long_max,
     [](topic_config& c, std::string_view v) { c.segment_ms = to_long(v); },
     [](const topic_config& c) { return fmt::format("{}", c.segment_ms); }},
    {{"unclean.leader.election.enable", config_type::boolean, "unclean.leader.election.enable",
      "Whether an out-of-sync replica may become leader (data loss)."},
     value_kind::boolean,
     0,
     0,
     [](topic_config& c, std::string_view v) { c.unclean_leader_election_enable = v == "true"; },
     [](const topic_config& c) { return show_bool(c.unclean_leader_election_enable); }},
};

const std::vector<topic_property_info>& infos() {
    static const std::vector<topic_property_info> table = [] {
        std::vector<topic_property_info> out;
        for (const auto& p : properties) out.push_back(p.info);
        return out;
    }();
    return table;
}

const property_def* find_def(std::string_view name) {
    for (const auto& p : properties)
        if (p.info.name == name) return &p;
    return nullptr;
}

}  // namespace

std::span<const topic_property_info> topic_properties() {
    return infos();
}

const topic_property_info* find_topic_property(std::string_view name) {
    const property_def* p = find_def(name);
    return p ? &p->info : nullptr;
}

result<void, std::string> validate_topic_override(std::string_view name, std::string_view value) {
    const property_def* p = find_def(name);
    if (!p) return fail(fmt::format("unknown topic config '{}'", name));
    switch (p->kind) {
        case value_kind::integer: {
            int64_t n = 0;
            if (!parse_long(value, n)) {
                return fail(fmt::format("invalid value '{}' for {}: not an integer", value, name));
            }
            if (n < p->min || n > p->max) {
                return fail(fmt::format("invalid value {} for {}: must be in [{}, {}]", value, name,
                                        p->min, p->max));
            }
            return {};
        }
        case value_kind::ratio:
            if (parse_ratio(value)) return {};
            return fail(
                fmt::format("invalid value '{}' for {}: must be a number in [0, 1]", value, name));
        case value_kind::boolean:
            if (value == "true" || value == "false") return {};
            return fail(
                fmt::format("invalid value '{}' for {}: must be true or false", value, name));
        case value_kind::cleanup_policy: {
            auto r = parse_cleanup_policy(name, value);
            if (!r) return fail(r.error());
            return {};
        }
        case value_kind::compression:
            return validate_compression_type(name, value);
        case value_kind::timestamp_type:
            if (value == "CreateTime" || value == "LogAppendTime") return {};
            return fail(fmt::format(
                "invalid value '{}' for {}: must be CreateTime or LogAppendTime", value, name));
    }
    return fail(fmt::format("unknown topic config '{}'", name));
}

topic_config effective_topic_config(const broker_config& broker,
                                    const config_overrides& overrides) {
    topic_config c;
    find_def("cleanup.policy")->apply(c, broker.log_cleanup_policy);
    c.compression_type = broker.compression_type;
    c.delete_retention_ms = broker.log_cleaner_delete_retention_ms;
    c.max_message_bytes = broker.message_max_bytes;
    c.log_append_time = broker.log_message_timestamp_type == "LogAppendTime";
    c.timestamp_before_max_ms = broker.log_message_timestamp_before_max_ms;
    c.timestamp_after_max_ms = broker.log_message_timestamp_after_max_ms;
    c.timestamp_difference_max_ms = broker.log_message_timestamp_difference_max_ms;
    c.min_insync_replicas = broker.min_insync_replicas;
    c.retention_bytes = broker.log_retention_bytes;
    c.retention_ms = broker.log_retention_ms;
    c.segment_bytes = broker.log_segment_bytes;
    c.segment_ms = broker.log_roll_ms.count();
    c.segment_index_bytes = broker.log_index_size_max_bytes;
    c.index_interval_bytes = broker.log_index_interval_bytes;
    c.min_compaction_lag_ms = broker.log_cleaner_min_compaction_lag_ms;
    c.max_compaction_lag_ms = broker.log_cleaner_max_compaction_lag_ms;
    c.min_cleanable_dirty_ratio = broker.log_cleaner_min_cleanable_ratio;
    c.unclean_leader_election_enable = broker.unclean_leader_election_enable;
    c.flush_messages = broker.log_flush_interval_messages;
    c.flush_ms = broker.log_flush_interval_ms;
    c.preallocate = broker.log_preallocate;
    for (const auto& [name, value] : overrides) {
        if (const property_def* p = find_def(name)) p->apply(c, value);
    }
    return c;
}

result<void, std::string> validate_topic_config(const topic_config& config) {
    if (config.min_compaction_lag_ms > config.max_compaction_lag_ms) {
        return fail(
            fmt::format("min.compaction.lag.ms ({}) must not exceed max.compaction.lag.ms ({})",
                        config.min_compaction_lag_ms, config.max_compaction_lag_ms));
    }
    return {};
}

int64_t roll_ms(const topic_config& config) {
    return config.cleanup_compact ? std::min(config.segment_ms, config.max_compaction_lag_ms)
                                  : config.segment_ms;
}

timestamp_bounds create_time_bounds(const topic_config& config) {
    auto or_difference = [&](int64_t bound) {
        return bound != long_max ? bound : config.timestamp_difference_max_ms;
    };
    return {.before_ms = or_difference(config.timestamp_before_max_ms),
            .after_ms = or_difference(config.timestamp_after_max_ms)};
}

std::string topic_config_value(const topic_config& config, std::string_view name) {
    const property_def* p = find_def(name);
    return p ? p->show(config) : std::string();
}

}  // namespace fjord::broker
