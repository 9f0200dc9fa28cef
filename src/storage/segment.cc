#include "storage/segment.h"

#include <algorithm>

namespace fjord::storage {
namespace {

size_t max_entries(uint32_t index_bytes, size_t entry_size) {
    return std::max<size_t>(1, index_bytes / entry_size);
}

}  // namespace

std::chrono::milliseconds steady_clock_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now().time_since_epoch());
}

std::chrono::milliseconds system_clock_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
}

segment::segment(file_io& io, std::filesystem::path dir, model::offset base_offset,
                 std::unique_ptr<file> log, const log_config& config)
    : base(base_offset),
      log_path(dir / format::segment_file_name(base_offset, format::log_suffix)),
      index_path(dir / format::segment_file_name(base_offset, format::index_suffix)),
      timeindex_path(dir / format::segment_file_name(base_offset, format::timeindex_suffix)),
      txnindex_path(dir / format::segment_file_name(base_offset, format::txnindex_suffix)),
      files{std::move(log)},
      end(base_offset),
      offsets(base_offset, max_entries(config.segment_index_bytes, format::offset_entry_size)),
      times(base_offset, max_entries(config.segment_index_bytes, format::time_entry_size)),
      _io(io),
      _index_interval(config.index_interval_bytes) {}

result<segment_files, errc> segment::open_files(file_io& io, const std::filesystem::path& dir,
                                                model::offset base) {
    auto log =
        io.open(dir / format::segment_file_name(base, format::log_suffix), open_mode::create);
    if (!log) return fail(log.error());
    auto index =
        io.open(dir / format::segment_file_name(base, format::index_suffix), open_mode::create);
    if (!index) return fail(index.error());
    auto timeindex =
        io.open(dir / format::segment_file_name(base, format::timeindex_suffix), open_mode::create);
    if (!timeindex) return fail(timeindex.error());
    return segment_files{std::move(*log), std::move(*index), std::move(*timeindex)};
}

result<std::shared_ptr<file>, errc> segment::open_txnindex(file_io& io,
                                                           const std::filesystem::path& dir,
                                                           model::offset base) {
    auto f =
        io.open(dir / format::segment_file_name(base, format::txnindex_suffix), open_mode::create);
    if (!f) return fail(f.error());
    return std::shared_ptr<file>(std::move(*f));
}

result<void, errc> segment::remove_files(file_io& io, const std::filesystem::path& dir,
                                         model::offset base) {
    for (auto suffix : {format::index_suffix, format::timeindex_suffix, format::txnindex_suffix,
                        format::log_suffix}) {
        auto r = io.remove(dir / format::segment_file_name(base, suffix));
        if (!r) return r;
    }
    return {};
}

void segment::track_batch(const protocol::batch_header& h, uint64_t position) {
    model::timestamp ts(h.max_timestamp);
    if (!max_timestamp || ts > max_timestamp->timestamp) {
        max_timestamp = timestamp_offset{ts, model::offset(h.base_offset)};
    }
    if (bytes_since_index_entry >= _index_interval && !offsets.full()) {
        offsets.append(model::offset(h.base_offset), position);
        times.maybe_append(max_timestamp->timestamp, max_timestamp->offset);
        bytes_since_index_entry = 0;
    }
    bytes_since_index_entry += h.size_bytes();
    size = position + h.size_bytes();
    end = model::offset(h.last_offset() + 1);
}

void segment::seal() {
    if (max_timestamp) {
        times.maybe_append(max_timestamp->timestamp, max_timestamp->offset, time_index::slot::seal);
    }
    sealed = true;
}

void segment::reset_tracking() {
    size = 0;
    end = base;
    offsets.clear();
    times.clear();
    max_timestamp.reset();
    bytes_since_index_entry = 0;
}

uint64_t segment::unwritten_index_bytes() const {
    const auto& entries = offsets.entries();
    if (entries.size() <= offsets_written) return 0;
    uint64_t written_up_to = offsets_written == 0 ? 0 : entries[offsets_written - 1].position;
    return entries.back().position - written_up_to;
}

result<void, errc> segment::write_pending_indexes(bytes_view offset_bytes, size_t offset_count,
                                                  bytes_view time_bytes, size_t time_count,
                                                  bool sync) {
    bool must_sync = sync && (indexes_unsynced || !offset_bytes.empty() || !time_bytes.empty());
    if (offset_bytes.empty() && time_bytes.empty() && !must_sync) return {};
    auto write = [&](const std::filesystem::path& path, bytes_view data,
                     uint64_t at) -> result<void, errc> {
        if (data.empty() && !must_sync) return {};
        auto f = _io.open(path, open_mode::create);
        if (!f) return fail(f.error());
        if (!data.empty()) {
            if (auto r = (*f)->pwrite(data, at); !r) return r;
        }
        if (must_sync) return (*f)->fsync();
        return {};
    };
    if (auto r = write(index_path, offset_bytes, offsets_written * format::offset_entry_size); !r) {
        return r;
    }
    if (!offset_bytes.empty()) {
        offsets_written = offset_count;
        indexes_unsynced = true;
    }
    if (auto r = write(timeindex_path, time_bytes, times_written * format::time_entry_size); !r) {
        return r;
    }
    if (!time_bytes.empty()) {
        times_written = time_count;
        indexes_unsynced = true;
    }
    if (must_sync) indexes_unsynced = false;
    return {};
}

}  // namespace fjord::storage
