// CRC-32C: the produce path checks one per batch over every byte a producer sends.
#include <benchmark/benchmark.h>

#include "base/crc32c.h"

namespace fjord::bench {
namespace {

bytes filled(size_t size) {
    bytes data(size);
    for (size_t i = 0; i < size; ++i) data[i] = static_cast<uint8_t>(i * 131 + 7);
    return data;
}

template <uint32_t (*crc)(bytes_view, uint32_t)>
void bm_crc32c(benchmark::State& state) {
    bytes data = filled(static_cast<size_t>(state.range(0)));
    for (auto _ : state) {
        benchmark::DoNotOptimize(crc(data, 0));
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

// crc32c() is what the broker calls (hardware when the CPU has SSE4.2); the other two show what
// the dispatch picks and what a CPU without SSE4.2 would pay.
BENCHMARK(bm_crc32c<crc32c>)->Name("crc32c")->Arg(1 << 10)->Arg(64 << 10)->Arg(1 << 20);
BENCHMARK(bm_crc32c<crc32c_hardware>)
    ->Name("crc32c_hardware")
    ->Arg(1 << 10)
    ->Arg(64 << 10)
    ->Arg(1 << 20);
BENCHMARK(bm_crc32c<crc32c_portable>)
    ->Name("crc32c_portable")
    ->Arg(1 << 10)
    ->Arg(64 << 10)
    ->Arg(1 << 20);

// Record batches are checksummed from byte 21 of the batch, so real inputs rarely start on an
// 8-byte boundary.
void bm_crc32c_unaligned(benchmark::State& state) {
    bytes data = filled(static_cast<size_t>(state.range(0)) + 1);
    bytes_view input = bytes_view(data).subspan(1);
    for (auto _ : state) {
        benchmark::DoNotOptimize(crc32c(input, 0));
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(bm_crc32c_unaligned)->Name("crc32c_unaligned")->Arg(1 << 10)->Arg(64 << 10)->Arg(1 << 20);

// Each call is seeded with the previous result, so calls cannot overlap in the CPU: the latency
// of one checksum, which is what short inputs pay (independent calls hide it).
void bm_crc32c_latency(benchmark::State& state) {
    bytes data = filled(static_cast<size_t>(state.range(0)));
    uint32_t crc = 0;
    for (auto _ : state) {
        crc = crc32c(data, crc);
    }
    benchmark::DoNotOptimize(crc);
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(bm_crc32c_latency)->Name("crc32c_latency")->Arg(64)->Arg(128)->Arg(256)->Arg(1 << 10);

}  // namespace
}  // namespace fjord::bench
