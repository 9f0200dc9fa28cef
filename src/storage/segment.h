// One segment of a partition log: a .log file and its two sparse indexes
// (docs/formats/segment-files.md). Owned by partition_log and shared (shared_ptr) with reads in
// flight, so a segment that retention or remove() deletes stays readable until they finish.
//
// Locking: the immutable fields (base, paths, files) may be used by anyone holding a reference.
// The mutable state is guarded by the owning log's locks, as noted per field; segment itself
// has no lock.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "base/result.h"
#include "model/fundamental.h"
#include "storage/errc.h"
#include "storage/file_io.h"
#include "storage/index.h"
#include "storage/log_config.h"
#include "storage/segment_format.h"

namespace fjord::storage {

// The three files of a segment, as opened to create or recover it.
struct segment_files {
    std::unique_ptr<file> log;
    std::unique_ptr<file> index;
    std::unique_ptr<file> timeindex;
};

// What a live segment keeps open: its .log only. The index files are opened when they are
// read or written (recovery, flush, compaction), so a partition costs one descriptor per
// segment and 10,000 partitions fit in a 20,000-descriptor limit.
struct segment_descriptors {
    std::unique_ptr<file> log;
};

class segment {
public:
    // `io` must outlive the segment (it opens the index files on demand).
    segment(file_io& io, std::filesystem::path dir, model::offset base, std::unique_ptr<file> log,
            const log_config& config);
    segment(const segment&) = delete;
    segment& operator=(const segment&) = delete;

    // Opens (creating when missing) the three files of the segment at `base`.
    static result<segment_files, errc> open_files(file_io& io, const std::filesystem::path& dir,
                                                  model::offset base);
    // Opens (creating when missing) the segment's transaction index (§11).
    static result<std::shared_ptr<file>, errc> open_txnindex(file_io& io,
                                                             const std::filesystem::path& dir,
                                                             model::offset base);
    // Removes the segment's files, the .log last (missing ones are fine).
    static result<void, errc> remove_files(file_io& io, const std::filesystem::path& dir,
                                           model::offset base);

    // Accounts for a batch written at `position`: end offset, largest timestamp and index
    // entries. Appends and recovery both go through here, so recovery rebuilds exactly the
    // indexes the appender built. REQUIRES: the batch follows the previous one.
    void track_batch(const protocol::batch_header& h, uint64_t position);
    // The segment stops being active: its largest timestamp goes into the time index (§4).
    void seal();
    // Forgets all batches (recovery truncating to 0, rebuilding indexes).
    void reset_tracking();
    bool indexes_full() const { return offsets.full() || times.full(); }

    // Index entries not yet in the files, in file form, and writes them; with `sync`, also
    // fsyncs whatever of the index files is not durable yet. Index durability only speeds up
    // recovery (it checks every index it trusts and rebuilds a bad one), so the active segment's
    // indexes are written unsynced and fsynced once it is sealed. REQUIRES: flush lock.
    result<void, errc> write_pending_indexes(bytes_view offset_bytes, size_t offset_count,
                                             bytes_view time_bytes, size_t time_count, bool sync);

    const model::offset base;
    const std::filesystem::path log_path;
    const std::filesystem::path index_path;
    const std::filesystem::path timeindex_path;
    const std::filesystem::path txnindex_path;
    const segment_descriptors files;

    // Guarded by partition_log::_mutex.
    uint64_t size = 0;  // bytes of whole batches in the .log
    model::offset end;  // next offset after the last batch (base when empty)
    offset_index offsets;
    time_index times;
    std::optional<timestamp_offset> max_timestamp;  // largest batch maxTimestamp and its batch
    uint64_t bytes_since_index_entry = 0;
    std::optional<std::chrono::milliseconds> first_append_at;
    bool dirty = false;  // has bytes or index entries not yet fsynced
    bool sealed = false;
    // Zero-fill ahead (log_config::preallocate_bytes): the .log file may hold zeros from `size`
    // up to `zeroed_end`, when that is larger; they go when the segment is sealed or closed.
    uint64_t zeroed_end = 0;
    uint64_t flushed_size = 0;       // `size` when the last flush began
    bool zero_fill_stopped = false;  // a zero-fill failed (disk full): the file grows as written

    // Transaction index (§11), guarded by partition_log::_mutex: the aborted transactions whose
    // marker is in this segment, in marker order, all of them written to `txnindex`. The file is
    // created at the segment's first ABORT marker; a compacted copy of the segment shares it
    // (compaction keeps markers and offsets, so the entries stay right).
    std::vector<format::txn_index_entry> aborted;
    std::shared_ptr<file> txnindex;
    bool txn_unsynced = false;  // entries written since the file's last fsync
    bool txn_rewrite = false;   // recovery only: `aborted` differs from the file

    // Bytes of .log between the last offset entry in the file (position 0 when none) and the
    // newest one in memory. REQUIRES: both partition_log locks.
    uint64_t unwritten_index_bytes() const;

    // Guarded by partition_log::_flush_mutex: index entries already in the files.
    size_t offsets_written = 0;
    size_t times_written = 0;
    bool indexes_unsynced = false;  // written since their last fsync

private:
    file_io& _io;
    uint32_t _index_interval;
};

}  // namespace fjord::storage

namespace fjord::storage {

// A segment pinned for a read: its size and a start position taken under the append lock, so
// the read can go on without it.
struct segment_snapshot {
    std::shared_ptr<segment> seg;
    uint64_t size;
    index_position from;
};

}  // namespace fjord::storage
