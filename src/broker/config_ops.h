// Changes to a topic's override set, as AlterConfigs and IncrementalAlterConfigs ask for them.
// Pure functions: the caller reads the current overrides and stores the result atomically
// (topic_table::alter_config).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "broker/config.h"
#include "broker/topic_config.h"

namespace fjord::broker {

enum class config_errc {
    invalid_config,   // unknown name, bad value, or an operation the property does not allow
    invalid_request,  // a malformed change: duplicate name, unknown operation, null value
};

struct config_error {
    config_errc code;
    std::string message;
};

// IncrementalAlterConfigs' operations, by their wire ids.
enum class config_op : int8_t { set = 0, remove = 1, append = 2, subtract = 3 };

struct config_change {
    std::string name;
    int8_t op = 0;  // a config_op on the wire; anything else is refused
    std::optional<std::string> value;
};

// AlterConfigs: the new override set is exactly `configs` (entries with a null value are
// dropped, as Kafka does). Every entry is validated.
result<config_overrides, config_error> replace_overrides(
    const std::vector<std::pair<std::string, std::optional<std::string>>>& configs);

// IncrementalAlterConfigs: applies `changes` to `current`. SET replaces a value, DELETE removes
// the override (back to the broker default), APPEND / SUBTRACT add / remove items of a list
// property (cleanup.policy), starting from its effective value when there is no override.
// A name may appear once per resource. The resulting overrides are validated.
result<config_overrides, config_error> apply_incremental(const broker_config& broker,
                                                         const config_overrides& current,
                                                         const std::vector<config_change>& changes);

}  // namespace fjord::broker
