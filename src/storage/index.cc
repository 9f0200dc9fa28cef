#include "storage/index.h"

#include <algorithm>

#include "base/endian.h"
#include "base/vassert.h"
#include "storage/segment_format.h"

namespace fjord::storage {

void offset_index::append(model::offset o, uint64_t position) {
    auto rel = o - _base;
    vassert(!full() && rel >= 0 && rel <= format::max_relative_offset &&
                position <= format::max_segment_bytes,
            "offset index entry out of range: rel {} pos {}", rel, position);
    vassert(_entries.empty() || (static_cast<uint32_t>(rel) > _entries.back().relative_offset &&
                                 position > _entries.back().position),
            "offset index entries must increase (appends are ordered)");
    _entries.push_back({static_cast<uint32_t>(rel), static_cast<uint32_t>(position)});
}

index_position offset_index::lookup(model::offset o) const {
    auto rel = o - _base;
    if (rel < 0 || _entries.empty()) return {_base, 0};
    auto key = static_cast<uint64_t>(rel);
    auto it =
        std::upper_bound(_entries.begin(), _entries.end(), key,
                         [](uint64_t k, const offset_entry& e) { return k < e.relative_offset; });
    if (it == _entries.begin()) return {_base, 0};
    --it;
    return {_base + it->relative_offset, it->position};
}

bytes offset_index::encode(size_t from) const {
    bytes out;
    if (from >= _entries.size()) return out;
    out.resize((_entries.size() - from) * format::offset_entry_size);
    uint8_t* p = out.data();
    for (size_t i = from; i < _entries.size(); ++i, p += format::offset_entry_size) {
        store_be<int32_t>(p, static_cast<int32_t>(_entries[i].relative_offset));
        store_be<int32_t>(p + 4, static_cast<int32_t>(_entries[i].position));
    }
    return out;
}

std::optional<std::vector<offset_entry>> offset_index::decode(bytes_view data, uint64_t log_size,
                                                              std::optional<int64_t> max_relative) {
    if (data.size() % format::offset_entry_size != 0) return std::nullopt;
    std::vector<offset_entry> entries;
    entries.reserve(data.size() / format::offset_entry_size);
    for (size_t i = 0; i < data.size(); i += format::offset_entry_size) {
        int32_t rel = load_be<int32_t>(data.data() + i);
        int32_t pos = load_be<int32_t>(data.data() + i + 4);
        if (rel < 0 || pos < 0 || static_cast<uint64_t>(pos) >= log_size) return std::nullopt;
        if (max_relative && rel > *max_relative) return std::nullopt;
        if (!entries.empty() && (static_cast<uint32_t>(rel) <= entries.back().relative_offset ||
                                 static_cast<uint32_t>(pos) <= entries.back().position)) {
            return std::nullopt;
        }
        entries.push_back({static_cast<uint32_t>(rel), static_cast<uint32_t>(pos)});
    }
    return entries;
}

void time_index::maybe_append(model::timestamp ts, model::offset o, slot s) {
    if (s == slot::regular ? full() : _entries.size() >= _max) return;
    if (!_entries.empty() && ts() <= _entries.back().timestamp) return;
    auto rel = o - _base;
    vassert(rel >= 0 && rel <= format::max_relative_offset, "time index offset out of range {}",
            rel);
    vassert(_entries.empty() || static_cast<uint32_t>(rel) >= _entries.back().relative_offset,
            "time index offsets never decrease (the max timestamp's batch only moves forward)");
    _entries.push_back({ts(), static_cast<uint32_t>(rel)});
}

model::offset time_index::lookup(model::timestamp ts) const {
    // First entry with timestamp >= ts; the one before it is the last below ts.
    auto it = std::lower_bound(_entries.begin(), _entries.end(), ts(),
                               [](const time_entry& e, int64_t t) { return e.timestamp < t; });
    if (it == _entries.begin()) return _base;
    --it;
    return _base + it->relative_offset;
}

bytes time_index::encode(size_t from) const {
    bytes out;
    if (from >= _entries.size()) return out;
    out.resize((_entries.size() - from) * format::time_entry_size);
    uint8_t* p = out.data();
    for (size_t i = from; i < _entries.size(); ++i, p += format::time_entry_size) {
        store_be<int64_t>(p, _entries[i].timestamp);
        store_be<int32_t>(p + 8, static_cast<int32_t>(_entries[i].relative_offset));
    }
    return out;
}

std::optional<std::vector<time_entry>> time_index::decode(bytes_view data,
                                                          std::optional<int64_t> max_relative) {
    if (data.size() % format::time_entry_size != 0) return std::nullopt;
    std::vector<time_entry> entries;
    entries.reserve(data.size() / format::time_entry_size);
    for (size_t i = 0; i < data.size(); i += format::time_entry_size) {
        int64_t ts = load_be<int64_t>(data.data() + i);
        int32_t rel = load_be<int32_t>(data.data() + i + 8);
        if (rel < 0 || (max_relative && rel > *max_relative)) return std::nullopt;
        if (!entries.empty() && (ts <= entries.back().timestamp ||
                                 static_cast<uint32_t>(rel) < entries.back().relative_offset)) {
            return std::nullopt;
        }
        entries.push_back({ts, static_cast<uint32_t>(rel)});
    }
    return entries;
}

}  // namespace fjord::storage
