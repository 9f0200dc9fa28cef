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
    vassert(!_thread.joinable(), "flush_scheduler started twice");
    process_flush_metrics();  // registered now, so /metrics shows them before the first flush
    _thread = std::thread([this] { run(); });
}

void flush_scheduler::stop() {
    {
        std::lock_guard lock(_mutex);
        _stopping = true;
    }
    _wake.notify_all();
    if (_thread.joinable()) _thread.join();
}

void flush_scheduler::schedule(std::shared_ptr<partition_log> log) {
    {
        std::lock_guard lock(_mutex);
        if (_stopping) return;  // the logs' close() flushes from now on
        if (!_pending_set.insert(log.get()).second) return;
        _pending.push_back(std::move(log));
    }
    _wake.notify_one();
}

uint64_t flush_scheduler::rounds() const {
    std::lock_guard lock(_mutex);
    return _rounds;
}

void flush_scheduler::run() {
    std::vector<std::shared_ptr<partition_log>> round;
    while (true) {
        {
            std::unique_lock lock(_mutex);
            _wake.wait(lock, [this] { return _stopping || !_pending.empty(); });
            if (_pending.empty()) return;  // stopping, and everything is flushed
            round.swap(_pending);
            _pending_set.clear();
        }
        auto& m = process_flush_metrics();
        for (auto& log : round) {
            auto began = std::chrono::steady_clock::now();
            auto r = log->flush();
            m.duration.observe(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
            m.flushes.inc();
            if (_on_flushed) _on_flushed(*log, std::move(r));
        }
        round.clear();
        {
            std::lock_guard lock(_mutex);
            ++_rounds;
        }
    }
}

}  // namespace fjord::storage
