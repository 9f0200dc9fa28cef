// FindCoordinator: this node coordinates every group and every transactional id. The first
// lookup of a transactional id creates __transaction_state (on the admin thread: it creates and
// fsyncs files), as Kafka creates it on first use.
#include "protocol/messages/find_coordinator.h"

#include "base/logger.h"
#include "broker/handlers/handlers.h"
#include "broker/kafka_error.h"

namespace fjord::broker {
namespace {

constexpr int8_t key_type_group = 0;
constexpr int8_t key_type_transaction = 1;

struct coordinator_answer {
    kafka_error error = kafka_error::none;
    std::optional<std::string> error_message;
};

coordinator_answer lookup(int8_t key_type, const std::string& key, bool log_ready) {
    if (key_type == key_type_group) return {};
    if (key_type != key_type_transaction) {
        return {kafka_error::invalid_request, "unknown coordinator key type"};
    }
    if (key.empty()) return {kafka_error::invalid_request, "empty transactional id"};
    if (!log_ready) {
        return {kafka_error::coordinator_not_available,
                std::string(transaction_state_topic_name) + " cannot be created"};
    }
    return {};
}

void respond(request_context& ctx, const protocol::find_coordinator_request& request,
             bool log_ready) {
    const auto& services = *ctx.services;
    protocol::find_coordinator_response response;
    auto fill = [&](auto& out, const std::string& key) {
        auto answer = lookup(request.key_type, key, log_ready);
        bool ok = answer.error == kafka_error::none;
        out.error_code = code(answer.error);
        out.error_message = answer.error_message;
        out.node_id = ok ? services.config.node_id : -1;
        out.host = ok ? services.advertised_host : "";
        out.port = ok ? services.advertised_port : -1;
    };
    if (ctx.version() < 4) {
        fill(response, request.key);
    } else {
        for (const auto& key : request.coordinator_keys) {
            auto& c = response.coordinators.emplace_back();
            c.key = key;
            fill(c, key);
        }
    }
    ctx.respond(response);
}

}  // namespace

void handle_find_coordinator(request_context&& ctx) {
    auto request = ctx.decode<protocol::find_coordinator_request>();
    if (!request) return;
    auto& transactions = ctx.services->transactions;
    if (request->key_type != key_type_transaction || transactions.log_exists()) {
        respond(ctx, *request, /*log_ready=*/true);
        return;
    }
    run_on_admin_thread(std::move(ctx), [request = std::move(*request)](request_context& c) {
        auto created = c.services->transactions.ensure_log();
        if (!created) {
            module_logger("transactions")
                ->error("cannot create {}: {}", transaction_state_topic_name, created.error());
        }
        respond(c, request, created.has_value());
    });
}

}  // namespace fjord::broker
