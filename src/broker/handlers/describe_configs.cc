// DescribeConfigs: every property of a topic or of this broker, with value, source, synonyms,
// type and documentation (src/broker/config_describe.h has the rules).
#include "protocol/messages/describe_configs.h"

#include <algorithm>

#include "broker/config_describe.h"
#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"
#include "broker/kafka_error.h"

namespace fjord::broker {
namespace {

using resource_result = protocol::describe_configs_response::describe_configs_result;
using entry_result = protocol::describe_configs_response::describe_configs_resource_result;

resource_result error_result(const protocol::describe_configs_request::describe_configs_resource& r,
                             const topic_error& e) {
    resource_result out;
    out.resource_type = r.resource_type;
    out.resource_name = r.resource_name;
    out.error_code = code(e.code);
    out.error_message = e.message;
    return out;
}

entry_result to_wire(const config_entry& e, bool include_synonyms, bool include_documentation) {
    entry_result out;
    out.name = e.name;
    out.value = e.value;
    out.read_only = e.read_only;
    out.is_default = e.source == config_source::default_config;
    out.config_source = static_cast<int8_t>(e.source);
    out.is_sensitive = e.sensitive;
    if (include_synonyms) {
        for (const auto& s : e.synonyms) {
            out.synonyms.push_back(
                {.name = s.name, .value = s.value, .source = static_cast<int8_t>(s.source)});
        }
    }
    out.config_type = static_cast<int8_t>(e.type);
    out.documentation =
        include_documentation ? std::optional<std::string>(e.documentation) : std::nullopt;
    return out;
}

// The entries of one resource, or the error it answers with.
result<std::vector<config_entry>, topic_error> describe(
    broker_services& services,
    const protocol::describe_configs_request::describe_configs_resource& r) {
    switch (r.resource_type) {
        case resource_type_topic: {
            if (auto e = check_topic_resource(r.resource_name)) return fail(*e);
            auto topic = services.topics.find(r.resource_name);
            if (!topic) {
                return fail(topic_error{kafka_error::unknown_topic_or_partition,
                                        fmt::format("topic '{}' does not exist", r.resource_name)});
            }
            return describe_topic_config(services.config, topic->metadata.configs);
        }
        case resource_type_broker:
            if (auto e = check_broker_resource(r.resource_name, services.config.node_id)) {
                return fail(*e);
            }
            // "" asks for the dynamic cluster-wide defaults, and Fjord has none.
            if (r.resource_name.empty()) return std::vector<config_entry>{};
            return describe_broker_config(services.config);
        default:
            return fail(unsupported_resource_type(r.resource_type));
    }
}

}  // namespace

void handle_describe_configs(request_context&& ctx) {
    auto request = ctx.decode<protocol::describe_configs_request>();
    if (!request) return;
    protocol::describe_configs_response response;
    for (const auto& r : request->resources) {
        auto entries = describe(*ctx.services, r);
        if (!entries) {
            response.results.push_back(error_result(r, entries.error()));
            continue;
        }
        resource_result out;
        out.resource_type = r.resource_type;
        out.resource_name = r.resource_name;
        out.error_message = std::nullopt;
        // Null or empty: every key.
        const auto& keys = r.configuration_keys;
        bool filter = keys && !keys->empty();
        for (const auto& e : *entries) {
            if (filter && std::find(keys->begin(), keys->end(), e.name) == keys->end()) continue;
            out.configs.push_back(
                to_wire(e, request->include_synonyms, request->include_documentation));
        }
        response.results.push_back(std::move(out));
    }
    ctx.respond(response);
}

}  // namespace fjord::broker
