#include "protocol/messages/create_topics.h"

#include <set>

#include "broker/config_describe.h"
#include "broker/handlers/handlers.h"
#include "broker/kafka_error.h"

namespace fjord::broker {
namespace {

using topic_result = protocol::create_topics_response::creatable_topic_result;

topic_result error_result(const std::string& name, kafka_error e, std::string message) {
    topic_result r;
    r.name = name;
    r.error_code = code(e);
    r.error_message = std::move(message);
    r.configs.emplace();
    return r;
}

// Turns a request entry into what the topic table takes; explicit assignments must place every
// partition on this (the only) broker.
result<new_topic, topic_error> to_new_topic(
    const protocol::create_topics_request::creatable_topic& t, int32_t node_id) {
    new_topic out{
        .name = t.name, .partitions = t.num_partitions, .replication_factor = t.replication_factor};
    if (!t.assignments.empty()) {
        if (t.num_partitions != -1 || t.replication_factor != -1) {
            return fail(topic_error{kafka_error::invalid_request,
                                    "both assignments and a partition count or replication "
                                    "factor were given"});
        }
        for (size_t i = 0; i < t.assignments.size(); ++i) {
            const auto& a = t.assignments[i];
            if (a.partition_index != static_cast<int32_t>(i) || a.broker_ids.size() != 1 ||
                a.broker_ids[0] != node_id) {
                return fail(topic_error{
                    kafka_error::invalid_replica_assignment,
                    fmt::format("partition {} must be assigned to broker {} only (this is a "
                                "single-broker cluster), in order from 0",
                                a.partition_index, node_id)});
            }
        }
        out.partitions = static_cast<int32_t>(t.assignments.size());
        out.replication_factor = 1;
    }
    for (const auto& c : t.configs) {
        if (!c.value) {
            return fail(topic_error{kafka_error::invalid_config,
                                    fmt::format("config '{}' has a null value", c.name)});
        }
        if (!out.configs.emplace(c.name, *c.value).second) {
            return fail(topic_error{kafka_error::invalid_config,
                                    fmt::format("config '{}' is given twice", c.name)});
        }
    }
    return out;
}

void answer_create_topics(request_context& ctx, const protocol::create_topics_request& request) {
    auto& services = *ctx.services;
    protocol::create_topics_response response;
    std::multiset<std::string> names;
    for (const auto& t : request.topics) names.insert(t.name);

    for (const auto& t : request.topics) {
        if (names.count(t.name) > 1) {
            response.topics.push_back(error_result(
                t.name, kafka_error::invalid_request,
                fmt::format("topic '{}' appears more than once in the request", t.name)));
            continue;
        }
        auto spec = to_new_topic(t, services.config.node_id);
        if (!spec) {
            response.topics.push_back(
                error_result(t.name, spec.error().code, spec.error().message));
            continue;
        }
        auto created = services.topics.create(*spec, request.validate_only);
        if (!created) {
            response.topics.push_back(
                error_result(t.name, created.error().code, created.error().message));
            continue;
        }
        const topic_state& topic = **created;
        topic_result r;
        r.name = t.name;
        r.topic_id = topic.metadata.id;
        r.num_partitions = topic.metadata.partition_count;
        r.replication_factor = topic.metadata.replication_factor;
        r.configs.emplace();
        for (const auto& entry : describe_topic_config(services.config, topic.metadata.configs)) {
            r.configs->push_back({.name = entry.name,
                                  .value = entry.value,
                                  .read_only = entry.read_only,
                                  .config_source = static_cast<int8_t>(entry.source),
                                  .is_sensitive = entry.sensitive});
        }
        response.topics.push_back(std::move(r));
    }
    ctx.respond(response);
}

}  // namespace

// Blocks on the disk: runs on the admin thread.
void handle_create_topics(request_context&& ctx) {
    auto request = ctx.decode<protocol::create_topics_request>();
    if (!request) return;
    run_on_admin_thread(std::move(ctx), [request = std::move(*request)](request_context& c) {
        answer_create_topics(c, request);
    });
}

}  // namespace fjord::broker
