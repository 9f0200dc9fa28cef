#include "broker/producer_id_allocator.h"

#include "base/logger.h"

namespace fjord::broker {

std::optional<model::producer_id> producer_id_allocator::take_locked() {
    if (_next >= _end) return std::nullopt;
    return model::producer_id(_next++);
}

std::optional<model::producer_id> producer_id_allocator::try_next() {
    std::lock_guard lock(_mutex);
    return take_locked();
}

result<model::producer_id, cluster::errc> producer_id_allocator::next() {
    if (auto id = try_next()) return *id;
    std::lock_guard reserve(_reserve_mutex);
    {
        // Another caller may have reserved a block while this one waited.
        std::lock_guard lock(_mutex);
        if (auto id = take_locked()) return *id;
    }
    auto block = _store.allocate_producer_ids(block_size);
    if (!block) {
        module_logger("broker")->error("cannot reserve producer ids: {}",
                                       cluster::describe(block.error()));
        return fail(block.error());
    }
    std::lock_guard lock(_mutex);
    _next = block->first;
    _end = block->first + block->count;
    return *take_locked();
}

}  // namespace fjord::broker
