#pragma once

// What the load generators share without a client library: the clock, rates, and the one
// report format that fjord-loadgen and fjord-peergen both print (so bench/compare.sh can parse
// either the same way).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "latency_histogram.h"
#include "options.h"

namespace fjord::bench {

using clock_type = std::chrono::steady_clock;

double seconds_between(clock_type::time_point from, clock_type::time_point to);
uint64_t micros_between(clock_type::time_point from, clock_type::time_point to);
double rate(double amount, double seconds);
// Microseconds printed as milliseconds with three decimals.
std::string millis(uint64_t micros);

// A value of `size` bytes: printable but not trivially compressible, so compression has work
// to do. The same bytes on every call.
std::vector<char> make_payload(uint64_t size);

// The send time written into the first stamp_size bytes of a payload, so a consumer in the same
// process (same steady clock) can measure end-to-end latency. Payloads must hold stamp_size bytes.
inline constexpr std::size_t stamp_size = 8;
void write_stamp(char* payload, clock_type::time_point sent);
clock_type::time_point read_stamp(const char* payload);

struct report {
    std::string label;
    uint64_t messages = 0;
    uint64_t bytes = 0;
    double seconds = 0;
    // In microseconds; null when the run measures no latency (consume).
    const latency_histogram* latency = nullptr;
    // What the latency spans, for text output.
    std::string latency_span = "produce() to delivery report";
};

// Markdown prints one table row: test | bytes/msg | messages | msg/s | MB/s | p50 | p99 |
// p99.9 | max (ms); text prints a few readable lines.
void print_report(const report& r, output_format format);

}  // namespace fjord::bench
