// offset-commit: OffsetCommit throughput and latency for one member of a consumer group.

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "client.h"
#include "common.h"
#include "group_bench.h"
#include "latency_histogram.h"

namespace fjord::bench {
namespace {

using namespace std::chrono_literals;

constexpr auto assignment_limit = 60s;
// Without a commit result for this long, an async run gives up.
constexpr int result_timeout_ms = 30'000;
// Async commits in flight at once: enough to keep the broker busy, and bounded so that the
// latency is the broker's and not that of an ever longer client queue.
constexpr uint64_t async_window = 64;
// How often the commit loop serves the consumer's queue, which an application must poll.
constexpr auto serve_interval = 100ms;

struct commit_run {
    latency_histogram latency;  // microseconds from the commit call to its result
    uint64_t committed = 0;
    double seconds = 0;
};

// Stop issuing commits after --commits of them (0: no limit) or at the --duration deadline.
struct commit_budget {
    uint64_t max_commits;
    clock_type::time_point deadline;

    bool spent(uint64_t issued, clock_type::time_point now) const {
        return (max_commits != 0 && issued >= max_commits) || now >= deadline;
    }
};

// Runs what librdkafka queued for the application: rebalances, errors. Nothing is consumed.
void serve(rd_kafka_t* rk, int timeout_ms) {
    const message_ptr message(rd_kafka_consumer_poll(rk, timeout_ms));
    if (message && message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fmt::print(stderr, "consumer: {}\n", rd_kafka_message_errstr(message.get()));
    }
}

size_t assigned_count(rd_kafka_t* rk) {
    rd_kafka_topic_partition_list_t* raw = nullptr;
    if (rd_kafka_assignment(rk, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return 0;
    }
    const partition_list_ptr assignment(raw);
    return static_cast<size_t>(assignment->cnt);
}

void wait_for_assignment(rd_kafka_t* rk, size_t partitions) {
    const auto deadline = clock_type::now() + assignment_limit;
    while (assigned_count(rk) < partitions) {
        if (clock_type::now() > deadline) {
            throw client_error(fmt::format("the group gave this consumer {} of {} partitions",
                                           assigned_count(rk), partitions));
        }
        serve(rk, 100);
    }
}

void set_offsets(rd_kafka_topic_partition_list_t* offsets, uint64_t offset) {
    for (int i = 0; i < offsets->cnt; ++i) {
        offsets->elems[i].offset = static_cast<int64_t>(offset);
    }
}

// Commit n (from 1) stores offset n for every partition, so the last one is checkable.
commit_run commit_sync(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* offsets,
                       const options& opts) {
    commit_run run;
    const auto start = clock_type::now();
    const commit_budget budget{opts.commits, start + std::chrono::seconds(opts.duration_s)};
    auto now = start;
    auto served = start;
    while (!budget.spent(run.committed, now)) {
        set_offsets(offsets, run.committed + 1);
        const auto sent = clock_type::now();
        if (const auto err = rd_kafka_commit(rk, offsets, 0); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            throw client_error(
                fmt::format("commit {} failed: {}", run.committed + 1, rd_kafka_err2str(err)));
        }
        now = clock_type::now();
        run.latency.record(micros_between(sent, now));
        ++run.committed;
        if (now - served >= serve_interval) {
            serve(rk, 0);
            served = now;
        }
    }
    run.seconds = seconds_between(start, now);
    return run;
}

// The first error of an OffsetCommit result: the request's, else a partition's.
rd_kafka_resp_err_t commit_error(rd_kafka_event_t* result) {
    if (const auto err = rd_kafka_event_error(result); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return err;
    }
    if (const auto* offsets = rd_kafka_event_topic_partition_list(result); offsets != nullptr) {
        for (int i = 0; i < offsets->cnt; ++i) {
            if (offsets->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                return offsets->elems[i].err;
            }
        }
    }
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

// As commit_sync, with up to async_window commits in flight; each result comes back on a
// queue of our own, carrying its send time.
commit_run commit_async(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* offsets,
                        const options& opts) {
    commit_run run;
    const queue_ptr results(rd_kafka_queue_new(rk));
    const auto start = clock_type::now();
    const commit_budget budget{opts.commits, start + std::chrono::seconds(opts.duration_s)};
    uint64_t issued = 0;
    auto now = start;
    auto served = start;
    while (true) {
        while (issued - run.committed < async_window && !budget.spent(issued, now)) {
            set_offsets(offsets, ++issued);
            now = clock_type::now();
            // librdkafka copies `offsets`.
            if (const auto err =
                    rd_kafka_commit_queue(rk, offsets, results.get(), nullptr, encode_time(now));
                err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                throw client_error(
                    fmt::format("commit {} failed: {}", issued, rd_kafka_err2str(err)));
            }
        }
        if (issued == run.committed) {
            break;
        }
        const event_ptr result(rd_kafka_queue_poll(results.get(), result_timeout_ms));
        now = clock_type::now();
        if (!result) {
            throw client_error(fmt::format("no commit result in {} s; {} of {} commits answered",
                                           result_timeout_ms / 1000, run.committed, issued));
        }
        if (rd_kafka_event_type(result.get()) != RD_KAFKA_EVENT_OFFSET_COMMIT) {
            continue;
        }
        if (const auto err = commit_error(result.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            throw client_error(fmt::format("a commit failed: {}", rd_kafka_err2str(err)));
        }
        run.latency.record(micros_between(decode_time(rd_kafka_event_opaque(result.get())), now));
        ++run.committed;
        if (now - served >= serve_interval) {
            serve(rk, 0);
            served = now;
        }
    }
    run.seconds = seconds_between(start, now);
    return run;
}

// What the broker returns must be the last commit: anything else means a commit was lost
// or applied out of order.
void check_committed(rd_kafka_t* rk, const std::string& topic,
                     const std::vector<int32_t>& partitions, uint64_t expected) {
    const auto committed = make_partition_list(topic, partitions, RD_KAFKA_OFFSET_INVALID);
    if (const auto err =
            rd_kafka_committed(rk, committed.get(), static_cast<int>(admin_timeout.count() * 1000));
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw client_error(std::string("OffsetFetch failed: ") + rd_kafka_err2str(err));
    }
    for (int i = 0; i < committed->cnt; ++i) {
        const auto& p = committed->elems[i];
        if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR || p.offset != static_cast<int64_t>(expected)) {
            throw client_error(fmt::format("{}/{}: committed offset {} ({}), expected {}", topic,
                                           p.partition, p.offset, rd_kafka_err2str(p.err),
                                           expected));
        }
    }
}

}  // namespace

int run_offset_commit(const options& opts) {
    const auto partitions = set_up_topic(opts);
    auto config = common_config(opts);
    config.set("group.id", fresh_group_id("commit"))
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        // Nothing is read: start at the end rather than replay the topic.
        .set("auto.offset.reset", "latest");
    const auto rk = create_client(RD_KAFKA_CONSUMER, std::move(config));
    rd_kafka_poll_set_consumer(rk.get());

    // A real member: commits carry its generation and member id, which the broker checks.
    subscribe(rk.get(), opts.topic);
    wait_for_assignment(rk.get(), partitions.size());

    const auto offsets = make_partition_list(opts.topic, partitions, 0);
    const bool sync = opts.commit == commit_style::sync;
    const auto run = sync ? commit_sync(rk.get(), offsets.get(), opts)
                          : commit_async(rk.get(), offsets.get(), opts);
    check_committed(rk.get(), opts.topic, partitions, run.committed);
    rd_kafka_consumer_close(rk.get());

    const char* style = sync ? "sync" : "async";
    const double per_s = rate(static_cast<double>(run.committed), run.seconds);
    const auto& h = run.latency;
    if (opts.format == output_format::markdown) {
        // Columns: test | commits | commits/s | p50 | p99 | p99.9 | max (ms).
        fmt::print("| offset-commit {} {}p | {} | {:.0f} | {} | {} | {} | {} |\n", style,
                   partitions.size(), run.committed, per_s, millis(h.percentile(0.5)),
                   millis(h.percentile(0.99)), millis(h.percentile(0.999)), millis(h.max()));
        return 0;
    }
    fmt::print("offset-commit {}: {} commits of {} partitions in {:.3f} s\n", style, run.committed,
               partitions.size(), run.seconds);
    fmt::print("  throughput: {:.0f} commits/s\n", per_s);
    fmt::print(
        "  latency (commit call to its result{}): p50 {} ms, p99 {} ms, p99.9 {} ms, "
        "max {} ms\n",
        sync ? "" : fmt::format(", up to {} in flight", async_window), millis(h.percentile(0.5)),
        millis(h.percentile(0.99)), millis(h.percentile(0.999)), millis(h.max()));
    return 0;
}

}  // namespace fjord::bench
