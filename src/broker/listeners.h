// Kafka's listener settings and the one listener Fjord serves. Kafka binds every entry of
// `listeners`; Fjord serves clients on exactly one PLAINTEXT listener, and does not bind the
// ones named in controller.listener.names: they belong to a KRaft controller quorum, which
// Fjord does not run (it keeps its metadata itself). So Kafka's stock KRaft server.properties
// (PLAINTEXT://:9092 for clients, CONTROLLER://:9093 for the quorum) starts Fjord as it is.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace fjord::broker {

struct listener_endpoint {
    std::string name;  // upper-cased, as Kafka normalises listener names
    std::string host;  // empty: every interface
    uint16_t port = 0;
    bool bare = false;  // given as HOST:PORT: PLAINTEXT, whatever the protocol map says
};

// The listener properties as given, parsed only for their syntax; resolve_listeners() checks
// how they fit together once every property is known.
struct listener_settings {
    std::string listeners = "PLAINTEXT://127.0.0.1:9092";  // listeners
    std::string advertised;                                // advertised.listeners ("": unset)
    // listener.security.protocol.map (Kafka's default).
    std::string protocol_map =
        "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL";
    std::string controller_names;   // controller.listener.names
    std::string inter_broker_name;  // inter.broker.listener.name ("": unset)
};

// "NAME://HOST:PORT,..." with distinct names (`property` names the setting in errors). With
// `bare_ok`, a lone "HOST:PORT" stands for PLAINTEXT://HOST:PORT (what --listen takes).
result<std::vector<listener_endpoint>, std::string> parse_listeners(std::string_view property,
                                                                    std::string_view value,
                                                                    bool bare_ok);
// advertised.listeners: parse_listeners() without bare entries, and every entry with a host
// and a port of 1-65535 (an address clients can connect to).
result<std::vector<listener_endpoint>, std::string> parse_advertised_listeners(
    std::string_view property, std::string_view value);
// "NAME:PROTOCOL,..." with protocols PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.
result<std::map<std::string, std::string>, std::string> parse_protocol_map(
    std::string_view property, std::string_view value);
// The comma-separated items of a Kafka list value, trimmed; empty items are skipped (config_ops
// keeps them for AlterConfigs APPEND and SUBTRACT).
std::vector<std::string_view> list_items(std::string_view value);
// A comma-separated list of listener names, upper-cased; blanks around names are dropped.
std::vector<std::string> parse_listener_names(std::string_view value);

struct served_listener {
    std::string host;  // to bind: "0.0.0.0" for a listener with an empty host
    uint16_t port = 0;
    // What clients are told: advertised.listeners' entry for the served listener; else the
    // machine's host name for a listener with an empty host (as Kafka does); else empty (the
    // bound address). Port 0: the bound port.
    std::string advertised_host;
    uint16_t advertised_port = 0;
    std::vector<std::string> unbound;  // controller listeners, not bound
};

// Picks the listener to serve: the one entry of `listeners` not named in
// controller.listener.names, which must map to PLAINTEXT, be the inter-broker listener when
// one is named, and have an entry in advertised.listeners when that is set (whose other
// entries must name listeners too). The error names the property at fault.
result<served_listener, std::string> resolve_listeners(const listener_settings& settings);

}  // namespace fjord::broker
