// InitProducerId (API 22): a producer id for an idempotent or transactional producer.
//
// Without a transactional id Kafka "blindly accepts the request and returns a new producerId"
// with epoch 0 (TransactionCoordinator.handleInitProducerId), whatever ProducerId and
// ProducerEpoch a v3+ request carries: an idempotent producer that recovers by bumping its epoch
// (KIP-360) gets a fresh id, which restarts its sequences just as well.
//
// With a transactional id the transaction coordinator answers: it owns the id's producer id and
// bumps its epoch for every new incarnation, fencing the older ones. An empty transactional id
// is INVALID_REQUEST, as in Kafka.
#include "protocol/messages/init_producer_id.h"

#include "broker/error_mapping.h"
#include "broker/handlers/handlers.h"
#include "broker/kafka_error.h"

namespace fjord::broker {
namespace {

constexpr int16_t first_producer_fenced_version = 4;
constexpr int16_t first_version_with_producer = 3;

void respond_error(request_context& ctx, kafka_error error) {
    protocol::init_producer_id_response response;
    response.error_code = code(error);
    response.producer_id = protocol::no_producer_id;
    response.producer_epoch = protocol::no_producer_epoch;
    ctx.respond(response);
}

void respond_id(request_context& ctx, model::producer_id id, model::producer_epoch epoch) {
    protocol::init_producer_id_response response;
    response.producer_id = id();
    response.producer_epoch = epoch();
    ctx.respond(response);
}

void init_transactional(request_context& ctx, const protocol::init_producer_id_request& request) {
    std::optional<std::pair<model::producer_id, model::producer_epoch>> expected;
    if (ctx.version() >= first_version_with_producer &&
        request.producer_id != protocol::no_producer_id) {
        expected.emplace(model::producer_id(request.producer_id),
                         model::producer_epoch(request.producer_epoch));
    }
    auto state = std::make_shared<request_context>(std::move(ctx));
    state->services->transactions.coordinator().init_producer_id(
        *request.transactional_id, request.transaction_timeout_ms, expected,
        [state](coordinator::init_producer_id_result r) {
            if (r.error != coordinator::errc::none) {
                respond_error(*state, to_kafka_error(r.error, state->version(),
                                                     first_producer_fenced_version));
                return;
            }
            respond_id(*state, r.producer_id, r.producer_epoch);
        });
}

}  // namespace

void handle_init_producer_id(request_context&& ctx) {
    auto request = ctx.decode<protocol::init_producer_id_request>();
    if (!request) return;
    if (request->transactional_id) {
        if (request->transactional_id->empty()) {
            respond_error(ctx, kafka_error::invalid_request);
            return;
        }
        // A new transactional id may need a new producer id (a block reservation writes the
        // metadata store) and __transaction_state may not exist yet: both block on the disk.
        run_on_admin_thread(std::move(ctx), [request = std::move(*request)](request_context& c) {
            if (!c.services->transactions.log().ensure_created()) {
                respond_error(c, kafka_error::coordinator_not_available);
                return;
            }
            init_transactional(c, request);
        });
        return;
    }
    if (auto id = ctx.services->producer_ids.try_next()) {
        respond_id(ctx, *id, model::producer_epoch(0));
        return;
    }
    // The block is used up: reserving the next one writes the metadata store (fsync).
    run_on_admin_thread(std::move(ctx), [](request_context& c) {
        auto id = c.services->producer_ids.next();
        if (!id) {
            // Retriable for clients, as Kafka answers while its id manager waits for a block.
            respond_error(c, kafka_error::coordinator_load_in_progress);
            return;
        }
        respond_id(c, *id, model::producer_epoch(0));
    });
}

}  // namespace fjord::broker
