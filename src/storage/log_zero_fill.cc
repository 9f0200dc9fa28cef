// Zero-fill ahead of the appends (segment-files.md §2). On ext4, an fsync after an append that
// grew the file also commits the new size and block allocation to the journal; after an
// append into blocks that already hold (durable) zeros it flushes the data only, which took
// 25-45% off each fsync of a small append on the disk Fjord is benchmarked on (docs/profile.md).
#include <algorithm>
#include <array>
#include <vector>

#include "base/logger.h"
#include "storage/partition_log.h"
#include "storage/segment.h"

namespace fjord::storage {
namespace {

constexpr size_t zero_block_bytes = 64 << 10;
constexpr std::array<uint8_t, zero_block_bytes> zero_block{};

}  // namespace

void partition_log::zero_fill_ahead(segment& active) {
    const uint64_t run = _config.preallocate_bytes;
    const uint64_t carried = active.size - active.flushed_size;
    // Only slow streams gain: a flush that carries much is bound by the disk's bandwidth, which
    // writing every block twice would halve.
    if (run == 0 || active.zero_fill_stopped || carried == 0 || carried > run / 4) return;
    const uint64_t from = std::max(active.size, active.zeroed_end);
    if (from - active.size >= run / 2) return;
    const uint64_t to = std::min<uint64_t>(from + run, _segment_bytes);
    if (to <= from) return;

    std::vector<bytes_view> parts;
    for (uint64_t at = from; at < to; at += zero_block_bytes) {
        parts.push_back(
            bytes_view(zero_block).first(std::min<uint64_t>(zero_block_bytes, to - at)));
    }
    // Some of the zeros may have landed even when the write failed: the trim covers them too.
    active.zeroed_end = to;
    if (auto w = active.files.log->pwritev(parts, from); !w) {
        active.zero_fill_stopped = true;
        _log->warn(
            "[{}] cannot write zeros ahead in segment {} ({}); it grows as written from now on",
            _name, active.base, describe(w.error()));
    }
}

result<void, errc> partition_log::trim_zero_fill(segment& s) {
    if (s.zeroed_end <= s.size) return {};
    if (auto t = s.files.log->truncate(s.size); !t) {
        _failed.store(true);
        _log->error(
            "[{}] cannot cut the zeros after the data of {}; refusing appends until reopened",
            _name, s.log_path.string());
        return t;
    }
    s.zeroed_end = s.size;
    return {};
}

}  // namespace fjord::storage
