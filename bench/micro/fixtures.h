// Inputs shared by the micro-benchmarks: records and v2 batches shaped like a producer's.
// Built once per benchmark, outside the timed loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "protocol/record_batch.h"

namespace fjord::bench {

// `count` records with an 8-byte key and a `value_size`-byte value of words drawn at random
// from a small vocabulary (a fixed seed: every run sees the same bytes), offsets 0..count-1,
// timestamps one millisecond apart.
std::vector<protocol::record> make_records(size_t count, size_t value_size);

// One uncompressed (or `codec`) batch of those records.
bytes make_batch(size_t count, size_t value_size,
                 protocol::compression_type codec = protocol::compression_type::none);

// Whole batches of `records_per_batch` records of `value_size` bytes, back to back, until
// about `total_bytes` (at least one batch): a Produce request's record set for one partition.
bytes make_record_set(size_t total_bytes, size_t records_per_batch, size_t value_size);

}  // namespace fjord::bench
