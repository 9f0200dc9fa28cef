// Settings and value types of the partition log (Kafka's topic-level names in comments).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>

#include "base/bytes.h"
#include "model/fundamental.h"

namespace fjord::storage {

// Milliseconds on a monotonic clock; only differences matter (segment.ms).
using log_clock = std::function<std::chrono::milliseconds()>;
std::chrono::milliseconds steady_clock_now();
std::chrono::milliseconds system_clock_now();

struct log_config {
    uint64_t segment_bytes = 1 << 30;                 // segment.bytes (capped at 2^31 - 1)
    std::chrono::milliseconds segment_ms{604800000};  // segment.ms (7 days)
    uint32_t index_interval_bytes = 4096;             // index.interval.bytes
    uint32_t segment_index_bytes = 10 << 20;          // segment.index.bytes (roll when full)
    // Measures segment.ms: a segment rolls once this much time passed since its first append
    // (since the log was opened, for a recovered active segment). Empty: steady_clock_now.
    log_clock clock;
    // Wall-clock time (since the Unix epoch) stamped on a producer's appends, from which
    // producer.id.expiration.ms counts. Empty: system_clock_now.
    log_clock wall_clock;
    // Read by open() only: every byte in the directory was fsynced by a clean close (the
    // broker's clean-shutdown marker says so), so recovery need not fsync what it keeps.
    bool closed_cleanly = false;
    // Besides the producer state snapshot at every roll, one after every this many bytes
    // appended to a segment: after a crash, the next open replays at most this much of the
    // active segment instead of all of it (up to segment.bytes). 0: at rolls only.
    uint64_t snapshot_interval_bytes = 64 << 20;
    // The active segment's index entries reach their files at a flush once they index this many
    // bytes of .log past the entries already written (and always at seal and close): after a
    // crash, recovery re-validates at most this much more of the active segment, and a flush of
    // a few records does not open, write and close both index files. 0: at every flush.
    uint64_t index_write_interval_bytes = 4 << 20;
    // Zero-fill ahead (segment-files.md §2): when a flush carries at most a quarter of this many
    // bytes of the active segment (records come slower than the disk syncs them), the flusher
    // writes this many zero bytes past the data, once less than half of the last such run is
    // left. Appends then overwrite blocks the filesystem has allocated already, and their fsync
    // commits no new size or allocation to its journal. Larger flushes leave the file to grow
    // as written, so data streaming in is not written twice. A longer run means fewer but
    // longer stalls of the flush that carries it (docs/profile.md). 0: never.
    uint64_t preallocate_bytes = 128 << 10;
};

// compact()'s settings (Kafka topic names in comments).
struct compaction_config {
    int64_t delete_retention_ms = 86400000;  // delete.retention.ms: how long tombstones stay
    int64_t min_compaction_lag_ms = 0;       // min.compaction.lag.ms
    // max.compaction.lag.ms: only read by measure_compaction_backlog(), which looks up the
    // segments' first timestamps when it is below the maximum.
    int64_t max_compaction_lag_ms = std::numeric_limits<int64_t>::max();
    // Keys the cleaner's map holds at once (log.cleaner.dedupe.buffer.size / 24 bytes in Kafka);
    // 0 is treated as 1. A full map starts another pass.
    size_t max_map_entries = 1 << 20;
};

struct compaction_stats {
    size_t passes = 0;              // key-map fills (1 unless the map filled up)
    size_t segments_rewritten = 0;  // segment swaps (a segment rewritten in two passes counts 2)
    size_t records_removed = 0;
    uint64_t bytes_before = 0;  // sizes of the rewritten segments before / after, summed
    uint64_t bytes_after = 0;
};

// What compaction would find to clean, measured as Kafka's cleaner measures a log before it
// picks one (min.cleanable.dirty.ratio, max.compaction.lag.ms). "Clean" segments are the sealed
// ones the last complete compact() went through since the log was opened; the dirty ones are
// the sealed segments after them, and the cleanable ones are the dirty ones up to the first
// that is not durable yet or holds a record younger than min.compaction.lag.ms.
struct compaction_backlog {
    uint64_t clean_bytes = 0;
    uint64_t cleanable_bytes = 0;
    // The smallest first-batch maxTimestamp of the dirty segments (Kafka's firstBatchTimestamp,
    // for max.compaction.lag.ms). Looked up only when that lag is set; nullopt otherwise, or when
    // no dirty segment has a timestamp.
    std::optional<int64_t> earliest_dirty_timestamp;

    // cleanable / (clean + cleanable); 0 for an empty log.
    double dirty_ratio() const {
        const uint64_t total = clean_bytes + cleanable_bytes;
        return total == 0 ? 0.0 : static_cast<double>(cleanable_bytes) / static_cast<double>(total);
    }
};

struct append_result {
    model::offset base_offset;  // first offset of the first batch
    model::offset last_offset;  // last offset of the last batch
    // An idempotent producer's retry of a batch the log already holds: nothing was appended;
    // the offsets are the original batch's and max_timestamp its maxTimestamp.
    bool duplicate = false;
    model::timestamp max_timestamp{-1};
};

// Whole batches exactly as stored. Empty when there is nothing to return.
struct read_result {
    shared_bytes data;
};

// An aborted transaction, for Fetch's read_committed answer: the consumer drops the transactional
// batches of `producer_id` from `first_offset` up to the ABORT marker at `last_offset`.
struct aborted_transaction {
    model::producer_id producer_id;
    model::offset first_offset;
    model::offset last_offset;
    bool operator==(const aborted_transaction&) const = default;
};

struct timestamp_offset {
    model::timestamp timestamp;
    model::offset offset;
    bool operator==(const timestamp_offset&) const = default;
};

}  // namespace fjord::storage
