// Idempotent producers' batches for storage tests: test_batches.h's batches with a producer id,
// epoch and base sequence (and the CRC recomputed over them).
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>

#include "storage/tests/test_batches.h"

namespace fjord::storage::test {

inline bytes make_producer_batch(int count, int64_t producer_id, int16_t epoch,
                                 int32_t base_sequence, int64_t ts = 1000) {
    bytes b = make_batch(count, ts);
    store_be<int64_t>(b.data() + 43, producer_id);
    store_be<int16_t>(b.data() + 51, epoch);
    store_be<int32_t>(b.data() + 53, base_sequence);
    store_be<uint32_t>(b.data() + 17, crc32c(bytes_view(b).subspan(21)));
    return b;
}

inline bytes read_whole_file(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    return bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

inline void write_whole_file(const std::filesystem::path& p, const bytes& data) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

}  // namespace fjord::storage::test
