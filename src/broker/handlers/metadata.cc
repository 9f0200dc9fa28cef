#include "protocol/messages/metadata.h"

#include "broker/handlers/handlers.h"
#include "broker/internal_topic.h"
#include "broker/kafka_error.h"

namespace fjord::broker {
namespace {

using response_topic = protocol::metadata_response::metadata_response_topic;

response_topic describe_topic(const topic_state& topic, int32_t node_id) {
    response_topic out;
    out.name = topic.metadata.name;
    out.topic_id = topic.metadata.id;
    out.is_internal = is_internal_topic(topic.metadata.name);
    for (const auto& p : topic.partitions) {
        out.partitions.push_back({.partition_index = p->id().partition(),
                                  .leader_id = node_id,
                                  .leader_epoch = 0,
                                  .replica_nodes = {node_id},
                                  .isr_nodes = {node_id}});
    }
    return out;
}

response_topic topic_error_entry(std::optional<std::string> name, uuid id, kafka_error error) {
    response_topic out;
    out.error_code = code(error);
    out.name = std::move(name);
    out.topic_id = id;
    return out;
}

// Looks a requested topic up, creating it when auto-creation is allowed and enabled.
response_topic resolve_topic(request_context& ctx,
                             const protocol::metadata_request::metadata_request_topic& requested,
                             bool allow_auto_create) {
    auto& services = *ctx.services;
    int32_t node = services.config.node_id;
    if (!requested.name) {
        auto topic = services.topics.find(requested.topic_id);
        if (!topic)
            return topic_error_entry(std::nullopt, requested.topic_id,
                                     kafka_error::unknown_topic_id);
        return describe_topic(*topic, node);
    }
    const std::string& name = *requested.name;
    if (auto topic = services.topics.find(name)) return describe_topic(*topic, node);
    if (!validate_topic_name(name)) {
        return topic_error_entry(name, {}, kafka_error::invalid_topic_exception);
    }
    if (!allow_auto_create || !services.config.auto_create_topics_enable) {
        return topic_error_entry(name, {}, kafka_error::unknown_topic_or_partition);
    }
    auto created = services.topics.create(new_topic{.name = name}, /*validate_only=*/false);
    if (created) return describe_topic(**created, node);
    // Another request may have created it first.
    if (auto topic = services.topics.find(name)) return describe_topic(*topic, node);
    return topic_error_entry(name, {}, created.error().code);
}

}  // namespace

void handle_metadata(request_context&& ctx) {
    auto request = ctx.decode<protocol::metadata_request>();
    if (!request) return;
    auto& services = *ctx.services;
    protocol::metadata_response response;
    response.brokers.push_back({.node_id = services.config.node_id,
                                .host = services.advertised_host,
                                .port = services.advertised_port});
    response.cluster_id = services.metadata.cluster_id().to_string();
    response.controller_id = services.config.node_id;

    // v0 has no null array: an empty list asks for every topic there.
    bool all_topics = !request->topics || (ctx.version() == 0 && request->topics->empty());
    if (all_topics) {
        for (const auto& topic : services.topics.all()) {
            response.topics.push_back(describe_topic(*topic, services.config.node_id));
        }
    } else {
        for (const auto& requested : *request->topics) {
            response.topics.push_back(
                resolve_topic(ctx, requested, request->allow_auto_topic_creation));
        }
    }
    ctx.respond(response);
}

}  // namespace fjord::broker
