// fjord-loadgen: produce or consume a fixed number of messages against any
// Kafka-API broker with librdkafka and report throughput (and, for produce,
// per-message latency), or end-to-end latency at a fixed rate; or time consumer
// group rebalances and offset commits (group_join.cc, offset_commit.cc). See bench/README.md.

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
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

// Transaction calls return an error object the caller owns.
void check_txn(rd_kafka_error_t* error, std::string_view what) {
    if (!error) return;
    std::string message = fmt::format("{} failed: {}", what, rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
    throw client_error(message);
}

client_config producer_config(const options& opts, delivery_state& state) {
    auto config = common_config(opts);
    config.set("acks", opts.acks)
        .set("compression.codec", opts.compression)
        // Idempotence costs an InitProducerId and the broker's sequence checks per batch;
        // transactions need it.
        .set("enable.idempotence", opts.idempotent || opts.transaction_size > 0 ? "true" : "false")
        // Batch for throughput: wait up to --linger-ms (5) to fill batches of up to 1 MB.
        .set("linger.ms", std::to_string(opts.linger_ms))
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
    return config;
}

// One producer client and what its delivery reports have told; one per --producers.
struct producer_slot {
    delivery_state state;
    kafka_ptr rk;
    topic_ptr rkt;
    uint64_t messages = 0;
    rd_kafka_resp_err_t flushed = RD_KAFKA_RESP_ERR_NO_ERROR;
};

// Produces slot.messages messages round robin over `partitions`, starting at `first`, then
// flushes. Runs on one thread per slot; librdkafka handles are safe to use from any thread.
void produce_messages(producer_slot& slot, const std::vector<int32_t>& partitions, size_t first,
                      std::vector<char>& payload, const options& opts) {
    const bool transactional = opts.transaction_size > 0;
    rd_kafka_t* rk = slot.rk.get();
    for (uint64_t i = 0; i < slot.messages; ++i) {
        if (transactional && i % opts.transaction_size == 0) {
            if (i > 0) check_txn(rd_kafka_commit_transaction(rk, -1), "commit_transaction");
            check_txn(rd_kafka_begin_transaction(rk), "begin_transaction");
        }
        // Round robin rather than librdkafka's sticky partitioner, which would put a
        // whole burst shorter than its 10 ms stickiness on a single partition.
        const int32_t partition = partitions[(first + i) % partitions.size()];
        // Flags 0: librdkafka neither copies nor frees the payload, which outlives the run.
        while (rd_kafka_produce(slot.rkt.get(), partition, 0, payload.data(), payload.size(),
                                nullptr, 0, encode_time(clock_type::now())) != 0) {
            const auto err = rd_kafka_last_error();
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                throw client_error(
                    fmt::format("produce failed after {} messages: {}", i, rd_kafka_err2str(err)));
            }
            rd_kafka_poll(rk, 1);
        }
        // Serve delivery reports as they arrive so their timestamps are not delayed.
        rd_kafka_poll(rk, 0);
    }
    // Committing flushes the last transaction's messages.
    if (transactional) check_txn(rd_kafka_commit_transaction(rk, -1), "commit_transaction");
    // message.timeout.ms bounds how long any message can stay undelivered.
    slot.flushed = rd_kafka_flush(rk, 60'000);
}

int run_produce(const options& opts) {
    const bool transactional = opts.transaction_size > 0;
    std::vector<std::unique_ptr<producer_slot>> slots;
    std::vector<int32_t> partitions;
    for (int32_t p = 0; p < opts.producers; ++p) {
        auto slot = std::make_unique<producer_slot>();
        // The first producer takes the remainder, so the counts add up to --messages.
        slot->messages =
            opts.messages / opts.producers + (p == 0 ? opts.messages % opts.producers : 0);
        auto config = producer_config(opts, slot->state);
        if (transactional) {
            config.set("transactional.id", fmt::format("fjord-loadgen-{}", ::getpid()));
        }
        slot->rk = create_client(RD_KAFKA_PRODUCER, std::move(config));
        if (p == 0) {
            check_reachable(slot->rk.get(), opts.brokers, admin_timeout);
            partitions = ensure_topic(slot->rk.get(), opts);
        }
        // Connect to the partition leaders now, not inside the first messages' latency.
        count_messages(slot->rk.get(), opts.topic, partitions, admin_timeout);
        slot->rkt.reset(rd_kafka_topic_new(slot->rk.get(), opts.topic.c_str(), nullptr));
        if (!slot->rkt) {
            throw client_error("cannot use topic " + opts.topic);
        }
        if (transactional) {
            check_txn(
                rd_kafka_init_transactions(
                    slot->rk.get(),
                    std::chrono::duration_cast<std::chrono::milliseconds>(admin_timeout).count()),
                "init_transactions");
        }
        slots.push_back(std::move(slot));
    }
    auto payload = make_payload(opts.size);

    const auto start = clock_type::now();
    if (slots.size() == 1) {
        produce_messages(*slots[0], partitions, 0, payload, opts);
    } else {
        // A producer that fails stops the whole tool: its exception ends the process.
        std::vector<std::thread> threads;
        for (size_t p = 0; p < slots.size(); ++p) {
            threads.emplace_back([&, p] {
                try {
                    produce_messages(*slots[p], partitions, p, payload, opts);
                } catch (const client_error& e) {
                    fmt::print(stderr, "fjord-loadgen: producer {}: {}\n", p, e.what());
                    std::_Exit(1);
                }
            });
        }
        for (auto& t : threads) t.join();
    }
    const double seconds = seconds_between(start, clock_type::now());

    latency_histogram latency;
    uint64_t delivered = 0;
    uint64_t failed = 0;
    rd_kafka_resp_err_t first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (const auto& slot : slots) {
        latency.merge(slot->state.latency);
        delivered += slot->state.delivered;
        failed += slot->state.failed;
        if (first_error == RD_KAFKA_RESP_ERR_NO_ERROR) {
            first_error = slot->state.failed > 0 ? slot->state.first_error : slot->flushed;
        }
    }

    const std::string acks = opts.acks == "-1" ? "all" : opts.acks;
    const std::string mode = transactional
                                 ? fmt::format(" transactions of {}", opts.transaction_size)
                                 : (opts.idempotent ? " idempotent" : "");
    const std::string producers =
        opts.producers > 1 ? fmt::format(" {} producers", opts.producers) : "";
    print_report({.label = fmt::format("produce acks={}{} {}p {}{}", acks, mode, partitions.size(),
                                       opts.compression, producers),
                  .messages = delivered,
                  .bytes = delivered * opts.size,
                  .seconds = seconds,
                  .latency = &latency},
                 opts.format);
    if (first_error != RD_KAFKA_RESP_ERR_NO_ERROR || failed > 0 || delivered != opts.messages) {
        fmt::print(stderr, "error: {} of {} messages delivered; {} failed (first error: {})\n",
                   delivered, opts.messages, failed, rd_kafka_err2str(first_error));
        return 1;
    }
    return 0;
}

// A consumer handle reading `partitions` of the topic from `offset`, with nothing committed.
kafka_ptr assigned_consumer(const options& opts, const std::vector<int32_t>& partitions,
                            const std::vector<int64_t>& offsets) {
    auto config = common_config(opts);
    // rd_kafka_assign needs a consumer group handle, hence a group.id, but nothing is
    // committed and no group is joined: offsets come from the assignment.
    config.set("group.id", "fjord-loadgen")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest");
    auto rk = create_client(RD_KAFKA_CONSUMER, std::move(config));
    check_reachable(rk.get(), opts.brokers, admin_timeout);
    const auto assignment = make_partition_list(opts.topic, partitions, RD_KAFKA_OFFSET_BEGINNING);
    for (int i = 0; i < assignment->cnt; ++i) {
        assignment->elems[i].offset = offsets[i];
    }
    if (const auto err = rd_kafka_assign(rk.get(), assignment.get());
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw client_error(std::string("assign failed: ") + rd_kafka_err2str(err));
    }
    return rk;
}

int run_latency(const options& opts) {
    delivery_state state;
    auto config = producer_config(opts, state);
    const auto producer = create_client(RD_KAFKA_PRODUCER, std::move(config));
    check_reachable(producer.get(), opts.brokers, admin_timeout);
    const auto partitions = ensure_topic(producer.get(), opts);
    count_messages(producer.get(), opts.topic, partitions, admin_timeout);
    const topic_ptr rkt(rd_kafka_topic_new(producer.get(), opts.topic.c_str(), nullptr));
    if (!rkt) {
        throw client_error("cannot use topic " + opts.topic);
    }

    // The consumer starts at each partition's current end, so only this run's messages count.
    std::vector<int64_t> ends;
    for (const int32_t partition : partitions) {
        int64_t low = 0;
        int64_t high = 0;
        if (const auto err = rd_kafka_query_watermark_offsets(
                producer.get(), opts.topic.c_str(), partition, &low, &high,
                static_cast<int>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(admin_timeout).count()));
            err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            throw client_error(fmt::format("watermarks of {}/{}: {}", opts.topic, partition,
                                           rd_kafka_err2str(err)));
        }
        ends.push_back(high);
    }
    const auto consumer = assigned_consumer(opts, partitions, ends);
    // Let the consumer connect and start fetching before the clock starts.
    std::this_thread::sleep_for(1s);

    latency_histogram latency;
    uint64_t received = 0;
    uint64_t bytes = 0;
    auto last_received = clock_type::now();
    std::thread reader([&] {
        auto last_progress = clock_type::now();
        while (received < opts.messages) {
            const message_ptr message(rd_kafka_consumer_poll(consumer.get(), 100));
            const auto now = clock_type::now();
            if (!message || message->err != RD_KAFKA_RESP_ERR_NO_ERROR ||
                message->len < stamp_size) {
                if (now - last_progress > consume_idle_limit) break;
                continue;
            }
            latency.record(
                micros_between(read_stamp(static_cast<const char*>(message->payload)), now));
            ++received;
            bytes += message->len + message->key_len;
            last_progress = last_received = now;
        }
    });

    auto payload = make_payload(opts.size);
    const auto period = std::chrono::duration_cast<clock_type::duration>(
        std::chrono::duration<double>(1.0 / static_cast<double>(opts.rate)));
    const auto start = clock_type::now();
    for (uint64_t i = 0; i < opts.messages; ++i) {
        std::this_thread::sleep_until(start + i * period);
        write_stamp(payload.data(), clock_type::now());
        // F_COPY: the payload buffer is rewritten for the next message.
        while (rd_kafka_produce(rkt.get(), partitions[i % partitions.size()], RD_KAFKA_MSG_F_COPY,
                                payload.data(), payload.size(), nullptr, 0,
                                encode_time(clock_type::now())) != 0) {
            const auto err = rd_kafka_last_error();
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                throw client_error(
                    fmt::format("produce failed after {} messages: {}", i, rd_kafka_err2str(err)));
            }
            rd_kafka_poll(producer.get(), 1);
        }
        rd_kafka_poll(producer.get(), 0);
    }
    rd_kafka_flush(producer.get(), 60'000);
    reader.join();
    rd_kafka_consumer_close(consumer.get());

    print_report({.label = fmt::format("latency {}/s {}p", opts.rate, partitions.size()),
                  .messages = received,
                  .bytes = bytes,
                  .seconds = seconds_between(start, last_received),
                  .latency = &latency,
                  .latency_span = "send time to receive time"},
                 opts.format);
    if (received < opts.messages || state.failed > 0) {
        fmt::print(stderr, "error: received {} of {} messages; {} not delivered\n", received,
                   opts.messages, state.failed);
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
                 opts.format);
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
            case mode::latency:
                return run_latency(opts);
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
