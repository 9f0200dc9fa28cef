// Opening a partition log: recovery as specified in docs/formats/segment-files.md §6.
#include <algorithm>
#include <map>
#include <tuple>

#include "base/logger.h"
#include "storage/batch_scanner.h"
#include "storage/partition_log.h"
#include "storage/segment.h"
#include "storage/segment_format.h"
#include "storage/segment_swap.h"

namespace fjord::storage {
namespace {

struct found_files {
    bool log = false;
    bool index = false;
    bool timeindex = false;
    bool txnindex = false;
};

result<bytes, errc> read_whole(const file& f) {
    auto size = f.size();
    if (!size) return fail(size.error());
    bytes data(*size);
    auto n = f.pread(data, 0);
    if (!n) return fail(n.error());
    data.resize(*n);
    return data;
}

// Whether [from, to) of `f` holds zeros only: what zero-fill ahead (§2) leaves after the last
// batch of an active segment. Long tails are not read: zero-fill never leaves one.
result<bool, errc> only_zeros(const file& f, uint64_t from, uint64_t to,
                              uint64_t longest_zero_fill) {
    if (to - from > longest_zero_fill) return false;
    bytes block(std::min<uint64_t>(to - from, 64 << 10));
    for (uint64_t at = from; at < to;) {
        auto n =
            f.pread(mutable_bytes_view(block).first(std::min<uint64_t>(block.size(), to - at)), at);
        if (!n) return fail(n.error());
        if (*n == 0) return false;
        auto got = bytes_view(block).first(*n);
        if (std::any_of(got.begin(), got.end(), [](uint8_t b) { return b != 0; })) return false;
        at += *n;
    }
    return true;
}

struct scan_outcome {
    scan_status stop;    // end, torn or invalid
    uint64_t valid_end;  // position after the last good batch
};

// Rebuilds the segment's in-memory state from every batch at and after `start`, checking §2's
// invariants and the CRC. From position 0 the state is reset first; from an index entry, the
// caller has loaded the state before it and the first batch must start at the entry's offset.
// `max_last_offset`: the last offset the segment may hold (next segment's base - 1).
result<scan_outcome, errc> scan_segment(segment& seg, uint64_t log_size,
                                        std::optional<int64_t> max_last_offset,
                                        index_position start) {
    bool from_entry = start.position > 0;
    if (!from_entry) seg.reset_tracking();
    batch_scanner scanner(*seg.files.log, start.position, log_size);
    int64_t min_base = from_entry ? start.offset() : seg.base();
    while (true) {
        auto st = scanner.next(scan_mode::verified);
        if (!st) return fail(st.error());
        if (*st != scan_status::batch) return scan_outcome{*st, scanner.position()};
        const auto& h = scanner.header();
        bool offsets_ok = h.base_offset >= min_base &&
                          h.last_offset() - seg.base() <= format::max_relative_offset &&
                          (!max_last_offset || h.last_offset() <= *max_last_offset);
        if (from_entry && scanner.position() == start.position) {
            offsets_ok = offsets_ok && h.base_offset == start.offset();
        }
        if (!offsets_ok) return scan_outcome{scan_status::invalid, scanner.position()};
        seg.track_batch(h, scanner.position());
        min_base = h.last_offset() + 1;
    }
}

struct index_file_bytes {
    bytes offsets;
    bytes times;
};

result<index_file_bytes, errc> read_index_files(const segment_files& files) {
    auto offsets = read_whole(*files.index);
    if (!offsets) return fail(offsets.error());
    auto times = read_whole(*files.timeindex);
    if (!times) return fail(times.error());
    return index_file_bytes{std::move(*offsets), std::move(*times)};
}

std::optional<int64_t> max_relative_offset(const segment& seg,
                                           std::optional<int64_t> max_last_offset) {
    if (!max_last_offset) return std::nullopt;
    return *max_last_offset - seg.base();
}

// Where re-validating a segment may start, with the segment's state before that point loaded
// from its index files (§6 step 3). Index entries reach the files only after the data they
// point to is fsynced, so the batches before an entry are durable and need no check. The start
// is the offset entry at or before the batch with the time index's largest timestamp: the scan
// then also sees every batch whose time entry may not have reached the disk, and re-adds the
// entries after it exactly as the appender did. Position 0 when the files do not help.
index_position resume_point(segment& seg, const index_file_bytes& files, uint64_t log_size,
                            std::optional<int64_t> max_last_offset, uint32_t index_interval) {
    index_position from_start{seg.base, 0};
    auto max_relative = max_relative_offset(seg, max_last_offset);
    auto offsets = offset_index::decode(files.offsets, log_size, max_relative);
    auto times = time_index::decode(files.times, max_relative);
    if (!offsets || !times || offsets->empty() || times->empty()) return from_start;
    uint32_t newest = times->back().relative_offset;
    // The first entry past the newest timestamp's batch; the one before it is the start.
    auto after =
        std::upper_bound(offsets->begin(), offsets->end(), newest,
                         [](uint32_t o, const offset_entry& e) { return o < e.relative_offset; });
    if (after == offsets->begin()) return from_start;
    auto start = std::prev(after);
    index_position at{seg.base + start->relative_offset, start->position};
    offsets->erase(start, offsets->end());  // the scan adds them back
    seg.reset_tracking();
    seg.offsets.assign(std::move(*offsets));
    seg.max_timestamp = timestamp_offset{model::timestamp(times->back().timestamp),
                                         seg.base + times->back().relative_offset};
    seg.times.assign(std::move(*times));
    seg.size = at.position;
    seg.end = at.offset;
    // As after the batch before the entry: the next tracked batch gets an entry.
    seg.bytes_since_index_entry = index_interval;
    return at;
}

// Loads a trusted segment's index files; false when they break a rule and must be rebuilt.
result<bool, errc> load_indexes(segment& seg, const index_file_bytes& files, uint64_t log_size,
                                std::optional<int64_t> max_last_offset, uint32_t index_interval) {
    auto max_relative = max_relative_offset(seg, max_last_offset);
    auto offsets = offset_index::decode(files.offsets, log_size, max_relative);
    auto times = time_index::decode(files.times, max_relative);
    // A sealed non-empty segment's last time entry is its largest timestamp (§4).
    if (!offsets || !times || (log_size > 0 && times->empty())) return false;

    seg.reset_tracking();
    seg.offsets.assign(std::move(*offsets));
    seg.times.assign(std::move(*times));
    // Walk from the last index entry to the end of the file: it must end on a batch boundary.
    auto from = seg.offsets.lookup(model::offset(INT64_MAX));
    batch_scanner scanner(*seg.files.log, from.position, log_size);
    int64_t expected_base = from.offset();
    bool first = true;
    // Replays the appender's decisions (§3) over the tail: an entry it would have added and the
    // file lacks means the index lost entries (or the interval changed): rebuild.
    uint64_t bytes_since_entry = 0;
    bool starts_at_entry = seg.offsets.size() > 0;  // else the implicit start of the file
    model::offset end = seg.base;
    while (true) {
        auto st = scanner.next(scan_mode::verified);
        if (!st) return fail(st.error());
        if (*st == scan_status::end) break;
        if (*st != scan_status::batch) return false;
        const auto& h = scanner.header();
        // Without an entry the walk starts at position 0, whose batch may start above the
        // segment's base (compaction dropped a leading batch, §2).
        bool ok = first && starts_at_entry ? h.base_offset == expected_base
                                           : h.base_offset >= expected_base;
        if (!ok || (max_last_offset && h.last_offset() > *max_last_offset) ||
            h.max_timestamp > seg.times.last()->timestamp ||
            (bytes_since_entry >= index_interval && !seg.offsets.full() &&
             !(first && starts_at_entry))) {
            return false;
        }
        bytes_since_entry += h.size_bytes();
        expected_base = h.last_offset() + 1;
        end = model::offset(h.last_offset() + 1);
        first = false;
    }
    if (log_size > 0 && first) return false;  // the last entry pointed at nothing
    seg.size = log_size;
    seg.end = end;
    if (auto last = seg.times.last()) {
        seg.max_timestamp =
            timestamp_offset{model::timestamp(last->timestamp), seg.base + last->relative_offset};
    }
    seg.offsets_written = seg.offsets.size();
    seg.times_written = seg.times.size();
    return true;
}

// Brings both index files in line with the in-memory indexes: rewritten where they differ from
// `on_disk`, and fsynced when `sync` (a sealed segment's indexes must be durable before the
// checkpoint passes it; the active one's need not be, §6). Leaving equal files alone keeps a
// restart after a clean shutdown from writing anything.
result<void, errc> sync_indexes(segment& seg, segment_files& files, const index_file_bytes& on_disk,
                                bool sync) {
    auto offsets = seg.offsets.encode(0);
    auto times = seg.times.encode(0);
    for (auto [f, data, old] :
         {std::tuple{files.index.get(), bytes_view(offsets), bytes_view(on_disk.offsets)},
          std::tuple{files.timeindex.get(), bytes_view(times), bytes_view(on_disk.times)}}) {
        bool same = std::equal(data.begin(), data.end(), old.begin(), old.end());
        if (!same) {
            if (auto r = f->truncate(0); !r) return r;
            if (auto r = f->pwrite(data, 0); !r) return r;
        }
        if (!same || sync) {
            if (auto r = f->fsync(); !r) return r;
        }
    }
    seg.offsets_written = seg.offsets.size();
    seg.times_written = seg.times.size();
    return {};
}

}  // namespace

result<std::unique_ptr<partition_log>, errc> partition_log::open(std::filesystem::path dir,
                                                                 log_config config, file_io& io) {
    std::unique_ptr<partition_log> log(new partition_log(std::move(dir), std::move(config), io));
    if (auto r = log->recover(); !r) {
        log->_closed.store(true);  // nothing to flush: recovery did not finish
        return fail(r.error());
    }
    return log;
}

result<void, errc> partition_log::write_checkpoint(model::offset recovery_point) {
    auto data = format::encode_checkpoint({log_start_offset(), recovery_point});
    auto final_path = _dir / format::checkpoint_name;
    auto tmp_path = final_path;
    tmp_path += format::tmp_suffix;
    {
        auto f = _io.open(tmp_path, open_mode::create);
        if (!f) return fail(f.error());
        if (auto r = (*f)->truncate(0); !r) return r;
        if (auto r = (*f)->pwrite(data, 0); !r) return r;
        if (auto r = (*f)->fsync(); !r) return r;
    }
    if (auto r = _io.rename(tmp_path, final_path); !r) return r;
    if (auto r = _io.fsync_directory(_dir); !r) return r;
    _checkpointed_recovery_point = recovery_point;
    return {};
}

// Single-threaded: runs inside open(), before anyone else can see the log.
result<void, errc> partition_log::recover() {
    if (auto r = _io.create_directories(_dir); !r) return r;
    auto names = _io.list(_dir);
    if (!names) return fail(names.error());
    // A compaction that crashed mid-swap left .cleaned / .swap files: finish or discard it first,
    // so what follows sees whole segments only (§9).
    if (auto r = finish_interrupted_swaps(_io, _dir, *names, *_log, _name); !r) return r;
    names = _io.list(_dir);
    if (!names) return fail(names.error());

    std::map<int64_t, found_files> found;
    bool has_checkpoint = false;
    for (const auto& name : *names) {
        if (name.ends_with(format::tmp_suffix)) {
            if (auto r = _io.remove(_dir / name); !r) return r;
        } else if (name == format::checkpoint_name) {
            has_checkpoint = true;
        } else if (auto f = format::parse_segment_file_name(name)) {
            auto& entry = found[f->base()];
            switch (f->kind) {
                case format::file_kind::log:
                    entry.log = true;
                    break;
                case format::file_kind::index:
                    entry.index = true;
                    break;
                case format::file_kind::timeindex:
                    entry.timeindex = true;
                    break;
                case format::file_kind::txnindex:
                    entry.txnindex = true;
                    break;
            }
        }
    }

    format::checkpoint checkpoint{model::offset(0), model::offset(0)};
    if (has_checkpoint) {
        auto f = _io.open(_dir / format::checkpoint_name, open_mode::existing);
        if (!f) return fail(f.error());
        auto data = read_whole(**f);
        if (!data) return fail(data.error());
        auto decoded = format::decode_checkpoint(*data);
        switch (decoded.status) {
            case format::checkpoint_status::ok:
                checkpoint = decoded.value;
                _checkpointed_recovery_point = checkpoint.recovery_point;
                break;
            case format::checkpoint_status::damaged:
                _log->warn("[{}] damaged {}: ignored, re-validating every segment", _name,
                           format::checkpoint_name);
                break;
            case format::checkpoint_status::unknown_version:
                _log->error("[{}] {} has an unknown version (written by a newer Fjord?)", _name,
                            format::checkpoint_name);
                return fail(errc::corrupt_log);
        }
    }

    // Orphan indexes (no .log) are leftovers of a deletion; drop them.
    for (auto it = found.begin(); it != found.end();) {
        if (it->second.log) {
            ++it;
            continue;
        }
        if (auto r = segment::remove_files(_io, _dir, model::offset(it->first)); !r) return r;
        it = found.erase(it);
    }

    std::vector<std::shared_ptr<segment>> segments;
    std::vector<std::shared_ptr<segment>> needs_sync;  // re-validated: page cache may be unsynced
    bool cut = false;  // a segment was truncated: later segments build on lost records
    for (auto it = found.begin(); it != found.end(); ++it) {
        model::offset base(it->first);
        if (cut) {
            _log->warn("[{}] deleting segment {} after the truncated one", _name, base);
            if (auto r = segment::remove_files(_io, _dir, base); !r) return r;
            continue;
        }
        auto files = segment::open_files(_io, _dir, base);
        if (!files) return fail(files.error());
        auto on_disk = read_index_files(*files);
        if (!on_disk) return fail(on_disk.error());
        auto seg = std::make_shared<segment>(_io, _dir, base, std::move(files->log), _config);
        if (it->second.txnindex) {
            auto txnindex = segment::open_txnindex(_io, _dir, base);
            if (!txnindex) return fail(txnindex.error());
            seg->txnindex = std::move(*txnindex);
        }
        auto log_size = seg->files.log->size();
        if (!log_size) return fail(log_size.error());
        if (!segments.empty() && base < segments.back()->end) {
            _log->error("[{}] segment {} overlaps the previous one (which ends at {})", _name, base,
                        segments.back()->end);
            return fail(errc::corrupt_log);
        }
        auto next = std::next(it);
        bool last = next == found.end();
        std::optional<int64_t> max_last_offset;
        if (!last) max_last_offset = next->first - 1;
        bool trusted = base < checkpoint.recovery_point && !last;
        index_position from_start{base, 0};

        if (trusted) {
            result<bool, errc> loaded = false;
            if (it->second.index && it->second.timeindex) {
                loaded = load_indexes(*seg, *on_disk, *log_size, max_last_offset,
                                      _config.index_interval_bytes);
            }
            if (!loaded) return fail(loaded.error());
            if (*loaded) {
                seg->sealed = true;
            } else {
                _log->info("[{}] rebuilding the indexes of segment {}", _name, base);
                auto scanned = scan_segment(*seg, *log_size, max_last_offset, from_start);
                if (!scanned) return fail(scanned.error());
                if (scanned->stop != scan_status::end) {
                    _log->error(
                        "[{}] segment {} is corrupt at position {} below the recovery "
                        "point; not opening the log",
                        _name, seg->log_path.string(), scanned->valid_end);
                    return fail(errc::corrupt_log);
                }
                seg->seal();
                if (auto r = sync_indexes(*seg, *files, {}, true); !r) return r;
            }
        } else {
            auto start = resume_point(*seg, *on_disk, *log_size, max_last_offset,
                                      _config.index_interval_bytes);
            auto scanned = scan_segment(*seg, *log_size, max_last_offset, start);
            if (!scanned) return fail(scanned.error());
            // The entry must name a batch, and the newest time entry a batch that survived;
            // otherwise the files are not what they seem: re-validate the whole segment.
            auto newest = seg->times.last();
            bool resumed_wrongly =
                start.position > 0 &&
                ((scanned->valid_end == start.position && scanned->stop != scan_status::end) ||
                 (newest && seg->base + newest->relative_offset >= seg->end));
            if (resumed_wrongly) {
                _log->info(
                    "[{}] the index files of segment {} disagree with its log; "
                    "re-validating the whole segment",
                    _name, base);
                scanned = scan_segment(*seg, *log_size, max_last_offset, from_start);
                if (!scanned) return fail(scanned.error());
            }
            if (scanned->stop != scan_status::end || scanned->valid_end != *log_size) {
                auto zeros = only_zeros(*seg->files.log, scanned->valid_end, *log_size,
                                        2 * _config.preallocate_bytes);
                if (!zeros) return fail(zeros.error());
                if (*zeros) {
                    _log->info("[{}] {}: cutting {} bytes of zeros after the last batch", _name,
                               seg->log_path.string(), *log_size - scanned->valid_end);
                } else {
                    _log->warn("[{}] {}: {} batch at position {}; truncating {} bytes", _name,
                               seg->log_path.string(),
                               scanned->stop == scan_status::torn ? "torn" : "invalid",
                               scanned->valid_end, *log_size - scanned->valid_end);
                }
                if (auto r = seg->files.log->truncate(scanned->valid_end); !r) return r;
                cut = true;
            }
            if (!last && !cut) seg->seal();
            if (auto r = sync_indexes(*seg, *files, *on_disk, !last); !r) return r;
            needs_sync.push_back(seg);
        }
        segments.push_back(std::move(seg));
    }

    if (segments.empty()) {
        model::offset base = checkpoint.log_start;
        auto files = segment::open_files(_io, _dir, base);
        if (!files) return fail(files.error());
        segments.push_back(
            std::make_shared<segment>(_io, _dir, base, std::move(files->log), _config));
    }
    for (size_t i = 0; i + 1 < segments.size(); ++i) segments[i]->sealed = true;
    auto& active = segments.back();
    if (active->size > 0) active->first_append_at = now();  // segment.ms restarts on open

    // What survived is made durable before the high watermark covers it, unless a clean close
    // did that already and recovery cut nothing. A log without data has nothing to protect
    // yet: its first flush makes its files durable, so creating or reopening 10,000 empty
    // partitions costs no fsync each.
    uint64_t total = 0;
    for (auto& s : segments) total += s->size;
    bool no_data = total == 0 && !has_checkpoint;
    if (!no_data && (cut || !_config.closed_cleanly)) {
        for (auto& s : needs_sync) {
            if (auto r = s->files.log->fsync(); !r) return r;
        }
        if (auto r = _io.fsync_directory(_dir); !r) return r;
    } else if (no_data) {
        _dir_dirty = true;
    }

    for (auto& s : segments) {
        if (s->max_timestamp &&
            (!_max_timestamp || s->max_timestamp->timestamp > _max_timestamp->timestamp)) {
            _max_timestamp = s->max_timestamp;
        }
    }
    int64_t log_end = active->end();
    int64_t log_start = std::max(checkpoint.log_start(), segments.front()->base());
    _log_start.store(std::min(log_start, log_end));
    _log_end.store(log_end);
    _high_watermark.store(log_end);
    _size_bytes.store(total);
    _segments = std::move(segments);
    if (auto r = load_txn_indexes(); !r) return r;
    if (auto r = load_producer_state(); !r) return r;
    if (auto r = persist_txn_indexes(); !r) return r;

    std::lock_guard flush_lock(_flush_mutex);
    // A log without data gets its checkpoint at its first flush with data (until then a
    // missing file says what the file would).
    if (!no_data && (!has_checkpoint || _checkpointed_recovery_point != active->base ||
                     checkpoint.log_start() != _log_start.load())) {
        if (auto r = write_checkpoint(active->base); !r) return r;
    }
    _log->debug("[{}] opened: {} segments, offsets [{}, {}), {} bytes", _name, _segments.size(),
                _log_start.load(), log_end, total);
    return {};
}

}  // namespace fjord::storage
