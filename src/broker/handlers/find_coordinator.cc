#include "protocol/messages/find_coordinator.h"

#include "broker/handlers/handlers.h"
#include "broker/kafka_error.h"

namespace fjord::broker {
namespace {

constexpr int8_t key_type_group = 0;
constexpr int16_t coordinator_not_available = 15;

struct coordinator_answer {
    int16_t error_code = 0;
    std::optional<std::string> error_message;
};

// One node coordinates every group. Transactions arrive in a later milestone; until then a
// transaction coordinator lookup is refused rather than pointing clients at nothing.
coordinator_answer lookup(int8_t key_type) {
    if (key_type == key_type_group) return {};
    return {coordinator_not_available, "transactions are not supported by this broker yet"};
}

}  // namespace

void handle_find_coordinator(request_context&& ctx) {
    auto request = ctx.decode<protocol::find_coordinator_request>();
    if (!request) return;
    auto& services = *ctx.services;
    protocol::find_coordinator_response response;
    if (ctx.version() < 4) {
        auto answer = lookup(request->key_type);
        response.error_code = answer.error_code;
        response.error_message = answer.error_message;
        if (answer.error_code == 0) {
            response.node_id = services.config.node_id;
            response.host = services.advertised_host;
            response.port = services.advertised_port;
        } else {
            response.node_id = -1;
            response.port = -1;
        }
    } else {
        for (const auto& key : request->coordinator_keys) {
            auto answer = lookup(request->key_type);
            protocol::find_coordinator_response::coordinator c;
            c.key = key;
            c.error_code = answer.error_code;
            c.error_message = answer.error_message;
            c.node_id = answer.error_code == 0 ? services.config.node_id : -1;
            c.host = answer.error_code == 0 ? services.advertised_host : "";
            c.port = answer.error_code == 0 ? services.advertised_port : -1;
            response.coordinators.push_back(std::move(c));
        }
    }
    ctx.respond(response);
}

}  // namespace fjord::broker
