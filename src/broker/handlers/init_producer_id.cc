// InitProducerId (API 22): a producer id for an idempotent producer.
//
// Without a transactional id Kafka "blindly accepts the request and returns a new producerId"
// with epoch 0 (TransactionCoordinator.handleInitProducerId), whatever ProducerId and
// ProducerEpoch a v3+ request carries: an idempotent producer that recovers by bumping its epoch
// (KIP-360) gets a fresh id, which restarts its sequences just as well. So every version 0-5 is
// served in full for idempotent producers; v4's PRODUCER_FENCED and v5's TRANSACTION_ABORTABLE
// only arise with transactional ids.
//
// Transactional ids belong to the transaction coordinator, which this broker does not run yet:
// such a request is answered COORDINATOR_NOT_AVAILABLE, as FindCoordinator answers lookups of
// key type 1 and as Kafka answers while its transaction coordinator is not active. An empty
// transactional id is INVALID_REQUEST, as in Kafka.
#include "protocol/messages/init_producer_id.h"

#include "broker/handlers/handlers.h"
#include "broker/kafka_error.h"

namespace fjord::broker {
namespace {

void respond_error(request_context& ctx, kafka_error error) {
    protocol::init_producer_id_response response;
    response.error_code = code(error);
    response.producer_id = protocol::no_producer_id;
    response.producer_epoch = protocol::no_producer_epoch;
    ctx.respond(response);
}

void respond_id(request_context& ctx, storage::producer_id id) {
    protocol::init_producer_id_response response;
    response.producer_id = id();
    response.producer_epoch = 0;
    ctx.respond(response);
}

}  // namespace

void handle_init_producer_id(request_context&& ctx) {
    auto request = ctx.decode<protocol::init_producer_id_request>();
    if (!request) return;
    if (request->transactional_id) {
        respond_error(ctx, request->transactional_id->empty()
                               ? kafka_error::invalid_request
                               : kafka_error::coordinator_not_available);
        return;
    }
    if (auto id = ctx.services->producer_ids.try_next()) {
        respond_id(ctx, *id);
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
        respond_id(c, *id);
    });
}

}  // namespace fjord::broker
