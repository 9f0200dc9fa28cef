// TxnOffsetCommit (API 28): a transactional producer commits a consumer group's offsets as part
// of its transaction (consume-transform-produce). The offsets are written to __consumer_offsets
// as a transactional batch and become the group's committed offsets only when the transaction's
// commit marker lands there; an abort drops them.
#include "protocol/messages/txn_offset_commit.h"

#include <limits>

#include "broker/error_mapping.h"
#include "broker/handlers/handlers.h"
#include "broker/kafka_error.h"

namespace fjord::broker {
namespace {

// Kafka's group coordinator answers a stale epoch with INVALID_PRODUCER_EPOCH in every version.
constexpr int16_t never_producer_fenced = std::numeric_limits<int16_t>::max();

void txn_offset_commit(request_context&& ctx) {
    auto request = ctx.decode<protocol::txn_offset_commit_request>();
    if (!request) return;
    auto& services = *ctx.services;
    auto response = std::make_shared<protocol::txn_offset_commit_response>();

    kafka_error request_error = kafka_error::none;
    if (request->group_id.empty()) {
        request_error = kafka_error::invalid_group_id;
    } else if (auto e = services.transactions.coordinator().validate_transaction(
                   request->transactional_id, model::producer_id(request->producer_id),
                   model::producer_epoch(request->producer_epoch));
               e != coordinator::errc::none) {
        request_error = to_kafka_error(e, ctx.version(), never_producer_fenced);
    } else if (!request->member_id.empty() || request->generation_id >= 0 ||
               request->group_instance_id) {
        // v3+ (KIP-447): a member of the group commits; a zombie of an older generation is
        // fenced as for OffsetCommit. Without group metadata (v0-2) there is nothing to check.
        request_error = to_kafka_error(
            services.groups.validate_commit(request->group_id, request->generation_id,
                                            request->member_id, request->group_instance_id));
    }

    std::vector<coordinator::offset_commit_entry> entries;
    std::vector<protocol::txn_offset_commit_response::txn_offset_commit_response_partition*> slots;
    for (auto& t : request->topics) {
        auto& topic_out = response->topics.emplace_back();
        topic_out.name = t.name;
        topic_out.partitions.resize(t.partitions.size());
    }
    for (size_t ti = 0; ti < request->topics.size(); ++ti) {
        auto& t = request->topics[ti];
        auto topic = services.topics.find(t.name);
        for (size_t pi = 0; pi < t.partitions.size(); ++pi) {
            auto& p = t.partitions[pi];
            auto& out = response->topics[ti].partitions[pi];
            out.partition_index = p.partition_index;
            if (request_error != kafka_error::none) {
                out.error_code = code(request_error);
            } else if (!topic || !topic->find_partition(p.partition_index)) {
                out.error_code = code(kafka_error::unknown_topic_or_partition);
            } else {
                entries.push_back({.topic = t.name,
                                   .partition = p.partition_index,
                                   .offset = p.committed_offset,
                                   .leader_epoch = p.committed_leader_epoch,
                                   .metadata = p.committed_metadata});
                slots.push_back(&out);
            }
        }
    }
    if (entries.empty()) {
        ctx.respond(*response);
        return;
    }
    auto state = std::make_shared<request_context>(std::move(ctx));
    services.offsets.commit_transactional(
        request->group_id, model::producer_id(request->producer_id),
        model::producer_epoch(request->producer_epoch), std::move(entries),
        fill_slots_then_respond(state, response, std::move(slots)));
}

}  // namespace

void handle_txn_offset_commit(request_context&& ctx) {
    with_offsets_log(std::move(ctx), txn_offset_commit);
}

}  // namespace fjord::broker
