// AlterConfigs: replaces a topic's whole override set (what is not given goes back to its
// default). Broker resources are refused (no dynamic broker configuration).
#include "protocol/messages/alter_configs.h"

#include <set>

#include "broker/config_ops.h"
#include "broker/error_mapping.h"
#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"

namespace fjord::broker {
namespace {

void answer_alter_configs(request_context& ctx, const protocol::alter_configs_request& request) {
    protocol::alter_configs_response response;
    std::multiset<std::pair<int8_t, std::string>> resources;
    for (const auto& r : request.resources) resources.emplace(r.resource_type, r.resource_name);

    for (const auto& r : request.resources) {
        auto& out = response.responses.emplace_back();
        out.resource_type = r.resource_type;
        out.resource_name = r.resource_name;
        topic_error answer{kafka_error::none, {}};
        if (resources.count({r.resource_type, r.resource_name}) > 1) {
            answer = {kafka_error::invalid_request,
                      fmt::format("resource '{}' appears more than once in the request",
                                  r.resource_name)};
        } else {
            std::vector<std::pair<std::string, std::optional<std::string>>> configs;
            for (const auto& c : r.configs) configs.emplace_back(c.name, c.value);
            answer = alter_resource(
                *ctx.services, r.resource_type, r.resource_name, request.validate_only,
                [&](const config_overrides&) -> result<config_overrides, topic_error> {
                    auto replaced = replace_overrides(configs);
                    if (!replaced) {
                        return fail(topic_error{to_kafka_error(replaced.error().code),
                                                replaced.error().message});
                    }
                    return std::move(replaced).value();
                });
        }
        out.error_code = code(answer.code);
        out.error_message = answer.code == kafka_error::none
                                ? std::nullopt
                                : std::optional<std::string>(answer.message);
    }
    ctx.respond(response);
}

}  // namespace

// Blocks on the disk: runs on the admin thread.
void handle_alter_configs(request_context&& ctx) {
    auto request = ctx.decode<protocol::alter_configs_request>();
    if (!request) return;
    run_on_admin_thread(std::move(ctx), [request = std::move(*request)](request_context& c) {
        answer_alter_configs(c, request);
    });
}

}  // namespace fjord::broker
