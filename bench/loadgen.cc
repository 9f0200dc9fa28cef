// fjord-loadgen: produce or consume a fixed number of messages against any
// Kafka-API broker with librdkafka and report throughput (and, for produce,
// per-message latency); or time consumer group rebalances and offset commits
// (group_join.cc, offset_commit.cc). See bench/README.md.

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "client.h"
#include "common.h"
#include "group_bench.h"
#include "latency_histogram.h"
#include "options.h"

namespace fjord::bench {
namespace {

using namespace std::chrono_literals;

// Without a word from the broker for this long, a consume run gives up.
constexpr auto consume_idle_limit = 30s;

struct report {
    std::string label;
    uint64_t messages = 0;
    uint64_t bytes = 0;
    double seconds = 0;
    const latency_histogram* latency = nullptr;  // produce only, in microseconds
};

void print_report(const report& r, const options& opts) {
    const double msgs_per_s = rate(static_cast<double>(r.messages), r.seconds);
    const double mb_per_s = rate(static_cast<double>(r.bytes) / 1e6, r.seconds);
    const latency_histogram* h = r.latency;
    if (opts.format == output_format::markdown) {
        // Columns: test | bytes/message | messages | msg/s | MB/s | p50 | p99 | p99.9 | max (ms).
        const auto cell = [h](double q) { return h != nullptr ? millis(h->percentile(q)) : "-"; };
        const uint64_t average_size = r.messages > 0 ? r.bytes / r.messages : 0;
        fmt::print("| {} | {} | {} | {:.0f} | {:.2f} | {} | {} | {} | {} |\n", r.label,
                   average_size, r.messages, msgs_per_s, mb_per_s, cell(0.5), cell(0.99),
                   cell(0.999), h != nullptr ? millis(h->max()) : "-");
        return;
    }
    fmt::print("{}: {} messages, {} bytes in {:.3f} s\n", r.label, r.messages, r.bytes, r.seconds);
    fmt::print("  throughput: {:.0f} msg/s, {:.2f} MB/s\n", msgs_per_s, mb_per_s);
    if (h != nullptr) {
        fmt::print(
            "  latency (produce() to delivery report): p50 {} ms, p99 {} ms, "
            "p99.9 {} ms, max {} ms\n",
            millis(h->percentile(0.5)), millis(h->percentile(0.99)), millis(h->percentile(0.999)),
            millis(h->max()));
    }
}

// Written only from delivery reports, which librdkafka runs inside
// rd_kafka_poll()/rd_kafka_flush() on the producing thread.
struct delivery_state {
    latency_histogram latency;
    uint64_t delivered = 0;
    uint64_t failed = 0;
    rd_kafka_resp_err_t first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    auto& state = *static_cast<delivery_state*>(opaque);
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (state.failed++ == 0) {
            state.first_error = message->err;
        }
        return;
    }
    ++state.delivered;
    // The send time rides in the message's opaque pointer, so nothing is kept per message.
    state.latency.record(micros_between(decode_time(message->_private), clock_type::now()));
}

// Printable but not trivially compressible, so --compression has work to do.
std::vector<char> make_payload(uint64_t size) {
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> letter(0, 25);
    std::vector<char> payload(size);
    for (auto& c : payload) {
        c = static_cast<char>('a' + letter(rng));
    }
    return payload;
}

int run_produce(const options& opts) {
    delivery_state state;
    auto config = common_config(opts);
    config.set("acks", opts.acks)
        .set("compression.codec", opts.compression)
        // Idempotence costs an InitProducerId and the broker's sequence checks per batch.
        .set("enable.idempotence", opts.idempotent ? "true" : "false")
        // Batch for throughput: wait up to 5 ms to fill batches of up to 1 MB.
        .set("linger.ms", "5")
        .set("batch.size", "1000000")
        .set("batch.num.messages", "10000")
        // Let the whole run queue up in memory rather than stall on a full queue.
        .set("queue.buffering.max.messages", "1000000")
        .set("queue.buffering.max.kbytes", "1048576")
        // Fail a run against a dead broker in seconds, not librdkafka's default 5 minutes.
        .set("message.timeout.ms", "30000")
        // The topic is created explicitly (ensure_topic), never as a side effect of metadata.
        .set("allow.auto.create.topics", "false")
        .set_opaque(&state)
        .set_delivery_callback(on_delivery);
    const auto rk = create_client(RD_KAFKA_PRODUCER, std::move(config));
    check_reachable(rk.get(), opts.brokers, admin_timeout);

    const auto partitions = ensure_topic(rk.get(), opts);
    // Connect to the partition leaders now, not inside the first messages' latency.
    count_messages(rk.get(), opts.topic, partitions, admin_timeout);

    const topic_ptr rkt(rd_kafka_topic_new(rk.get(), opts.topic.c_str(), nullptr));
    if (!rkt) {
        throw client_error("cannot use topic " + opts.topic);
    }
    auto payload = make_payload(opts.size);

    const auto start = clock_type::now();
    for (uint64_t i = 0; i < opts.messages; ++i) {
        // Round robin rather than librdkafka's sticky partitioner, which would put a
        // whole burst shorter than its 10 ms stickiness on a single partition.
        const int32_t partition = partitions[i % partitions.size()];
        // Flags 0: librdkafka neither copies nor frees the payload, which outlives the run.
        while (rd_kafka_produce(rkt.get(), partition, 0, payload.data(), payload.size(), nullptr, 0,
                                encode_time(clock_type::now())) != 0) {
            const auto err = rd_kafka_last_error();
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                throw client_error(
                    fmt::format("produce failed after {} messages: {}", i, rd_kafka_err2str(err)));
            }
            rd_kafka_poll(rk.get(), 1);
        }
        // Serve delivery reports as they arrive so their timestamps are not delayed.
        rd_kafka_poll(rk.get(), 0);
    }
    // message.timeout.ms bounds how long any message can stay undelivered.
    const auto flushed = rd_kafka_flush(rk.get(), 60'000);
    const double seconds = seconds_between(start, clock_type::now());

    const std::string acks = opts.acks == "-1" ? "all" : opts.acks;
    print_report({.label = fmt::format("produce acks={}{} {}p {}", acks,
                                       opts.idempotent ? " idempotent" : "", partitions.size(),
                                       opts.compression),
                  .messages = state.delivered,
                  .bytes = state.delivered * opts.size,
                  .seconds = seconds,
                  .latency = &state.latency},
                 opts);
    if (flushed != RD_KAFKA_RESP_ERR_NO_ERROR || state.failed > 0 ||
        state.delivered != opts.messages) {
        fmt::print(stderr, "error: {} of {} messages delivered; {} failed (first error: {})\n",
                   state.delivered, opts.messages, state.failed,
                   rd_kafka_err2str(state.failed > 0 ? state.first_error : flushed));
        return 1;
    }
    return 0;
}

int run_consume(const options& opts) {
    auto config = common_config(opts);
    // rd_kafka_assign needs a consumer group handle, hence a group.id, but nothing is
    // committed and no group is joined: offsets come from the assignment.
    config.set("group.id", "fjord-loadgen")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest");
    const auto rk = create_client(RD_KAFKA_CONSUMER, std::move(config));
    check_reachable(rk.get(), opts.brokers, admin_timeout);

    const auto partitions = partitions_of(rk.get(), opts.topic, admin_timeout);
    if (partitions.empty()) {
        throw client_error("topic " + opts.topic + " does not exist (run produce first)");
    }
    // Fail now rather than after waiting for messages that will never come.
    if (const auto available = count_messages(rk.get(), opts.topic, partitions, admin_timeout);
        available < opts.messages) {
        throw client_error(fmt::format("topic {} holds {} messages, fewer than --messages {}",
                                       opts.topic, available, opts.messages));
    }
    const auto assignment = make_partition_list(opts.topic, partitions, RD_KAFKA_OFFSET_BEGINNING);

    const auto start = clock_type::now();
    if (const auto err = rd_kafka_assign(rk.get(), assignment.get());
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw client_error(std::string("assign failed: ") + rd_kafka_err2str(err));
    }
    uint64_t read = 0;
    uint64_t bytes = 0;
    auto last_progress = start;
    while (read < opts.messages) {
        const message_ptr message(rd_kafka_consumer_poll(rk.get(), 100));
        const auto now = clock_type::now();
        if (!message) {
            if (now - last_progress > consume_idle_limit) {
                break;
            }
            continue;
        }
        if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            // Mostly transient (a broker went away, librdkafka reconnects): report and go on.
            fmt::print(stderr, "consumer: {}\n", rd_kafka_message_errstr(message.get()));
            if (message->err == RD_KAFKA_RESP_ERR__FATAL) {
                break;
            }
            continue;
        }
        ++read;
        bytes += message->len + message->key_len;
        last_progress = now;
    }
    const double seconds = seconds_between(start, clock_type::now());
    rd_kafka_consumer_close(rk.get());

    print_report({.label = fmt::format("consume {}p", partitions.size()),
                  .messages = read,
                  .bytes = bytes,
                  .seconds = seconds},
                 opts);
    if (read < opts.messages) {
        fmt::print(stderr, "error: read {} of {} messages before giving up\n", read, opts.messages);
        return 1;
    }
    return 0;
}

}  // namespace
}  // namespace fjord::bench

int main(int argc, char** argv) {
    using namespace fjord::bench;
    const auto parsed = parse_options(argc, argv);
    if (std::holds_alternative<help_requested>(parsed)) {
        std::fputs(usage(), stdout);
        return 0;
    }
    if (const auto* error = std::get_if<usage_error>(&parsed)) {
        fmt::print(stderr, "fjord-loadgen: {}\n{}", error->message, usage());
        return 2;
    }
    const auto& opts = std::get<options>(parsed);
    try {
        switch (opts.run_mode) {
            case mode::produce:
                return run_produce(opts);
            case mode::consume:
                return run_consume(opts);
            case mode::group_join:
                return run_group_join(opts);
            case mode::offset_commit:
                return run_offset_commit(opts);
        }
        return 2;
    } catch (const config_error& e) {
        fmt::print(stderr, "fjord-loadgen: {}\n", e.what());
        return 2;
    } catch (const client_error& e) {
        fmt::print(stderr, "fjord-loadgen: {}\n", e.what());
        return 1;
    }
}
