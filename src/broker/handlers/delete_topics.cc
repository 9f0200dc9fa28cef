#include "protocol/messages/delete_topics.h"

#include "broker/handlers/handlers.h"
#include "broker/internal_topic.h"
#include "broker/kafka_error.h"

namespace fjord::broker {
namespace {

using topic_result = protocol::delete_topics_response::deletable_topic_result;

topic_result delete_one(broker_services& services, std::optional<std::string> name, uuid id,
                        int16_t version) {
    topic_result out;
    out.topic_id = id;
    if (!name) {
        auto topic = services.topics.find(id);
        if (!topic) {
            out.error_code = code(kafka_error::unknown_topic_id);
            out.error_message = fmt::format("no topic has id {}", id.to_string());
            return out;
        }
        name = topic->metadata.name;
    }
    out.name = name;
    if (auto topic = services.topics.find(*name)) out.topic_id = topic->metadata.id;
    if (is_internal_topic(*name)) {
        out.error_code = code(kafka_error::invalid_topic_exception);
        out.error_message = fmt::format("internal topic '{}' cannot be deleted", *name);
        return out;
    }
    if (auto r = services.topics.remove(*name); !r) {
        // TOPIC_DELETION_DISABLED came with v3; before it, Kafka answers INVALID_REQUEST.
        const bool disabled = r.error().code == kafka_error::topic_deletion_disabled;
        out.error_code =
            code(disabled && version < 3 ? kafka_error::invalid_request : r.error().code);
        out.error_message = r.error().message;
        return out;
    }
    services.offsets.remove_topic(*name);
    return out;
}

void answer_delete_topics(request_context& ctx, const protocol::delete_topics_request& request) {
    protocol::delete_topics_response response;
    // v0-5 name topics in topic_names; v6 in topics, by name or by id.
    for (const auto& name : request.topic_names) {
        response.responses.push_back(delete_one(*ctx.services, name, uuid{}, ctx.version()));
    }
    for (const auto& t : request.topics) {
        response.responses.push_back(delete_one(*ctx.services, t.name, t.topic_id, ctx.version()));
    }
    ctx.respond(response);
}

}  // namespace

// Blocks on the disk: runs on the admin thread.
void handle_delete_topics(request_context&& ctx) {
    auto request = ctx.decode<protocol::delete_topics_request>();
    if (!request) return;
    run_on_admin_thread(std::move(ctx), [request = std::move(*request)](request_context& c) {
        answer_delete_topics(c, request);
    });
}

}  // namespace fjord::broker
