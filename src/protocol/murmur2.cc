#include "protocol/murmur2.h"

#include "base/vassert.h"

namespace fjord::protocol {

int32_t murmur2(bytes_view data) {
    constexpr uint32_t seed = 0x9747b28c;
    constexpr uint32_t m = 0x5bd1e995;
    constexpr int r = 24;

    // Unsigned arithmetic gives Java's wrapping int multiplication and its >>> shifts.
    const size_t length = data.size();
    uint32_t h = seed ^ static_cast<uint32_t>(length);
    size_t i = 0;
    for (; i + 4 <= length; i += 4) {
        uint32_t k = uint32_t{data[i]} | uint32_t{data[i + 1]} << 8 | uint32_t{data[i + 2]} << 16 |
                     uint32_t{data[i + 3]} << 24;  // little-endian words
        k *= m;
        k ^= k >> r;
        k *= m;
        h *= m;
        h ^= k;
    }
    switch (length - i) {
        case 3:
            h ^= uint32_t{data[i + 2]} << 16;
            [[fallthrough]];
        case 2:
            h ^= uint32_t{data[i + 1]} << 8;
            [[fallthrough]];
        case 1:
            h ^= uint32_t{data[i]};
            h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return static_cast<int32_t>(h);
}

int32_t java_partition_for_key(bytes_view key, int32_t partitions) {
    vassert(partitions > 0, "partition count {} must be positive", partitions);
    return (murmur2(key) & 0x7fffffff) % partitions;
}

}  // namespace fjord::protocol
