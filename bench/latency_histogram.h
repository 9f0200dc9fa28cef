#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace fjord::bench {

// A log-linear histogram of non-negative integer samples (microseconds here).
// Values below 2^sub_bucket_bits are counted exactly; above, each power of two is
// split into 2^sub_bucket_bits buckets, so a reported percentile is at most
// 1/128 (< 0.8%) above the true one. Memory is fixed (about 60 KiB) however many
// samples are recorded, which is why it is used instead of keeping every sample.
//
// Not thread-safe: record from one thread, or merge per-thread copies.
class latency_histogram {
public:
    void record(uint64_t value);
    // Adds every sample of `other`, as if recorded here.
    void merge(const latency_histogram& other);

    uint64_t count() const { return _count; }
    uint64_t max() const { return _max; }

    // The smallest bucket bound b such that at least `quantile` of the samples
    // are <= b, capped at max(); 0 when empty. `quantile` is in [0, 1].
    uint64_t percentile(double quantile) const;

private:
    static constexpr unsigned sub_bucket_bits = 7;
    static constexpr uint64_t sub_buckets = uint64_t{1} << sub_bucket_bits;
    // Group 0 and 1 hold values below 2 * sub_buckets exactly; each further
    // group is one more power of two, up to values of 64 bits.
    static constexpr std::size_t bucket_count = (64 - sub_bucket_bits + 1) * sub_buckets;

    static std::size_t bucket_of(uint64_t value);
    static uint64_t upper_bound_of(std::size_t bucket);

    std::array<uint64_t, bucket_count> _counts{};
    uint64_t _count = 0;
    uint64_t _max = 0;
};

}  // namespace fjord::bench
