// Settings and value types of the partition log (Kafka's topic-level names in comments).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "base/bytes.h"
#include "model/fundamental.h"

namespace fjord::storage {

// Milliseconds on a monotonic clock; only differences matter (segment.ms).
using log_clock = std::function<std::chrono::milliseconds()>;
std::chrono::milliseconds steady_clock_now();

struct log_config {
    uint64_t segment_bytes = 1 << 30;                 // segment.bytes (capped at 2^31 - 1)
    std::chrono::milliseconds segment_ms{604800000};  // segment.ms (7 days)
    uint32_t index_interval_bytes = 4096;             // index.interval.bytes
    uint32_t segment_index_bytes = 10 << 20;          // segment.index.bytes (roll when full)
    // Measures segment.ms: a segment rolls once this much time passed since its first append
    // (since the log was opened, for a recovered active segment). Empty: steady_clock_now.
    log_clock clock;
};

struct append_result {
    model::offset base_offset;  // first offset of the first batch
    model::offset last_offset;  // last offset of the last batch
};

// Whole batches exactly as stored. Empty when there is nothing to return.
struct read_result {
    shared_bytes data;
};

struct timestamp_offset {
    model::timestamp timestamp;
    model::offset offset;
    bool operator==(const timestamp_offset&) const = default;
};

}  // namespace fjord::storage
