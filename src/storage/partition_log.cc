// Append, flush, read and lookups. Opening and recovery are in log_recovery.cc.
#include "storage/partition_log.h"

#include <algorithm>
#include <cstring>

#include "base/logger.h"
#include "base/varint.h"
#include "protocol/record_batch.h"
#include "storage/batch_scanner.h"
#include "storage/producer_snapshot.h"
#include "storage/segment.h"
#include "storage/segment_format.h"

namespace fjord::storage {
namespace {

// Finds the first record with a timestamp >= ts in an uncompressed CreateTime batch. nullopt when
// the records cannot be walked (the caller then answers with the whole batch).
std::optional<timestamp_offset> first_record_at_or_after(bytes_view batch, model::timestamp ts) {
    auto h = format::read_header(batch);
    int32_t count = h.records_count;
    const uint8_t* p = batch.data() + format::batch_header_size;
    const uint8_t* end = batch.data() + h.size_bytes();
    for (int32_t i = 0; i < count; ++i) {
        auto length = varint::decode_signed(p, end, varint::max_length_32);
        if (!length || length->value < 0 ||
            length->value > (end - p) - static_cast<int64_t>(length->length)) {
            break;
        }
        const uint8_t* record = p + length->length;
        const uint8_t* record_end = record + length->value;
        // attributes (int8), timestampDelta (varlong), offsetDelta (varint)
        if (record >= record_end) break;
        auto ts_delta = varint::decode_signed(record + 1, record_end, varint::max_length_64);
        if (!ts_delta) break;
        auto offset_delta =
            varint::decode_signed(record + 1 + ts_delta->length, record_end, varint::max_length_32);
        if (!offset_delta) break;
        int64_t record_ts = h.base_timestamp + ts_delta->value;
        if (record_ts >= ts()) {
            return timestamp_offset{model::timestamp(record_ts),
                                    model::offset(h.base_offset + offset_delta->value)};
        }
        p = record_end;
    }
    return std::nullopt;
}

// A read's first pread covers at most this much before the batch it starts with; past that, the
// walk to that batch goes on header by header (batch_scanner) instead.
constexpr uint64_t max_read_slack = 16 * 1024;

// Where the first batch whose last offset is >= `o` starts at the latest: where the segment's
// first batch or the first indexed batch with a base offset >= `o` starts (either qualifies),
// else at the segment's end. REQUIRES: the append lock.
uint64_t latest_first_position(const segment& s, model::offset o, uint64_t size) {
    int64_t rel = o - s.base;
    if (rel <= 0) return 0;
    const auto& entries = s.offsets.entries();
    auto it =
        std::lower_bound(entries.begin(), entries.end(), rel,
                         [](const offset_entry& e, int64_t r) { return e.relative_offset < r; });
    return it == entries.end() ? size : it->position;
}

}  // namespace

partition_log::partition_log(std::filesystem::path dir, log_config config, file_io& io)
    : _dir(std::move(dir)),
      _clock(config.clock),
      _wall_clock(config.wall_clock),
      _config(std::move(config)),
      _segment_bytes(std::min<uint64_t>(_config.segment_bytes, format::max_segment_bytes)),
      _io(io),
      _log(module_logger("storage")),
      _name((_dir.has_filename() ? _dir.filename() : _dir.parent_path().filename()).string()) {}

partition_log::~partition_log() {
    if (!_closed.load()) close();
}

std::chrono::milliseconds partition_log::now() const {
    return _clock ? _clock() : steady_clock_now();
}

void partition_log::update_config(const log_config& config) {
    std::unique_lock lock(_mutex);
    _config = config;
    _config.clock = _clock;
    _config.wall_clock = _wall_clock;
    _segment_bytes = std::min<uint64_t>(_config.segment_bytes, format::max_segment_bytes);
}

void partition_log::mark_dirty(const std::shared_ptr<segment>& s) {
    if (!s->dirty) {
        s->dirty = true;
        _dirty.push_back(s);
    }
}

void partition_log::queue_snapshot(model::offset at) {
    _pending_snapshots.push_back({at, format::encode_producer_snapshot(at, _producers)});
    _bytes_since_snapshot = 0;
}

bool partition_log::should_roll(const segment& active, uint64_t bytes, int64_t offsets) const {
    if (active.size == 0) return false;  // a segment holds at least one append
    if (active.size + bytes > _segment_bytes) return true;
    if (_log_end.load() + offsets - 1 - active.base() > format::max_relative_offset) return true;
    if (active.indexes_full()) return true;
    return active.first_append_at && now() - *active.first_append_at > _config.segment_ms;
}

result<void, errc> partition_log::roll() {
    model::offset base(_log_end.load());
    auto files = segment::open_files(_io, _dir, base);
    if (!files) {
        (void)segment::remove_files(_io, _dir, base);
        return fail(files.error());
    }
    // A file already at this base can only be a leftover beyond the log end: start it empty.
    for (auto* f : {files->log.get(), files->index.get(), files->timeindex.get()}) {
        if (auto t = f->truncate(0); !t) return t;
    }
    // A leftover .txnindex there is dealt with when the segment's first abort creates it.
    auto& old = _segments.back();
    old->seal();
    mark_dirty(old);
    queue_snapshot(base);
    _segments.push_back(std::make_shared<segment>(_io, _dir, base, std::move(files->log), _config));
    _dir_dirty = true;
    _log->debug("[{}] rolled to a new segment at offset {}", _name, base);
    return {};
}

result<append_result, errc> partition_log::append(mutable_bytes_view batches,
                                                  model::leader_epoch epoch) {
    // Check the framing before rewriting anything.
    if (batches.empty()) return fail(errc::invalid_batch);
    int64_t offset_count = 0;
    bool stateful = false;  // producer state to check: idempotent batches, transaction markers
    for (size_t pos = 0; pos < batches.size();) {
        auto h = protocol::read_batch_header(bytes_view(batches).subspan(pos));
        if (!h || h->last_offset_delta < 0) return fail(errc::invalid_batch);
        offset_count += int64_t{h->last_offset_delta} + 1;
        stateful = stateful || h->producer_id >= 0;
        pos += h->size_bytes();
    }
    if (offset_count - 1 > format::max_relative_offset) return fail(errc::record_set_too_large);

    std::unique_lock lock(_mutex);
    if (_closed.load()) return fail(errc::closed);
    if (_failed.load()) return fail(errc::io_error);
    std::vector<staged_producer> staged;
    std::vector<txn_change> txn_changes;
    if (stateful) {
        auto checked = stage_producers(batches, _log_end.load(), staged, txn_changes);
        if (!checked) return fail(checked.error());
        if (*checked) {
            // A retry of a batch the log holds: nothing to write.
            _log->debug("[{}] duplicate batch answered with offsets {}-{}", _name,
                        (*checked)->base_offset, (*checked)->last_offset);
            return **checked;
        }
    }
    if (batches.size() > _segment_bytes) return fail(errc::record_set_too_large);
    if (should_roll(*_segments.back(), batches.size(), offset_count)) {
        if (auto r = roll(); !r) return fail(r.error());
    }
    auto& active = _segments.back();
    // Aborted transactions go into the transaction index of the segment holding their marker.
    auto aborts = _txns.aborted_entries(txn_changes);
    if (!aborts.empty() && !active->txnindex) {
        auto f = segment::open_txnindex(_io, _dir, active->base);
        if (!f) return fail(f.error());
        // A leftover at this base can only describe records beyond the log end.
        if (auto t = (*f)->truncate(0); !t) return fail(t.error());
        active->txnindex = std::move(*f);
        _dir_dirty = true;
    }

    model::offset base(_log_end.load());
    model::offset next = base;
    for (size_t pos = 0; pos < batches.size();) {
        auto b = batches.subspan(pos);
        auto h = format::read_header(b);
        protocol::set_base_offset(b, next());
        protocol::set_partition_leader_epoch(b, epoch());
        next = next + (int64_t{h.last_offset_delta} + 1);
        pos += h.size_bytes();
    }

    uint64_t position = active->size;
    if (auto w = active->files.log->pwrite(batches, position); !w) {
        // Cut whatever part of the write landed, so the next append does not build on it.
        active->zeroed_end = std::min(active->zeroed_end, position);
        if (auto t = active->files.log->truncate(position); !t) {
            _failed.store(true);
            _log->error(
                "[{}] cannot truncate {} back to {} after a failed write; refusing "
                "appends until reopened",
                _name, active->log_path.string(), position);
        }
        return fail(w.error());
    }
    if (!aborts.empty()) {
        uint64_t at = active->aborted.size() * format::txn_entry_size;
        if (auto w = active->txnindex->pwrite(format::encode_txn_entries(aborts), at); !w) {
            auto t = active->txnindex->truncate(at);
            active->zeroed_end = std::min(active->zeroed_end, position);
            auto l = active->files.log->truncate(position);
            if (!t || !l) {
                _failed.store(true);
                _log->error(
                    "[{}] cannot undo a failed transaction index write in segment {}; refusing "
                    "appends until reopened",
                    _name, active->base);
            }
            return fail(w.error());
        }
        active->aborted.insert(active->aborted.end(), aborts.begin(), aborts.end());
        active->txn_unsynced = true;
    }
    for (size_t pos = 0; pos < batches.size();) {
        auto h = format::read_header(bytes_view(batches).subspan(pos));
        active->track_batch(h, position + pos);
        pos += h.size_bytes();
    }
    if (!active->first_append_at) active->first_append_at = now();
    if (!_max_timestamp || active->max_timestamp->timestamp > _max_timestamp->timestamp) {
        _max_timestamp = active->max_timestamp;
    }
    mark_dirty(active);
    for (auto& p : staged) _producers.put(p.id, std::move(p.entry));
    if (!txn_changes.empty()) {
        _txns.apply(txn_changes, /*durable=*/false);
        _first_unstable.store(_txns.first_unstable());
    }
    _size_bytes.fetch_add(batches.size());
    _log_end.store(next());
    _bytes_since_snapshot += batches.size();
    if (_config.snapshot_interval_bytes > 0 &&
        _bytes_since_snapshot >= _config.snapshot_interval_bytes) {
        queue_snapshot(next);
    }
    return append_result{base, next + -1};
}

result<model::offset, errc> partition_log::flush(const durable_callback& on_durable) {
    std::lock_guard flush_lock(_flush_mutex);
    if (_closed.load()) return fail(errc::closed);
    return flush_locked(on_durable);
}

result<model::offset, errc> partition_log::flush_locked(const durable_callback& on_durable,
                                                        index_writes indexes) {
    if (_failed.load()) return fail(errc::io_error);
    struct pending {
        std::shared_ptr<segment> seg;
        bytes offsets;
        size_t offsets_count;
        bytes times;
        size_t times_count;
        std::shared_ptr<file> txnindex;  // with entries not yet fsynced
    };
    std::vector<pending> work;
    std::vector<pending_snapshot> snapshots;
    int64_t target;
    model::offset active_base;
    bool dir_dirty;
    {
        std::unique_lock lock(_mutex);
        target = _log_end.load();
        snapshots.swap(_pending_snapshots);
        const auto& active = _segments.back();
        active_base = active->base;
        // Segments that take no more appends: sealed ones, or all of them when the log closes.
        auto sealed_or_closing = [&](const segment& s) {
            return indexes == index_writes::all || s.base < active_base;
        };
        // Writing the active segment's entries at every flush would cost opening, writing and
        // closing both index files per group commit; they wait until due (log_config).
        auto due = [&](const segment& s) {
            return sealed_or_closing(s) ||
                   s.unwritten_index_bytes() >= _config.index_write_interval_bytes;
        };
        // Entries held back at earlier flushes, or zeros written ahead, make the segment dirty
        // again for the last one.
        if (indexes == index_writes::all &&
            (active->unwritten_index_bytes() > 0 || active->zeroed_end > active->size)) {
            mark_dirty(active);
        }
        // Sealed and closed segments end at their last batch (recovery trusts sealed ones to);
        // the fsync below makes the cut durable before the checkpoint can pass them.
        for (auto& s : _dirty) {
            if (sealed_or_closing(*s)) {
                if (auto r = trim_zero_fill(*s); !r) return fail(r.error());
            } else {
                zero_fill_ahead(*s);
            }
            s->flushed_size = s->size;
        }
        work.reserve(_dirty.size());
        for (auto& s : _dirty) {
            s->dirty = false;
            pending p{s,
                      {},
                      s->offsets_written,
                      {},
                      s->times_written,
                      std::exchange(s->txn_unsynced, false) ? s->txnindex : nullptr};
            if (due(*s)) {
                p.offsets = s->offsets.encode(s->offsets_written);
                p.offsets_count = s->offsets.size();
                p.times = s->times.encode(s->times_written);
                p.times_count = s->times.size();
            }
            work.push_back(std::move(p));
        }
        _dirty.clear();
        // New files with nothing durable in them can wait (a fresh, empty log's).
        dir_dirty = !work.empty() && std::exchange(_dir_dirty, false);
    }

    for (auto& w : work) {
        if (auto r = w.seg->files.log->fsync(); !r) {
            _failed.store(true);
            _log->error("[{}] fsync of {} failed; refusing appends until reopened", _name,
                        w.seg->log_path.string());
            return fail(r.error());
        }
        // Aborted transactions must be durable before the high watermark passes their markers.
        if (w.txnindex) {
            if (auto r = w.txnindex->fsync(); !r) {
                _failed.store(true);
                _log->error("[{}] fsync of {} failed; refusing appends until reopened", _name,
                            w.seg->txnindex_path.string());
                return fail(r.error());
            }
        }
    }
    // The names of new segment files (a roll creates all three) must survive too.
    if (dir_dirty) {
        if (auto r = _io.fsync_directory(_dir); !r) {
            std::unique_lock lock(_mutex);
            for (auto& w : work) mark_dirty(w.seg);
            _dir_dirty = true;
            for (auto& snap : snapshots) _pending_snapshots.push_back(std::move(snap));
            return fail(r.error());
        }
    }
    if (target > _high_watermark.load()) _high_watermark.store(target);
    if (_first_unstable.load() != txn_tracker::none) {
        // Transactions whose marker just became durable are stable now.
        std::unique_lock lock(_mutex);
        _txns.flushed(_high_watermark.load());
        _first_unstable.store(_txns.first_unstable());
    }
    const model::offset high_watermark(_high_watermark.load());
    // Waiters need not wait for what follows: it only shortens the next open (recovery would
    // rebuild an index, replay from an older snapshot, re-validate from an older recovery point),
    // so a failure there is logged and retried at the next flush, never the flush's failure.
    if (on_durable) on_durable(high_watermark);

    // Index entries go out only after the data they point to is durable. Only sealed segments'
    // indexes are fsynced (before the checkpoint may pass them): an fsync of the active one's on
    // every flush would double the time to durability for nothing recovery needs.
    bool indexes_written = true;
    for (auto& w : work) {
        bool sealed = w.seg->base < active_base;
        if (auto r = w.seg->write_pending_indexes(w.offsets, w.offsets_count, w.times,
                                                  w.times_count, sealed);
            !r) {
            _log->warn(
                "[{}] cannot write the index entries of segment {} ({}); retrying at the "
                "next flush",
                _name, w.seg->base, describe(r.error()));
            std::unique_lock lock(_mutex);
            for (auto& again : work) mark_dirty(again.seg);
            indexes_written = false;
            break;
        }
    }
    for (auto& snap : snapshots) {
        if (auto r = write_snapshot(snap.offset, snap.data); !r) {
            _log->warn("[{}] cannot write the producer snapshot at {}: {}", _name, snap.offset,
                       describe(r.error()));
        }
    }
    // Every segment below the active one at the snapshot is durable now, indexes included. (A
    // new log has no checkpoint until it has data.)
    if (indexes_written && active_base != _checkpointed_recovery_point && !work.empty()) {
        if (auto r = write_checkpoint(active_base); !r) {
            _log->warn("[{}] cannot write the checkpoint ({}); recovery will re-validate more",
                       _name, describe(r.error()));
        }
    }
    return high_watermark;
}

std::vector<segment_snapshot> partition_log::snapshot_from(model::offset o) const {
    std::vector<segment_snapshot> out;
    auto it = std::upper_bound(_segments.begin(), _segments.end(), o,
                               [](model::offset v, const auto& s) { return v < s->base; });
    if (it != _segments.begin()) --it;
    for (bool first = true; it != _segments.end(); ++it, first = false) {
        auto& s = *it;
        out.push_back({s, s->size, first ? s->offsets.lookup(o) : index_position{s->base, 0}});
    }
    return out;
}

result<read_result, errc> partition_log::read(model::offset start, size_t max_bytes,
                                              model::offset upper, bool min_one_batch) {
    std::vector<segment_snapshot> snap;
    uint64_t first_latest;
    {
        std::shared_lock lock(_mutex);
        if (_closed.load()) return fail(errc::closed);
        if (start() < _log_start.load() || start() > _log_end.load()) {
            return fail(errc::offset_out_of_range);
        }
        if (start >= upper) return read_result{};
        snap = snapshot_from(start);
        first_latest = latest_first_position(*snap.front().seg, start, snap.front().size);
    }
    for (size_t i = 0; i < snap.size(); ++i) {
        // The later segments start above `start`: their first batch is the one.
        auto r = read_segment(snap[i], i == 0 ? first_latest : 0, start, max_bytes, upper,
                              min_one_batch);
        if (!r) return fail(r.error());
        if (*r) return std::move(**r);
    }
    return read_result{};
}

result<std::optional<read_result>, errc> partition_log::read_segment(
    const segment_snapshot& s, uint64_t latest_first, model::offset start, size_t max_bytes,
    model::offset upper, bool min_one_batch) const {
    const file& f = *s.seg->files.log;
    auto corrupt = [&](uint64_t position) {
        _log->error("[{}] unreadable batch in {} at {}", _name, s.seg->log_path.string(), position);
        return fail(errc::corrupt_log);
    };
    const uint64_t from = s.from.position;
    if (from >= s.size) return std::optional<read_result>();

    // One read for the batches between the index entry and the first one to return (as far as
    // they are known to reach, up to max_read_slack) and max_bytes after them.
    uint64_t avail = s.size - from;
    uint64_t slack = std::min(max_read_slack, latest_first > from ? latest_first - from : 0);
    auto window_len =
        static_cast<size_t>(std::min(avail, slack + std::min<uint64_t>(max_bytes, avail)));
    std::shared_ptr<uint8_t[]> owner = std::make_shared_for_overwrite<uint8_t[]>(window_len);
    auto n = f.pread(mutable_bytes_view(owner.get(), window_len), from);
    if (!n) return fail(n.error());
    const uint64_t window_end = from + *n;

    // The first batch whose last offset is >= start, and its position.
    std::optional<protocol::batch_header> first;
    uint64_t pos = from;
    while (pos < s.size && pos + format::batch_header_size <= window_end) {
        bytes_view rest(owner.get() + (pos - from), window_end - pos);
        // Torn only means the batch goes on past the window.
        if (check_batch(rest, scan_mode::headers) == scan_status::invalid) return corrupt(pos);
        auto h = format::read_header(rest);
        if (h.size_bytes() > s.size - pos) return corrupt(pos);
        if (h.last_offset() >= start()) {
            first = h;
            break;
        }
        pos += h.size_bytes();
    }
    if (!first && pos < s.size) {
        // The window ended first (a sparse index, or batches larger than the slack): go on
        // header by header.
        batch_scanner scanner(f, pos, s.size, max_read_slack);
        while (!first) {
            auto st = scanner.next(scan_mode::headers);
            if (!st) return fail(st.error());
            if (*st == scan_status::end) break;
            if (*st != scan_status::batch) return corrupt(scanner.position());
            if (scanner.header().last_offset() >= start()) {
                first = scanner.header();
                pos = scanner.position();
            }
        }
    }
    if (!first) return std::optional<read_result>();
    if (first->last_offset() >= upper()) return std::optional<read_result>(read_result{});

    uint64_t first_size = first->size_bytes();
    uint64_t len = std::min<uint64_t>(max_bytes, s.size - pos);
    if (first_size > max_bytes) {
        if (!min_one_batch) return std::optional<read_result>(read_result{});
        len = first_size;
    }
    const uint8_t* data;
    size_t have;
    if (pos + len <= window_end) {
        data = owner.get() + (pos - from);
        have = static_cast<size_t>(len);
    } else {
        // The first batch alone is larger than the window (or was found past it): read what is
        // missing behind the part already in memory.
        auto whole = std::make_shared_for_overwrite<uint8_t[]>(len);
        size_t copied = pos < window_end ? static_cast<size_t>(std::min(len, window_end - pos)) : 0;
        if (copied > 0) std::memcpy(whole.get(), owner.get() + (pos - from), copied);
        auto m = f.pread(mutable_bytes_view(whole.get() + copied, len - copied), pos + copied);
        if (!m) return fail(m.error());
        owner = std::move(whole);
        data = owner.get();
        have = copied + *m;
    }
    // Keep whole batches below `upper`; the first one is known to qualify.
    size_t keep = 0;
    while (keep + format::batch_header_size <= have) {
        auto bh = format::read_header(bytes_view(data + keep, have - keep));
        if (bh.batch_length < static_cast<int32_t>(format::batch_min_length) ||
            keep + bh.size_bytes() > have || bh.last_offset() >= upper()) {
            break;
        }
        keep += bh.size_bytes();
    }
    if (keep == 0) {
        _log->error("[{}] short read of {} at {}", _name, s.seg->log_path.string(), pos);
        return fail(errc::io_error);
    }
    return std::optional<read_result>(read_result{
        shared_bytes{std::shared_ptr<const void>(std::move(owner)), bytes_view(data, keep)}});
}

result<std::optional<timestamp_offset>, errc> partition_log::find_offset_by_timestamp(
    model::timestamp ts) const {
    std::optional<segment_snapshot> snap;
    int64_t log_start;
    {
        std::shared_lock lock(_mutex);
        if (_closed.load()) return fail(errc::closed);
        log_start = _log_start.load();
        for (auto& s : _segments) {
            if (s->end() <= log_start) continue;  // below the start (DeleteRecords): invisible
            if (s->max_timestamp && s->max_timestamp->timestamp >= ts) {
                snap = segment_snapshot{s, s->size, s->offsets.lookup(s->times.lookup(ts))};
                break;
            }
        }
    }
    if (!snap) return std::optional<timestamp_offset>{};
    const file& f = *snap->seg->files.log;
    batch_scanner scanner(f, snap->from.position, snap->size);
    while (true) {
        auto st = scanner.next(scan_mode::headers);
        if (!st) return fail(st.error());
        if (*st != scan_status::batch) {
            // The segment's largest timestamp was carried by some batch in range.
            _log->error("[{}] timestamp lookup ran off {} at {}", _name,
                        snap->seg->log_path.string(), scanner.position());
            return fail(errc::corrupt_log);
        }
        const auto h = scanner.header();
        if (h.max_timestamp < ts() || h.last_offset() < log_start) continue;
        timestamp_offset answer{model::timestamp(h.max_timestamp),
                                model::offset(std::max(h.base_offset, log_start))};
        if (h.compression() == protocol::compression_type::none && !h.log_append_time()) {
            bytes batch(h.size_bytes());
            auto n = f.pread(batch, scanner.position());
            if (!n) return fail(n.error());
            if (*n == batch.size()) {
                if (auto exact = first_record_at_or_after(batch, ts);
                    exact && exact->offset() >= log_start) {
                    answer = *exact;
                }
            }
        }
        return std::optional<timestamp_offset>(answer);
    }
}

std::optional<timestamp_offset> partition_log::max_timestamp() const {
    std::shared_lock lock(_mutex);
    return _max_timestamp;
}

size_t partition_log::segment_count() const {
    std::shared_lock lock(_mutex);
    return _segments.size();
}

bool partition_log::close() {
    _stop_cleaning.store(true);
    std::lock_guard cleaner_lock(_cleaner_mutex);
    std::lock_guard flush_lock(_flush_mutex);
    if (_closed.load()) return _closed_durable;
    if (!_failed.load()) {
        if (auto r = flush_locked({}, index_writes::all); !r) {
            _log->error("[{}] flush on close failed: {}", _name, describe(r.error()));
        } else {
            write_close_snapshot();
            _closed_durable = true;
        }
    }
    std::unique_lock lock(_mutex);
    _closed.store(true);
    _dirty.clear();
    _segments.clear();
    return _closed_durable;
}

result<void, errc> partition_log::remove() {
    std::vector<std::shared_ptr<segment>> segments;
    _stop_cleaning.store(true);
    std::lock_guard cleaner_lock(_cleaner_mutex);
    {
        std::lock_guard flush_lock(_flush_mutex);
        std::unique_lock lock(_mutex);
        _closed.store(true);
        _dirty.clear();
        segments.swap(_segments);
    }
    auto names = _io.list(_dir);
    if (!names) return fail(names.error());
    for (auto& n : *names) {
        if (auto r = _io.remove(_dir / n); !r) return r;
    }
    if (auto r = _io.remove(_dir); !r) return r;
    _log->info("[{}] removed", _name);
    return {};
}

}  // namespace fjord::storage
