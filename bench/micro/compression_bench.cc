// The compression codecs on a records section: what a compressed produce costs when the broker
// must read records (compaction, re-compression), and what the tools pay to build batches.
#include <benchmark/benchmark.h>

#include "fixtures.h"
#include "protocol/compression.h"
#include "protocol/record_batch.h"

namespace fjord::bench {
namespace {

using protocol::compression_type;

// The uncompressed records section of a 64-record batch of 1 KiB values (about 67 KB).
bytes records_section() {
    bytes batch = make_batch(64, 1024);
    return bytes(batch.begin() + protocol::batch_field::records, batch.end());
}

void bm_compress(benchmark::State& state) {
    auto codec = static_cast<compression_type>(state.range(0));
    bytes input = records_section();
    size_t compressed_size = 0;
    for (auto _ : state) {
        bytes out = protocol::compress(codec, input);
        compressed_size = out.size();
        benchmark::DoNotOptimize(out);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
    state.counters["ratio"] =
        static_cast<double>(input.size()) / static_cast<double>(compressed_size);
    state.SetLabel(std::string(protocol::to_string(codec)));
}

void bm_decompress(benchmark::State& state) {
    auto codec = static_cast<compression_type>(state.range(0));
    bytes input = records_section();
    bytes compressed = protocol::compress(codec, input);
    for (auto _ : state) {
        auto out = protocol::decompress(codec, compressed, protocol::default_max_decompressed);
        if (!out || out->size() != input.size()) state.SkipWithError("round trip failed");
        benchmark::DoNotOptimize(out);
    }
    // Uncompressed bytes produced per second, so both directions compare on the same scale.
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
    state.SetLabel(std::string(protocol::to_string(codec)));
}

void codecs(benchmark::internal::Benchmark* b) {
    for (auto c : {compression_type::gzip, compression_type::snappy, compression_type::lz4,
                   compression_type::zstd}) {
        b->Arg(static_cast<int>(c));
    }
    b->ArgName("codec");
}

BENCHMARK(bm_compress)->Name("compress/64x1KiB")->Apply(codecs);
BENCHMARK(bm_decompress)->Name("decompress/64x1KiB")->Apply(codecs);

}  // namespace
}  // namespace fjord::bench
