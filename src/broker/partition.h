// One partition of a topic on this broker: its log plus the requests waiting on it.
//
// Two kinds of waiters hang on a partition, both released when the high watermark moves (the
// flusher made more data durable):
//  - acks=all produce requests, waiting until their last offset is durable;
//  - long-polling fetches, waiting for data to read.
// Thread-safety: every method may be called from any thread. `_mutex` guards the waiter lists;
// it is never held while a waiter runs.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "model/fundamental.h"
#include "storage/partition_log.h"

namespace fjord::broker {

// Something a partition wakes when new data is readable. `wake` must be cheap and thread-safe
// (it typically posts work to a reactor).
class data_waiter {
public:
    virtual ~data_waiter() = default;
    virtual void wake() = 0;
};

enum class durability { durable, failed };

class partition {
public:
    partition(model::topic_partition id, std::shared_ptr<storage::partition_log> log);

    const model::topic_partition& id() const { return _id; }
    storage::partition_log& log() { return *_log; }
    const std::shared_ptr<storage::partition_log>& log_ptr() const { return _log; }

    // Runs `done` once every offset up to and including `last_offset` is durable (at once if it
    // already is), or with `failed` if the partition is closed first.
    void when_durable(model::offset last_offset, std::function<void(durability)> done);

    // Registers a fetch that waits for data; it is woken once, at the next high watermark move.
    void add_data_waiter(std::weak_ptr<data_waiter> waiter);

    // Called by the flusher after a flush: releases waiters that the new watermark satisfies.
    void on_high_watermark(model::offset high_watermark);

    // Called when the partition goes away (topic deleted, shutdown): fails pending waiters.
    void close_waiters();

private:
    const model::topic_partition _id;
    const std::shared_ptr<storage::partition_log> _log;

    std::mutex _mutex;
    model::offset _high_watermark;  // GUARDED_BY(_mutex): last watermark seen by the waiters
    bool _closed = false;           // GUARDED_BY(_mutex)
    std::multimap<model::offset, std::function<void(durability)>> _durable_waiters;  // GUARDED_BY
    std::vector<std::weak_ptr<data_waiter>> _data_waiters;  // GUARDED_BY(_mutex)
    static constexpr size_t min_prune_at = 64;
    size_t _prune_at = min_prune_at;  // GUARDED_BY(_mutex)
};

}  // namespace fjord::broker
