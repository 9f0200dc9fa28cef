#include "storage/txn_tracker.h"

#include <algorithm>

namespace fjord::storage {

std::vector<format::txn_index_entry> txn_tracker::aborted_entries(
    std::span<const txn_change> changes) const {
    std::vector<format::txn_index_entry> out;
    for (size_t i = 0; i < changes.size(); ++i) {
        const txn_change& c = changes[i];
        if (!c.end || !c.aborted) continue;
        // Earlier changes of the same call: transactions ended (skip them in _open) or opened.
        auto ended_before = [&](int64_t first, int64_t id) {
            for (size_t j = 0; j < i; ++j) {
                if (changes[j].end && changes[j].first_offset() == first && changes[j].id() == id) {
                    return true;
                }
            }
            return false;
        };
        int64_t lso = (*c.end)() + 1;
        for (const auto& [first, id] : _open) {
            if (first >= lso) break;
            if (id == c.id() || ended_before(first, id)) continue;
            lso = first;
            break;
        }
        for (size_t j = 0; j < i; ++j) {
            const txn_change& o = changes[j];
            if (o.end || o.id == c.id || ended_before(o.first_offset(), o.id())) continue;
            lso = std::min(lso, o.first_offset());
        }
        out.push_back({c.id, c.first_offset, *c.end, model::offset(lso)});
    }
    return out;
}

void txn_tracker::apply(std::span<const txn_change> changes, bool durable) {
    for (const auto& c : changes) {
        if (!c.end) {
            _open[c.first_offset()] = c.id();
            continue;
        }
        auto it = _open.find(c.first_offset());
        if (it != _open.end() && it->second == c.id()) _open.erase(it);
        if (!durable) _ended[c.first_offset()] = (*c.end)();
    }
}

void txn_tracker::flushed(int64_t high_watermark) {
    std::erase_if(_ended, [&](const auto& e) { return e.second < high_watermark; });
}

int64_t txn_tracker::first_unstable() const {
    int64_t out = none;
    if (!_open.empty()) out = _open.begin()->first;
    if (!_ended.empty()) out = std::min(out, _ended.begin()->first);
    return out;
}

void txn_tracker::clear() {
    _open.clear();
    _ended.clear();
}

}  // namespace fjord::storage
