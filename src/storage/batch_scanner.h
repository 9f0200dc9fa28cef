// Walks the batches of a segment file, in order, through a read-ahead buffer. Used by recovery
// (every batch, CRC checked), by timestamp lookups, and by reads whose batch is further from the
// index entry than their first pread reached (partition_log::read_segment).
//
// Not thread-safe; one scanner per walk. The file must outlive the scanner.
#pragma once

#include <cstdint>
#include <memory>

#include "base/bytes.h"
#include "base/result.h"
#include "storage/errc.h"
#include "storage/file_io.h"
#include "storage/segment_format.h"

namespace fjord::storage {

enum class scan_status {
    batch,    // header() / position() / batch() describe the next batch
    end,      // clean end: the previous batch ended exactly at `end`
    torn,     // the remaining bytes are too few for the batch they start (a cut write)
    invalid,  // bad length, magic, CRC or lastOffsetDelta
};

enum class scan_mode {
    headers,   // read and check the header only
    verified,  // read the whole batch and check its CRC; batch() is valid
};

class batch_scanner {
public:
    batch_scanner(const file& f, uint64_t position, uint64_t end, size_t read_ahead = 64 * 1024);

    result<scan_status, errc> next(scan_mode mode);

    const protocol::batch_header& header() const { return _header; }
    // File position of the batch last returned (or where the scan stopped).
    uint64_t position() const { return _position; }
    // The whole batch last returned in verified mode; valid until the next call.
    bytes_view batch() const { return _batch; }

private:
    // Makes [pos, pos + n) available in _buf; returns how many of those bytes exist before _end.
    result<size_t, errc> fill(uint64_t pos, size_t n);

    const file& _file;
    uint64_t _next;
    uint64_t _end;
    size_t _read_ahead;
    uint64_t _position = 0;
    protocol::batch_header _header{};
    bytes_view _batch;
    // Not zeroed when allocated: only the bytes a pread filled (_buf_len) are ever looked at.
    std::unique_ptr<uint8_t[]> _buf;
    size_t _buf_capacity = 0;
    uint64_t _buf_start = 0;  // file position of _buf[0]
    size_t _buf_len = 0;
};

// Checks a complete batch in memory (length, magic, lastOffsetDelta, CRC); used when appending
// and by the scanner.
scan_status check_batch(bytes_view batch, scan_mode mode);

}  // namespace fjord::storage
