// The transaction APIs a transactional producer and the admin tools use, answered by the
// transaction coordinator: AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, DescribeTransactions and
// ListTransactions. (InitProducerId and TxnOffsetCommit have their own files.)
#include <chrono>

#include "broker/error_mapping.h"
#include "broker/handlers/handlers.h"
#include "broker/kafka_error.h"
#include "coordinator/coordinator_log.h"
#include "protocol/messages/add_offsets_to_txn.h"
#include "protocol/messages/add_partitions_to_txn.h"
#include "protocol/messages/describe_transactions.h"
#include "protocol/messages/end_txn.h"
#include "protocol/messages/list_transactions.h"

namespace fjord::broker {
namespace {

// KIP-588: these versions of AddPartitionsToTxn, AddOffsetsToTxn and EndTxn know PRODUCER_FENCED.
constexpr int16_t first_producer_fenced_version = 2;

coordinator::transaction_coordinator& coordinator_of(request_context& ctx) {
    return ctx.services->transactions.coordinator();
}

int64_t wall_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

void handle_add_partitions_to_txn(request_context&& ctx) {
    auto request = ctx.decode<protocol::add_partitions_to_txn_request>();
    if (!request) return;
    auto response = std::make_shared<protocol::add_partitions_to_txn_response>();
    std::vector<model::topic_partition> partitions;
    bool unknown = false;
    for (const auto& t : request->v3_and_below_topics) {
        auto topic = ctx.services->topics.find(t.name);
        auto& out = response->results_by_topic_v3_and_below.emplace_back();
        out.name = t.name;
        for (int32_t p : t.partitions) {
            auto& r = out.results_by_partition.emplace_back();
            r.partition_index = p;
            if (!topic || !topic->find_partition(p)) {
                r.partition_error_code = code(kafka_error::unknown_topic_or_partition);
                unknown = true;
            } else {
                partitions.push_back({t.name, model::partition_id(p)});
            }
        }
    }
    // Kafka adds none of them when one is unknown; the others are marked as not attempted.
    auto answer_all = [response](kafka_error e) {
        for (auto& t : response->results_by_topic_v3_and_below) {
            for (auto& r : t.results_by_partition) {
                if (r.partition_error_code == 0) r.partition_error_code = code(e);
            }
        }
    };
    if (unknown) {
        answer_all(kafka_error::operation_not_attempted);
        ctx.respond(*response);
        return;
    }
    auto state = std::make_shared<request_context>(std::move(ctx));
    coordinator_of(*state).add_partitions(
        request->v3_and_below_transactional_id,
        model::producer_id(request->v3_and_below_producer_id),
        model::producer_epoch(request->v3_and_below_producer_epoch), std::move(partitions),
        [state, response, answer_all](coordinator::errc e) {
            answer_all(to_kafka_error(e, state->version(), first_producer_fenced_version));
            state->respond(*response);
        });
}

void handle_add_offsets_to_txn(request_context&& ctx) {
    auto request = ctx.decode<protocol::add_offsets_to_txn_request>();
    if (!request) return;
    auto respond = [](request_context& c, kafka_error e) {
        protocol::add_offsets_to_txn_response response;
        response.error_code = code(e);
        c.respond(response);
    };
    if (request->group_id.empty()) {
        respond(ctx, kafka_error::invalid_group_id);
        return;
    }
    // The group's offsets partition joins the transaction: its marker there makes the
    // transaction's offset commits visible. (__consumer_offsets may not exist yet: the group's
    // own FindCoordinator creates it, with this many partitions.)
    model::topic_partition tp{std::string(offsets_topic_name),
                              model::partition_id(coordinator::partition_for_group(
                                  request->group_id, ctx.services->offsets_log.partition_count()))};
    auto state = std::make_shared<request_context>(std::move(ctx));
    coordinator_of(*state).add_partitions(
        request->transactional_id, model::producer_id(request->producer_id),
        model::producer_epoch(request->producer_epoch), {std::move(tp)},
        [state, respond](coordinator::errc e) {
            respond(*state, to_kafka_error(e, state->version(), first_producer_fenced_version));
        });
}

void handle_end_txn(request_context&& ctx) {
    auto request = ctx.decode<protocol::end_txn_request>();
    if (!request) return;
    auto state = std::make_shared<request_context>(std::move(ctx));
    coordinator_of(*state).end_transaction(
        request->transactional_id, model::producer_id(request->producer_id),
        model::producer_epoch(request->producer_epoch), request->committed,
        [state](coordinator::errc e) {
            protocol::end_txn_response response;
            response.error_code =
                code(to_kafka_error(e, state->version(), first_producer_fenced_version));
            state->respond(response);
        });
}

void handle_describe_transactions(request_context&& ctx) {
    auto request = ctx.decode<protocol::describe_transactions_request>();
    if (!request) return;
    protocol::describe_transactions_response response;
    auto& coordinator = coordinator_of(ctx);
    for (const auto& id : request->transactional_ids) {
        auto& out = response.transaction_states.emplace_back();
        out.transactional_id = id;
        auto d = coordinator.describe(id);
        if (!d) {
            out.error_code = code(kafka_error::transactional_id_not_found);
            continue;
        }
        out.transaction_state = std::string(coordinator::state_name(d->state));
        out.transaction_timeout_ms = d->timeout_ms;
        out.transaction_start_time_ms = d->start_timestamp_ms;
        out.producer_id = d->producer_id();
        out.producer_epoch = d->producer_epoch();
        for (const auto& tp : d->partitions) {
            if (out.topics.empty() || out.topics.back().topic != tp.topic) {
                out.topics.emplace_back().topic = tp.topic;
            }
            out.topics.back().partitions.push_back(tp.partition());
        }
    }
    ctx.respond(response);
}

void handle_list_transactions(request_context&& ctx) {
    auto request = ctx.decode<protocol::list_transactions_request>();
    if (!request) return;
    protocol::list_transactions_response response;
    std::vector<coordinator::txn_state> states;
    for (const auto& name : request->state_filters) {
        if (auto s = coordinator::parse_state_name(name)) {
            states.push_back(*s);
        } else {
            response.unknown_state_filters.push_back(name);
        }
    }
    // Only unknown states asked for: nothing can match (Kafka's answer too).
    if (!request->state_filters.empty() && states.empty()) {
        ctx.respond(response);
        return;
    }
    std::vector<model::producer_id> producers;
    for (int64_t id : request->producer_id_filters) producers.emplace_back(id);
    const int64_t now = wall_now_ms();
    for (const auto& d : coordinator_of(ctx).list(states, producers)) {
        // v1: only transactions running for longer than the filter (in ms).
        if (request->duration_filter >= 0 &&
            (d.start_timestamp_ms < 0 || now - d.start_timestamp_ms <= request->duration_filter)) {
            continue;
        }
        auto& out = response.transaction_states.emplace_back();
        out.transactional_id = d.transactional_id;
        out.producer_id = d.producer_id();
        out.transaction_state = std::string(coordinator::state_name(d.state));
    }
    ctx.respond(response);
}

}  // namespace fjord::broker
