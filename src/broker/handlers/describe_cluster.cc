#include "protocol/messages/describe_cluster.h"

#include "broker/handlers/handlers.h"
#include "broker/kafka_error.h"

namespace fjord::broker {
namespace {
constexpr int8_t endpoint_type_brokers = 1;
}

void handle_describe_cluster(request_context&& ctx) {
    auto request = ctx.decode<protocol::describe_cluster_request>();
    if (!request) return;
    auto& services = *ctx.services;
    protocol::describe_cluster_response response;
    response.endpoint_type = request->endpoint_type;
    if (request->endpoint_type != endpoint_type_brokers) {
        // This broker has no separate controller endpoints to describe.
        response.error_code = code(kafka_error::unsupported_version);
        response.error_message = "only the brokers endpoint type (1) is supported";
        ctx.respond(response);
        return;
    }
    response.cluster_id = services.metadata.cluster_id().to_string();
    response.controller_id = services.config.node_id;
    response.brokers.push_back({.broker_id = services.config.node_id,
                                .host = services.advertised_host,
                                .port = services.advertised_port});
    ctx.respond(response);
}

}  // namespace fjord::broker
