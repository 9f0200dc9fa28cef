// The compression codecs of Kafka record batches (attributes bits 0-2). See
// docs/formats/record-batch.md for which framing each codec uses on the wire.
//
// Decompression reads untrusted bytes: every codec is bounded by `max_output`, and a stream that
// would produce more fails with output_too_large instead of allocating (decompression bombs).
// All functions are stateless and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace fjord::protocol {

enum class compression_type : uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

// The largest value compression_type can take; attribute values above it are unknown codecs.
inline constexpr uint8_t max_compression_type = 4;

std::string_view to_string(compression_type);

enum class compression_errc {
    unknown_codec,     // the compression_type value is not one of the five codecs
    corrupt_input,     // the codec rejected the data (bad header, bad checksum, garbage)
    truncated_input,   // the data ended before the compressed stream did
    output_too_large,  // the stream decompresses to more than max_output bytes
};

std::string_view describe(compression_errc);

// Decompresses `input`, which must hold exactly one complete compressed payload (concatenated
// gzip members or lz4/zstd frames count as one). snappy input may be raw or xerial-framed; the
// framing is recognised by its magic. `none` returns a copy. Never allocates much more than
// max_output bytes (plus the codec's fixed working memory, a few MiB at most for zstd).
result<bytes, compression_errc> decompress(compression_type, bytes_view input, size_t max_output);

// Compresses `input` the way a Kafka client would: gzip stream (default level), raw snappy (no
// xerial framing, as librdkafka writes), lz4 frame with independent 64 KiB blocks and no
// checksums (as the Java client writes), zstd frame (level 3, content size recorded).
// REQUIRES: `type` is one of the five enumerators.
bytes compress(compression_type type, bytes_view input);

}  // namespace fjord::protocol
