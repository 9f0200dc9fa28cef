// Generated message codecs on the two hot APIs: decoding a Produce request and encoding a Fetch
// response (and the reverse directions, which clients and tests use). Record sets travel as
// shared views, never copied, so the cost should not depend on their size.
#include <benchmark/benchmark.h>

#include <memory>

#include "fixtures.h"
#include "protocol/messages/fetch.h"
#include "protocol/messages/produce.h"
#include "protocol/wire.h"

namespace fjord::bench {
namespace {

constexpr int partitions = 3;

// One topic, three partitions of one 16 KiB batch each: a librdkafka produce request shape.
protocol::produce_request produce_request() {
    auto records = shared_bytes::from(make_batch(16, 1000));
    protocol::produce_request req;
    req.acks = -1;
    req.timeout_ms = 30000;
    auto& topic = req.topic_data.emplace_back();
    topic.name = "bench-topic";
    for (int p = 0; p < partitions; ++p) {
        auto& part = topic.partition_data.emplace_back();
        part.index = p;
        part.records = records;
    }
    return req;
}

// One topic, three partitions of 1 MiB each (a consumer's fetch.max.bytes worth).
protocol::fetch_response fetch_response() {
    auto records = shared_bytes::from(make_record_set(size_t{1} << 20, 16, 1000));
    protocol::fetch_response resp;
    auto& topic = resp.responses.emplace_back();
    topic.topic = "bench-topic";
    for (int p = 0; p < partitions; ++p) {
        auto& part = topic.partitions.emplace_back();
        part.partition_index = p;
        part.high_watermark = 1'000'000;
        part.last_stable_offset = 1'000'000;
        part.log_start_offset = 0;
        part.records = records;
    }
    return resp;
}

template <typename Message>
shared_bytes encoded(const Message& m, int16_t version) {
    protocol::writer w;
    m.encode(w, version);
    return shared_bytes::from(std::move(w).finish_bytes());
}

template <typename Message, Message (*make)()>
void bm_encode(benchmark::State& state) {
    auto version = static_cast<int16_t>(state.range(0));
    Message m = make();
    size_t size = 0;
    for (auto _ : state) {
        protocol::writer w;
        m.encode(w, version);
        iobuf out = std::move(w).finish();
        size = out.size();
        benchmark::DoNotOptimize(out);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.counters["frame_bytes"] = static_cast<double>(size);
}

template <typename Message, Message (*make)()>
void bm_decode(benchmark::State& state) {
    auto version = static_cast<int16_t>(state.range(0));
    shared_bytes frame = encoded(make(), version);
    for (auto _ : state) {
        protocol::reader r(frame.owner, frame.view);
        Message m;
        if (!m.decode(r, version) || !r.ok()) state.SkipWithError("decode failed");
        benchmark::DoNotOptimize(m);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.counters["frame_bytes"] = static_cast<double>(frame.size());
}

// Versions: librdkafka 2.0.2's highest (Produce v7, Fetch v11) and the first flexible ones.
BENCHMARK(bm_decode<protocol::produce_request, produce_request>)
    ->Name("produce_request/decode")
    ->ArgName("v")
    ->Arg(7)
    ->Arg(9);
BENCHMARK(bm_encode<protocol::produce_request, produce_request>)
    ->Name("produce_request/encode")
    ->ArgName("v")
    ->Arg(7)
    ->Arg(9);
BENCHMARK(bm_encode<protocol::fetch_response, fetch_response>)
    ->Name("fetch_response/encode")
    ->ArgName("v")
    ->Arg(11)
    ->Arg(12);
BENCHMARK(bm_decode<protocol::fetch_response, fetch_response>)
    ->Name("fetch_response/decode")
    ->ArgName("v")
    ->Arg(11)
    ->Arg(12);

}  // namespace
}  // namespace fjord::bench
