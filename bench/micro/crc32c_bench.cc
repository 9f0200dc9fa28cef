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

}  // namespace
}  // namespace fjord::bench
