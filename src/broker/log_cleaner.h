// The log cleaner: a background thread that, every log.retention.check.interval.ms, applies
// each topic's cleanup policy to its partitions with the topic's effective config as it is at
// that moment (dynamic config changes are picked up at the next pass):
//  - cleanup.policy includes delete: retention by retention.ms and retention.bytes
//    (storage::partition_log::enforce_retention);
//  - cleanup.policy includes compact: compaction with delete.retention.ms and
//    min.compaction.lag.ms (storage::partition_log::compact), __consumer_offsets included, of
//    the logs Kafka's cleaner would pick (compaction_due);
//  - every partition forgets the idempotent producers idle for producer.id.expiration.ms.
// Both block on disk I/O, which is why they never run on a network thread.
//
// Thread-safety: start(), request_stop() and stop() are called by the owner (broker); run_once()
// may be called from any thread (tests call it directly instead of starting the thread).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "base/metrics.h"
#include "broker/topic_table.h"
#include "storage/log_config.h"

namespace fjord::broker {

struct cleaner_stats {
    size_t partitions_checked = 0;
    size_t segments_deleted = 0;   // by retention
    size_t logs_compacted = 0;     // compact() ran (whether or not it removed anything)
    size_t logs_left_dirty = 0;    // compacted topics' logs not due for compaction
    size_t records_compacted = 0;  // removed by compaction
    size_t producers_expired = 0;
    size_t errors = 0;
};

// Kafka's rule for picking a log to compact: its dirty ratio is above min.cleanable.dirty.ratio,
// or it has cleanable bytes and a dirty segment whose first batch is older than
// max.compaction.lag.ms.
bool compaction_due(const storage::compaction_backlog& backlog, double min_cleanable_dirty_ratio,
                    int64_t max_compaction_lag_ms, int64_t now_ms);

class log_cleaner {
public:
    // Wall-clock milliseconds: retention and tombstone ages compare with record timestamps.
    using clock_fn = std::function<int64_t()>;
    static int64_t system_now_ms();

    // `topics` must outlive the cleaner. Without `compaction` (log.cleaner.enable=false),
    // compacted topics are never compacted, as in Kafka; retention and producer expiry go on.
    log_cleaner(topic_table& topics, std::chrono::milliseconds interval,
                clock_fn now = system_now_ms,
                int64_t producer_id_expiration_ms = broker_config{}.producer_id_expiration_ms,
                bool compaction = true);
    ~log_cleaner();
    log_cleaner(const log_cleaner&) = delete;
    log_cleaner& operator=(const log_cleaner&) = delete;

    void start();
    // Asks the thread to finish: it stops between partitions. Does not wait.
    void request_stop();
    // request_stop(), then waits for the thread. Idempotent.
    void stop();

    // One pass over every topic; stops early after request_stop().
    cleaner_stats run_once();

private:
    void run();

    topic_table& _topics;
    metrics::gauge& _max_dirty_percent;  // registered with the cleaner, set after each pass
    const std::chrono::milliseconds _interval;
    const int64_t _producer_id_expiration_ms;
    const clock_fn _now;
    const bool _compaction;

    std::mutex _mutex;
    std::condition_variable _wake;
    bool _stopping = false;  // GUARDED_BY(_mutex)
    std::thread _thread;
};

}  // namespace fjord::broker
