// One configuration value as DescribeConfigs (and CreateTopics v5+) report it: its value, where
// it comes from, and the chain of settings it could come from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/config.h"

namespace fjord::broker {

// Where a value comes from, by Kafka's ConfigSource wire ids. Fjord has no dynamic broker
// configuration, so 2, 3 and 6 never occur.
enum class config_source : int8_t {
    unknown = 0,
    dynamic_topic = 1,   // DYNAMIC_TOPIC_CONFIG: a topic override
    static_broker = 4,   // STATIC_BROKER_CONFIG: given at start-up (file, --set)
    default_config = 5,  // DEFAULT_CONFIG: the built-in default
};

struct config_synonym {
    std::string name;
    std::optional<std::string> value;
    config_source source;
    bool operator==(const config_synonym&) const = default;
};

struct config_entry {
    std::string name;
    std::optional<std::string> value;  // nullopt: not set and no default
    config_source source = config_source::default_config;
    config_type type = config_type::unknown;
    bool read_only = false;
    bool sensitive = false;
    // Every setting this value could come from, highest precedence first; the first one is
    // where it does come from.
    std::vector<config_synonym> synonyms;
    std::string_view documentation;
};

}  // namespace fjord::broker
