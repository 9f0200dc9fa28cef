#include "storage/flush_scheduler.h"

#include "storage/partition_log.h"

namespace fjord::storage {

flush_scheduler::~flush_scheduler() {
    stop();
}

void flush_scheduler::set_on_flushed(flushed_callback cb) {
    _on_flushed = std::move(cb);
}

void flush_scheduler::start() {
    vassert(!_thread.joinable(), "flush_scheduler started twice");
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
        for (auto& log : round) {
            auto r = log->flush();
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
