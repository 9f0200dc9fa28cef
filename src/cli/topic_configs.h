// Topic configuration through the Admin API, shared by `topic alter-config` and `config`.
//
// librdkafka 2.0.2 has only the non-incremental AlterConfigs, which replaces a topic's whole set
// of overrides. To change one key, alter_topic_config reads the current overrides, applies the
// change, and sends the complete set.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/client.h"
#include "cli/error.h"

namespace fjord::cli {

struct config_entry {
    std::string name;
    std::optional<std::string> value;  // nullopt: sensitive or unset
    std::string source;                // librdkafka's name, e.g. DYNAMIC_TOPIC_CONFIG
    bool is_override = false;          // set on this topic (not a broker or built-in default)
    bool read_only = false;
    bool sensitive = false;
};

cli_result<std::vector<config_entry>> describe_topic_config(rd_kafka_t* rk,
                                                            const client_options& options,
                                                            const std::string& topic);

// Sets the keys in `set` and removes the overrides named in `remove`, keeping every other
// override. Returns the overrides now in force (as sent).
cli_result<std::map<std::string, std::string>> alter_topic_config(
    rd_kafka_t* rk, const client_options& options, const std::string& topic,
    const std::map<std::string, std::string>& set, const std::vector<std::string>& remove);

}  // namespace fjord::cli
