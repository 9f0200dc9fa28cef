// DescribeConfigs' view of the configuration: every topic or broker property with its value,
// source and synonyms, following Kafka's rules:
//  - a topic property's synonyms are its override (DYNAMIC_TOPIC_CONFIG), then the broker
//    properties it inherits from: those given at start-up (STATIC_BROKER_CONFIG) and those with
//    a built-in default (DEFAULT_CONFIG), most precise name first. Its source is the first
//    synonym's. (Kafka drops the broker synonyms of retention.ms and segment.ms when only their
//    hours form is known; Fjord lists them.)
//  - a broker property's synonyms are the same chain for its own name, from the name itself on;
//    broker properties are read-only (no dynamic broker configuration).
#pragma once

#include <vector>

#include "broker/config.h"
#include "broker/config_entry.h"
#include "broker/topic_config.h"

namespace fjord::broker {

// Every topic property, sorted by name.
std::vector<config_entry> describe_topic_config(const broker_config& broker,
                                                const config_overrides& overrides);

// Every broker property of this broker, sorted by name.
std::vector<config_entry> describe_broker_config(const broker_config& broker);

}  // namespace fjord::broker
