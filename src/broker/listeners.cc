#include "broker/listeners.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>

#include "broker/config.h"

namespace fjord::broker {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::vector<std::string_view> list_items(std::string_view value) {
    std::vector<std::string_view> out;
    while (true) {
        auto comma = value.find(',');
        auto item = trim(value.substr(0, comma));
        if (!item.empty()) out.push_back(item);
        if (comma == std::string_view::npos) return out;
        value.remove_prefix(comma + 1);
    }
}

namespace {

std::string join(const std::vector<std::string>& names) {
    return fmt::format("{}", fmt::join(names, ", "));
}

bool contains(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::string machine_host_name() {
    std::array<char, HOST_NAME_MAX + 1> name{};
    if (::gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') return "localhost";
    return name.data();
}

}  // namespace

result<std::vector<listener_endpoint>, std::string> parse_listeners(std::string_view property,
                                                                    std::string_view value,
                                                                    bool bare_ok) {
    std::vector<listener_endpoint> out;
    const auto entries = list_items(value);
    for (auto item : entries) {
        listener_endpoint l;
        std::string_view address = item;
        if (auto scheme = item.find("://"); scheme != std::string_view::npos) {
            l.name = upper(item.substr(0, scheme));
            address = item.substr(scheme + 3);
        } else if (bare_ok && entries.size() == 1) {
            l.name = "PLAINTEXT";
            l.bare = true;
        }
        if (l.name.empty()) {
            return fail(fmt::format("{}: '{}' must be NAME://HOST:PORT, e.g. PLAINTEXT://:9092",
                                    property, item));
        }
        // An empty host (NAME://:9092) means every interface; split_host_port wants one.
        const bool any_host = address.starts_with(':');
        auto hp = split_host_port(any_host ? fmt::format("*{}", address) : std::string(address));
        if (!hp) {
            return fail(fmt::format("{}: '{}' must be NAME://HOST:PORT with a port of 0-65535",
                                    property, item));
        }
        l.host = any_host ? "" : hp->host;
        l.port = hp->port;
        for (const auto& other : out) {
            if (other.name == l.name) {
                return fail(fmt::format("{}: listener name {} is used twice in '{}'", property,
                                        l.name, value));
            }
        }
        out.push_back(std::move(l));
    }
    if (out.empty()) return fail(fmt::format("{}: no listener in '{}'", property, value));
    return out;
}

result<std::vector<listener_endpoint>, std::string> parse_advertised_listeners(
    std::string_view property, std::string_view value) {
    auto out = parse_listeners(property, value, false);
    if (!out) return out;
    for (const auto& a : *out) {
        if (a.host.empty() || a.port == 0) {
            return fail(fmt::format(
                "{}: '{}' gives {} no address clients can connect to (a host and a port of "
                "1-65535)",
                property, value, a.name));
        }
    }
    return out;
}

result<std::map<std::string, std::string>, std::string> parse_protocol_map(
    std::string_view property, std::string_view value) {
    std::map<std::string, std::string> out;
    for (auto item : list_items(value)) {
        auto colon = item.find(':');
        std::string name = upper(trim(item.substr(0, colon)));
        std::string protocol =
            colon == std::string_view::npos ? "" : upper(trim(item.substr(colon + 1)));
        if (name.empty() || (protocol != "PLAINTEXT" && protocol != "SSL" &&
                             protocol != "SASL_PLAINTEXT" && protocol != "SASL_SSL")) {
            return fail(
                fmt::format("{}: '{}' must be NAME:PROTOCOL with a protocol of PLAINTEXT, SSL, "
                            "SASL_PLAINTEXT or SASL_SSL",
                            property, item));
        }
        if (!out.emplace(std::move(name), std::move(protocol)).second) {
            return fail(fmt::format("{}: '{}' maps a listener twice", property, item));
        }
    }
    return out;
}

std::vector<std::string> parse_listener_names(std::string_view value) {
    std::vector<std::string> out;
    for (auto item : list_items(value)) out.push_back(upper(item));
    return out;
}

result<served_listener, std::string> resolve_listeners(const listener_settings& settings) {
    auto listeners = parse_listeners("listeners", settings.listeners, true);
    if (!listeners) return fail(listeners.error());
    auto protocols = parse_protocol_map("listener.security.protocol.map", settings.protocol_map);
    if (!protocols) return fail(protocols.error());
    const auto controllers = parse_listener_names(settings.controller_names);

    served_listener out;
    std::vector<const listener_endpoint*> served;
    std::vector<std::string> all_names;
    for (const auto& l : *listeners) {
        all_names.push_back(l.name);
        if (contains(controllers, l.name)) {
            out.unbound.push_back(l.name);
        } else {
            served.push_back(&l);
        }
    }
    if (served.empty()) {
        return fail(fmt::format(
            "listeners: every listener ({}) is a controller listener (controller.listener.names); "
            "Fjord needs one for clients",
            join(all_names)));
    }
    if (served.size() > 1) {
        std::vector<std::string> names;
        for (const auto* l : served) names.push_back(l->name);
        return fail(fmt::format(
            "listeners: Fjord serves clients on one listener, and {} are not controller listeners "
            "(controller.listener.names)",
            join(names)));
    }
    const listener_endpoint& l = *served.front();
    auto protocol = protocols->find(l.name);
    if (!l.bare && protocol == protocols->end()) {
        return fail(fmt::format(
            "listener.security.protocol.map: no security protocol for listener {}", l.name));
    }
    if (!l.bare && protocol->second != "PLAINTEXT") {
        return fail(fmt::format(
            "listeners: listener {} uses {} (listener.security.protocol.map); Fjord serves "
            "PLAINTEXT only",
            l.name, protocol->second));
    }
    if (!settings.inter_broker_name.empty() && upper(settings.inter_broker_name) != l.name) {
        return fail(
            fmt::format("inter.broker.listener.name: {} is not the listener Fjord serves "
                        "({}; the others are controller listeners)",
                        upper(settings.inter_broker_name), l.name));
    }
    out.host = l.host.empty() ? "0.0.0.0" : l.host;
    out.port = l.port;
    if (settings.advertised.empty()) {
        if (l.host.empty()) out.advertised_host = machine_host_name();
        return out;
    }
    auto advertised = parse_advertised_listeners("advertised.listeners", settings.advertised);
    if (!advertised) return fail(advertised.error());
    bool found = false;
    for (const auto& a : *advertised) {
        if (!contains(all_names, a.name)) {
            return fail(fmt::format("advertised.listeners: {} is not a listener (listeners has {})",
                                    a.name, join(all_names)));
        }
        if (a.name != l.name) continue;
        found = true;
        out.advertised_host = a.host;
        out.advertised_port = a.port;
    }
    if (!found) {
        return fail(fmt::format(
            "advertised.listeners: no address for listener {}, which Fjord serves", l.name));
    }
    return out;
}

}  // namespace fjord::broker
