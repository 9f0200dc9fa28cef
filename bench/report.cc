#include "report.h"

#include <fmt/format.h>

#include <cstring>
#include <random>

namespace fjord::bench {

double seconds_between(clock_type::time_point from, clock_type::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

uint64_t micros_between(clock_type::time_point from, clock_type::time_point to) {
    return std::chrono::duration_cast<std::chrono::microseconds>(to - from).count();
}

double rate(double amount, double seconds) {
    return seconds > 0 ? amount / seconds : 0;
}

std::string millis(uint64_t micros) {
    return fmt::format("{:.3f}", micros / 1000.0);
}

std::vector<char> make_payload(uint64_t size) {
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> letter(0, 25);
    std::vector<char> payload(size);
    for (auto& c : payload) {
        c = static_cast<char>('a' + letter(rng));
    }
    return payload;
}

void write_stamp(char* payload, clock_type::time_point sent) {
    const int64_t ticks = sent.time_since_epoch().count();
    std::memcpy(payload, &ticks, stamp_size);
}

clock_type::time_point read_stamp(const char* payload) {
    int64_t ticks = 0;
    std::memcpy(&ticks, payload, stamp_size);
    return clock_type::time_point(clock_type::duration(ticks));
}

void print_report(const report& r, output_format format) {
    const double msgs_per_s = rate(static_cast<double>(r.messages), r.seconds);
    const double mb_per_s = rate(static_cast<double>(r.bytes) / 1e6, r.seconds);
    const latency_histogram* h = r.latency;
    if (format == output_format::markdown) {
        const auto cell = [h](double q) { return h != nullptr ? millis(h->percentile(q)) : "-"; };
        const uint64_t average_size = r.messages > 0 ? r.bytes / r.messages : 0;
        fmt::print("| {} | {} | {} | {:.0f} | {:.2f} | {} | {} | {} | {} |\n", r.label,
                   average_size, r.messages, msgs_per_s, mb_per_s, cell(0.5), cell(0.99),
                   cell(0.999), h != nullptr ? millis(h->max()) : "-");
        return;
    }
    fmt::print("{}: {} messages, {} bytes in {:.3f} s\n", r.label, r.messages, r.bytes, r.seconds);
    fmt::print("  throughput: {:.0f} msg/s, {:.2f} MB/s\n", msgs_per_s, mb_per_s);
    if (h != nullptr) {
        fmt::print("  latency ({}): p50 {} ms, p99 {} ms, p99.9 {} ms, max {} ms\n", r.latency_span,
                   millis(h->percentile(0.5)), millis(h->percentile(0.99)),
                   millis(h->percentile(0.999)), millis(h->max()));
    }
}

}  // namespace fjord::bench
