// DeleteRecords: moves partitions' log start offsets up (Kafka's low watermark). Offset -1
// means the high watermark.
#include "protocol/messages/delete_records.h"

#include "broker/error_mapping.h"
#include "broker/handlers/handlers.h"
#include "broker/internal_topic.h"
#include "broker/kafka_error.h"

namespace fjord::broker {
namespace {

constexpr int64_t high_watermark_offset = -1;

using partition_result = protocol::delete_records_response::delete_records_partition_result;

partition_result delete_partition(
    const topic_state* topic, const std::string& name,
    const protocol::delete_records_request::delete_records_partition& p) {
    partition_result out;
    out.partition_index = p.partition_index;
    out.low_watermark = -1;
    auto part = topic ? topic->find_partition(p.partition_index) : nullptr;
    if (!part) {
        out.error_code = code(kafka_error::unknown_topic_or_partition);
        return out;
    }
    if (is_internal_topic(name)) {
        out.error_code = code(kafka_error::invalid_topic_exception);
        return out;
    }
    // Records of a topic that is only compacted are not deleted by offset (Kafka's rule).
    if (!topic->config.cleanup_delete) {
        out.error_code = code(kafka_error::policy_violation);
        return out;
    }
    auto& log = part->log();
    model::offset high_watermark = log.high_watermark();
    int64_t requested = p.offset == high_watermark_offset ? high_watermark() : p.offset;
    if (requested < 0 || requested > high_watermark()) {
        out.error_code = code(kafka_error::offset_out_of_range);
        return out;
    }
    auto start = log.delete_records_before(model::offset(requested));
    if (!start) {
        out.error_code = code(to_kafka_error(start.error()));
        return out;
    }
    out.low_watermark = (*start)();
    return out;
}

void answer_delete_records(request_context& ctx, const protocol::delete_records_request& request) {
    protocol::delete_records_response response;
    for (const auto& t : request.topics) {
        auto topic = ctx.services->topics.find(t.name);
        auto& topic_out = response.topics.emplace_back();
        topic_out.name = t.name;
        for (const auto& p : t.partitions) {
            topic_out.partitions.push_back(delete_partition(topic.get(), t.name, p));
        }
    }
    ctx.respond(response);
}

}  // namespace

// Blocks on the disk: runs on the admin thread.
void handle_delete_records(request_context&& ctx) {
    auto request = ctx.decode<protocol::delete_records_request>();
    if (!request) return;
    run_on_admin_thread(std::move(ctx), [request = std::move(*request)](request_context& c) {
        answer_delete_records(c, request);
    });
}

}  // namespace fjord::broker
