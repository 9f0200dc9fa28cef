#include "latency_histogram.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace fjord::bench {
namespace {

TEST(latency_histogram, empty_reports_zero) {
    latency_histogram h;
    EXPECT_EQ(h.count(), 0u);
    EXPECT_EQ(h.percentile(0.5), 0u);
    EXPECT_EQ(h.max(), 0u);
}

TEST(latency_histogram, small_values_are_exact) {
    latency_histogram h;
    for (uint64_t v = 1; v <= 100; ++v) {
        h.record(v);
    }
    EXPECT_EQ(h.count(), 100u);
    EXPECT_EQ(h.percentile(0.5), 50u);
    EXPECT_EQ(h.percentile(0.99), 99u);
    EXPECT_EQ(h.percentile(1.0), 100u);
    EXPECT_EQ(h.percentile(0.0), 1u);
    EXPECT_EQ(h.max(), 100u);
}

TEST(latency_histogram, large_values_within_relative_error) {
    latency_histogram h;
    for (uint64_t v = 1; v <= 1'000'000; ++v) {
        h.record(v);
    }
    for (double q : {0.5, 0.9, 0.99, 0.999}) {
        const double truth = q * 1'000'000;
        const double got = static_cast<double>(h.percentile(q));
        EXPECT_GE(got, truth) << q;
        EXPECT_LE(got, truth * (1 + 1.0 / 128)) << q;
    }
    EXPECT_EQ(h.percentile(1.0), 1'000'000u);
}

TEST(latency_histogram, percentile_never_exceeds_max) {
    latency_histogram h;
    h.record(1'000'001);
    EXPECT_EQ(h.percentile(0.5), 1'000'001u);
}

TEST(latency_histogram, extreme_values) {
    latency_histogram h;
    h.record(0);
    h.record(std::numeric_limits<uint64_t>::max());
    EXPECT_EQ(h.percentile(0.5), 0u);
    EXPECT_EQ(h.percentile(1.0), std::numeric_limits<uint64_t>::max());
}

TEST(latency_histogram, merge_is_recording_both) {
    latency_histogram a;
    latency_histogram b;
    latency_histogram both;
    for (uint64_t v = 1; v <= 1000; ++v) {
        (v % 3 == 0 ? a : b).record(v * 7);
        both.record(v * 7);
    }
    a.merge(b);
    EXPECT_EQ(a.count(), both.count());
    EXPECT_EQ(a.max(), both.max());
    for (const double q : {0.0, 0.5, 0.9, 0.99, 1.0}) {
        EXPECT_EQ(a.percentile(q), both.percentile(q)) << q;
    }
}

}  // namespace
}  // namespace fjord::bench
