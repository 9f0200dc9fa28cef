#include "broker/config_describe.h"

#include <algorithm>

namespace fjord::broker {
namespace {

// Where the broker setting `name` (and the names that set the same value) come from, highest
// precedence first: the ones given at start-up, then the ones with a built-in default.
std::vector<config_synonym> broker_chain(const broker_config& broker, std::string_view name) {
    auto names = broker_synonyms(name);
    std::vector<config_synonym> out;
    for (auto n : names) {
        auto it = broker.static_values.find(n);
        if (it != broker.static_values.end()) {
            out.push_back({std::string(n), it->second, config_source::static_broker});
        }
    }
    for (auto n : names) {
        const broker_property_info* info = find_broker_property(n);
        if (info && info->default_value) {
            out.push_back(
                {std::string(n), std::string(*info->default_value), config_source::default_config});
        }
    }
    return out;
}

config_source source_of(const std::vector<config_synonym>& synonyms) {
    return synonyms.empty() ? config_source::default_config : synonyms.front().source;
}

}  // namespace

std::vector<config_entry> describe_topic_config(const broker_config& broker,
                                                const config_overrides& overrides) {
    topic_config effective = effective_topic_config(broker, overrides);
    std::vector<config_entry> out;
    for (const auto& p : topic_properties()) {
        config_entry e{.name = std::string(p.name),
                       .value = topic_config_value(effective, p.name),
                       .type = p.type,
                       .read_only = false,
                       .documentation = p.documentation};
        if (auto it = overrides.find(e.name); it != overrides.end()) {
            e.synonyms.push_back({e.name, it->second, config_source::dynamic_topic});
        }
        auto chain = broker_chain(broker, p.broker_name);
        e.synonyms.insert(e.synonyms.end(), chain.begin(), chain.end());
        e.source = source_of(e.synonyms);
        out.push_back(std::move(e));
    }
    return out;
}

std::vector<config_entry> describe_broker_config(const broker_config& broker) {
    std::vector<config_entry> out;
    for (const auto& p : broker_properties()) {
        config_entry e{.name = std::string(p.name),
                       .type = p.type,
                       .read_only = true,
                       .documentation = p.documentation};
        if (auto it = broker.static_values.find(p.name); it != broker.static_values.end()) {
            e.value = it->second;
        } else if (p.default_value) {
            e.value = std::string(*p.default_value);
        }
        // More precise names of the same setting describe themselves, not this one.
        auto chain = broker_chain(broker, p.name);
        auto first = std::find_if(chain.begin(), chain.end(),
                                  [&](const config_synonym& s) { return s.name == p.name; });
        e.synonyms.assign(first, chain.end());
        e.source = source_of(e.synonyms);
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace fjord::broker
