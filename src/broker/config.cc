#include "broker/config.h"

#include <fmt/format.h>

#include <charconv>
#include <functional>
#include <limits>
#include <map>

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

const std::map<std::string_view, setter>& setters() {
    static const std::map<std::string_view, setter> table = {
        {"node.id", int_setter<int32_t>(&broker_config::node_id, 0)},
        {"num.partitions", int_setter<int32_t>(&broker_config::num_partitions, 1)},
        {"default.replication.factor",
         int_setter<int16_t>(&broker_config::default_replication_factor, 1)},
        {"message.max.bytes", int_setter<int32_t>(&broker_config::message_max_bytes, 0)},
        {"socket.request.max.bytes",
         int_setter<int32_t>(&broker_config::socket_request_max_bytes, 1)},
        {"log.segment.bytes", int_setter<int64_t>(&broker_config::log_segment_bytes, 14,
                                                  std::numeric_limits<int32_t>::max())},
        {"log.index.interval.bytes",
         int_setter<int32_t>(&broker_config::log_index_interval_bytes, 0)},
        {"log.index.size.max.bytes",
         int_setter<int32_t>(&broker_config::log_index_size_max_bytes, 4)},
        {"max.connections", int_setter<int32_t>(&broker_config::max_connections, 1)},
        {"group.min.session.timeout.ms",
         duration_setter(&broker_config::group_min_session_timeout, 0)},
        {"group.max.session.timeout.ms",
         duration_setter(&broker_config::group_max_session_timeout, 0)},
        {"group.initial.rebalance.delay.ms",
         duration_setter(&broker_config::group_initial_rebalance_delay, 0)},
        {"group.max.size", int_setter<int32_t>(&broker_config::group_max_size, 1)},
        {"offsets.topic.num.partitions",
         int_setter<int32_t>(&broker_config::offsets_topic_num_partitions, 1)},
        {"offsets.retention.minutes", duration_setter(&broker_config::offsets_retention, 1)},
        {"offsets.retention.check.interval.ms",
         duration_setter(&broker_config::offsets_retention_check_interval, 1)},
        {"offset.metadata.max.bytes",
         int_setter<int32_t>(&broker_config::offset_metadata_max_bytes, 0)},
        {"num.network.threads",
         [](broker_config& c, std::string_view name,
            std::string_view value) -> result<void, std::string> {
             auto v = parse_int<int32_t>(name, value, 1, 256);
             if (!v) return fail(v.error());
             c.num_network_threads = static_cast<size_t>(*v);
             return {};
         }},
        {"log.roll.ms", duration_setter(&broker_config::log_roll_ms, 1)},
        {"log.roll.hours",
         [](broker_config& c, std::string_view name,
            std::string_view value) -> result<void, std::string> {
             auto v = parse_int<int64_t>(name, value, 1, 1LL << 40);
             if (!v) return fail(v.error());
             c.log_roll_ms = std::chrono::hours(*v);  // hours to milliseconds
             return {};
         }},
        {"auto.create.topics.enable",
         [](broker_config& c, std::string_view name,
            std::string_view value) -> result<void, std::string> {
             auto v = parse_bool(name, value);
             if (!v) return fail(v.error());
             c.auto_create_topics_enable = *v;
             return {};
         }},
        {"log.message.timestamp.type",
         [](broker_config& c, std::string_view name,
            std::string_view value) -> result<void, std::string> {
             if (value != "CreateTime" && value != "LogAppendTime") {
                 return fail(
                     fmt::format("{}: '{}' must be CreateTime or LogAppendTime", name, value));
             }
             c.log_message_timestamp_type = std::string(value);
             return {};
         }},
        {"log.dirs",
         [](broker_config& c, std::string_view name,
            std::string_view value) -> result<void, std::string> {
             if (value.empty() || value.find(',') != std::string_view::npos) {
                 return fail(fmt::format("{}: exactly one directory is supported", name));
             }
             c.data_dir = std::string(value);
             return {};
         }},
        {"listeners",
         [](broker_config& c, std::string_view,
            std::string_view value) -> result<void, std::string> {
             // Kafka's form is PLAINTEXT://host:port; the bare host:port is accepted too.
             constexpr std::string_view scheme = "PLAINTEXT://";
             if (value.starts_with(scheme)) value.remove_prefix(scheme.size());
             return parse_listen_address(value, c);
         }},
    };
    return table;
}

}  // namespace

result<void, std::string> broker_config::set(std::string_view name, std::string_view value) {
    auto it = setters().find(name);
    if (it == setters().end()) return fail(fmt::format("unknown broker property '{}'", name));
    return it->second(*this, name, value);
}

result<void, std::string> parse_listen_address(std::string_view text, broker_config& config) {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
        return fail(fmt::format("listen address '{}' must be HOST:PORT", text));
    }
    auto port = parse_int<uint16_t>("port", text.substr(colon + 1), 0);
    if (!port) return fail(fmt::format("listen address '{}': {}", text, port.error()));
    config.listen_host = std::string(text.substr(0, colon));
    config.listen_port = *port;
    return {};
}

}  // namespace fjord::broker
