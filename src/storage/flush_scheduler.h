// Group commit for partition logs. Appends do not fsync; after an append the caller schedules the
// log here, and a few background threads flush the scheduled logs, each log by one thread at a
// time. Appends that arrive while their log's fsync is running are covered by its next flush, so
// under load one fsync covers many appends and the cost is latency, not throughput. Different
// logs are flushed in parallel: an fsync waits for the disk, not a core, and the logs of a
// multi-partition produce become durable together instead of one after another.
//
// The callback set with set_on_flushed runs on a flusher thread once each log's flushed data is
// durable, with the new high watermark (before the flush writes index entries and snapshots), or
// after the flush with its error; the broker completes the acks=all produce requests whose
// last offset is below it and wakes fetches waiting for the high watermark. Callbacks for
// different logs may run at the same time; those of one log run in order. The callback must not
// block for long: it delays that thread's next flush. It runs inside the log's flush, so it must
// not flush, close or remove that log itself (partition_log::durable_callback). Each log's flush is
// counted and timed in kafka_log_flushes_total and kafka_log_flush_duration_seconds
// (docs/metrics.md).
//
// Lifecycle: set_on_flushed, then start(); stop() flushes what is pending, then joins. schedule()
// may be called from any thread, before start() too (work waits for start); once stop() has
// begun it does nothing (closing a log flushes it). Not restartable.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
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

    // Log flushes done so far (tests).
    uint64_t flushes() const;

    // Flusher threads: enough to keep several fsyncs in flight.
    static constexpr size_t thread_count = 4;

private:
    void run();

    flushed_callback _on_flushed;
    mutable std::mutex _mutex;
    std::condition_variable _wake;
    // GUARDED_BY(_mutex): scheduled logs no thread is flushing, oldest first.
    std::deque<std::shared_ptr<partition_log>> _pending;
    std::unordered_set<partition_log*> _pending_set;  // GUARDED_BY(_mutex): those in _pending
    std::unordered_set<partition_log*> _flushing;     // GUARDED_BY(_mutex): being flushed now
    // GUARDED_BY(_mutex): scheduled again while being flushed; queued when that flush ends.
    std::unordered_map<partition_log*, std::shared_ptr<partition_log>> _again;
    bool _stopping = false;  // GUARDED_BY(_mutex)
    uint64_t _flushes = 0;   // GUARDED_BY(_mutex)
    std::vector<std::thread> _threads;
};

}  // namespace fjord::storage
