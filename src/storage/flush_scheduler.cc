#include "storage/flush_scheduler.h"

#include <chrono>

#include "base/metrics.h"
#include "storage/partition_log.h"

namespace fjord::storage {
namespace {

// kafka_log_flush* (docs/metrics.md), process-wide.
struct flush_metrics {
    metrics::histogram& duration;
    metrics::counter& flushes;
};

flush_metrics& process_flush_metrics() {
    auto& r = metrics::global();
    static flush_metrics m{
        .duration = *r.histograms("kafka_log_flush_duration_seconds",
                                  "Time to flush one partition log (fsync of its new data, index "
                                  "entries and directory) in a group-commit round.")
                         .labels({}),
        .flushes = *r.counters("kafka_log_flushes_total", "Partition log flushes.").labels({}),
    };
    return m;
}

}  // namespace

flush_scheduler::~flush_scheduler() {
    stop();
}

void flush_scheduler::set_on_flushed(flushed_callback cb) {
    _on_flushed = std::move(cb);
}

void flush_scheduler::start() {
    vassert(_threads.empty(), "flush_scheduler started twice");
    process_flush_metrics();  // registered now, so /metrics shows them before the first flush
    for (size_t i = 0; i < thread_count; ++i) _threads.emplace_back([this] { run(); });
}

void flush_scheduler::stop() {
    {
        std::lock_guard lock(_mutex);
        _stopping = true;
    }
    _wake.notify_all();
    for (auto& t : _threads) {
        if (t.joinable()) t.join();
    }
}

void flush_scheduler::schedule(std::shared_ptr<partition_log> log) {
    {
        std::lock_guard lock(_mutex);
        if (_stopping) return;  // the logs' close() flushes from now on
        partition_log* key = log.get();
        if (_flushing.contains(key)) {
            // Its running flush may have started before this append: flush it once more after.
            _again.try_emplace(key, std::move(log));
            return;
        }
        if (!_pending_set.insert(key).second) return;
        _pending.push_back(std::move(log));
    }
    _wake.notify_one();
}

uint64_t flush_scheduler::flushes() const {
    std::lock_guard lock(_mutex);
    return _flushes;
}

void flush_scheduler::run() {
    auto& m = process_flush_metrics();
    while (true) {
        std::shared_ptr<partition_log> log;
        {
            std::unique_lock lock(_mutex);
            _wake.wait(lock, [this] { return _stopping || !_pending.empty(); });
            // Stopping with nothing queued: a log still being flushed by another thread is
            // re-queued (if scheduled again) by that thread, which flushes it before it exits.
            if (_pending.empty()) return;
            log = std::move(_pending.front());
            _pending.pop_front();
            _pending_set.erase(log.get());
            _flushing.insert(log.get());
        }
        auto began = std::chrono::steady_clock::now();
        auto r = log->flush([&](model::offset high_watermark) {
            if (_on_flushed) _on_flushed(*log, high_watermark);
        });
        m.duration.observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
        m.flushes.inc();
        // A flush that succeeded has reported its high watermark already; a failed one never did.
        if (!r && _on_flushed) _on_flushed(*log, std::move(r));
        std::lock_guard lock(_mutex);
        ++_flushes;
        _flushing.erase(log.get());
        if (auto again = _again.find(log.get()); again != _again.end()) {
            // No other thread is woken for it: this one is free and takes the front of the
            // queue next, and a wake-up that finds the queue empty costs the reactors a core
            // for nothing, once per flush of a busy log.
            _pending_set.insert(log.get());
            _pending.push_back(std::move(again->second));
            _again.erase(again);
        }
    }
}

}  // namespace fjord::storage
