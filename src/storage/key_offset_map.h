// The compactor's map from record keys to the highest offset seen for each key.
//
// Memory is bounded by max_entries: keys are not stored, only a 128-bit keyed hash of each
// (SipHash-2-4 with 128-bit output, keyed with a random key per map), so an entry costs 24 bytes
// plus the table's slack. A different key with the same hash would make compaction drop a record
// it should keep; with 128 bits and a key producers cannot learn, that needs about 2^64 keys, so
// the map does not check for it (Kafka's cleaner makes the same trade with MD5).
//
// Not thread-safe: one compaction owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.h"

namespace fjord::storage {

class key_offset_map {
public:
    // REQUIRES: max_entries >= 1.
    explicit key_offset_map(size_t max_entries);

    // Records `offset` (>= 0) for `key`, keeping the larger of it and the stored one. false, and
    // nothing changed, when `key` is new and the map already holds max_entries keys.
    bool put(bytes_view key, int64_t offset);
    // The highest offset recorded for `key`.
    std::optional<int64_t> get(bytes_view key) const;

    size_t size() const { return _size; }
    size_t max_entries() const { return _max; }
    // Forgets every key (keeps the table's memory and the hash key).
    void clear();

private:
    struct slot {
        uint64_t h0;
        uint64_t h1;
        int64_t offset;  // -1: empty
    };
    struct digest {
        uint64_t h0;
        uint64_t h1;
    };

    digest hash(bytes_view key) const;
    // The slot holding `d`, or the empty slot where it would go.
    size_t find(const digest& d) const;
    void grow();

    size_t _max;
    size_t _size = 0;
    std::vector<slot> _slots;  // power-of-two size, at most half full
    uint64_t _k0;
    uint64_t _k1;
};

}  // namespace fjord::storage
