#include "protocol/messages/list_offsets.h"

#include "broker/handlers/handlers.h"
#include "broker/kafka_error.h"

namespace fjord::broker {
namespace {

// Special timestamps a ListOffsets request may ask for.
constexpr int64_t latest_timestamp = -1;
constexpr int64_t earliest_timestamp = -2;
constexpr int64_t max_timestamp = -3;  // v7+
constexpr int8_t read_committed = 1;

using partition_response = protocol::list_offsets_response::list_offsets_partition_response;

partition_response list_partition(const topic_state* topic,
                                  const protocol::list_offsets_request::list_offsets_partition& p,
                                  int16_t version, bool committed_only) {
    partition_response out;
    out.partition_index = p.partition_index;
    auto part = topic ? topic->find_partition(p.partition_index) : nullptr;
    if (!part) {
        out.error_code = code(kafka_error::unknown_topic_or_partition);
        return out;
    }
    auto& log = part->log();
    out.leader_epoch = 0;
    switch (p.timestamp) {
        case latest_timestamp:
            // Only durable data is visible (the high watermark), as consumers see it; a
            // read_committed consumer's end is the last stable offset.
            out.offset = committed_only ? log.last_stable_offset()() : log.high_watermark()();
            return out;
        case earliest_timestamp:
            out.offset = log.log_start_offset()();
            return out;
        case max_timestamp:
            if (version < 7) break;
            if (auto m = log.max_timestamp()) {
                out.timestamp = m->timestamp();
                out.offset = m->offset();
            }
            return out;
        default:
            break;
    }
    if (p.timestamp < 0) {
        out.error_code = code(kafka_error::invalid_request);
        return out;
    }
    auto found = log.find_offset_by_timestamp(model::timestamp(p.timestamp));
    if (!found) {
        out.error_code = code(kafka_error::kafka_storage_error);
        return out;
    }
    auto visible_end = committed_only ? log.last_stable_offset() : log.high_watermark();
    if (*found && (*found)->offset < visible_end) {
        out.timestamp = (*found)->timestamp();
        out.offset = (*found)->offset();
    }
    return out;
}

}  // namespace

void handle_list_offsets(request_context&& ctx) {
    auto request = ctx.decode<protocol::list_offsets_request>();
    if (!request) return;
    protocol::list_offsets_response response;
    for (const auto& t : request->topics) {
        auto topic = ctx.services->topics.find(t.name);
        auto& topic_out = response.topics.emplace_back();
        topic_out.name = t.name;
        for (const auto& p : t.partitions) {
            topic_out.partitions.push_back(list_partition(
                topic.get(), p, ctx.version(), request->isolation_level == read_committed));
        }
    }
    ctx.respond(response);
}

}  // namespace fjord::broker
