// Redis Streams workloads (hiredis). A message is one stream entry with one field, `d`, holding
// the value. Producers pipeline XADDs in batches of --window; readers page through the stream
// with XREAD COUNT from id 0, so nothing is acknowledged and no consumer group is involved. The
// latency producer sends at a fixed rate and reads XADD replies in between sends (never
// waiting for one), like the asynchronous producers of the other two systems.

#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <poll.h>

#include <algorithm>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "peers/generators.h"
#include "report.h"

namespace fjord::bench::peers {
namespace {

using namespace std::chrono_literals;

struct reply_deleter {
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

// One blocking connection. Not thread-safe: one per thread.
class connection {
public:
    explicit connection(const peer_options& opts) {
        _c = redisConnect(opts.host().c_str(), opts.port());
        if (_c == nullptr || _c->err != 0) {
            const std::string why = _c != nullptr ? _c->errstr : "out of memory";
            if (_c != nullptr) redisFree(_c);
            throw peer_error(fmt::format("connect to {}:{}: {}", opts.host(), opts.port(), why));
        }
    }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection() { redisFree(_c); }

    // Queues a command without waiting for its reply.
    void append(const std::vector<std::string_view>& args) {
        fill(args);
        if (redisAppendCommandArgv(_c, static_cast<int>(args.size()), _argv.data(),
                                   _lengths.data()) != REDIS_OK) {
            throw peer_error(fmt::format("queueing {}: {}", args[0], _c->errstr));
        }
    }

    // The next reply, in command order; an error reply throws.
    reply_ptr reply() {
        void* raw = nullptr;
        if (redisGetReply(_c, &raw) != REDIS_OK || raw == nullptr) {
            throw peer_error(fmt::format("reading a reply: {}", _c->errstr));
        }
        reply_ptr r(static_cast<redisReply*>(raw));
        if (r->type == REDIS_REPLY_ERROR) {
            throw peer_error(fmt::format("server error: {}", std::string(r->str, r->len)));
        }
        return r;
    }

    // Writes out every queued command.
    void flush() {
        int done = 0;
        while (done == 0) {
            if (redisBufferWrite(_c, &done) != REDIS_OK) {
                throw peer_error(fmt::format("writing: {}", _c->errstr));
            }
        }
    }

    // Reads the replies that arrive until `deadline` without blocking past it; returns how
    // many there were. An error reply throws.
    uint64_t replies_until(clock_type::time_point deadline) {
        uint64_t count = 0;
        while (true) {
            void* raw = nullptr;
            while (redisGetReplyFromReader(_c, &raw) == REDIS_OK && raw != nullptr) {
                const reply_ptr r(static_cast<redisReply*>(raw));
                if (r->type == REDIS_REPLY_ERROR) {
                    throw peer_error(fmt::format("server error: {}", std::string(r->str, r->len)));
                }
                ++count;
                raw = nullptr;
            }
            const auto left = deadline - clock_type::now();
            if (left <= clock_type::duration::zero()) return count;
            const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
            const timespec timeout{.tv_sec = static_cast<time_t>(ns / 1'000'000'000),
                                   .tv_nsec = static_cast<long>(ns % 1'000'000'000)};
            pollfd fd{.fd = _c->fd, .events = POLLIN, .revents = 0};
            if (ppoll(&fd, 1, &timeout, nullptr) > 0 && redisBufferRead(_c) != REDIS_OK) {
                throw peer_error(fmt::format("reading: {}", _c->errstr));
            }
        }
    }

    reply_ptr command(const std::vector<std::string_view>& args) {
        append(args);
        return reply();
    }

private:
    void fill(const std::vector<std::string_view>& args) {
        _argv.clear();
        _lengths.clear();
        for (const auto arg : args) {
            _argv.push_back(arg.data());
            _lengths.push_back(arg.size());
        }
    }

    redisContext* _c = nullptr;
    std::vector<const char*> _argv;
    std::vector<size_t> _lengths;
};

std::string_view view(const std::vector<char>& payload) {
    return {payload.data(), payload.size()};
}

struct producer_result {
    latency_histogram latency;
    uint64_t acked = 0;
};

// XADDs `messages` entries round robin over `streams`, starting at `first`, in pipelined
// batches of `window`: a batch is written, then all its replies are read.
void produce_messages(connection& conn, const std::vector<std::string>& streams, size_t first,
                      uint64_t messages, const peer_options& opts, producer_result& result) {
    auto payload = make_payload(opts.size);
    std::vector<clock_type::time_point> sent;
    uint64_t i = 0;
    while (i < messages) {
        const uint64_t batch = std::min<uint64_t>(opts.window, messages - i);
        sent.clear();
        for (uint64_t k = 0; k < batch; ++k, ++i) {
            const auto now = clock_type::now();
            write_stamp(payload.data(), now);
            conn.append({"XADD", streams[(first + i) % streams.size()], "*", "d", view(payload)});
            sent.push_back(now);
        }
        for (uint64_t k = 0; k < batch; ++k) {
            conn.reply();
            result.latency.record(micros_between(sent[k], clock_type::now()));
            ++result.acked;
        }
    }
}

int run_produce(const peer_options& opts) {
    std::vector<std::string> streams;
    for (int32_t s = 0; s < opts.partitions; ++s) streams.push_back(opts.stream_name(s));
    std::vector<std::unique_ptr<connection>> conns;
    std::vector<producer_result> results(opts.producers);
    for (int32_t p = 0; p < opts.producers; ++p) {
        conns.push_back(std::make_unique<connection>(opts));
        conns.back()->command({"PING"});
    }

    const auto start = clock_type::now();
    std::vector<std::thread> threads;
    for (int32_t p = 0; p < opts.producers; ++p) {
        threads.emplace_back([&, p] {
            const uint64_t messages =
                opts.messages / opts.producers + (p == 0 ? opts.messages % opts.producers : 0);
            try {
                produce_messages(*conns[p], streams, p, messages, opts, results[p]);
            } catch (const peer_error& e) {
                fmt::print(stderr, "fjord-peergen: producer {}: {}\n", p, e.what());
                std::_Exit(1);
            }
        });
    }
    for (auto& t : threads) t.join();
    const double seconds = seconds_between(start, clock_type::now());

    latency_histogram latency;
    uint64_t acked = 0;
    for (const auto& r : results) {
        latency.merge(r.latency);
        acked += r.acked;
    }
    const std::string many = opts.producers > 1 ? fmt::format(" {} producers", opts.producers) : "";
    print_report({.label = fmt::format("redis produce {}p{}", opts.partitions, many),
                  .messages = acked,
                  .bytes = acked * opts.size,
                  .seconds = seconds,
                  .latency = &latency,
                  .latency_span = "XADD queued to its reply"},
                 opts.format);
    return acked == opts.messages ? 0 : 1;
}

// Calls `on_entry(id, value)` for each entry of an XREAD reply: [[stream, [[id, [f, v]]...]]].
// Returns the number of entries; a nil reply (nothing new) has none.
template <typename F>
uint64_t for_each_entry(const redisReply& r, F&& on_entry) {
    if (r.type != REDIS_REPLY_ARRAY) return 0;
    uint64_t count = 0;
    for (size_t s = 0; s < r.elements; ++s) {
        const redisReply* stream = r.element[s];
        if (stream->type != REDIS_REPLY_ARRAY || stream->elements < 2) continue;
        const redisReply* entries = stream->element[1];
        for (size_t e = 0; e < entries->elements; ++e) {
            const redisReply* entry = entries->element[e];
            if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 2) continue;
            const redisReply* fields = entry->element[1];
            const std::string_view id(entry->element[0]->str, entry->element[0]->len);
            const std::string_view value =
                fields->elements >= 2
                    ? std::string_view(fields->element[1]->str, fields->element[1]->len)
                    : std::string_view();
            on_entry(id, value);
            ++count;
        }
    }
    return count;
}

int run_consume(const peer_options& opts) {
    connection conn(opts);
    const std::string count = std::to_string(opts.window);
    std::string last_id = "0-0";
    uint64_t read = 0;
    uint64_t bytes = 0;
    const auto start = clock_type::now();
    while (read < opts.messages) {
        const auto r = conn.command({"XREAD", "COUNT", count, "STREAMS", opts.stream, last_id});
        const uint64_t got = for_each_entry(*r, [&](std::string_view id, std::string_view value) {
            if (read < opts.messages) {
                ++read;
                bytes += value.size();
            }
            last_id = id;
        });
        // The stream has ended short of --messages.
        if (got == 0) break;
    }
    const double seconds = seconds_between(start, clock_type::now());
    print_report(
        {.label = "redis consume 1p", .messages = read, .bytes = bytes, .seconds = seconds},
        opts.format);
    if (read < opts.messages) {
        fmt::print(stderr, "error: the stream holds {} of {} messages\n", read, opts.messages);
        return 1;
    }
    return 0;
}

int run_latency(const peer_options& opts) {
    connection producer(opts);
    // A new, empty stream, so the reader sees only this run's messages.
    producer.command({"DEL", opts.stream});
    connection reader_conn(opts);
    reader_conn.command({"PING"});

    latency_histogram latency;
    uint64_t received = 0;
    uint64_t bytes = 0;
    auto last_received = clock_type::now();
    bool failed = false;
    std::thread reader([&] {
        std::string last_id = "0-0";
        auto last_progress = clock_type::now();
        try {
            while (received < opts.messages) {
                const auto r = reader_conn.command(
                    {"XREAD", "COUNT", "1000", "BLOCK", "1000", "STREAMS", opts.stream, last_id});
                const auto now = clock_type::now();
                const uint64_t got =
                    for_each_entry(*r, [&](std::string_view id, std::string_view value) {
                        if (value.size() >= stamp_size) {
                            latency.record(micros_between(read_stamp(value.data()), now));
                        }
                        ++received;
                        bytes += value.size();
                        last_id = id;
                    });
                if (got > 0) {
                    last_progress = last_received = now;
                } else if (now - last_progress > 30s) {
                    break;
                }
            }
        } catch (const peer_error& e) {
            fmt::print(stderr, "fjord-peergen: reader: {}\n", e.what());
            failed = true;
        }
    });
    std::this_thread::sleep_for(1s);

    auto payload = make_payload(opts.size);
    const auto period = std::chrono::duration_cast<clock_type::duration>(
        std::chrono::duration<double>(1.0 / static_cast<double>(opts.rate)));
    const auto start = clock_type::now();
    uint64_t acked = 0;
    for (uint64_t i = 0; i < opts.messages; ++i) {
        // Replies are read while waiting for the next send, so a slow reply delays no send.
        acked += producer.replies_until(start + i * period);
        write_stamp(payload.data(), clock_type::now());
        producer.append({"XADD", opts.stream, "*", "d", view(payload)});
        producer.flush();
    }
    const auto deadline = clock_type::now() + 30s;
    while (acked < opts.messages && clock_type::now() < deadline) {
        acked += producer.replies_until(clock_type::now() + 10ms);
    }
    reader.join();

    print_report({.label = fmt::format("redis latency {}/s 1p", opts.rate),
                  .messages = received,
                  .bytes = bytes,
                  .seconds = seconds_between(start, last_received),
                  .latency = &latency,
                  .latency_span = "send time to receive time"},
                 opts.format);
    if (failed || received < opts.messages || acked < opts.messages) {
        fmt::print(stderr, "error: received {} of {} messages; {} acknowledged\n", received,
                   opts.messages, acked);
        return 1;
    }
    return 0;
}

// Empty streams: XGROUP CREATE ... MKSTREAM makes a stream without an entry.
int run_idle(const peer_options& opts) {
    connection conn(opts);
    for (int32_t s = 0; s < opts.partitions; ++s) {
        conn.append({"XGROUP", "CREATE", opts.stream_name(s), "idle", "$", "MKSTREAM"});
    }
    for (int32_t s = 0; s < opts.partitions; ++s) conn.reply();
    fmt::print(stderr, "created {} streams\n", opts.partitions);
    return 0;
}

}  // namespace

int run_redis(const peer_options& opts) {
    switch (opts.run) {
        case workload::produce:
            return run_produce(opts);
        case workload::consume:
            return run_consume(opts);
        case workload::latency:
            return run_latency(opts);
        case workload::idle:
            return run_idle(opts);
    }
    return 1;
}

}  // namespace fjord::bench::peers
