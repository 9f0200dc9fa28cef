// NATS JetStream workloads. Every stream stores to files (the server's -sd directory); a stream
// takes the subject of its own name. Producers publish asynchronously with acks
// (js_PublishAsync, at most --window awaiting their ack); readers use an ordered push consumer
// from the start of the stream: no acks, flow control by the library.

#include <fmt/format.h>
#include <nats/nats.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "peers/generators.h"
#include "report.h"

namespace fjord::bench::peers {
namespace {

using namespace std::chrono_literals;

// The library reports why a call failed in its own status, with JetStream's code beside it.
void check(natsStatus status, std::string_view what, jsErrCode code = jsErrCode(0)) {
    if (status == NATS_OK) return;
    throw peer_error(fmt::format("{} failed: {} (JetStream error {}) {}", what,
                                 natsStatus_GetText(status), static_cast<int>(code),
                                 nats_GetLastError(nullptr) ? nats_GetLastError(nullptr) : ""));
}

// What the acknowledgements of one connection's publishes have told. Written only by the
// library's thread for that connection's replies; `done` (release) publishes the rest.
struct ack_state {
    latency_histogram latency;
    std::atomic<uint64_t> done{0};
    std::atomic<uint64_t> failed{0};
};

void on_ack(jsCtx*, natsMsg* msg, jsPubAck*, jsPubAckErr* error, void* closure) {
    auto& state = *static_cast<ack_state*>(closure);
    if (error != nullptr) {
        state.failed.fetch_add(1, std::memory_order_relaxed);
    } else if (natsMsg_GetDataLength(msg) >= static_cast<int>(stamp_size)) {
        state.latency.record(micros_between(read_stamp(natsMsg_GetData(msg)), clock_type::now()));
    }
    // The handler owns the original message.
    natsMsg_Destroy(msg);
    state.done.fetch_add(1, std::memory_order_release);
}

// One connection with its JetStream context; publishes report to `acks` if given.
class connection {
public:
    connection(const peer_options& opts, ack_state* acks) {
        natsOptions* raw = nullptr;
        check(natsOptions_Create(&raw), "natsOptions_Create");
        const std::unique_ptr<natsOptions, decltype(&natsOptions_Destroy)> nopts(
            raw, natsOptions_Destroy);
        const auto url = fmt::format("nats://{}:{}", opts.host(), opts.port());
        check(natsOptions_SetURL(nopts.get(), url.c_str()), "natsOptions_SetURL");
        check(natsConnection_Connect(&_nc, nopts.get()), "connect to " + url);
        jsOptions jo;
        jsOptions_Init(&jo);
        if (acks != nullptr) {
            jo.PublishAsync.MaxPending = opts.window;
            jo.PublishAsync.AckHandler = on_ack;
            jo.PublishAsync.AckHandlerClosure = acks;
            // A full window waits for acks rather than failing the publish.
            jo.PublishAsync.StallWait = 30'000;
        }
        check(natsConnection_JetStream(&_js, _nc, &jo), "natsConnection_JetStream");
    }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection() {
        if (_js != nullptr) jsCtx_Destroy(_js);
        if (_nc != nullptr) natsConnection_Destroy(_nc);
    }

    jsCtx* js() { return _js; }

    // Waits until every async publish is acknowledged (or 60 s pass).
    void wait_acks(const ack_state& acks, uint64_t published) {
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = 60'000;
        check(js_PublishAsyncComplete(_js, &po), "js_PublishAsyncComplete");
        // The library may count a publish complete just before its handler returns.
        while (acks.done.load(std::memory_order_acquire) < published) {
            std::this_thread::sleep_for(1ms);
        }
    }

private:
    natsConnection* _nc = nullptr;
    jsCtx* _js = nullptr;
};

// Creates the file-backed stream `name` on subject `name`; one that exists is kept.
void add_stream(jsCtx* js, const std::string& name) {
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    config.Name = name.c_str();
    const char* subjects[] = {name.c_str()};
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    jsStreamInfo* info = nullptr;
    jsErrCode code = jsErrCode(0);
    const natsStatus status = js_AddStream(&info, js, &config, nullptr, &code);
    if (info != nullptr) jsStreamInfo_Destroy(info);
    if (status != NATS_OK && code != JSStreamNameExistErr) {
        check(status, "add stream " + name, code);
    }
}

void delete_stream(jsCtx* js, const std::string& name) {
    jsErrCode code = jsErrCode(0);
    const natsStatus status = js_DeleteStream(js, name.c_str(), nullptr, &code);
    if (status != NATS_OK && code != JSStreamNotFoundErr && status != NATS_NOT_FOUND) {
        check(status, "delete stream " + name, code);
    }
}

void publish(jsCtx* js, const std::string& subject, const std::vector<char>& payload) {
    check(js_PublishAsync(js, subject.c_str(), payload.data(), static_cast<int>(payload.size()),
                          nullptr),
          "js_PublishAsync to " + subject);
}

int run_produce(const peer_options& opts) {
    {
        connection admin(opts, nullptr);
        for (int32_t s = 0; s < opts.partitions; ++s) add_stream(admin.js(), opts.stream_name(s));
    }
    std::vector<std::string> subjects;
    for (int32_t s = 0; s < opts.partitions; ++s) subjects.push_back(opts.stream_name(s));

    struct producer {
        ack_state acks;
        std::unique_ptr<connection> conn;
        uint64_t messages = 0;
    };
    std::vector<std::unique_ptr<producer>> producers;
    for (int32_t p = 0; p < opts.producers; ++p) {
        auto prod = std::make_unique<producer>();
        prod->messages =
            opts.messages / opts.producers + (p == 0 ? opts.messages % opts.producers : 0);
        prod->conn = std::make_unique<connection>(opts, &prod->acks);
        producers.push_back(std::move(prod));
    }

    const auto start = clock_type::now();
    std::vector<std::thread> threads;
    for (size_t p = 0; p < producers.size(); ++p) {
        threads.emplace_back([&, p] {
            auto& prod = *producers[p];
            auto payload = make_payload(opts.size);
            try {
                for (uint64_t i = 0; i < prod.messages; ++i) {
                    write_stamp(payload.data(), clock_type::now());
                    publish(prod.conn->js(), subjects[(p + i) % subjects.size()], payload);
                }
                prod.conn->wait_acks(prod.acks, prod.messages);
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
    uint64_t failed = 0;
    for (const auto& prod : producers) {
        latency.merge(prod->acks.latency);
        failed += prod->acks.failed.load();
        acked += prod->acks.done.load() - prod->acks.failed.load();
    }
    const std::string many = opts.producers > 1 ? fmt::format(" {} producers", opts.producers) : "";
    print_report({.label = fmt::format("nats produce {}p{}", opts.partitions, many),
                  .messages = acked,
                  .bytes = acked * opts.size,
                  .seconds = seconds,
                  .latency = &latency,
                  .latency_span = "js_PublishAsync() to its ack"},
                 opts.format);
    if (acked != opts.messages) {
        fmt::print(stderr, "error: {} of {} messages acknowledged, {} failed\n", acked,
                   opts.messages, failed);
        return 1;
    }
    return 0;
}

// An ordered push consumer of the whole stream, from its first message.
natsSubscription* subscribe_ordered(connection& conn, const std::string& stream) {
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = stream.c_str();
    so.Ordered = true;
    natsSubscription* sub = nullptr;
    jsErrCode code = jsErrCode(0);
    check(js_SubscribeSync(&sub, conn.js(), stream.c_str(), nullptr, &so, &code),
          "subscribe to " + stream, code);
    // The library's default pending limits would drop messages of a fast stream.
    check(natsSubscription_SetPendingLimits(sub, -1, -1), "natsSubscription_SetPendingLimits");
    return sub;
}

struct sub_deleter {
    void operator()(natsSubscription* sub) const {
        natsSubscription_Unsubscribe(sub);
        natsSubscription_Destroy(sub);
    }
};
using subscription_ptr = std::unique_ptr<natsSubscription, sub_deleter>;

int run_consume(const peer_options& opts) {
    connection conn(opts, nullptr);
    const auto start = clock_type::now();
    const subscription_ptr sub(subscribe_ordered(conn, opts.stream));
    uint64_t read = 0;
    uint64_t bytes = 0;
    while (read < opts.messages) {
        natsMsg* msg = nullptr;
        // Thirty seconds without a message: the stream holds fewer than --messages.
        if (natsSubscription_NextMsg(&msg, sub.get(), 30'000) != NATS_OK) break;
        ++read;
        bytes += static_cast<uint64_t>(natsMsg_GetDataLength(msg));
        natsMsg_Destroy(msg);
    }
    const double seconds = seconds_between(start, clock_type::now());
    print_report({.label = "nats consume 1p", .messages = read, .bytes = bytes, .seconds = seconds},
                 opts.format);
    if (read < opts.messages) {
        fmt::print(stderr, "error: read {} of {} messages before giving up\n", read, opts.messages);
        return 1;
    }
    return 0;
}

int run_latency(const peer_options& opts) {
    ack_state acks;
    connection producer(opts, &acks);
    // A new, empty stream, so the consumer sees only this run's messages.
    delete_stream(producer.js(), opts.stream);
    add_stream(producer.js(), opts.stream);
    connection reader_conn(opts, nullptr);
    const subscription_ptr sub(subscribe_ordered(reader_conn, opts.stream));
    std::this_thread::sleep_for(1s);

    latency_histogram latency;
    uint64_t received = 0;
    uint64_t bytes = 0;
    auto last_received = clock_type::now();
    std::thread reader([&] {
        while (received < opts.messages) {
            natsMsg* msg = nullptr;
            if (natsSubscription_NextMsg(&msg, sub.get(), 30'000) != NATS_OK) break;
            const auto now = clock_type::now();
            if (natsMsg_GetDataLength(msg) >= static_cast<int>(stamp_size)) {
                latency.record(micros_between(read_stamp(natsMsg_GetData(msg)), now));
            }
            ++received;
            bytes += static_cast<uint64_t>(natsMsg_GetDataLength(msg));
            last_received = now;
            natsMsg_Destroy(msg);
        }
    });

    auto payload = make_payload(opts.size);
    const auto period = std::chrono::duration_cast<clock_type::duration>(
        std::chrono::duration<double>(1.0 / static_cast<double>(opts.rate)));
    const auto start = clock_type::now();
    for (uint64_t i = 0; i < opts.messages; ++i) {
        std::this_thread::sleep_until(start + i * period);
        write_stamp(payload.data(), clock_type::now());
        publish(producer.js(), opts.stream, payload);
    }
    producer.wait_acks(acks, opts.messages);
    reader.join();

    print_report({.label = fmt::format("nats latency {}/s 1p", opts.rate),
                  .messages = received,
                  .bytes = bytes,
                  .seconds = seconds_between(start, last_received),
                  .latency = &latency,
                  .latency_span = "send time to receive time"},
                 opts.format);
    if (received < opts.messages || acks.failed.load() > 0) {
        fmt::print(stderr, "error: received {} of {} messages; {} publishes failed\n", received,
                   opts.messages, acks.failed.load());
        return 1;
    }
    return 0;
}

int run_idle(const peer_options& opts) {
    connection conn(opts, nullptr);
    const auto start = clock_type::now();
    for (int32_t s = 0; s < opts.partitions; ++s) add_stream(conn.js(), opts.stream_name(s));
    fmt::print(stderr, "created {} streams in {:.1f} s\n", opts.partitions,
               seconds_between(start, clock_type::now()));
    return 0;
}

}  // namespace

int run_nats(const peer_options& opts) {
    int status = 1;
    switch (opts.run) {
        case workload::produce:
            status = run_produce(opts);
            break;
        case workload::consume:
            status = run_consume(opts);
            break;
        case workload::latency:
            status = run_latency(opts);
            break;
        case workload::idle:
            status = run_idle(opts);
            break;
    }
    return status;
}

}  // namespace fjord::bench::peers
