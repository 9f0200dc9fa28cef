// In-memory copies of a segment's sparse indexes (docs/formats/segment-files.md §3, §4).
// The in-memory copy is authoritative while the log is open; the files get its entries at flush.
// Not thread-safe: partition_log's append lock guards them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "model/fundamental.h"

namespace fjord::storage {

struct offset_entry {
    uint32_t relative_offset;
    uint32_t position;
    bool operator==(const offset_entry&) const = default;
};

struct time_entry {
    int64_t timestamp;
    uint32_t relative_offset;
    bool operator==(const time_entry&) const = default;
};

struct index_position {
    model::offset offset;  // the batch that starts at `position` starts at or before this offset
    uint64_t position;
};

class offset_index {
public:
    offset_index(model::offset base, size_t max_entries) : _base(base), _max(max_entries) {}

    bool full() const { return _entries.size() >= _max; }
    size_t size() const { return _entries.size(); }
    const std::vector<offset_entry>& entries() const { return _entries; }
    // REQUIRES: !full(), offset and position above the last entry's (an invariant of appends).
    void append(model::offset o, uint64_t position);
    // The last entry at or before `o`, or the segment start.
    index_position lookup(model::offset o) const;
    void clear() { _entries.clear(); }

    // Entries [from, size()) in file form.
    bytes encode(size_t from) const;
    // Parses a whole index file. nullopt when the file breaks a rule of §3: size not a multiple
    // of the entry size, non-increasing fields, a position at/after `log_size`, or a relative
    // offset above `max_relative` (when the next segment's base bounds it).
    static std::optional<std::vector<offset_entry>> decode(bytes_view data, uint64_t log_size,
                                                           std::optional<int64_t> max_relative);
    void assign(std::vector<offset_entry> entries) { _entries = std::move(entries); }

private:
    model::offset _base;
    size_t _max;
    std::vector<offset_entry> _entries;
};

class time_index {
public:
    // One of the `max_entries` slots is kept for the entry seal() adds, so that a sealed segment's
    // last entry is always its largest timestamp.
    time_index(model::offset base, size_t max_entries)
        : _base(base), _max(std::max<size_t>(2, max_entries)) {}

    bool full() const { return _entries.size() + 1 >= _max; }
    size_t size() const { return _entries.size(); }
    const std::vector<time_entry>& entries() const { return _entries; }
    std::optional<time_entry> last() const {
        if (_entries.empty()) return std::nullopt;
        return _entries.back();
    }
    // Adds an entry if `ts` is above the last one and the index is not full (sealing: may use
    // the reserved slot).
    enum class slot { regular, seal };
    void maybe_append(model::timestamp ts, model::offset o, slot s = slot::regular);
    // Where the scan for the first batch with max timestamp >= ts may start: the batch named by
    // the last entry with a timestamp below `ts`, or the segment base.
    model::offset lookup(model::timestamp ts) const;
    void clear() { _entries.clear(); }

    bytes encode(size_t from) const;
    // Parses a whole time index file; nullopt when it breaks a rule of §4.
    static std::optional<std::vector<time_entry>> decode(bytes_view data,
                                                         std::optional<int64_t> max_relative);
    void assign(std::vector<time_entry> entries) { _entries = std::move(entries); }

private:
    model::offset _base;
    size_t _max;
    std::vector<time_entry> _entries;
};

}  // namespace fjord::storage
