// Compaction (cleanup.policy=compact): docs/formats/segment-files.md §9.
//
// One compact() call runs passes until the key map has seen the whole log below the high
// watermark. A pass fills the map from `map_from` (the log start in the first pass) until the map
// is full or the high watermark is reached (`mapped_to`), then rewrites every sealed segment that
// starts below `mapped_to`, dropping a record when the map holds a higher offset for its key.
// That rule is safe whatever part of the log the map covers (a higher offset for the same key is
// a newer record that exists), so a pass that ran out of map space leaves later duplicates for
// the next pass rather than dropping anything it should not.
#include <algorithm>
#include <limits>
#include <optional>

#include "base/endian.h"
#include "base/logger.h"
#include "base/vassert.h"
#include "protocol/record_batch.h"
#include "storage/batch_scanner.h"
#include "storage/key_offset_map.h"
#include "storage/partition_log.h"
#include "storage/segment.h"
#include "storage/segment_format.h"
#include "storage/segment_swap.h"

namespace fjord::storage {
namespace {

constexpr size_t write_buffer_bytes = 1 << 20;
constexpr size_t read_ahead_bytes = 256 * 1024;

// ts < now_ms - limit_ms, without overflowing on timestamps producers chose.
bool older_than(int64_t ts, int64_t now_ms, int64_t limit_ms) {
    int64_t horizon;
    if (__builtin_sub_overflow(now_ms, limit_ms, &horizon)) return false;
    return ts < horizon;
}

// min.compaction.lag.ms: the segment holds a record too young to be compacted (0 disables).
bool too_young(const segment& s, int64_t now_ms, int64_t min_compaction_lag_ms) {
    return min_compaction_lag_ms > 0 && s.max_timestamp &&
           !older_than(s.max_timestamp->timestamp(), now_ms, min_compaction_lag_ms - 1);
}

// Batches compaction never changes and whose keys do not go into the map. Control and
// transactional batches: the cleaner does not consult the transaction index, so an aborted record
// cannot be told from a committed one. delete_horizon: base_timestamp is not the records' base,
// re-encoding would corrupt their timestamps.
bool left_alone(const protocol::batch_header& h) {
    return h.is_control() || h.is_transactional() || h.has_delete_horizon();
}

struct verdict {
    enum class action { keep, rewrite, empty };
    action what = action::keep;
    bytes batch;  // rewrite / empty: the re-encoded batch
    size_t removed = 0;
};

verdict judge(const protocol::batch_header& h, bytes_view raw, const key_offset_map& map,
              const compaction_config& config, int64_t now_ms) {
    if (left_alone(h)) return {};
    // min.compaction.lag.ms: nothing in a batch this young is removed (0 disables, as in Kafka).
    if (config.min_compaction_lag_ms > 0 &&
        !older_than(h.max_timestamp, now_ms, config.min_compaction_lag_ms - 1)) {
        return {};
    }
    auto records = protocol::decode_records(raw);
    if (!records) return {};  // cannot tell what it holds: keep it as it is
    bool tombstones_expired = older_than(h.max_timestamp, now_ms, config.delete_retention_ms);
    std::vector<protocol::record> kept;
    kept.reserve(records->size());
    size_t removed = 0;
    for (auto& r : *records) {
        bool drop = false;
        if (r.key) {
            auto latest = map.get(*r.key);
            // A tombstone goes only when this pass mapped it as its key's latest record: then
            // every older record of the key was dropped in this pass, and none can reappear.
            drop = latest &&
                   (*latest > r.offset || (*latest == r.offset && !r.value && tombstones_expired));
        }
        if (drop) {
            ++removed;
        } else {
            kept.push_back(std::move(r));
        }
    }
    if (removed == 0) return {};

    protocol::batch_options o;
    o.compression = h.compression();
    o.base_offset = h.base_offset;
    o.producer_id = h.producer_id;
    o.producer_epoch = h.producer_epoch;
    o.base_sequence = h.base_sequence;
    o.log_append_time = h.log_append_time();
    o.partition_leader_epoch = h.partition_leader_epoch;
    o.last_offset_delta = h.last_offset_delta;
    verdict v{verdict::action::rewrite, protocol::build_batch(o, kept), removed};
    if (kept.empty()) {
        // Kept only as a segment's last batch; it holds on to the batch's timestamp, as Kafka's
        // empty batches do, so time retention and the time index still see it.
        namespace f = protocol::batch_field;
        store_be<int64_t>(v.batch.data() + f::base_timestamp, h.max_timestamp);
        store_be<int64_t>(v.batch.data() + f::max_timestamp, h.max_timestamp);
        store_be<uint32_t>(v.batch.data() + f::crc, protocol::compute_batch_crc(v.batch));
        v.what = verdict::action::empty;
    }
    return v;
}

// Writes the compacted copy of one segment into its .cleaned files, lazily: nothing is created
// until the first batch that changes, and then the unchanged prefix is copied over.
class segment_rewriter {
public:
    segment_rewriter(file_io& io, const std::filesystem::path& dir, const segment& old,
                     const log_config& config)
        : _io(io), _dir(dir), _old(old), _config(config) {}
    segment_rewriter(const segment_rewriter&) = delete;
    segment_rewriter& operator=(const segment_rewriter&) = delete;
    ~segment_rewriter() {
        if (_seg && !_finished) discard_staged(_io, _dir, _old.base);
    }

    // The batch at `position` of the old file stays as it is.
    result<void, errc> keep(bytes_view raw) {
        if (!_seg) return {};
        return write(raw);
    }
    // The batch at `position` is replaced by `batch` (or dropped when empty).
    result<void, errc> replace(uint64_t position, bytes_view batch) {
        if (auto r = start(position); !r) return r;
        if (batch.empty()) return {};
        return write(batch);
    }

    // The copy, complete and fsynced under its .cleaned names; nullptr when nothing changed.
    result<std::shared_ptr<segment>, errc> finish() {
        if (!_seg) return std::shared_ptr<segment>();
        if (auto r = flush_buffer(); !r) return fail(r.error());
        _seg->seal();
        auto offsets = _seg->offsets.encode(0);
        auto times = _seg->times.encode(0);
        if (auto r = _index->pwrite(offsets, 0); !r) return fail(r.error());
        if (auto r = _timeindex->pwrite(times, 0); !r) return fail(r.error());
        for (auto* f : {_seg->files.log.get(), _index.get(), _timeindex.get()}) {
            if (auto r = f->fsync(); !r) return fail(r.error());
        }
        _seg->offsets_written = _seg->offsets.size();
        _seg->times_written = _seg->times.size();
        _index.reset();
        _timeindex.reset();
        _finished = true;
        return _seg;
    }
    // After finish(): the swap did not happen, remove the files.
    void abandon() { discard_staged(_io, _dir, _old.base); }

private:
    result<void, errc> start(uint64_t upto) {
        if (_seg) return {};
        auto files = create_cleaned_files(_io, _dir, _old.base);
        if (!files) {
            discard_staged(_io, _dir, _old.base);
            return fail(files.error());
        }
        _index = std::move(files->index);
        _timeindex = std::move(files->timeindex);
        _seg = std::make_shared<segment>(_io, _dir, _old.base, std::move(files->log), _config);
        batch_scanner scanner(*_old.files.log, 0, upto, read_ahead_bytes);
        while (true) {
            auto st = scanner.next(scan_mode::verified);
            if (!st) return fail(st.error());
            if (*st == scan_status::end) return {};
            // The same bytes were just read and checked by the caller's scan.
            if (*st != scan_status::batch) return fail(errc::corrupt_log);
            if (auto r = write(scanner.batch()); !r) return r;
        }
    }
    result<void, errc> write(bytes_view batch) {
        if (_buf.size() + batch.size() > write_buffer_bytes) {
            if (auto r = flush_buffer(); !r) return r;
        }
        _seg->track_batch(format::read_header(batch), _pos + _buf.size());
        _buf.insert(_buf.end(), batch.begin(), batch.end());
        return {};
    }
    result<void, errc> flush_buffer() {
        if (_buf.empty()) return {};
        if (auto r = _seg->files.log->pwrite(_buf, _pos); !r) return r;
        _pos += _buf.size();
        _buf.clear();
        return {};
    }

    file_io& _io;
    const std::filesystem::path& _dir;
    const segment& _old;
    const log_config& _config;
    std::shared_ptr<segment> _seg;  // the copy, once started
    std::unique_ptr<file> _index;   // its .cleaned index files, open until finish()
    std::unique_ptr<file> _timeindex;
    bytes _buf;
    uint64_t _pos = 0;  // bytes of the copy already written
    bool _finished = false;
};

}  // namespace

struct partition_log::compaction_pass {
    const compaction_config& config;
    int64_t now_ms;
    log_config segment_config;  // index settings of the rewritten segments
    key_offset_map map;
    int64_t limit;          // the high watermark when compact() started
    int64_t map_from;       // the map holds the keys of the records in [map_from, mapped_to)
    int64_t mapped_to = 0;  // == limit when the map reached the end
    // After a pass that mapped to the end: the end of its last rewritten segment that follows
    // only segments old enough for min.compaction.lag.ms (partition_log::_cleaned_to).
    int64_t clean_end = 0;
};

void partition_log::swap_in(const std::shared_ptr<segment>& old, std::shared_ptr<segment> cleaned) {
    std::unique_lock lock(_mutex);
    auto it = std::find(_segments.begin(), _segments.end(), old);
    vassert(it != _segments.end() && std::next(it) != _segments.end(),
            "the cleaner lock keeps a segment being compacted in the log, and sealed");
    _size_bytes.fetch_sub(old->size);
    _size_bytes.fetch_add(cleaned->size);
    if (old->dirty) {
        // Its data was durable (below the high watermark); only index entries were pending,
        // and the copy has its own.
        old->dirty = false;
        std::erase(_dirty, old);
    }
    // Markers and offsets are unchanged: the copy keeps the transaction index file and entries.
    cleaned->aborted = old->aborted;
    cleaned->txnindex = old->txnindex;
    cleaned->txn_unsynced = old->txn_unsynced;
    if (cleaned->txn_unsynced) mark_dirty(cleaned);
    *it = std::move(cleaned);
    recompute_max_timestamp_locked();
}

result<void, errc> partition_log::compact_pass(compaction_pass& pass, compaction_stats& stats) {
    // 1. Fill the key map from map_from.
    pass.map.clear();
    pass.mapped_to = pass.limit;
    std::vector<segment_snapshot> snap;
    {
        std::shared_lock lock(_mutex);
        if (_closed.load()) return fail(errc::closed);
        snap = snapshot_from(model::offset(pass.map_from));
    }
    bool done = false;
    for (auto it = snap.begin(); it != snap.end() && !done; ++it) {
        batch_scanner scanner(*it->seg->files.log, it->from.position, it->size, read_ahead_bytes);
        while (!done) {
            if (_stop_cleaning.load()) return fail(errc::closed);
            auto st = scanner.next(scan_mode::verified);
            if (!st) return fail(st.error());
            if (*st == scan_status::end) break;
            if (*st != scan_status::batch) {
                _log->error("[{}] compaction: unreadable batch in {} at {}", _name,
                            it->seg->log_path.string(), scanner.position());
                return fail(errc::corrupt_log);
            }
            const auto& h = scanner.header();
            if (h.last_offset() >= pass.limit) {
                done = true;  // not durable yet: must not supersede anything
                break;
            }
            if (h.last_offset() < pass.map_from || left_alone(h)) continue;
            auto records = protocol::decode_records(scanner.batch());
            if (!records) continue;
            for (const auto& r : *records) {
                if (r.offset < pass.map_from || !r.key) continue;
                if (!pass.map.put(*r.key, r.offset)) {
                    pass.mapped_to = r.offset;
                    done = true;
                    break;
                }
            }
        }
    }
    _log->debug("[{}] compaction pass: {} keys from offsets [{}, {})", _name, pass.map.size(),
                pass.map_from, pass.mapped_to);

    // 2. Rewrite the sealed, durable segments that start below mapped_to.
    std::vector<std::pair<std::shared_ptr<segment>, uint64_t>> targets;
    {
        std::shared_lock lock(_mutex);
        if (_closed.load()) return fail(errc::closed);
        for (size_t i = 0; i + 1 < _segments.size(); ++i) {
            const auto& s = _segments[i];
            if (s->base() >= pass.mapped_to || s->end() > pass.limit) break;
            targets.emplace_back(s, s->size);
        }
        pass.clean_end = 0;
        for (const auto& [s, size] : targets) {
            if (too_young(*s, pass.now_ms, pass.config.min_compaction_lag_ms)) break;
            pass.clean_end = s->end();
        }
    }
    for (auto& [old, size] : targets) {
        segment_rewriter rewriter(_io, _dir, *old, pass.segment_config);
        // A batch left empty is dropped unless it turns out to be the segment's last one.
        struct pending_empty {
            uint64_t position;
            bytes batch;
        };
        std::optional<pending_empty> pending;
        size_t removed = 0;
        batch_scanner scanner(*old->files.log, 0, size, read_ahead_bytes);
        while (true) {
            if (_stop_cleaning.load()) return fail(errc::closed);
            auto st = scanner.next(scan_mode::verified);
            if (!st) return fail(st.error());
            if (*st == scan_status::end) break;
            if (*st != scan_status::batch) {
                _log->error("[{}] compaction: unreadable batch in {} at {}", _name,
                            old->log_path.string(), scanner.position());
                return fail(errc::corrupt_log);
            }
            if (pending) {
                if (auto r = rewriter.replace(pending->position, {}); !r) return r;
                pending.reset();
            }
            auto v = judge(scanner.header(), scanner.batch(), pass.map, pass.config, pass.now_ms);
            removed += v.removed;
            result<void, errc> r;
            switch (v.what) {
                case verdict::action::keep:
                    r = rewriter.keep(scanner.batch());
                    break;
                case verdict::action::rewrite:
                    r = rewriter.replace(scanner.position(), v.batch);
                    break;
                case verdict::action::empty:
                    pending = pending_empty{scanner.position(), std::move(v.batch)};
                    break;
            }
            if (!r) return r;
        }
        if (pending) {
            if (auto r = rewriter.replace(pending->position, pending->batch); !r) return r;
        }
        auto cleaned = rewriter.finish();
        if (!cleaned) return fail(cleaned.error());
        if (!*cleaned) continue;  // nothing to drop in this segment
        if (_stop_cleaning.load()) {
            rewriter.abandon();
            return fail(errc::closed);
        }
        if (auto c = commit_swap(_io, _dir, old->base); !c) {
            if (c.error().committed) {
                // The .log.swap may exist: retention must not delete the live segment now, and
                // only recovery can finish the swap.
                _failed.store(true);
                _log->error(
                    "[{}] compaction could not finish swapping segment {} ({}); refusing writes "
                    "until reopened",
                    _name, old->base, describe(c.error().error));
            } else {
                rewriter.abandon();
            }
            return fail(c.error().error);
        }
        uint64_t new_size = (*cleaned)->size;
        swap_in(old, std::move(*cleaned));
        ++stats.segments_rewritten;
        stats.records_removed += removed;
        stats.bytes_before += size;
        stats.bytes_after += new_size;
        _log->debug("[{}] compacted segment {}: {} -> {} bytes, {} records removed", _name,
                    old->base, size, new_size, removed);
    }
    return {};
}

result<compaction_stats, errc> partition_log::compact(const compaction_config& config,
                                                      int64_t now_ms) {
    std::lock_guard cleaner_lock(_cleaner_mutex);
    if (_closed.load() || _stop_cleaning.load()) return fail(errc::closed);
    if (_failed.load()) return fail(errc::io_error);
    log_config segment_config;
    {
        std::shared_lock lock(_mutex);
        segment_config = _config;
    }
    compaction_pass pass{config,
                         now_ms,
                         std::move(segment_config),
                         key_offset_map(std::max<size_t>(1, config.max_map_entries)),
                         _high_watermark.load(),
                         _log_start.load()};
    compaction_stats stats;
    while (pass.map_from < pass.limit) {
        if (auto r = compact_pass(pass, stats); !r) return fail(r.error());
        ++stats.passes;
        vassert(pass.mapped_to > pass.map_from, "a pass maps at least one record");
        pass.map_from = pass.mapped_to;
    }
    if (pass.clean_end > _cleaned_to.load()) _cleaned_to.store(pass.clean_end);
    if (stats.segments_rewritten > 0) {
        _log->info("[{}] compacted {} segments in {} passes: {} records removed, {} -> {} bytes",
                   _name, stats.segments_rewritten, stats.passes, stats.records_removed,
                   stats.bytes_before, stats.bytes_after);
    }
    return stats;
}

result<compaction_backlog, errc> partition_log::measure_compaction_backlog(
    const compaction_config& config, int64_t now_ms) const {
    const bool max_lag_set = config.max_compaction_lag_ms < std::numeric_limits<int64_t>::max();
    compaction_backlog out;
    std::vector<segment_snapshot> dirty;  // for their first timestamps, read without the lock
    {
        std::shared_lock lock(_mutex);
        if (_closed.load()) return fail(errc::closed);
        const int64_t first_dirty = std::max(_cleaned_to.load(), _log_start.load());
        bool cleanable = true;
        for (size_t i = 0; i + 1 < _segments.size(); ++i) {
            const auto& s = _segments[i];
            if (s->end() <= first_dirty) {
                out.clean_bytes += s->size;
                continue;
            }
            if (s->end() > _high_watermark.load() ||
                too_young(*s, now_ms, config.min_compaction_lag_ms)) {
                cleanable = false;
            }
            if (cleanable) out.cleanable_bytes += s->size;
            if (max_lag_set && s->size > 0) dirty.push_back({s, s->size, {}});
        }
    }
    for (const auto& d : dirty) {
        batch_scanner scanner(*d.seg->files.log, 0, d.size, format::batch_header_size);
        auto st = scanner.next(scan_mode::headers);
        if (!st) return fail(st.error());
        if (*st != scan_status::batch) continue;
        // Kafka ignores segments whose first batch has no timestamp (-1).
        const int64_t ts = scanner.header().max_timestamp;
        if (ts > 0 && (!out.earliest_dirty_timestamp || ts < *out.earliest_dirty_timestamp)) {
            out.earliest_dirty_timestamp = ts;
        }
    }
    return out;
}

}  // namespace fjord::storage
