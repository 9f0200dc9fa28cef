// Retention and DeleteRecords: whole segments leave the front of the log and the log start
// offset moves up (docs/formats/segment-files.md §5, §10).
#include <algorithm>

#include "base/logger.h"
#include "base/vassert.h"
#include "storage/partition_log.h"
#include "storage/segment.h"

namespace fjord::storage {
namespace {

// ts < now_ms - limit_ms, without overflowing on timestamps producers chose.
bool older_than(int64_t ts, int64_t now_ms, int64_t limit_ms) {
    int64_t horizon;
    if (__builtin_sub_overflow(now_ms, limit_ms, &horizon)) return false;
    return ts < horizon;
}

}  // namespace

void partition_log::recompute_max_timestamp_locked() {
    _max_timestamp.reset();
    for (auto& s : _segments) {
        if (s->max_timestamp &&
            (!_max_timestamp || s->max_timestamp->timestamp > _max_timestamp->timestamp)) {
            _max_timestamp = s->max_timestamp;
        }
    }
}

std::vector<std::shared_ptr<segment>> partition_log::detach_front_locked(size_t count) {
    vassert(count < _segments.size(), "the active segment never leaves the log");
    std::vector<std::shared_ptr<segment>> gone(_segments.begin(),
                                               _segments.begin() + static_cast<ptrdiff_t>(count));
    _segments.erase(_segments.begin(), _segments.begin() + static_cast<ptrdiff_t>(count));
    for (auto& g : gone) {
        _size_bytes.fetch_sub(g->size);
        if (g->dirty) {
            // Deleted anyway: nothing of it needs to reach the disk.
            g->dirty = false;
            std::erase(_dirty, g);
        }
    }
    int64_t first_base = _segments.front()->base();
    if (first_base > _log_start.load()) _log_start.store(first_base);
    if (!gone.empty()) recompute_max_timestamp_locked();
    return gone;
}

result<void, errc> partition_log::finish_detach(const std::vector<std::shared_ptr<segment>>& gone) {
    // Reads in flight keep the files open through their shared_ptr and finish on the unlinked
    // inodes. A crash before the checkpoint is rewritten is harmless: on open the log start is
    // at least the first remaining segment's base.
    for (auto& g : gone) {
        if (auto r = segment::remove_files(_io, _dir, g->base); !r) {
            _log->error("[{}] cannot delete segment {}: {}", _name, g->base, describe(r.error()));
            return r;
        }
    }
    if (auto r = write_checkpoint(_checkpointed_recovery_point); !r) {
        _log->error("[{}] cannot persist log start offset {}: {}", _name, _log_start.load(),
                    describe(r.error()));
        return r;
    }
    // Snapshots go with their segments. The producers' state itself stays (as in Kafka) until
    // it expires.
    if (!gone.empty()) delete_snapshots_below_first_segment();
    return {};
}

result<size_t, errc> partition_log::enforce_retention(int64_t retention_ms, int64_t retention_bytes,
                                                      int64_t now_ms) {
    std::lock_guard cleaner_lock(_cleaner_mutex);
    std::lock_guard flush_lock(_flush_mutex);
    if (_closed.load()) return fail(errc::closed);
    if (_failed.load()) return fail(errc::io_error);

    auto expired = [&](const segment& s) {
        if (retention_ms < 0) return false;
        // An empty sealed segment holds nothing worth keeping.
        return !s.max_timestamp || older_than(s.max_timestamp->timestamp(), now_ms, retention_ms);
    };
    std::vector<std::shared_ptr<segment>> gone;
    int64_t start_before = _log_start.load();
    {
        std::unique_lock lock(_mutex);
        auto& active = *_segments.back();
        if (active.size > 0 && retention_ms >= 0 && expired(active)) {
            _log->info("[{}] rolling the active segment {}: all of it is past retention", _name,
                       active.base);
            if (auto r = roll(); !r) return fail(r.error());
        }
        int64_t high_watermark = _high_watermark.load();
        uint64_t remaining = _size_bytes.load();
        size_t count = 0;
        for (; count + 1 < _segments.size(); ++count) {
            const segment& s = *_segments[count];
            if (s.end() > high_watermark) break;  // not durable yet: the start must not pass it
            bool by_bytes = retention_bytes >= 0 &&
                            remaining >= s.size + static_cast<uint64_t>(retention_bytes);
            bool by_start = s.end() <= _log_start.load();
            if (!expired(s) && !by_bytes && !by_start) break;
            remaining -= s.size;
        }
        gone = detach_front_locked(count);
    }
    if (gone.empty() && _log_start.load() == start_before) return size_t{0};
    _log->info("[{}] retention deleted {} segments; log start offset {}", _name, gone.size(),
               _log_start.load());
    if (auto r = finish_detach(gone); !r) return fail(r.error());
    return gone.size();
}

result<model::offset, errc> partition_log::delete_records_before(model::offset offset) {
    std::lock_guard cleaner_lock(_cleaner_mutex);
    std::lock_guard flush_lock(_flush_mutex);
    if (_closed.load()) return fail(errc::closed);
    if (_failed.load()) return fail(errc::io_error);  // maybe a half-done swap (§9): reopen first
    if (offset() < 0 || offset() > _high_watermark.load()) return fail(errc::offset_out_of_range);
    if (offset() <= _log_start.load()) return log_start_offset();

    std::vector<std::shared_ptr<segment>> gone;
    {
        std::unique_lock lock(_mutex);
        _log_start.store(offset());
        size_t count = 0;
        while (count + 1 < _segments.size() && _segments[count]->end <= offset) ++count;
        gone = detach_front_locked(count);
    }
    _log->info("[{}] records deleted before {} ({} segments removed)", _name, _log_start.load(),
               gone.size());
    if (auto r = finish_detach(gone); !r) return fail(r.error());
    return log_start_offset();
}

}  // namespace fjord::storage
