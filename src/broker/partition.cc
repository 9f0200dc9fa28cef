#include "broker/partition.h"

#include <algorithm>

namespace fjord::broker {

partition::partition(model::topic_partition id, std::shared_ptr<storage::partition_log> log)
    : _id(std::move(id)), _log(std::move(log)), _high_watermark(_log->high_watermark()) {}

void partition::when_durable(model::offset last_offset, std::function<void(durability)> done) {
    durability outcome;
    {
        std::lock_guard lock(_mutex);
        if (!_closed && _high_watermark <= last_offset) {
            _durable_waiters.emplace(last_offset, std::move(done));
            return;
        }
        outcome = _closed ? durability::failed : durability::durable;
    }
    done(outcome);
}

void partition::add_data_waiter(std::weak_ptr<data_waiter> waiter) {
    std::lock_guard lock(_mutex);
    if (_closed) return;
    // Fetches that timed out on an idle partition leave expired entries behind; drop them
    // whenever the list has doubled since the last sweep, so it stays proportional to the live
    // waiters at amortised O(1) per registration.
    if (_data_waiters.size() >= _prune_at) {
        std::erase_if(_data_waiters, [](const auto& w) { return w.expired(); });
        _prune_at = std::max(min_prune_at, 2 * _data_waiters.size());
    }
    _data_waiters.push_back(std::move(waiter));
}

void partition::on_high_watermark(model::offset high_watermark) {
    std::vector<std::function<void(durability)>> ready;
    std::vector<std::weak_ptr<data_waiter>> woken;
    {
        std::lock_guard lock(_mutex);
        if (high_watermark <= _high_watermark) return;
        _high_watermark = high_watermark;
        auto end = _durable_waiters.lower_bound(high_watermark);
        for (auto it = _durable_waiters.begin(); it != end; ++it)
            ready.push_back(std::move(it->second));
        _durable_waiters.erase(_durable_waiters.begin(), end);
        woken.swap(_data_waiters);
    }
    // Fetches first: a consumer's latency runs until its fetch is answered, while a producer
    // has usually sent its next request before its acks=all answer arrives.
    for (auto& w : woken)
        if (auto waiter = w.lock()) waiter->wake();
    for (auto& fn : ready) fn(durability::durable);
}

void partition::close_waiters() {
    std::multimap<model::offset, std::function<void(durability)>> failed;
    std::vector<std::weak_ptr<data_waiter>> woken;
    {
        std::lock_guard lock(_mutex);
        _closed = true;
        failed.swap(_durable_waiters);
        woken.swap(_data_waiters);
    }
    for (auto& [_, fn] : failed) fn(durability::failed);
    for (auto& w : woken)
        if (auto waiter = w.lock()) waiter->wake();
}

}  // namespace fjord::broker
