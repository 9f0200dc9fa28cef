// What the config APIs (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs) share: Kafka's
// resource type ids and the checks on a resource's name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "broker/services.h"
#include "broker/topic_table.h"

namespace fjord::broker {

// ConfigResource.Type wire ids.
inline constexpr int8_t resource_type_topic = 2;
inline constexpr int8_t resource_type_broker = 4;

// A BROKER resource names this broker by its node id, or is "" for the cluster-wide defaults.
// Anything else: INVALID_REQUEST, with Kafka's message.
std::optional<topic_error> check_broker_resource(const std::string& name, int32_t node_id);

// A TOPIC resource must name a valid topic name (INVALID_TOPIC_EXCEPTION otherwise).
std::optional<topic_error> check_topic_resource(const std::string& name);

// The error for a resource type the config APIs do not serve.
topic_error unsupported_resource_type(int8_t type);

// One resource of AlterConfigs or IncrementalAlterConfigs: a topic gets `change` applied
// (topic_table::alter_config); a broker is refused, as Fjord has no dynamic broker
// configuration. Returns the resource's answer (kafka_error::none on success).
topic_error alter_resource(broker_services& services, int8_t resource_type,
                           const std::string& resource_name, bool validate_only,
                           const topic_table::config_change_fn& change);

}  // namespace fjord::broker
