// Hands out producer ids for InitProducerId. Ids are unique for the life of the cluster, across
// restarts too: each block of ids is reserved durably in the cluster metadata before any id from
// it is handed out (Kafka's producer id blocks, KIP-730, 1000 ids a block), and the ids a broker
// did not use before it stopped are never used at all.
//
// Thread-safety: every method may be called from any thread. try_next() never waits for I/O, so
// network threads may call it; next() may reserve a block (a metadata write with fsync) and must
// run where blocking is fine.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>

#include "base/result.h"
#include "cluster/metadata_store.h"
#include "model/fundamental.h"

namespace fjord::broker {

class producer_id_allocator {
public:
    static constexpr int64_t block_size = 1000;

    // `store` must outlive the allocator.
    explicit producer_id_allocator(cluster::metadata_store& store) : _store(store) {}

    // The next id of the reserved block, or nullopt when it is used up (call next()).
    std::optional<model::producer_id> try_next();
    // The next id, reserving a new block first when needed. Blocking.
    result<model::producer_id, cluster::errc> next();

private:
    std::optional<model::producer_id> take_locked();  // REQUIRES: _mutex

    cluster::metadata_store& _store;
    std::mutex _reserve_mutex;  // one reservation at a time; held across the metadata write
    std::mutex _mutex;          // never held across I/O
    int64_t _next = 0;          // GUARDED_BY(_mutex): [_next, _end) is reserved and unused
    int64_t _end = 0;           // GUARDED_BY(_mutex)
};

}  // namespace fjord::broker
