// The record batch codec: what the produce path runs on every batch (header parse, CRC check)
// and what compaction and the tools run (decode, build).
#include <benchmark/benchmark.h>

#include "fixtures.h"
#include "protocol/record_batch.h"

namespace fjord::bench {
namespace {

using protocol::compression_type;

constexpr size_t one_mib = size_t{1} << 20;

// Records of `value_size` bytes until one batch holds about 1 MiB.
bytes one_mib_batch(size_t value_size) {
    // A record costs its value plus about 20 bytes of key, lengths and deltas.
    return make_batch(one_mib / (value_size + 20), value_size);
}

void bm_read_batch_header(benchmark::State& state) {
    bytes batch = one_mib_batch(1024);
    for (auto _ : state) {
        auto h = protocol::read_batch_header(batch);
        benchmark::DoNotOptimize(h);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(bm_read_batch_header)->Name("read_batch_header");

// The produce path's check: header and CRC of every batch of the record set, in place.
void bm_validate_record_set(benchmark::State& state) {
    auto value_size = static_cast<size_t>(state.range(0));
    bytes batch = one_mib_batch(value_size);
    auto count = protocol::read_batch_header(batch).value().records_count;
    for (auto _ : state) {
        auto headers = protocol::validate_record_set(batch);
        if (!headers) state.SkipWithError("validate_record_set refused the batch");
        benchmark::DoNotOptimize(headers);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * count);
    state.counters["records"] = count;
}
BENCHMARK(bm_validate_record_set)->Name("validate_record_set/1MiB_batch")->Arg(1024)->Arg(100);

// The same megabyte as 64 batches of 16 KiB (librdkafka's default batch.size is 1 MB, but real
// batches are often small): the per-batch overhead on top of the CRC.
void bm_validate_record_set_many(benchmark::State& state) {
    bytes set = make_record_set(one_mib, 16, 1000);
    size_t batches = protocol::validate_record_set(set).value().size();
    for (auto _ : state) {
        auto headers = protocol::validate_record_set(set);
        benchmark::DoNotOptimize(headers);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * set.size()));
    state.counters["batches"] = static_cast<double>(batches);
}
BENCHMARK(bm_validate_record_set_many)->Name("validate_record_set/1MiB_of_16KiB_batches");

void bm_decode_records(benchmark::State& state) {
    auto value_size = static_cast<size_t>(state.range(0));
    auto codec = static_cast<compression_type>(state.range(1));
    constexpr size_t count = 100;
    bytes batch = make_batch(count, value_size, codec);
    for (auto _ : state) {
        auto records = protocol::decode_records(batch);
        if (!records) state.SkipWithError("decode_records refused the batch");
        benchmark::DoNotOptimize(records);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * count));
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * count * value_size));
}
BENCHMARK(bm_decode_records)
    ->Name("decode_records/100_records")
    ->ArgNames({"value", "codec"})
    ->Args({100, 0})
    ->Args({1024, 0})
    ->Args({1024, static_cast<int>(compression_type::lz4)})
    ->Args({1024, static_cast<int>(compression_type::zstd)});

void bm_build_batch(benchmark::State& state) {
    auto value_size = static_cast<size_t>(state.range(0));
    protocol::batch_options options;
    options.compression = static_cast<compression_type>(state.range(1));
    constexpr size_t count = 100;
    auto records = make_records(count, value_size);
    for (auto _ : state) {
        bytes batch = protocol::build_batch(options, records);
        benchmark::DoNotOptimize(batch);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * count));
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * count * value_size));
}
BENCHMARK(bm_build_batch)
    ->Name("build_batch/100_records")
    ->ArgNames({"value", "codec"})
    ->Args({100, 0})
    ->Args({1024, 0})
    ->Args({1024, static_cast<int>(compression_type::lz4)})
    ->Args({1024, static_cast<int>(compression_type::zstd)});

}  // namespace
}  // namespace fjord::bench
