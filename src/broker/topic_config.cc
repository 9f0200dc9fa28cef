#include "broker/topic_config.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>

namespace fjord::broker {
namespace {

enum class value_kind {
    long_at_least_minus_one,
    long_non_negative,
    int_positive,
    int_non_negative,
    boolean,
    cleanup_policy,
    compression,
    timestamp_type
};

struct property {
    std::string_view name;
    value_kind kind;
};

// The topic properties Fjord knows, by Kafka name.
constexpr property properties[] = {
    {"cleanup.policy", value_kind::cleanup_policy},
    {"compression.type", value_kind::compression},
    {"delete.retention.ms", value_kind::long_non_negative},
    {"index.interval.bytes", value_kind::int_non_negative},
    {"max.message.bytes", value_kind::int_non_negative},
    {"message.timestamp.type", value_kind::timestamp_type},
    {"min.compaction.lag.ms", value_kind::long_non_negative},
    {"min.insync.replicas", value_kind::int_positive},
    {"retention.bytes", value_kind::long_at_least_minus_one},
    {"retention.ms", value_kind::long_at_least_minus_one},
    {"segment.bytes", value_kind::int_positive},
    {"segment.index.bytes", value_kind::int_positive},
    {"segment.ms", value_kind::int_positive},
    {"unclean.leader.election.enable", value_kind::boolean},
};

const property* find_property(std::string_view name) {
    for (const auto& p : properties)
        if (p.name == name) return &p;
    return nullptr;
}

bool parse_long(std::string_view text, int64_t& out) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && ptr == text.data() + text.size();
}

int64_t to_long(const std::string& s) {
    int64_t v = 0;
    parse_long(s, v);
    return v;
}

}  // namespace

result<void, std::string> validate_topic_override(std::string_view name, std::string_view value) {
    const property* p = find_property(name);
    if (!p) return fail(fmt::format("unknown topic config '{}'", name));
    int64_t n = 0;
    auto integer = [&](int64_t min, int64_t max) -> result<void, std::string> {
        if (!parse_long(value, n)) {
            return fail(fmt::format("invalid value '{}' for {}: not an integer", value, name));
        }
        if (n < min || n > max) {
            return fail(
                fmt::format("invalid value {} for {}: must be in [{}, {}]", value, name, min, max));
        }
        return {};
    };
    constexpr int64_t int_max = std::numeric_limits<int32_t>::max();
    constexpr int64_t long_max = std::numeric_limits<int64_t>::max();
    switch (p->kind) {
        case value_kind::long_at_least_minus_one:
            return integer(-1, long_max);
        case value_kind::long_non_negative:
            return integer(0, long_max);
        case value_kind::int_positive:
            // segment.bytes below 14 bytes cannot hold a batch header; Kafka's floor.
            return integer(name == "segment.bytes" ? 14 : 1, int_max);
        case value_kind::int_non_negative:
            return integer(0, int_max);
        case value_kind::boolean:
            if (value == "true" || value == "false") return {};
            return fail(
                fmt::format("invalid value '{}' for {}: must be true or false", value, name));
        case value_kind::cleanup_policy:
            if (value == "delete" || value == "compact" || value == "compact,delete" ||
                value == "delete,compact") {
                return {};
            }
            return fail(
                fmt::format("invalid value '{}' for {}: must be delete, compact or compact,delete",
                            value, name));
        case value_kind::compression:
            for (auto v : {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"})
                if (value == v) return {};
            return fail(fmt::format(
                "invalid value '{}' for {}: must be one of producer, uncompressed, gzip, snappy, "
                "lz4, zstd",
                value, name));
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
    c.max_message_bytes = broker.message_max_bytes;
    c.segment_bytes = broker.log_segment_bytes;
    c.segment_ms = broker.log_roll_ms.count();
    c.segment_index_bytes = broker.log_index_size_max_bytes;
    c.index_interval_bytes = broker.log_index_interval_bytes;
    c.log_append_time = broker.log_message_timestamp_type == "LogAppendTime";
    for (const auto& [name, value] : overrides) {
        if (name == "cleanup.policy")
            c.cleanup_policy = value;
        else if (name == "compression.type")
            c.compression_type = value;
        else if (name == "delete.retention.ms")
            c.delete_retention_ms = to_long(value);
        else if (name == "index.interval.bytes")
            c.index_interval_bytes = static_cast<int32_t>(to_long(value));
        else if (name == "max.message.bytes")
            c.max_message_bytes = static_cast<int32_t>(to_long(value));
        else if (name == "message.timestamp.type")
            c.log_append_time = value == "LogAppendTime";
        else if (name == "min.compaction.lag.ms")
            c.min_compaction_lag_ms = to_long(value);
        else if (name == "min.insync.replicas")
            c.min_insync_replicas = static_cast<int32_t>(to_long(value));
        else if (name == "retention.bytes")
            c.retention_bytes = to_long(value);
        else if (name == "retention.ms")
            c.retention_ms = to_long(value);
        else if (name == "segment.bytes")
            c.segment_bytes = to_long(value);
        else if (name == "segment.index.bytes")
            c.segment_index_bytes = static_cast<int32_t>(to_long(value));
        else if (name == "segment.ms")
            c.segment_ms = to_long(value);
        else if (name == "unclean.leader.election.enable")
            c.unclean_leader_election_enable = value == "true";
    }
    return c;
}

std::vector<config_entry> describe_topic_config(const broker_config& broker,
                                                const config_overrides& overrides) {
    auto c = effective_topic_config(broker, overrides);
    auto b = [](bool v) { return std::string(v ? "true" : "false"); };
    auto s = [](auto v) { return fmt::format("{}", v); };
    std::map<std::string, std::string> values = {
        {"cleanup.policy", c.cleanup_policy},
        {"compression.type", c.compression_type},
        {"delete.retention.ms", s(c.delete_retention_ms)},
        {"index.interval.bytes", s(c.index_interval_bytes)},
        {"max.message.bytes", s(c.max_message_bytes)},
        {"message.timestamp.type", c.log_append_time ? "LogAppendTime" : "CreateTime"},
        {"min.compaction.lag.ms", s(c.min_compaction_lag_ms)},
        {"min.insync.replicas", s(c.min_insync_replicas)},
        {"retention.bytes", s(c.retention_bytes)},
        {"retention.ms", s(c.retention_ms)},
        {"segment.bytes", s(c.segment_bytes)},
        {"segment.index.bytes", s(c.segment_index_bytes)},
        {"segment.ms", s(c.segment_ms)},
        {"unclean.leader.election.enable", b(c.unclean_leader_election_enable)},
    };
    std::vector<config_entry> out;
    for (auto& [name, value] : values) {
        auto source = overrides.contains(name) ? config_source::topic_override
                                               : config_source::broker_default;
        out.push_back({name, value, source});
    }
    return out;
}

}  // namespace fjord::broker
