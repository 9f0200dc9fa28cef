// What a request frame or a fetch read buffer costs before any data is in it. The broker used to
// read a large request into `std::make_shared<bytes>(size)`, which zero-fills every byte first
// (docs/profile.md, F4); it now uses shared_buffer::for_overwrite (make_shared_for_overwrite),
// which skips that.
#include <benchmark/benchmark.h>

#include <memory>

#include "base/bytes.h"

namespace fjord::bench {
namespace {

void bm_frame_zeroed(benchmark::State& state) {
    auto size = static_cast<size_t>(state.range(0));
    for (auto _ : state) {
        auto frame = std::make_shared<bytes>(size);
        benchmark::DoNotOptimize(frame->data());
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(bm_frame_zeroed)->Name("frame_alloc/zeroed")->Arg(64 << 10)->Arg(1 << 20);

void bm_frame_for_overwrite(benchmark::State& state) {
    auto size = static_cast<size_t>(state.range(0));
    for (auto _ : state) {
        auto frame = std::make_shared_for_overwrite<uint8_t[]>(size);
        benchmark::DoNotOptimize(frame.get());
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(bm_frame_for_overwrite)->Name("frame_alloc/for_overwrite")->Arg(64 << 10)->Arg(1 << 20);

}  // namespace
}  // namespace fjord::bench
