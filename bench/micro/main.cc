// The benchmark runner: Google Benchmark's own flags (--benchmark_filter, --benchmark_format,
// --benchmark_repetitions...), with Fjord's info logs (a line per log opened and removed)
// silenced so they do not interleave with the results.
#include <benchmark/benchmark.h>

#include "base/logger.h"

int main(int argc, char** argv) {
    fjord::set_log_level("warn");
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
