// The partition log's producer state: the checks append() makes for idempotent producers,
// snapshots (written at rolls and on close, loaded on open) and expiry.
// docs/formats/producer-state.md.
#include <algorithm>

#include "base/logger.h"
#include "storage/batch_scanner.h"
#include "storage/partition_log.h"
#include "storage/producer_snapshot.h"
#include "storage/segment.h"
#include "storage/segment_format.h"

namespace fjord::storage {
namespace {

// Snapshots kept on disk: the newest is normally all recovery needs; older ones are the fallback
// when it is damaged.
constexpr size_t snapshots_kept = 3;

result<bytes, errc> read_file(file_io& io, const std::filesystem::path& path) {
    auto f = io.open(path, open_mode::existing);
    if (!f) return fail(f.error());
    auto size = (*f)->size();
    if (!size) return fail(size.error());
    bytes data(*size);
    auto n = (*f)->pread(data, 0);
    if (!n) return fail(n.error());
    data.resize(*n);
    return data;
}

}  // namespace

int64_t partition_log::wall_now_ms() const {
    return (_wall_clock ? _wall_clock() : system_clock_now()).count();
}

result<std::optional<append_result>, errc> partition_log::stage_producers(
    bytes_view batches, int64_t log_end, std::vector<staged_producer>& staged,
    std::vector<txn_change>& txn_changes) const {
    int64_t now = wall_now_ms();
    int64_t next = log_end;
    size_t count = 0;
    for (size_t pos = 0; pos < batches.size(); ++count) {
        auto h = format::read_header(batches.subspan(pos));
        auto raw = batches.subspan(pos, h.size_bytes());
        pos += h.size_bytes();
        int64_t base = next;
        next += int64_t{h.last_offset_delta} + 1;
        if (h.producer_id < 0) continue;
        std::optional<protocol::txn_marker> marker;
        if (h.is_control()) {
            marker = protocol::decode_marker(raw);
            if (!marker) continue;  // an unknown control type: stored, skipped by everyone
        }
        producer_id id(h.producer_id);
        auto it = std::find_if(staged.begin(), staged.end(),
                               [&](const staged_producer& s) { return s.id == id; });
        const producer_entry* current = nullptr;
        if (it != staged.end()) {
            current = &it->entry;
        } else {
            current = _producers.find(id);
        }
        if (marker) {
            if (auto c = producer_state::check_marker(current, h, *marker); !c) {
                return fail(c.error());
            }
            if (it == staged.end()) {
                staged.push_back({id, current ? *current : producer_entry{}});
                it = std::prev(staged.end());
            }
            auto change =
                producer_state::apply_marker(it->entry, h, *marker, model::offset(base), now);
            if (change) txn_changes.push_back(*change);
            continue;
        }
        auto verdict = producer_state::check(current, h);
        if (!verdict) return fail(verdict.error());
        if (*verdict) {
            // Clients send one batch per partition (Produce v3+); a repeat inside a set of
            // several cannot be answered with one offset range.
            if (count > 0 || pos < batches.size()) return fail(errc::out_of_order_sequence);
            const producer_batch& original = **verdict;
            return std::optional<append_result>(append_result{
                .base_offset = original.base_offset,
                .last_offset = original.last_offset,
                .duplicate = true,
                .max_timestamp = original.max_timestamp,
            });
        }
        if (it == staged.end()) {
            staged.push_back({id, current ? *current : producer_entry{}});
            it = std::prev(staged.end());
        }
        if (auto change = producer_state::apply(it->entry, h, model::offset(base), now)) {
            txn_changes.push_back(*change);
        }
    }
    return std::optional<append_result>();
}

size_t partition_log::remove_expired_producers(int64_t expiration_ms, int64_t now_ms) {
    std::unique_lock lock(_mutex);
    if (_closed.load()) return 0;
    size_t removed = _producers.remove_expired(now_ms, expiration_ms);
    if (removed > 0) {
        _log->debug("[{}] {} idle producers expired; {} remain", _name, removed, _producers.size());
    }
    return removed;
}

std::optional<producer_entry> partition_log::producer(producer_id id) const {
    std::shared_lock lock(_mutex);
    const producer_entry* e = _producers.find(id);
    if (!e) return std::nullopt;
    return *e;
}

size_t partition_log::producer_count() const {
    std::shared_lock lock(_mutex);
    return _producers.size();
}

result<void, errc> partition_log::write_snapshot(model::offset offset, bytes_view data) {
    auto final_path = _dir / format::snapshot_file_name(offset);
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
    auto at = std::lower_bound(_snapshots.begin(), _snapshots.end(), offset);
    if (at == _snapshots.end() || *at != offset) _snapshots.insert(at, offset);
    while (_snapshots.size() > snapshots_kept) {
        if (auto r = _io.remove(_dir / format::snapshot_file_name(_snapshots.front())); !r) {
            return r;
        }
        _snapshots.erase(_snapshots.begin());
    }
    return {};
}

void partition_log::delete_snapshots_below_first_segment() {
    model::offset first;
    {
        std::shared_lock lock(_mutex);
        first = _segments.front()->base;
    }
    while (!_snapshots.empty() && _snapshots.front() < first) {
        if (auto r = _io.remove(_dir / format::snapshot_file_name(_snapshots.front())); !r) {
            _log->warn("[{}] cannot delete the producer snapshot at {}: {}", _name,
                       _snapshots.front(), describe(r.error()));
            return;
        }
        _snapshots.erase(_snapshots.begin());
    }
}

void partition_log::write_close_snapshot() {
    bytes data;
    model::offset end;
    {
        std::shared_lock lock(_mutex);
        end = model::offset(_log_end.load());
        // Nothing after the newest snapshot (or nothing at all): the next open replays nothing.
        if (_snapshots.empty() ? end == _segments.front()->base : _snapshots.back() >= end) return;
        data = format::encode_producer_snapshot(end, _producers);
    }
    if (auto r = write_snapshot(end, data); !r) {
        _log->warn("[{}] cannot write the producer snapshot at {} on close: {}", _name, end,
                   describe(r.error()));
    }
}

result<void, errc> partition_log::load_producer_state() {
    auto names = _io.list(_dir);
    if (!names) return fail(names.error());
    std::vector<model::offset> found;
    for (const auto& name : *names) {
        if (auto offset = format::parse_snapshot_file_name(name)) found.push_back(*offset);
    }
    std::sort(found.begin(), found.end());
    const int64_t log_end = _log_end.load();

    // Snapshots past the log end describe batches that recovery cut off or that never reached
    // the disk; the state must not remember them.
    while (!found.empty() && found.back()() > log_end) {
        _log->info("[{}] deleting the producer snapshot at {}: past the log end {}", _name,
                   found.back(), log_end);
        if (auto r = _io.remove(_dir / format::snapshot_file_name(found.back())); !r) return r;
        found.pop_back();
    }
    std::optional<model::offset> loaded;
    while (!found.empty() && !loaded) {
        auto path = _dir / format::snapshot_file_name(found.back());
        auto data = read_file(_io, path);
        if (!data) return fail(data.error());
        auto decoded = format::decode_producer_snapshot(*data);
        if (decoded.status == format::snapshot_status::ok && decoded.offset == found.back()) {
            _producers = std::move(decoded.state);
            loaded = found.back();
            break;
        }
        _log->warn("[{}] {} producer snapshot {}: deleted, falling back to an older one", _name,
                   decoded.status == format::snapshot_status::unknown_version ? "unreadable (newer "
                                                                                "version)"
                                                                              : "damaged",
                   path.filename().string());
        if (auto r = _io.remove(path); !r) return r;
        found.pop_back();
    }
    _snapshots = std::move(found);

    // Replay the headers of every batch from the snapshot on; without one, from the first
    // segment. Batches below the log start count too: Kafka keeps a producer's state after its
    // records are deleted, until it expires.
    int64_t start = _segments.front()->base();
    if (loaded) start = std::max(start, (*loaded)());
    int64_t now = wall_now_ms();

    // Aborted transactions from the replay start on are recorded again by the replay; the open
    // transactions before it are in the snapshot.
    for (auto& seg : _segments) {
        if (std::erase_if(seg->aborted, [&](const auto& e) { return e.last_offset() >= start; })) {
            seg->txn_rewrite = true;
        }
    }
    _txns.clear();
    std::vector<txn_change> open;
    for (const auto& [id, e] : _producers.sorted()) {
        if (e.txn_first_offset) open.push_back({id, *e.txn_first_offset});
    }
    _txns.apply(open, /*durable=*/true);
    size_t replayed = 0;
    _bytes_since_snapshot = 0;
    for (auto& seg : _segments) {
        if (seg->end() <= start || seg->size == 0) continue;
        uint64_t from =
            seg->base() <= start ? seg->offsets.lookup(model::offset(start)).position : 0;
        // What the next crash would replay again unless a snapshot is taken first.
        if (seg == _segments.back()) _bytes_since_snapshot = seg->size - from;
        batch_scanner scanner(*seg->files.log, from, seg->size);
        while (true) {
            auto st = scanner.next(scan_mode::headers);
            if (!st) return fail(st.error());
            if (*st == scan_status::end) break;
            if (*st != scan_status::batch) {
                // Recovery validated every byte up to seg->size a moment ago.
                _log->error("[{}] unreadable batch in {} at {} while loading producers", _name,
                            seg->log_path.string(), scanner.position());
                return fail(errc::corrupt_log);
            }
            const auto& h = scanner.header();
            if (h.last_offset() < start || h.producer_id < 0) continue;
            // The append time is not in the log: the batch's own timestamp stands in for it,
            // as in Kafka, but never later than now.
            int64_t append_ms = std::min(h.max_timestamp, now);
            std::optional<txn_change> change;
            if (h.is_control()) {
                auto marker = read_marker(*seg->files.log, scanner.position(), h);
                if (!marker) return fail(marker.error());
                if (!*marker) continue;
                change = _producers.replay_marker(h, **marker, append_ms);
            } else {
                change = _producers.replay(h, append_ms);
            }
            if (change) replay_txn_change(*seg, *change);
            ++replayed;
        }
    }
    _first_unstable.store(_txns.first_unstable());
    if (loaded || replayed > 0) {
        _log->debug("[{}] producer state: {} producers (snapshot {}, {} batches replayed)", _name,
                    _producers.size(), loaded ? std::to_string((*loaded)()) : "none", replayed);
    }
    return {};
}

}  // namespace fjord::storage
