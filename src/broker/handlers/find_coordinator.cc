// FindCoordinator: this node coordinates every group and every transactional id. The first
// lookup of a group creates __consumer_offsets, the first of a transactional id
// __transaction_state (on the admin thread: it creates and fsyncs files), as Kafka creates them
// on first use.
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

// The internal topic behind a key type; nullptr for an unknown type.
internal_topic* log_for(broker_services& services, int8_t key_type) {
    if (key_type == key_type_group) return &services.offsets_log;
    if (key_type == key_type_transaction) return &services.transactions.log();
    return nullptr;
}

coordinator_answer lookup(int8_t key_type, const std::string& key, const internal_topic* log,
                          bool log_ready) {
    if (!log) return {kafka_error::invalid_request, "unknown coordinator key type"};
    if (key_type == key_type_transaction && key.empty()) {
        return {kafka_error::invalid_request, "empty transactional id"};
    }
    if (!log_ready) {
        return {kafka_error::coordinator_not_available, log->name() + " cannot be created"};
    }
    return {};
}

void respond(request_context& ctx, const protocol::find_coordinator_request& request,
             bool log_ready) {
    auto& services = *ctx.services;
    const internal_topic* log = log_for(services, request.key_type);
    protocol::find_coordinator_response response;
    auto fill = [&](auto& out, const std::string& key) {
        auto answer = lookup(request.key_type, key, log, log_ready);
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

void log_creation_failure(const internal_topic& log, const std::string& error) {
    static auto logger = module_logger("coordinator");
    logger->error("cannot create {}: {}", log.name(), error);
}

}  // namespace

void with_offsets_log(request_context&& ctx, void (*body)(request_context&&)) {
    if (ctx.services->offsets_log.exists()) {
        body(std::move(ctx));
        return;
    }
    run_on_admin_thread(std::move(ctx), [body](request_context& c) {
        auto& log = c.services->offsets_log;
        if (auto created = log.ensure_created(); !created) {
            log_creation_failure(log, created.error());
        }
        body(std::move(c));
    });
}

void handle_find_coordinator(request_context&& ctx) {
    auto request = ctx.decode<protocol::find_coordinator_request>();
    if (!request) return;
    internal_topic* log = log_for(*ctx.services, request->key_type);
    if (!log || log->exists()) {
        respond(ctx, *request, /*log_ready=*/true);
        return;
    }
    run_on_admin_thread(std::move(ctx), [request = std::move(*request), log](request_context& c) {
        auto created = log->ensure_created();
        if (!created) {
            module_logger("coordinator")
                ->error("cannot create {}: {}", log->name(), created.error());
        }
        respond(c, request, created.has_value());
    });
}

}  // namespace fjord::broker
