// Builds v2 record batches for storage tests, independently of protocol's encoder: the 61-byte
// header, uncompressed records (no key, a value of 'x's, no headers) and the CRC-32C.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "base/crc32c.h"
#include "base/endian.h"
#include "base/varint.h"

namespace fjord::storage::test {

// One batch with a record per timestamp. `attributes` lets a test mark it compressed (the
// records are then not really compressed; storage never decompresses).
inline bytes make_batch(const std::vector<int64_t>& timestamps, size_t value_size = 8,
                        int16_t attributes = 0) {
    bytes records;
    uint8_t tmp[varint::max_length_64];
    for (size_t i = 0; i < timestamps.size(); ++i) {
        bytes body;
        auto put = [&](int64_t v) {
            size_t n = varint::encode_signed(v, tmp);
            body.insert(body.end(), tmp, tmp + n);
        };
        body.push_back(0);                        // attributes
        put(timestamps[i] - timestamps.front());  // timestampDelta
        put(static_cast<int64_t>(i));             // offsetDelta
        put(-1);                                  // null key
        put(static_cast<int64_t>(value_size));    // value
        body.insert(body.end(), value_size, 'x');
        put(0);  // no headers
        size_t n = varint::encode_signed(static_cast<int64_t>(body.size()), tmp);
        records.insert(records.end(), tmp, tmp + n);
        records.insert(records.end(), body.begin(), body.end());
    }
    bytes b(61 + records.size());
    uint8_t* p = b.data();
    int64_t first_ts = timestamps.empty() ? -1 : timestamps.front();
    int64_t max_ts =
        timestamps.empty() ? -1 : *std::max_element(timestamps.begin(), timestamps.end());
    store_be<int64_t>(p, 0);
    store_be<int32_t>(p + 8, static_cast<int32_t>(b.size() - 12));
    store_be<int32_t>(p + 12, -1);
    p[16] = 2;
    store_be<int16_t>(p + 21, attributes);
    store_be<int32_t>(p + 23, static_cast<int32_t>(timestamps.size()) - 1);
    store_be<int64_t>(p + 27, first_ts);
    store_be<int64_t>(p + 35, max_ts);
    store_be<int64_t>(p + 43, -1);
    store_be<int16_t>(p + 51, -1);
    store_be<int32_t>(p + 53, -1);
    store_be<int32_t>(p + 57, static_cast<int32_t>(timestamps.size()));
    std::copy(records.begin(), records.end(), p + 61);
    store_be<uint32_t>(p + 17, crc32c(bytes_view(b).subspan(21)));
    return b;
}

// `count` records, all at timestamp `ts`.
inline bytes make_batch(int count, int64_t ts = 1000, size_t value_size = 8) {
    return make_batch(std::vector<int64_t>(static_cast<size_t>(count), ts), value_size);
}

inline bytes concat(std::initializer_list<bytes> parts) {
    bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

inline int64_t base_offset_of(bytes_view batch) {
    return load_be<int64_t>(batch.data());
}
inline int32_t leader_epoch_of(bytes_view batch) {
    return load_be<int32_t>(batch.data() + 12);
}
inline int64_t offset_count_of(bytes_view batch) {
    return load_be<int32_t>(batch.data() + 23) + 1;
}

// The last batch of a record set.
inline bytes_view last_batch(bytes_view set) {
    size_t pos = 0;
    size_t last = 0;
    while (pos + 12 <= set.size()) {
        last = pos;
        pos += static_cast<size_t>(load_be<int32_t>(set.data() + pos + 8)) + 12;
    }
    return set.subspan(last);
}

// Base offsets of the batches in a record set.
inline std::vector<int64_t> base_offsets(bytes_view set) {
    std::vector<int64_t> out;
    for (size_t pos = 0; pos + 12 <= set.size();) {
        out.push_back(load_be<int64_t>(set.data() + pos));
        pos += static_cast<size_t>(load_be<int32_t>(set.data() + pos + 8)) + 12;
    }
    return out;
}

}  // namespace fjord::storage::test
