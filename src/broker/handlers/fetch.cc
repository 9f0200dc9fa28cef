// Fetch: reads whole batches below the high watermark straight from the segment files and
// long-polls: a fetch that finds fewer than min_bytes waits, woken by the partitions it reads
// when their high watermark moves, until max_wait_ms runs out.
#include "protocol/messages/fetch.h"

#include "broker/error_mapping.h"
#include "broker/handlers/handlers.h"
#include "broker/kafka_error.h"
#include "broker/request_metrics.h"

namespace fjord::broker {
namespace {

constexpr int16_t first_topic_id_version = 13;
constexpr int8_t read_committed = 1;

using partition_data = protocol::fetch_response::partition_data;

// One fetch in flight. Lives on its connection's reactor: every attempt runs there.
class fetch_operation final : public data_waiter,
                              public std::enable_shared_from_this<fetch_operation> {
public:
    fetch_operation(request_context&& ctx, protocol::fetch_request&& request)
        : _ctx(std::move(ctx)), _request(std::move(request)) {}

    void start() {
        if (_request.session_epoch > 0) {
            // This broker never hands out fetch sessions, so no incremental fetch can match one.
            protocol::fetch_response response;
            response.error_code = code(kafka_error::fetch_session_id_not_found);
            _ctx.respond(response);
            _done = true;
            return;
        }
        attempt(/*deadline_passed=*/false);
        if (_done) return;
        auto self = shared_from_this();
        _timer = _ctx.connection.home->run_after(
            std::chrono::milliseconds(std::max(_request.max_wait_ms, 0)),
            [self] { self->attempt(/*deadline_passed=*/true); });
    }

    void wake() override {
        auto self = shared_from_this();
        _ctx.connection.home->post([self] { self->attempt(/*deadline_passed=*/false); });
    }

private:
    void attempt(bool deadline_passed) {
        if (_done) return;
        bool waiting_allowed = !deadline_passed && _request.max_wait_ms > 0;
        // Register before reading so that data arriving in between still wakes us.
        if (waiting_allowed) watch_partitions();
        auto response = read_all();
        if (!waiting_allowed || _error_seen ||
            _bytes_read >= static_cast<size_t>(std::max(_request.min_bytes, 0))) {
            _done = true;
            _timer.cancel();
            count_answered(response);
            _ctx.respond(response);
        }
    }

    // Per-topic requests and bytes out, and per-partition errors, of the response being sent.
    void count_answered(const protocol::fetch_response& response) {
        for (size_t t = 0; t < response.responses.size(); ++t) {
            uint64_t bytes = 0;
            for (const auto& p : response.responses[t].partitions) {
                count_request_error(_ctx.header.api_key, p.error_code);
                if (p.records) bytes += p.records->size();
            }
            if (const auto& m = _topic_metrics[t]) {
                m->fetch_requests->inc();
                if (bytes > 0) m->bytes_out->inc(bytes);
            }
        }
    }

    void watch_partitions() {
        for (const auto& topic : _request.topics) {
            auto state = find_topic(topic);
            if (!state) continue;
            for (const auto& p : topic.partitions) {
                if (auto part = state->find_partition(p.partition)) {
                    part->add_data_waiter(weak_from_this());
                }
            }
        }
    }

    std::shared_ptr<const topic_state> find_topic(
        const protocol::fetch_request::fetch_topic& t) const {
        if (_ctx.version() >= first_topic_id_version) return _ctx.services->topics.find(t.topic_id);
        return _ctx.services->topics.find(t.topic);
    }

    protocol::fetch_response read_all() {
        _bytes_read = 0;
        _error_seen = false;
        protocol::fetch_response response;
        size_t budget = static_cast<size_t>(std::max(_request.max_bytes, 0));
        _topic_metrics.clear();
        for (const auto& topic : _request.topics) {
            auto& topic_out = response.responses.emplace_back();
            topic_out.topic = topic.topic;
            topic_out.topic_id = topic.topic_id;
            auto state = find_topic(topic);
            _topic_metrics.push_back(state ? state->metrics : nullptr);
            if (state) topic_out.topic = state->metadata.name;
            for (const auto& p : topic.partitions) {
                topic_out.partitions.push_back(read_partition(state.get(), p, budget));
            }
        }
        return response;
    }

    partition_data read_partition(const topic_state* topic,
                                  const protocol::fetch_request::fetch_partition& p,
                                  size_t& budget) {
        partition_data out;
        out.partition_index = p.partition;
        out.records = shared_bytes{};
        auto fail_with = [&](kafka_error e) {
            out.error_code = code(e);
            _error_seen = true;
            return out;
        };
        if (!topic) {
            return fail_with(_ctx.version() >= first_topic_id_version
                                 ? kafka_error::unknown_topic_id
                                 : kafka_error::unknown_topic_or_partition);
        }
        auto part = topic->find_partition(p.partition);
        if (!part) return fail_with(kafka_error::unknown_topic_or_partition);
        auto& log = part->log();
        model::offset high_watermark = log.high_watermark();
        model::offset last_stable = log.last_stable_offset();
        out.high_watermark = high_watermark();
        out.last_stable_offset = last_stable();
        out.log_start_offset = log.log_start_offset()();
        const bool committed_only = _request.isolation_level == read_committed;
        if (committed_only) out.aborted_transactions.emplace();
        model::offset start(p.fetch_offset);
        if (start < log.log_start_offset() || start > log.log_end_offset()) {
            return fail_with(kafka_error::offset_out_of_range);
        }
        // read_committed consumers read up to the last stable offset: past it lie records of
        // transactions whose outcome is not known yet.
        model::offset upper = committed_only ? last_stable : high_watermark;
        if (start >= upper || (budget == 0 && _bytes_read > 0)) return out;
        size_t limit = std::min(budget, static_cast<size_t>(std::max(p.partition_max_bytes, 0)));
        // The first partition with data returns at least one whole batch, even past the limits,
        // so a consumer can always make progress (KIP-74).
        bool min_one_batch = _bytes_read == 0;
        auto read = log.read(start, limit, upper, min_one_batch);
        if (!read) {
            return fail_with(to_kafka_error(read.error()));
        }
        if (committed_only && !read->data.empty()) {
            // The aborted transactions that may have records in what is returned (Kafka bounds
            // them the same way): the consumer drops their records.
            for (const auto& a : log.aborted_transactions(start, upper)) {
                auto& entry = out.aborted_transactions->emplace_back();
                entry.producer_id = a.producer_id();
                entry.first_offset = a.first_offset();
            }
        }
        size_t n = read->data.size();
        _bytes_read += n;
        budget = n >= budget ? 0 : budget - n;
        out.records = std::move(read->data);
        return out;
    }

    request_context _ctx;
    protocol::fetch_request _request;
    net::timer_handle _timer;
    bool _done = false;
    bool _error_seen = false;
    size_t _bytes_read = 0;
    // Of the topics of the last read_all(), in response order (null: unknown topic).
    std::vector<std::shared_ptr<const topic_metrics>> _topic_metrics;
};

}  // namespace

void handle_fetch(request_context&& ctx) {
    auto request = ctx.decode<protocol::fetch_request>();
    if (!request) return;
    auto op = std::make_shared<fetch_operation>(std::move(ctx), std::move(*request));
    op->start();
}

}  // namespace fjord::broker
