// CreatePartitions: grows topics. Explicit assignments must place each new partition on this
// (the only) broker.
#include "protocol/messages/create_partitions.h"

#include <set>

#include "broker/handlers/handlers.h"
#include "broker/internal_topic.h"
#include "broker/kafka_error.h"

namespace fjord::broker {
namespace {

using topic_request = protocol::create_partitions_request::create_partitions_topic;

std::optional<topic_error> check_assignments(const topic_request& t, int32_t current,
                                             int32_t node_id) {
    if (!t.assignments || t.count <= current) return std::nullopt;
    int32_t added = t.count - current;
    if (t.assignments->size() != static_cast<size_t>(added)) {
        return topic_error{kafka_error::invalid_replica_assignment,
                           fmt::format("Increasing the number of partitions by {} but {} "
                                       "assignments provided.",
                                       added, t.assignments->size())};
    }
    for (size_t i = 0; i < t.assignments->size(); ++i) {
        const auto& ids = (*t.assignments)[i].broker_ids;
        if (ids.size() != 1 || ids[0] != node_id) {
            return topic_error{kafka_error::invalid_replica_assignment,
                               fmt::format("new partition {} must be assigned to broker {} only "
                                           "(this is a single-broker cluster)",
                                           current + static_cast<int32_t>(i), node_id)};
        }
    }
    return std::nullopt;
}

topic_error create_one(broker_services& services, const topic_request& t, bool validate_only) {
    if (is_internal_topic(t.name)) {
        return {kafka_error::invalid_request,
                fmt::format("the partition count of internal topic '{}' is fixed", t.name)};
    }
    // add_partitions checks the count again under its lock; this look-up only serves to check
    // the assignments against the current count.
    if (auto topic = services.topics.find(t.name)) {
        if (auto e =
                check_assignments(t, topic->metadata.partition_count, services.config.node_id)) {
            return *e;
        }
    }
    auto grown = services.topics.add_partitions(t.name, t.count, validate_only);
    if (!grown) return grown.error();
    return {kafka_error::none, {}};
}

void answer_create_partitions(request_context& ctx,
                              const protocol::create_partitions_request& request) {
    protocol::create_partitions_response response;
    std::multiset<std::string> names;
    for (const auto& t : request.topics) names.insert(t.name);
    for (const auto& t : request.topics) {
        auto& out = response.results.emplace_back();
        out.name = t.name;
        topic_error answer =
            names.count(t.name) > 1
                ? topic_error{kafka_error::invalid_request, "Duplicate topic in request."}
                : create_one(*ctx.services, t, request.validate_only);
        out.error_code = code(answer.code);
        if (answer.code != kafka_error::none) out.error_message = answer.message;
    }
    ctx.respond(response);
}

}  // namespace

// Blocks on the disk: runs on the admin thread.
void handle_create_partitions(request_context&& ctx) {
    auto request = ctx.decode<protocol::create_partitions_request>();
    if (!request) return;
    run_on_admin_thread(std::move(ctx), [request = std::move(*request)](request_context& c) {
        answer_create_partitions(c, request);
    });
}

}  // namespace fjord::broker
