#include "broker/handlers/config_resources.h"

#include <fmt/format.h>

#include <charconv>

namespace fjord::broker {

std::optional<topic_error> check_broker_resource(const std::string& name, int32_t node_id) {
    if (name.empty()) return std::nullopt;
    int32_t id = 0;
    auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
    if (ec != std::errc() || ptr != name.data() + name.size()) {
        return topic_error{kafka_error::invalid_request,
                           fmt::format("Broker id must be an integer, but it is: {}", name)};
    }
    if (id != node_id) {
        return topic_error{kafka_error::invalid_request,
                           fmt::format("Unexpected broker id, expected {} or empty string, but "
                                       "received {}",
                                       node_id, name)};
    }
    return std::nullopt;
}

std::optional<topic_error> check_topic_resource(const std::string& name) {
    if (auto r = validate_topic_name(name); !r) {
        return topic_error{kafka_error::invalid_topic_exception, r.error()};
    }
    return std::nullopt;
}

topic_error unsupported_resource_type(int8_t type) {
    return topic_error{kafka_error::invalid_request,
                       fmt::format("unsupported resource type {}: Fjord serves the configs of "
                                   "topics (2) and brokers (4)",
                                   type)};
}

topic_error alter_resource(broker_services& services, int8_t resource_type,
                           const std::string& resource_name, bool validate_only,
                           const topic_table::config_change_fn& change) {
    switch (resource_type) {
        case resource_type_topic: {
            if (auto e = check_topic_resource(resource_name)) return *e;
            auto altered = services.topics.alter_config(resource_name, change, validate_only);
            if (!altered) return altered.error();
            return topic_error{kafka_error::none, {}};
        }
        case resource_type_broker:
            if (auto e = check_broker_resource(resource_name, services.config.node_id)) return *e;
            return topic_error{kafka_error::invalid_request,
                               "Fjord does not change broker configs at runtime: set broker "
                               "properties in the config file or with --set and restart"};
        default:
            return unsupported_resource_type(resource_type);
    }
}

}  // namespace fjord::broker
