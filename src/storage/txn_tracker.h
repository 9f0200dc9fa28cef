// The transactions of one partition that are not stable yet, for the last stable offset (LSO):
// the open ones, and the ended ones whose marker is not yet below the high watermark (a
// read_committed consumer must not read a transaction's data before it can read its outcome).
// Also computes the last stable offset recorded with each aborted transaction
// (docs/formats/segment-files.md §11).
//
// Not thread-safe: the owning partition_log guards it with its append lock.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <span>
#include <vector>

#include "storage/producer_state.h"
#include "storage/segment_format.h"

namespace fjord::storage {

class txn_tracker {
public:
    static constexpr int64_t none = std::numeric_limits<int64_t>::max();

    // The index entries of the aborts among `changes` (in order, as an append would cause them),
    // without changing anything.
    std::vector<format::txn_index_entry> aborted_entries(std::span<const txn_change> changes) const;
    // Records `changes`. `durable`: their markers are below the high watermark already
    // (recovery), so ended transactions are stable at once.
    void apply(std::span<const txn_change> changes, bool durable);
    // The high watermark reached `high_watermark`: ended transactions below it become stable.
    void flushed(int64_t high_watermark);
    // The first offset of the earliest unstable transaction; `none` when there is none.
    int64_t first_unstable() const;
    size_t open_count() const { return _open.size(); }
    void clear();

private:
    std::map<int64_t, int64_t> _open;   // first offset -> producer id
    std::map<int64_t, int64_t> _ended;  // first offset -> marker offset, marker not durable yet
};

}  // namespace fjord::storage
