#include "storage/batch_scanner.h"

#include <algorithm>
#include <cstring>

#include "base/crc32c.h"
#include "base/endian.h"

namespace fjord::storage {

scan_status check_batch(bytes_view b, scan_mode mode) {
    if (b.size() < format::batch_length_prefix) return scan_status::torn;
    int32_t length = load_be<int32_t>(b.data() + 8);
    if (length < static_cast<int32_t>(format::batch_min_length)) return scan_status::invalid;
    if (b.size() < format::batch_header_size) return scan_status::torn;
    auto h = format::read_header(b);
    if (h.magic != protocol::batch_magic_v2 || h.last_offset_delta < 0) {
        return scan_status::invalid;
    }
    if (b.size() < h.size_bytes()) return scan_status::torn;
    if (mode == scan_mode::verified &&
        crc32c(b.subspan(format::crc_covered_from, h.size_bytes() - format::crc_covered_from)) !=
            h.crc) {
        return scan_status::invalid;
    }
    return scan_status::batch;
}

batch_scanner::batch_scanner(const file& f, uint64_t position, uint64_t end, size_t read_ahead)
    : _file(f), _next(position), _end(end), _read_ahead(read_ahead), _position(position) {}

result<size_t, errc> batch_scanner::fill(uint64_t pos, size_t n) {
    uint64_t avail_in_file = pos < _end ? _end - pos : 0;
    size_t want = static_cast<size_t>(std::min<uint64_t>(n, avail_in_file));
    if (pos >= _buf_start && pos + want <= _buf_start + _buf_len) return want;
    // Refill from `pos`, reading ahead so walking small batches costs one read per buffer.
    size_t len =
        static_cast<size_t>(std::min<uint64_t>(std::max(want, _read_ahead), avail_in_file));
    if (_buf_capacity < len) {
        // The old contents are re-read from `pos` anyway: nothing to keep.
        _buf = std::make_unique_for_overwrite<uint8_t[]>(len);
        _buf_capacity = len;
    }
    _buf_len = 0;  // nothing valid until the read succeeds
    auto r = _file.pread(mutable_bytes_view(_buf.get(), len), pos);
    if (!r) return fail(r.error());
    _buf_start = pos;
    _buf_len = *r;
    return std::min(want, _buf_len);
}

result<scan_status, errc> batch_scanner::next(scan_mode mode) {
    _position = _next;
    _batch = {};
    if (_next >= _end) return scan_status::end;
    auto have = fill(_next, format::batch_header_size);
    if (!have) return fail(have.error());
    bytes_view head(_buf.get() + (_next - _buf_start), *have);
    auto st = check_batch(head, scan_mode::headers);
    // check_batch reports torn when the whole batch is not in `head`; that is expected here.
    if (st == scan_status::invalid) return st;
    if (*have < format::batch_header_size) return scan_status::torn;
    _header = format::read_header(head);
    uint64_t size = _header.size_bytes();
    if (_end - _next < size) return scan_status::torn;
    if (mode == scan_mode::verified) {
        auto all = fill(_next, static_cast<size_t>(size));
        if (!all) return fail(all.error());
        if (*all < size) return scan_status::torn;
        bytes_view whole(_buf.get() + (_next - _buf_start), static_cast<size_t>(size));
        if (check_batch(whole, scan_mode::verified) != scan_status::batch) {
            return scan_status::invalid;
        }
        _batch = whole;
    }
    _next += size;
    return scan_status::batch;
}

}  // namespace fjord::storage
