// Produce: validate each partition's record set in place, append it exactly as received (the
// log rewrites baseOffset and partitionLeaderEpoch in the request buffer), then answer:
// acks=0 never, acks=1 once appended, acks=all once the flusher has made it durable. acks=1
// waits too when the append leaves flush.messages or more records unsynced.
#include "protocol/messages/produce.h"

#include <atomic>
#include <chrono>
#include <limits>

#include "broker/error_mapping.h"
#include "broker/handlers/handlers.h"
#include "broker/internal_topic.h"
#include "broker/kafka_error.h"
#include "broker/record_append.h"
#include "broker/request_metrics.h"
#include "broker/topic_config.h"
#include "protocol/record_batch.h"

namespace fjord::broker {
namespace {

using partition_response = protocol::produce_response::partition_produce_response;

constexpr int16_t first_supported_version = 3;  // v0-2 carry old message formats only
constexpr int16_t first_zstd_version = 7;

// Kafka's own checks on what a client may send, beyond the batch format itself.
std::optional<std::string> policy_violation(const std::vector<protocol::batch_header>& batches,
                                            int16_t version, kafka_error& error) {
    error = kafka_error::invalid_record;
    if (batches.size() != 1) {
        return fmt::format("produce v{} takes exactly one record batch per partition, got {}",
                           version, batches.size());
    }
    const auto& h = batches.front();
    if (h.records_count <= 0 || h.last_offset_delta != h.records_count - 1) {
        return fmt::format("batch claims {} records but a last offset delta of {}", h.records_count,
                           h.last_offset_delta);
    }
    if (h.compression() == protocol::compression_type::zstd && version < first_zstd_version) {
        error = kafka_error::unsupported_compression_type;
        return fmt::format("zstd needs produce v{} or later, got v{}", first_zstd_version, version);
    }
    // An idempotent batch needs a sequence (Kafka's LogValidator) and an epoch.
    if (h.producer_id >= 0 && (h.base_sequence < 0 || h.producer_epoch < 0)) {
        return fmt::format("invalid sequence number {} or epoch {} in a batch of producer {}",
                           h.base_sequence, h.producer_epoch, h.producer_id);
    }
    return std::nullopt;
}

// The answer to one Produce, filled in by each partition (possibly from several flusher threads
// at once); the last partition to finish sends it.
struct produce_state {
    explicit produce_state(request_context&& c) : ctx(std::move(c)) {}

    request_context ctx;
    protocol::produce_response response;
    std::atomic<size_t> pending{1};  // one extra, released when dispatch is done
    bool respond_at_all = true;

    bool any_error() const {
        for (const auto& t : response.responses)
            for (const auto& p : t.partition_responses)
                if (p.error_code != 0) return true;
        return false;
    }

    void finish_one() {
        if (pending.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
        for (const auto& t : response.responses)
            for (const auto& p : t.partition_responses)
                count_request_error(ctx.header.api_key, p.error_code);
        if (respond_at_all) {
            ctx.respond(response);
        } else if (any_error()) {
            // acks=0 has no response to carry an error; Kafka closes the connection instead.
            ctx.responder.close_connection("acks=0 produce failed");
        } else {
            ctx.responder.respond_nothing();
        }
    }
};

// One batch re-encoded with `codec`, keeping its offsets deltas, timestamps, producer fields
// and attributes, as Kafka does when a topic's compression.type differs from the producer's.
result<bytes, protocol::batch_errc> reencode(bytes_view batch, const protocol::batch_header& h,
                                             protocol::compression_type codec) {
    auto records = protocol::decode_records(batch);
    if (!records) return fail(records.error());
    protocol::batch_options options{
        .compression = codec,
        .base_offset = h.base_offset,
        .producer_id = h.producer_id,
        .producer_epoch = h.producer_epoch,
        .base_sequence = h.base_sequence,
        .transactional = h.is_transactional(),
        .control = h.is_control(),
        .log_append_time = h.log_append_time(),
        .partition_leader_epoch = h.partition_leader_epoch,
        .last_offset_delta = h.last_offset_delta,
    };
    return protocol::build_batch(options, *records);
}

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Kafka's check of CreateTime timestamps against message.timestamp.before.max.ms and
// after.max.ms: every record whose timestamp lies further from the broker's clock is listed in
// `out.record_errors` (by its index in the batch), and the batch is refused. A record without
// a timestamp (-1) is not checked. Decoding (and decompressing) the batch is the cost, paid only
// by topics that set a bound.
std::optional<kafka_error> check_create_times(bytes_view batch, const topic_config& config,
                                              partition_response& out) {
    const auto bounds = create_time_bounds(config);
    constexpr int64_t unbounded = std::numeric_limits<int64_t>::max();
    if (config.log_append_time || (bounds.before_ms == unbounded && bounds.after_ms == unbounded))
        return std::nullopt;
    auto records = protocol::decode_records(batch);
    if (!records) {
        out.error_message = std::string(protocol::describe(records.error()));
        return to_kafka_error(records.error());
    }
    // Neither end can overflow: now >= 0 and both bounds are at most INT64_MAX.
    const int64_t now = now_ms();
    const int64_t earliest = now - bounds.before_ms;
    const int64_t latest = bounds.after_ms > unbounded - now ? unbounded : now + bounds.after_ms;
    for (size_t i = 0; i < records->size(); ++i) {
        const int64_t ts = (*records)[i].timestamp;
        if (ts == -1 || (ts >= earliest && ts <= latest)) continue;
        auto& e = out.record_errors.emplace_back();
        e.batch_index = static_cast<int32_t>(i);
        e.batch_index_error_message = fmt::format(
            "timestamp {} of record {} is out of range: the broker's clock is {}, so it must lie "
            "within [{}, {}] (message.timestamp.before.max.ms {}, after.max.ms {})",
            ts, i, now, earliest, latest, bounds.before_ms, bounds.after_ms);
    }
    if (out.record_errors.empty()) return std::nullopt;
    out.error_message = out.record_errors.front().batch_index_error_message;
    return kafka_error::invalid_timestamp;
}

// Appends one partition's records; fills `out` and returns the last offset appended, or nullopt
// when the partition answers with an error right away.
std::optional<model::offset> append_partition(
    request_context& ctx, const topic_state* topic,
    const protocol::produce_request::partition_produce_data& data, partition_response& out,
    std::shared_ptr<partition>& target) {
    auto reject = [&](kafka_error e, std::optional<std::string> message = std::nullopt) {
        out.error_code = code(e);
        out.base_offset = -1;
        out.error_message = std::move(message);
        return std::nullopt;
    };
    if (ctx.version() < first_supported_version) return reject(kafka_error::unsupported_version);
    if (!topic) return reject(kafka_error::unknown_topic_or_partition);
    if (is_internal_topic(topic->metadata.name)) {
        return reject(kafka_error::invalid_topic_exception, "cannot produce to an internal topic");
    }
    target = topic->find_partition(data.index);
    if (!target) return reject(kafka_error::unknown_topic_or_partition);
    if (!data.records || data.records->empty()) {
        return reject(kafka_error::invalid_record, "the record set is empty");
    }
    auto headers = protocol::validate_record_set(data.records->view);
    if (!headers) {
        return reject(to_kafka_error(headers.error()),
                      std::string(protocol::describe(headers.error())));
    }
    kafka_error policy_error;
    if (auto violation = policy_violation(*headers, ctx.version(), policy_error)) {
        return reject(policy_error, std::move(violation));
    }
    for (const auto& h : *headers) {
        if (h.size_bytes() > static_cast<size_t>(topic->config.max_message_bytes)) {
            return reject(kafka_error::message_too_large,
                          fmt::format("batch of {} bytes exceeds max.message.bytes {}",
                                      h.size_bytes(), topic->config.max_message_bytes));
        }
    }
    if (auto error = check_create_times(data.records->view, topic->config, out)) {
        out.error_code = code(*error);
        out.base_offset = -1;
        return std::nullopt;
    }
    // The record set points into the request frame, which this request owns: edit it in place.
    auto offset_in_frame = static_cast<size_t>(data.records->view.data() - ctx.frame.data());
    mutable_bytes_view batches(ctx.frame.data() + offset_in_frame, data.records->size());
    // Only a topic whose compression.type names a codec the producer did not use costs a
    // decode and re-encode; "producer" (the default) stores the batch as received.
    bytes reencoded;
    if (auto codec = topic_compression_codec(topic->config.compression_type);
        codec && headers->front().compression() != *codec) {
        auto converted = reencode(batches, headers->front(), *codec);
        if (!converted) {
            return reject(to_kafka_error(converted.error()),
                          std::string(protocol::describe(converted.error())));
        }
        reencoded = std::move(converted).value();
        if (reencoded.size() > static_cast<size_t>(topic->config.max_message_bytes)) {
            return reject(kafka_error::message_too_large,
                          fmt::format("batch of {} bytes after conversion to {} exceeds "
                                      "max.message.bytes {}",
                                      reencoded.size(), topic->config.compression_type,
                                      topic->config.max_message_bytes));
        }
        batches = mutable_bytes_view(reencoded);
        headers->front() = *protocol::read_batch_header(reencoded);
    }
    int64_t append_time = -1;
    if (topic->config.log_append_time) {
        append_time = now_ms();
        size_t pos = 0;
        for (const auto& h : *headers) {
            protocol::set_log_append_time(batches.subspan(pos, h.size_bytes()), append_time);
            pos += h.size_bytes();
        }
    }
    auto appended = target->log().append(batches, model::leader_epoch(0));
    if (!appended) return reject(to_kafka_error(appended.error()));
    if (topic->metrics && !appended->duplicate) {
        topic->metrics->bytes_in->inc(data.records->size());
        for (const auto& h : *headers)
            topic->metrics->messages_in->inc(static_cast<uint64_t>(h.records_count));
    }
    out.base_offset = appended->base_offset();
    out.log_append_time_ms = append_time;
    if (appended->duplicate) {
        // An idempotent producer's retry: the original's offsets and append time. The original
        // may not be durable yet; acks=all waits for its last offset below, like a fresh append.
        out.log_append_time_ms = topic->config.log_append_time ? appended->max_timestamp() : -1;
    }
    out.log_start_offset = target->log().log_start_offset()();
    ctx.services->flusher.schedule(target->log_ptr());
    return appended->last_offset;
}

// Kafka fsyncs inside the append that brings a partition's unsynced records to
// flush.messages, before acks=1 answers; waiting for the flusher then gives the same bound: at
// most flush.messages - 1 acknowledged records are ever unsynced.
bool waits_for_fsync(int16_t acks, const topic_state& topic, partition& target,
                     model::offset last) {
    if (acks == -1) return true;
    if (acks != 1) return false;
    const int64_t unsynced = last() + 1 - target.log().high_watermark()();
    return unsynced >= topic.config.flush_messages;
}

}  // namespace

void handle_produce(request_context&& ctx) {
    auto request = ctx.decode<protocol::produce_request>();
    if (!request) return;
    auto state = std::make_shared<produce_state>(std::move(ctx));
    state->respond_at_all = request->acks != 0;
    bool valid_acks = request->acks == 0 || request->acks == 1 || request->acks == -1;

    // Shape the whole response first: partitions fill in their own slots, so the vectors must
    // not move once asynchronous completions can run.
    auto& response = state->response;
    for (const auto& topic_data : request->topic_data) {
        auto& topic_out = response.responses.emplace_back();
        topic_out.name = topic_data.name;
        topic_out.partition_responses.resize(topic_data.partition_data.size());
    }
    for (size_t t = 0; t < request->topic_data.size(); ++t) {
        const auto& topic_data = request->topic_data[t];
        auto topic = state->ctx.services->topics.find(topic_data.name);
        if (topic && topic->metrics) topic->metrics->produce_requests->inc();
        for (size_t p = 0; p < topic_data.partition_data.size(); ++p) {
            const auto& data = topic_data.partition_data[p];
            auto& out = response.responses[t].partition_responses[p];
            out.index = data.index;
            if (!valid_acks) {
                out.error_code = code(kafka_error::invalid_required_acks);
                out.base_offset = -1;
                continue;
            }
            std::shared_ptr<partition> target;
            auto last = append_partition(state->ctx, topic.get(), data, out, target);
            if (!last || !waits_for_fsync(request->acks, *topic, *target, *last)) continue;
            state->pending.fetch_add(1, std::memory_order_relaxed);
            target->when_durable(*last, [state, &out](durability d) {
                if (d == durability::failed) {
                    out.error_code = code(kafka_error::kafka_storage_error);
                    out.base_offset = -1;
                }
                state->finish_one();
            });
        }
    }
    state->finish_one();
}

}  // namespace fjord::broker
