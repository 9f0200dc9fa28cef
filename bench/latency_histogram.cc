#include "latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace fjord::bench {

std::size_t latency_histogram::bucket_of(uint64_t value) {
    if (value < sub_buckets) {
        return value;
    }
    // Keep the top sub_bucket_bits + 1 bits: `top` is in [sub_buckets, 2 * sub_buckets).
    const unsigned exponent = std::bit_width(value) - 1;
    const unsigned shift = exponent - sub_bucket_bits;
    const uint64_t top = value >> shift;
    return (shift + 1) * sub_buckets + (top - sub_buckets);
}

uint64_t latency_histogram::upper_bound_of(std::size_t bucket) {
    if (bucket < 2 * sub_buckets) {
        return bucket;
    }
    const unsigned shift = bucket / sub_buckets - 1;
    const uint64_t top = sub_buckets + bucket % sub_buckets;
    // For the last bucket this wraps to 0 - 1, the largest uint64_t, as wanted.
    return ((top + 1) << shift) - 1;
}

void latency_histogram::record(uint64_t value) {
    ++_counts[bucket_of(value)];
    ++_count;
    _max = std::max(_max, value);
}

void latency_histogram::merge(const latency_histogram& other) {
    for (std::size_t bucket = 0; bucket < bucket_count; ++bucket) {
        _counts[bucket] += other._counts[bucket];
    }
    _count += other._count;
    _max = std::max(_max, other._max);
}

uint64_t latency_histogram::percentile(double quantile) const {
    if (_count == 0) {
        return 0;
    }
    // The rank of the sample sought, 1-based: p50 of 10 samples is the 5th.
    const double clamped = std::clamp(quantile, 0.0, 1.0);
    const auto rank = std::max<uint64_t>(
        1, static_cast<uint64_t>(std::ceil(clamped * static_cast<double>(_count))));
    uint64_t seen = 0;
    for (std::size_t bucket = 0; bucket < bucket_count; ++bucket) {
        seen += _counts[bucket];
        if (seen >= rank) {
            return std::min(upper_bound_of(bucket), _max);
        }
    }
    return _max;
}

}  // namespace fjord::bench
