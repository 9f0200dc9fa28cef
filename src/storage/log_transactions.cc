// Transactions in the partition log: the last stable offset, the aborted transactions Fetch
// reports, and recovering the per-segment transaction indexes (docs/formats/segment-files.md
// §11, producer-state.md §1 and §4).
#include <algorithm>

#include "base/logger.h"
#include "storage/batch_scanner.h"
#include "storage/partition_log.h"
#include "storage/segment.h"
#include "storage/segment_format.h"

namespace fjord::storage {

model::offset partition_log::last_stable_offset() const {
    // The high watermark first: a transaction opened at X is in _first_unstable before any
    // flush can move the high watermark past X, so this order never answers too high.
    int64_t high_watermark = _high_watermark.load();
    int64_t first_unstable = _first_unstable.load();
    // A transaction that began in segments retention already deleted holds the LSO at the log
    // start, as in Kafka.
    return model::offset(std::min(high_watermark, std::max(first_unstable, _log_start.load())));
}

std::vector<aborted_transaction> partition_log::aborted_transactions(model::offset start,
                                                                     model::offset upper) const {
    std::vector<aborted_transaction> out;
    std::shared_lock lock(_mutex);
    if (_closed.load()) return out;
    // Entries live with their marker, so segments before the one holding `start` have none
    // that ends at or after it.
    auto it = std::upper_bound(_segments.begin(), _segments.end(), start,
                               [](model::offset v, const auto& s) { return v < s->base; });
    if (it != _segments.begin()) --it;
    for (; it != _segments.end(); ++it) {
        for (const auto& e : (*it)->aborted) {
            if (e.last_offset >= start && e.first_offset < upper) {
                out.push_back({e.producer_id, e.first_offset, e.last_offset});
            }
            // Every transaction that began below `upper` had ended by this abort: later entries
            // cannot qualify.
            if (e.last_stable_offset >= upper) {
                it = std::prev(_segments.end());
                break;
            }
        }
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.first_offset < b.first_offset; });
    return out;
}

result<std::optional<protocol::txn_marker>, errc> partition_log::read_marker(
    const file& f, uint64_t position, const protocol::batch_header& h) {
    bytes batch(h.size_bytes());
    auto n = f.pread(batch, position);
    if (!n) return fail(n.error());
    // Recovery validated every batch below the segment's size.
    if (*n != batch.size()) return fail(errc::corrupt_log);
    return protocol::decode_marker(batch);
}

void partition_log::replay_txn_change(segment& seg, const txn_change& change) {
    auto entries = _txns.aborted_entries(std::span(&change, 1));
    if (!entries.empty()) {
        seg.aborted.insert(seg.aborted.end(), entries.begin(), entries.end());
        seg.txn_rewrite = true;
    }
    _txns.apply(std::span(&change, 1), /*durable=*/true);
}

result<void, errc> partition_log::load_txn_indexes() {
    std::vector<bool> damaged(_segments.size());
    bool any_damaged = false;
    for (size_t i = 0; i < _segments.size(); ++i) {
        auto& seg = *_segments[i];
        if (!seg.txnindex) continue;
        auto size = seg.txnindex->size();
        if (!size) return fail(size.error());
        bytes data(*size);
        auto n = seg.txnindex->pread(data, 0);
        if (!n) return fail(n.error());
        data.resize(*n);
        auto decoded = format::decode_txn_index(data);
        bool ok = decoded.has_value();
        if (ok && !decoded->empty()) {
            ok =
                decoded->front().last_offset >= seg.base &&
                (i + 1 == _segments.size() || decoded->back().last_offset < _segments[i + 1]->base);
        }
        if (!ok) {
            _log->warn("[{}] damaged {}: rebuilding it from the log", _name,
                       seg.txnindex_path.filename().string());
            seg.aborted.clear();
            seg.txn_rewrite = true;
            damaged[i] = any_damaged = true;
            continue;
        }
        seg.aborted = std::move(*decoded);
        // Markers recovery cut off (they were never durable).
        if (std::erase_if(seg.aborted, [&](const auto& e) { return e.last_offset >= seg.end; })) {
            seg.txn_rewrite = true;
        }
    }
    if (any_damaged) return rebuild_txn_indexes(damaged);
    return {};
}

result<void, errc> partition_log::rebuild_txn_indexes(const std::vector<bool>& damaged) {
    // Replays every batch header from the first segment: an entry needs its transaction's first
    // offset, which may lie in any earlier segment.
    size_t last_damaged = 0;
    for (size_t i = 0; i < damaged.size(); ++i) {
        if (damaged[i]) last_damaged = i;
    }
    producer_state producers;
    txn_tracker txns;
    const model::offset scan_start = _segments.front()->base;
    for (size_t i = 0; i <= last_damaged; ++i) {
        auto& seg = *_segments[i];
        batch_scanner scanner(*seg.files.log, 0, seg.size);
        while (true) {
            auto st = scanner.next(scan_mode::headers);
            if (!st) return fail(st.error());
            if (*st == scan_status::end) break;
            if (*st != scan_status::batch) return fail(errc::corrupt_log);
            const auto& h = scanner.header();
            if (h.producer_id < 0) continue;
            std::optional<txn_change> change;
            if (h.is_control()) {
                auto marker = read_marker(*seg.files.log, scanner.position(), h);
                if (!marker) return fail(marker.error());
                if (!*marker) continue;
                producer_id id(h.producer_id);
                if (!producers.find(id)) {
                    // First seen at a marker: its transaction may have begun before the log
                    // does. Its transactional batches from the log's start on belong to it.
                    producer_entry e;
                    e.txn_first_offset = scan_start;
                    producers.put(id, std::move(e));
                }
                change = producers.replay_marker(h, **marker, 0);
            } else {
                change = producers.replay(h, 0);
            }
            if (!change) continue;
            if (damaged[i]) {
                auto entries = txns.aborted_entries(std::span(&*change, 1));
                seg.aborted.insert(seg.aborted.end(), entries.begin(), entries.end());
            }
            txns.apply(std::span(&*change, 1), /*durable=*/true);
        }
    }
    return {};
}

result<void, errc> partition_log::persist_txn_indexes() {
    bool dir_changed = false;
    for (auto& s : _segments) {
        if (!std::exchange(s->txn_rewrite, false)) continue;
        if (s->aborted.empty()) {
            if (s->txnindex) {
                s->txnindex.reset();
                if (auto r = _io.remove(s->txnindex_path); !r) return r;
                dir_changed = true;
            }
            continue;
        }
        if (!s->txnindex) {
            auto f = segment::open_txnindex(_io, _dir, s->base);
            if (!f) return fail(f.error());
            s->txnindex = std::move(*f);
            dir_changed = true;
        }
        if (auto r = s->txnindex->truncate(0); !r) return r;
        if (auto r = s->txnindex->pwrite(format::encode_txn_entries(s->aborted), 0); !r) return r;
        if (auto r = s->txnindex->fsync(); !r) return r;
    }
    if (dir_changed) return _io.fsync_directory(_dir);
    return {};
}

}  // namespace fjord::storage
