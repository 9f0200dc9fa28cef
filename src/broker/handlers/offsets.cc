// Committed offsets: OffsetCommit, OffsetFetch (one group, or several from v8) and OffsetDelete.
#include "broker/error_mapping.h"
#include "broker/handlers/handlers.h"
#include "protocol/messages/offset_commit.h"
#include "protocol/messages/offset_delete.h"
#include "protocol/messages/offset_fetch.h"

namespace fjord::broker {
namespace {

constexpr int16_t first_multi_group_fetch_version = 8;
constexpr int16_t first_group_error_fetch_version = 2;

bool partition_exists(const broker_services& services, const std::string& topic, int32_t index) {
    auto t = services.topics.find(topic);
    return t && t->find_partition(index) != nullptr;
}

// The committed offsets a fetch asks for: the listed partitions, or (topics == nullopt) every
// partition the group has an offset for. With `require_stable` (v7+, KIP-447), a partition with
// transactional offsets awaiting their marker answers UNSTABLE_OFFSET_COMMIT: the client retries
// rather than start from an offset about to change.
template <typename Topic, typename Partition>
std::vector<Topic> fetch_group_offsets(const broker_services& services, const std::string& group,
                                       const std::optional<std::vector<std::string>>& topic_names,
                                       const std::vector<std::vector<int32_t>>& partitions,
                                       bool require_stable) {
    std::vector<Topic> out;
    auto entry = [&](int32_t index, const std::optional<coordinator::committed_offset>& c) {
        Partition p;
        p.partition_index = index;
        p.committed_offset = c ? c->offset : -1;
        p.committed_leader_epoch = c ? c->leader_epoch : -1;
        p.metadata = c ? c->metadata : "";
        if (require_stable && !out.empty() &&
            services.offsets.has_pending_transactional(group, out.back().name, index)) {
            p.error_code = code(kafka_error::unstable_offset_commit);
            p.committed_offset = -1;
        }
        return p;
    };
    if (!topic_names) {
        for (auto& [ref, committed] : services.offsets.fetch_all(group)) {
            if (out.empty() || out.back().name != ref.topic) {
                out.emplace_back().name = ref.topic;
            }
            out.back().partitions.push_back(entry(ref.partition, committed));
        }
        return out;
    }
    for (size_t t = 0; t < topic_names->size(); ++t) {
        auto& topic_out = out.emplace_back();
        topic_out.name = (*topic_names)[t];
        for (int32_t index : partitions[t]) {
            topic_out.partitions.push_back(
                entry(index, services.offsets.fetch(group, topic_out.name, index)));
        }
    }
    return out;
}

template <typename RequestTopics>
std::optional<std::vector<std::string>> names_of(const std::optional<RequestTopics>& topics,
                                                 std::vector<std::vector<int32_t>>& partitions) {
    if (!topics) return std::nullopt;
    std::vector<std::string> names;
    for (const auto& t : *topics) {
        names.push_back(t.name);
        partitions.push_back(t.partition_indexes);
    }
    return names;
}

void offset_commit(request_context&& ctx) {
    auto request = ctx.decode<protocol::offset_commit_request>();
    if (!request) return;
    auto& services = *ctx.services;
    auto state = std::make_shared<request_context>(std::move(ctx));
    auto response = std::make_shared<protocol::offset_commit_response>();

    // Shape the response; remember which entries go to the store.
    coordinator::errc group_error = coordinator::errc::none;
    if (request->group_id.empty()) {
        group_error = coordinator::errc::invalid_group_id;
    } else {
        group_error = services.groups.validate_commit(
            request->group_id, request->generation_id_or_member_epoch, request->member_id,
            request->group_instance_id);
    }
    std::vector<coordinator::offset_commit_entry> entries;
    std::vector<protocol::offset_commit_response::offset_commit_response_partition*> slots;
    for (auto& t : request->topics) {
        auto& topic_out = response->topics.emplace_back();
        topic_out.name = t.name;
        topic_out.partitions.resize(t.partitions.size());
    }
    for (size_t ti = 0; ti < request->topics.size(); ++ti) {
        auto& t = request->topics[ti];
        for (size_t pi = 0; pi < t.partitions.size(); ++pi) {
            auto& p = t.partitions[pi];
            auto& out = response->topics[ti].partitions[pi];
            out.partition_index = p.partition_index;
            if (group_error != coordinator::errc::none) {
                out.error_code = error_code_of(group_error);
            } else if (!partition_exists(services, t.name, p.partition_index)) {
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
        state->respond(*response);
        return;
    }
    services.offsets.commit(request->group_id, std::move(entries),
                            fill_slots_then_respond(state, response, std::move(slots)));
}

}  // namespace

void handle_offset_commit(request_context&& ctx) {
    with_offsets_log(std::move(ctx), offset_commit);
}

void handle_offset_fetch(request_context&& ctx) {
    auto request = ctx.decode<protocol::offset_fetch_request>();
    if (!request) return;
    const auto& services = *ctx.services;
    protocol::offset_fetch_response response;
    if (ctx.version() < first_multi_group_fetch_version) {
        std::vector<std::vector<int32_t>> partitions;
        auto names = names_of(request->topics, partitions);
        // v0-1 have no null topic list: fetching "all" arrived in v2.
        if (ctx.version() < first_group_error_fetch_version && !names) names.emplace();
        response.topics =
            fetch_group_offsets<protocol::offset_fetch_response::offset_fetch_response_topic,
                                protocol::offset_fetch_response::offset_fetch_response_partition>(
                services, request->group_id, names, partitions, request->require_stable);
    } else {
        for (const auto& g : request->groups) {
            std::vector<std::vector<int32_t>> partitions;
            auto names = names_of(g.topics, partitions);
            auto& group_out = response.groups.emplace_back();
            group_out.group_id = g.group_id;
            group_out.topics = fetch_group_offsets<
                protocol::offset_fetch_response::offset_fetch_response_topics,
                protocol::offset_fetch_response::offset_fetch_response_partitions>(
                services, g.group_id, names, partitions, request->require_stable);
        }
    }
    ctx.respond(response);
}

void handle_offset_delete(request_context&& ctx) {
    auto request = ctx.decode<protocol::offset_delete_request>();
    if (!request) return;
    auto& services = *ctx.services;
    auto state = std::make_shared<request_context>(std::move(ctx));
    auto response = std::make_shared<protocol::offset_delete_response>();
    const std::string& group = request->group_id;
    if (!services.groups.exists(group) && !services.offsets.has_offsets(group)) {
        response->error_code = code(kafka_error::group_id_not_found);
        state->respond(*response);
        return;
    }
    std::vector<coordinator::topic_partition_ref> deletions;
    std::vector<protocol::offset_delete_response::offset_delete_response_partition*> slots;
    for (auto& t : request->topics) {
        auto& topic_out = response->topics.emplace_back();
        topic_out.name = t.name;
        topic_out.partitions.resize(t.partitions.size());
    }
    bool consuming = services.groups.has_members(group);
    for (size_t ti = 0; ti < request->topics.size(); ++ti) {
        auto& t = request->topics[ti];
        for (size_t pi = 0; pi < t.partitions.size(); ++pi) {
            auto& out = response->topics[ti].partitions[pi];
            out.partition_index = t.partitions[pi].partition_index;
            if (!partition_exists(services, t.name, out.partition_index)) {
                out.error_code = code(kafka_error::unknown_topic_or_partition);
            } else if (consuming && services.groups.subscribed_to(group, t.name)) {
                out.error_code = code(kafka_error::group_subscribed_to_topic);
            } else {
                deletions.push_back({.topic = t.name, .partition = out.partition_index});
                slots.push_back(&out);
            }
        }
    }
    if (deletions.empty()) {
        state->respond(*response);
        return;
    }
    services.offsets.delete_offsets(group, std::move(deletions),
                                    fill_slots_then_respond(state, response, std::move(slots)));
}

}  // namespace fjord::broker
