// Group commit for partition logs. Appends do not fsync; after an append the caller schedules the
// log here, and one background thread flushes every scheduled log. Appends that arrive while a
// round of fsyncs is running are picked up by the next round, so under load one fsync covers
// many appends and the cost is latency, not throughput.
//
// The callback set with set_on_flushed runs on the flusher thread after each log's flush, with the
// new high watermark (or the error); the broker completes the acks=all produce requests whose
// last offset is below it and wakes fetches waiting for the high watermark. The callback must not
// block for long: it delays every other log's flush. Each log's flush is counted and timed in
// kafka_log_flushes_total and kafka_log_flush_duration_seconds (docs/metrics.md).
//
// Lifecycle: set_on_flushed, then start(); stop() flushes what is pending, then joins. schedule()
// may be called from any thread, before start() too (work waits for start); once stop() has
// begun it does nothing (closing a log flushes it). Not restartable.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "base/result.h"
#include "model/fundamental.h"
#include "storage/errc.h"

namespace fjord::storage {

class partition_log;

class flush_scheduler {
public:
    using flushed_callback = std::function<void(partition_log&, result<model::offset, errc>)>;

    flush_scheduler() = default;
    flush_scheduler(const flush_scheduler&) = delete;
    flush_scheduler& operator=(const flush_scheduler&) = delete;
    ~flush_scheduler();  // stop()

    // REQUIRES: before start().
    void set_on_flushed(flushed_callback cb);
    void start();
    void stop();

    // Flush `log` soon. A log scheduled several times before the flusher gets to it is flushed
    // once. The scheduler keeps the log alive until its flush is done.
    void schedule(std::shared_ptr<partition_log> log);

    // Rounds of flushing done so far (tests, metrics).
    uint64_t rounds() const;

private:
    void run();

    flushed_callback _on_flushed;
    mutable std::mutex _mutex;
    std::condition_variable _wake;
    std::vector<std::shared_ptr<partition_log>> _pending;  // GUARDED_BY(_mutex)
    std::unordered_set<partition_log*> _pending_set;       // GUARDED_BY(_mutex)
    bool _stopping = false;                                // GUARDED_BY(_mutex)
    uint64_t _rounds = 0;                                  // GUARDED_BY(_mutex)
    std::thread _thread;
};

}  // namespace fjord::storage
