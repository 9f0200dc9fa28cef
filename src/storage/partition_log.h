// The log of one partition: an ordered list of segments in one directory
// (docs/formats/segment-files.md), append at the end, read anywhere, recover on open.
//
// Durability model: append() writes to the page cache only; flush() fsyncs everything appended
// so far and then moves the high watermark up to the log end offset as it was when the flush
// began. Readers are given data below the high watermark only, so nothing a consumer has seen can
// be lost by a crash. flush() is meant to be called by flush_scheduler (group commit), not per
// append.
//
// Thread-safety: every method may be called from any thread.
//  - `_mutex` (the append lock, a shared_mutex) guards the segment list and the mutable state
//    of the segments (sizes, in-memory indexes, dirty marks). append() holds it exclusively,
//    including its one write system call (appends to one partition are serial anyway); read()
//    and the lookups hold it shared only to find a segment and a position, never during a
//    pread.
//  - `_flush_mutex` serialises flush() and close(); it is held across the fsyncs, which happen
//    without `_mutex`, so appends go on while a flush waits for the disk. Lock order:
//    `_flush_mutex` before `_mutex`.
//  - `_cleaner_mutex` serialises the operations that remove or replace whole segments:
//    enforce_retention(), delete_records_before() and compact(). compact() holds it for the whole
//    compaction (which can be long) but takes `_mutex` only briefly, to snapshot the segment list
//    and once per rewritten segment to swap it in, so appends go on meanwhile; a retention
//    call waits for a running compaction. close() and remove() ask a running compaction to stop
//    (it checks between batches) before taking it. Lock order: `_cleaner_mutex` before
//    `_flush_mutex` before `_mutex`.
//  - Offsets and sizes readable without a lock are atomics.
// Segments leave the list (retention) or are replaced (compaction) under `_mutex`; a read that
// snapshotted one keeps it alive through its shared_ptr and reads the old, possibly unlinked,
// files to the end.
// Reads never see bytes past a segment's size as recorded under the append lock, so a partial
// write that a failed append is truncating away is never returned.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "model/fundamental.h"
#include "protocol/control_record.h"
#include "storage/errc.h"
#include "storage/file_io.h"
#include "storage/log_config.h"
#include "storage/producer_state.h"
#include "storage/txn_tracker.h"

namespace spdlog {
class logger;
}

namespace fjord::storage {

class segment;
struct segment_snapshot;

class partition_log {
public:
    // Opens the log in `dir` (created if missing), running recovery (format doc §6): the
    // segments after the recovery point are re-validated batch by batch and a torn or corrupt
    // tail is truncated; missing or inconsistent indexes are rebuilt. Afterwards everything is
    // fsynced and the high watermark equals the log end offset. `io` must outlive the log.
    // Blocking (reads the tail of the log): never call it on a network thread.
    static result<std::unique_ptr<partition_log>, errc> open(std::filesystem::path dir,
                                                             log_config config,
                                                             file_io& io = default_file_io());

    partition_log(const partition_log&) = delete;
    partition_log& operator=(const partition_log&) = delete;
    ~partition_log();  // close() if not closed or removed

    // Appends `batches`: one or more complete v2 batches, contiguous, already validated by the
    // caller (CRC, sizes); storage re-checks only the framing it relies on (lengths, magic,
    // lastOffsetDelta) and answers invalid_batch otherwise. Offsets are assigned from the log
    // end by rewriting each batch's baseOffset and partitionLeaderEpoch in the caller's buffer
    // (neither is covered by the CRC); the bytes are then written as they are with one write
    // call. Rolls to a new segment first when the active one would exceed segment_bytes, is
    // older than segment_ms, or has a full index. Not fsynced. On a failed write the segment is
    // truncated back and nothing changed (no_space / io_error); the caller's buffer does keep
    // the rewritten fields.
    // Batches with a producer id (>= 0) go through the producer state first, under the same lock
    // as the write, so concurrent appends cannot race past it (docs/formats/producer-state.md
    // §1): a stale epoch (invalid_producer_epoch), a sequence gap (out_of_order_sequence) or a
    // non-transactional batch while its producer's transaction is open (invalid_txn_state)
    // refuses the whole append; a single batch that repeats one of its producer's last five
    // batches is not written again and answers with the original's offsets
    // (append_result::duplicate). Those offsets may still be above the high watermark: the caller
    // waits for them to be durable exactly as for a fresh append.
    // A transactional batch opens its producer's transaction if none is open. A transaction
    // marker (control batch, protocol/control_record.h) ends it: a stale producer epoch
    // (invalid_producer_epoch) or coordinator epoch (transaction_coordinator_fenced) refuses the
    // append; an ABORT of an open transaction goes into the segment's transaction index
    // (segment-files.md §11). A control batch of an unknown type is stored and otherwise
    // ignored, as Kafka does.
    result<append_result, errc> append(mutable_bytes_view batches, model::leader_epoch epoch);

    // Runs inside flush() as soon as everything flushed is durable, with the new high watermark;
    // the index entries, snapshots and checkpoint that follow it need not delay any waiter.
    // REQUIRES: does not call back into this log's flush(), close(), remove() or retention.
    using durable_callback = std::function<void(model::offset high_watermark)>;

    // fsyncs every segment with unsynced data, then moves the high watermark to the log end
    // offset as of the start of the flush (calling `on_durable`), then writes the index entries
    // that are due (log_config::index_write_interval_bytes), producer snapshots and checkpoint;
    // returns the high watermark. A failure of those last writes is logged and retried by the
    // next flush, as they only shorten the next open. After a failed fsync the log refuses
    // appends and flushes (io_error) until reopened: the kernel may have dropped the dirty
    // pages, so only recovery can tell what is on disk.
    result<model::offset, errc> flush(const durable_callback& on_durable = {});

    model::offset log_start_offset() const { return model::offset(_log_start.load()); }
    model::offset log_end_offset() const { return model::offset(_log_end.load()); }
    // Everything below is durable (fsynced). Never decreases.
    model::offset high_watermark() const { return model::offset(_high_watermark.load()); }
    bool has_unflushed_data() const { return _log_end.load() > _high_watermark.load(); }
    // The last stable offset, up to which read_committed consumers read: the high watermark, or
    // the first offset of the earliest transaction that is still open or whose marker is not
    // yet below the high watermark, whichever is lower (never below the log start). Never
    // decreases. Lock-free; may lag behind a concurrent flush by a moment (too low, never too
    // high).
    model::offset last_stable_offset() const;
    // The aborted transactions a fetch of [start, upper) must report (Kafka's rule): those with
    // last_offset >= start and first_offset < upper, by ascending first_offset. No I/O: takes
    // the append lock shared to walk the segments' in-memory transaction indexes.
    std::vector<aborted_transaction> aborted_transactions(model::offset start,
                                                          model::offset upper) const;

    // Whole batches, exactly as stored, starting with the batch that contains `start` and
    // ending before the first batch whose last offset is >= `upper` (callers pass the high
    // watermark), at most `max_bytes` of them; if the first batch alone is larger than
    // max_bytes it is returned whole when `min_one_batch`, else nothing. One call reads from one
    // segment (like Kafka); the caller asks again for more. start < log start or > log end:
    // offset_out_of_range; start >= upper: empty.
    result<read_result, errc> read(model::offset start, size_t max_bytes, model::offset upper,
                                   bool min_one_batch);

    // The earliest offset whose record timestamp is >= ts, with that timestamp, or nullopt when
    // no batch reaches ts. Exact for uncompressed CreateTime batches (records are decoded); for
    // compressed or LogAppendTime batches it is the first batch whose maxTimestamp >= ts, with
    // its base offset and maxTimestamp. Searches the whole log: callers limit the answer to the
    // high watermark themselves (if the answer is at or above it, there is none below it).
    result<std::optional<timestamp_offset>, errc> find_offset_by_timestamp(
        model::timestamp ts) const;

    // The largest batch maxTimestamp in the log and the base offset of the (first) batch that
    // carries it; nullopt when the log is empty. Includes unflushed batches.
    std::optional<timestamp_offset> max_timestamp() const;

    uint64_t size_bytes() const { return _size_bytes.load(); }
    size_t segment_count() const;
    const std::filesystem::path& directory() const { return _dir; }

    // Retention (Kafka's rules): deletes whole sealed segments, oldest first, never the active
    // one, and only segments entirely below the high watermark (as Kafka, so the log start never
    // passes data that is not durable yet). A segment goes while any of these holds for it:
    //  - retention_ms >= 0 and its largest batch maxTimestamp < now_ms - retention_ms;
    //  - retention_bytes >= 0 and size_bytes() minus the bytes already chosen minus its size is
    //    still >= retention_bytes;
    //  - it ends at or below the log start offset (after delete_records_before).
    // -1 disables the first two. The first segment that matches none of them stops the walk.
    // Before that, an active segment that is non-empty and entirely past retention_ms is rolled
    // (as Kafka does), so it is sealed and, when below the high watermark, deleted in this same
    // call. The log start offset becomes the first remaining segment's base offset (if that is
    // higher) and is persisted in partition.checkpoint. Returns how many segments were deleted.
    // Blocking (unlink, fsync of the checkpoint); waits for a running compaction.
    result<size_t, errc> enforce_retention(int64_t retention_ms, int64_t retention_bytes,
                                           int64_t now_ms);

    // DeleteRecords: the log start offset becomes `offset` (a no-op when it is already at or
    // above it); offset > high watermark: offset_out_of_range. Sealed segments that end at or
    // below the new start are deleted; the segment holding it stays, and reads below the new
    // start answer offset_out_of_range. Persisted in partition.checkpoint before returning.
    // Returns the log start offset afterwards (Kafka's low watermark). Blocking like retention.
    result<model::offset, errc> delete_records_before(model::offset offset);

    // Forgets the producers that have not appended for `expiration_ms` (producer.id.expiration.ms,
    // measured on the wall clock) and have no open transaction; returns how many. A forgotten
    // producer is unknown again: its next batch is accepted whatever its sequence (KIP-360).
    size_t remove_expired_producers(int64_t expiration_ms, int64_t now_ms);
    // One producer's state, for tests and tools; nullopt when unknown.
    std::optional<producer_entry> producer(producer_id id) const;
    size_t producer_count() const;

    // Replaces the settings (dynamic topic configs). segment_bytes, segment_ms and the index
    // settings take effect for the next roll decision and for segments created afterwards;
    // existing segments keep the index limits they were created with. The clock is fixed at
    // open(): config.clock is ignored.
    void update_config(const log_config& config);

    // Compaction (cleanup.policy=compact). Rewrites sealed segments that end at or below the high
    // watermark (never the active one), keeping for every key only its record with the highest
    // offset in the log below the high watermark (the active segment's records count, so a newer
    // value there wins). Offsets never change: a batch that loses records is re-encoded with the
    // same base offset, lastOffsetDelta, producer id/epoch/base sequence and compression; a batch
    // that loses all records is dropped unless it is the last batch of its segment, which then
    // stays as an empty batch (so the segment keeps its end offset). Kept unchanged: control and
    // transactional batches (the cleaner does not consult the transaction index, so it cannot
    // tell aborted records from committed ones: they neither drop nor supersede anything), batches
    // whose maxTimestamp is newer than now_ms - min_compaction_lag_ms, records without a key, and
    // batches whose records do not decode. A tombstone (null value) that is the latest record of
    // its key is dropped once its batch's maxTimestamp is older than now_ms -
    // delete_retention_ms (Kafka uses the segment's modification time instead).
    // Memory: the key map holds at most max_map_entries keys (128-bit keyed hashes -> offset);
    // when it fills up, the segments before the point scanned so far are compacted with it and
    // another pass continues from there. Each rewritten segment is swapped in crash-safely
    // (format doc §9). Long and blocking: run it on a background thread. close() and remove()
    // stop it early (errc::closed).
    result<compaction_stats, errc> compact(const compaction_config& config, int64_t now_ms);
    // What compact() would find to clean now (compaction_backlog). Reads the first batch header
    // of each dirty segment when config.max_compaction_lag_ms is below the maximum; cheap
    // otherwise. Blocking: call it where compact() is called.
    result<compaction_backlog, errc> measure_compaction_backlog(const compaction_config& config,
                                                                int64_t now_ms) const;

    // Flushes and closes; leaves a producer state snapshot at the log end offset, so the next
    // open replays nothing. Later calls answer errc::closed. Idempotent. True when everything
    // appended is durable (the flush worked, or an earlier close's did).
    bool close();
    // Closes without flushing and deletes every file of the log and the directory (topic
    // deletion). Reads in flight finish on the unlinked files.
    result<void, errc> remove();

private:
    partition_log(std::filesystem::path dir, log_config config, file_io& io);

    result<void, errc> recover();
    // Producer state on open (log_producers.cc): the newest usable snapshot at or below the log
    // end, then the batch headers after it. REQUIRES: inside recover(), segments in place.
    result<void, errc> load_producer_state();
    // Writes `data` as the snapshot at `offset` (atomically, fsynced), then keeps only the newest
    // snapshots_kept. REQUIRES: _flush_mutex.
    result<void, errc> write_snapshot(model::offset offset, bytes_view data);
    // Deletes the snapshots below the first segment's base (their segments are gone).
    // REQUIRES: _flush_mutex.
    void delete_snapshots_below_first_segment();
    // close(): a snapshot at the log end unless the newest one is already there.
    // REQUIRES: _flush_mutex, everything flushed.
    void write_close_snapshot();
    // The producer checks of append() for `batches`, which would land at `log_end`: the entries
    // to store once the write succeeded, or the duplicate's answer. REQUIRES: _mutex exclusive.
    // Transactions the append starts and ends go to `txn_changes`, in order.
    struct staged_producer {
        producer_id id;
        producer_entry entry;
    };
    result<std::optional<append_result>, errc> stage_producers(
        bytes_view batches, int64_t log_end, std::vector<staged_producer>& staged,
        std::vector<txn_change>& txn_changes) const;
    // The marker in the control batch `h` at `position` of `f`; nullopt for an unknown type.
    static result<std::optional<protocol::txn_marker>, errc> read_marker(
        const file& f, uint64_t position, const protocol::batch_header& h);
    // Recovery of the transaction indexes (log_transactions.cc), around load_producer_state():
    // load_txn_indexes() reads each segment's file, drops entries past the segment's end and
    // rebuilds damaged ones (`damaged`, by segment position) from the log; persist_txn_indexes()
    // rewrites the files whose entries changed. REQUIRES: inside recover(), segments in place.
    result<void, errc> load_txn_indexes();
    result<void, errc> rebuild_txn_indexes(const std::vector<bool>& damaged);
    result<void, errc> persist_txn_indexes();
    // After a marker replayed from `seg` ended a transaction. REQUIRES: inside recover().
    void replay_txn_change(segment& seg, const txn_change& change);
    int64_t wall_now_ms() const;
    result<void, errc> write_checkpoint(model::offset recovery_point);
    // Which index entries a flush writes: the active segment's only once they are due
    // (log_config::index_write_interval_bytes), or all of them (close).
    enum class index_writes { when_due, all };
    // REQUIRES: _flush_mutex.
    result<model::offset, errc> flush_locked(const durable_callback& on_durable = {},
                                             index_writes indexes = index_writes::when_due);
    // REQUIRES: _mutex held exclusively.
    result<void, errc> roll();
    // Zero-fill ahead (log_config::preallocate_bytes), log_zero_fill.cc. REQUIRES: _mutex held
    // exclusively. zero_fill_ahead runs at a flush of the active segment and decides by what
    // that flush carries; trim_zero_fill cuts the zeros off a segment being sealed or closed.
    void zero_fill_ahead(segment& active);
    result<void, errc> trim_zero_fill(segment& s);
    bool should_roll(const segment& active, uint64_t bytes, int64_t offsets) const;
    std::chrono::milliseconds now() const;
    // Takes the first `count` segments out of the list and moves the log start up to the new
    // first segment's base. REQUIRES: _mutex held exclusively, count < segment count.
    std::vector<std::shared_ptr<segment>> detach_front_locked(size_t count);
    // Unlinks detached segments and persists the log start. REQUIRES: _flush_mutex.
    result<void, errc> finish_detach(const std::vector<std::shared_ptr<segment>>& gone);
    void recompute_max_timestamp_locked();  // REQUIRES: _mutex held exclusively
    // The producer state as of `at`, for the next flush to write; restarts the count towards
    // the next periodic snapshot. REQUIRES: _mutex held exclusively.
    void queue_snapshot(model::offset at);
    // Compaction helpers (log_compaction.cc). REQUIRES: _cleaner_mutex.
    struct compaction_pass;
    result<void, errc> compact_pass(compaction_pass& pass, compaction_stats& stats);
    // Replaces `old` (still in the list: the cleaner lock keeps it there) with its rewritten
    // copy, whose files are already in place. Takes _mutex.
    void swap_in(const std::shared_ptr<segment>& old, std::shared_ptr<segment> cleaned);
    void mark_dirty(const std::shared_ptr<segment>& s);
    // The segments from the one containing `o` to the end. REQUIRES: _mutex (shared).
    std::vector<segment_snapshot> snapshot_from(model::offset o) const;
    // read() within one segment; nullopt when no batch of it has a last offset >= start. The
    // first batch starts at or after s.from and at or before `latest_first`. One pread covers
    // both the way to it and the data: from s.from through max_bytes past `latest_first` (past
    // at most 16 KiB from s.from). More only when the first batch lies beyond that (header by
    // header from there, then the data) or is larger than max_bytes (the rest of it). No lock.
    result<std::optional<read_result>, errc> read_segment(const segment_snapshot& s,
                                                          uint64_t latest_first,
                                                          model::offset start, size_t max_bytes,
                                                          model::offset upper,
                                                          bool min_one_batch) const;

    const std::filesystem::path _dir;
    const log_clock _clock;
    const log_clock _wall_clock;
    log_config _config;       // GUARDED_BY(_mutex)
    uint64_t _segment_bytes;  // GUARDED_BY(_mutex): segment_bytes capped at the format's limit
    file_io& _io;
    std::shared_ptr<spdlog::logger> _log;
    const std::string _name;  // for log lines

    mutable std::shared_mutex _mutex;
    std::vector<std::shared_ptr<segment>> _segments;  // GUARDED_BY(_mutex); never empty when open
    std::vector<std::shared_ptr<segment>> _dirty;     // GUARDED_BY(_mutex)
    bool _dir_dirty = false;                          // GUARDED_BY(_mutex): files created
    std::optional<timestamp_offset> _max_timestamp;   // GUARDED_BY(_mutex)
    producer_state _producers;                        // GUARDED_BY(_mutex)
    txn_tracker _txns;                                // GUARDED_BY(_mutex)
    // Snapshots taken at rolls (the state as of the new segment's base), written by the next
    // flush, off the append path.
    struct pending_snapshot {
        model::offset offset;
        bytes data;
    };
    std::vector<pending_snapshot> _pending_snapshots;  // GUARDED_BY(_mutex)
    // Bytes appended since the newest snapshot was taken (log_config::snapshot_interval_bytes).
    uint64_t _bytes_since_snapshot = 0;  // GUARDED_BY(_mutex)

    std::mutex _cleaner_mutex;
    std::atomic<bool> _stop_cleaning{false};  // close()/remove() want a running compaction out
    // Where the dirty part of the log starts: the end of the last sealed segment the last
    // complete compact() went through (not past one holding records younger than
    // min.compaction.lag.ms). Kept in memory only, as if Kafka's cleaner checkpoint were lost:
    // after a restart the whole log counts as dirty, so the first pass compacts it.
    std::atomic<int64_t> _cleaned_to{0};

    std::mutex _flush_mutex;
    model::offset _checkpointed_recovery_point{-1};  // GUARDED_BY(_flush_mutex)
    bool _closed_durable = false;                    // GUARDED_BY(_flush_mutex): close() flushed
    bool _checkpoint_valid = false;                  // GUARDED_BY(_flush_mutex)
    std::vector<model::offset> _snapshots;           // GUARDED_BY(_flush_mutex): on disk, ascending

    std::atomic<int64_t> _log_start{0};
    std::atomic<int64_t> _log_end{0};
    std::atomic<int64_t> _high_watermark{0};
    // _txns.first_unstable(), stored under _mutex whenever it changes, for last_stable_offset().
    std::atomic<int64_t> _first_unstable{txn_tracker::none};
    std::atomic<uint64_t> _size_bytes{0};
    std::atomic<bool> _closed{false};
    std::atomic<bool> _failed{false};  // a failed fsync or undo: refuse writes until reopened
};

}  // namespace fjord::storage
