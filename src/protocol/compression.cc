#include "protocol/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zstd.h>
#include <zstd_errors.h>

#define ZLIB_CONST
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <limits>
#include <memory>

#include "base/endian.h"
#include "base/vassert.h"

namespace fjord::protocol {

namespace {

using decompressed = result<bytes, compression_errc>;

// The output buffer of a streaming decoder. It grows geometrically but never past max_output + 1
// bytes: the one extra byte is how a decoder that would exceed the bound gets caught without
// knowing the final size in advance.
class bounded_output {
public:
    bounded_output(size_t max_output, size_t input_size)
        : _max(max_output),
          _limit(max_output == std::numeric_limits<size_t>::max() ? max_output : max_output + 1) {
        _buffer.resize(std::min(_limit, std::max<size_t>(input_size * 4, 4096)));
    }

    // Makes room for more output; false when the buffer is already at the limit.
    bool reserve_more() {
        if (_produced < _buffer.size()) return true;
        if (_buffer.size() >= _limit) return false;
        size_t grown = _buffer.size() > _limit / 2 ? _limit : _buffer.size() * 2;
        _buffer.resize(std::max<size_t>(grown, 1));
        return true;
    }
    uint8_t* free_begin() { return _buffer.data() + _produced; }
    size_t free_size() const { return _buffer.size() - _produced; }
    void produced(size_t n) { _produced += n; }
    bool over_limit() const { return _produced > _max; }

    bytes take() && {
        _buffer.resize(_produced);
        return std::move(_buffer);
    }

private:
    size_t _max;
    size_t _limit;
    size_t _produced = 0;
    bytes _buffer;
};

uInt clamp_uint(size_t n) {
    return static_cast<uInt>(std::min<size_t>(n, UINT_MAX));
}

decompressed gunzip(bytes_view input, size_t max_output) {
    z_stream zs{};
    // 16 + 15: a gzip wrapper (not zlib, not raw deflate) with the full 32 KiB window.
    int rc = inflateInit2(&zs, 16 + 15);
    vassert(rc == Z_OK, "inflateInit2 failed ({}): out of memory", rc);
    std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&zs, &inflateEnd);

    bounded_output out(max_output, input.size());
    const uint8_t* next = input.data();
    size_t remaining = input.size();
    while (true) {
        if (!out.reserve_more()) return fail(compression_errc::output_too_large);
        if (zs.avail_in == 0 && remaining > 0) {
            zs.next_in = next;
            zs.avail_in = clamp_uint(remaining);
            next += zs.avail_in;
            remaining -= zs.avail_in;
        }
        zs.next_out = out.free_begin();
        zs.avail_out = clamp_uint(out.free_size());
        uInt offered = zs.avail_out;
        rc = inflate(&zs, Z_NO_FLUSH);
        out.produced(offered - zs.avail_out);
        if (out.over_limit()) return fail(compression_errc::output_too_large);
        if (rc == Z_STREAM_END) {
            if (zs.avail_in == 0 && remaining == 0) break;
            // Another gzip member follows (Java's GZIPInputStream reads concatenated members).
            inflateReset(&zs);
            continue;
        }
        if (rc == Z_BUF_ERROR) {
            if (zs.avail_in == 0 && remaining == 0) return fail(compression_errc::truncated_input);
            continue;  // out of output space: grow and retry
        }
        if (rc != Z_OK) return fail(compression_errc::corrupt_input);
    }
    return std::move(out).take();
}

bytes gzip_compress(bytes_view input) {
    // A record batch is at most INT32_MAX bytes (batch_length is an int32), so one call does.
    vassert(input.size() <= UINT_MAX, "gzip input of {} bytes exceeds a batch", input.size());
    z_stream zs{};
    int rc = deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
    vassert(rc == Z_OK, "deflateInit2 failed ({}): out of memory", rc);
    std::unique_ptr<z_stream, decltype(&deflateEnd)> guard(&zs, &deflateEnd);
    bytes out(deflateBound(&zs, static_cast<uLong>(input.size())));
    zs.next_in = input.data();
    zs.avail_in = static_cast<uInt>(input.size());
    zs.next_out = out.data();
    zs.avail_out = clamp_uint(out.size());
    rc = deflate(&zs, Z_FINISH);
    // deflateBound guarantees that a single Z_FINISH call completes the stream.
    vassert(rc == Z_STREAM_END, "deflate did not finish ({})", rc);
    out.resize(zs.total_out);
    return out;
}

// xerial snappy-java framing: this magic, int32 version, int32 compatible version, then blocks of
// (int32 big-endian length, raw snappy).
constexpr uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00};
constexpr size_t xerial_header_size = 16;

bool append_raw_snappy(bytes_view block, size_t max_output, bytes& out, compression_errc& error) {
    const char* src = reinterpret_cast<const char*>(block.data());
    size_t length = 0;
    if (!snappy::GetUncompressedLength(src, block.size(), &length)) {
        error = block.empty() ? compression_errc::truncated_input : compression_errc::corrupt_input;
        return false;
    }
    if (length > max_output - out.size()) {
        error = compression_errc::output_too_large;
        return false;
    }
    size_t old_size = out.size();
    out.resize(old_size + length);
    if (!snappy::RawUncompress(src, block.size(), reinterpret_cast<char*>(out.data() + old_size))) {
        error = compression_errc::corrupt_input;
        return false;
    }
    return true;
}

decompressed unsnappy(bytes_view input, size_t max_output) {
    bytes out;
    compression_errc error{};
    bool framed = input.size() >= sizeof(xerial_magic) &&
                  std::memcmp(input.data(), xerial_magic, sizeof(xerial_magic)) == 0;
    if (!framed) {
        if (!append_raw_snappy(input, max_output, out, error)) return fail(error);
        return out;
    }
    if (input.size() < xerial_header_size) return fail(compression_errc::truncated_input);
    size_t pos = xerial_header_size;
    while (pos < input.size()) {
        if (input.size() - pos < 4) return fail(compression_errc::truncated_input);
        uint32_t length = load_be<uint32_t>(input.data() + pos);
        pos += 4;
        // snappy-java never writes empty blocks, and an empty block is not valid raw snappy.
        if (length == 0 || length > INT32_MAX) return fail(compression_errc::corrupt_input);
        if (length > input.size() - pos) return fail(compression_errc::truncated_input);
        if (!append_raw_snappy(input.subspan(pos, length), max_output, out, error)) {
            return fail(error);
        }
        pos += length;
    }
    return out;
}

bytes snappy_compress(bytes_view input) {
    bytes out(snappy::MaxCompressedLength(input.size()));
    size_t length = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(input.data()), input.size(),
                        reinterpret_cast<char*>(out.data()), &length);
    out.resize(length);
    return out;
}

decompressed unlz4(bytes_view input, size_t max_output) {
    LZ4F_dctx* raw_ctx = nullptr;
    size_t rc = LZ4F_createDecompressionContext(&raw_ctx, LZ4F_VERSION);
    vassert(!LZ4F_isError(rc), "LZ4F_createDecompressionContext: {}", LZ4F_getErrorName(rc));
    std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> ctx(
        raw_ctx, &LZ4F_freeDecompressionContext);

    bounded_output out(max_output, input.size());
    size_t pos = 0;
    while (true) {
        if (!out.reserve_more()) return fail(compression_errc::output_too_large);
        size_t offered = out.free_size();
        size_t written = offered;
        size_t consumed = input.size() - pos;
        size_t hint = LZ4F_decompress(ctx.get(), out.free_begin(), &written, input.data() + pos,
                                      &consumed, nullptr);
        if (LZ4F_isError(hint)) return fail(compression_errc::corrupt_input);
        pos += consumed;
        out.produced(written);
        if (out.over_limit()) return fail(compression_errc::output_too_large);
        if (hint == 0) {
            // End of a frame; another may follow (liblz4 starts it on the next call).
            if (pos == input.size()) break;
            continue;
        }
        if (pos == input.size() && written < offered)
            return fail(compression_errc::truncated_input);
        if (consumed == 0 && written == 0 && offered > 0) {
            return fail(compression_errc::corrupt_input);  // no progress: never spin
        }
    }
    return std::move(out).take();
}

bytes lz4_compress(bytes_view input) {
    // What the Java client writes, and what its reader requires: independent 64 KiB blocks.
    LZ4F_preferences_t prefs{};
    prefs.frameInfo.blockSizeID = LZ4F_max64KB;
    prefs.frameInfo.blockMode = LZ4F_blockIndependent;
    prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
    bytes out(LZ4F_compressFrameBound(input.size(), &prefs));
    size_t n = LZ4F_compressFrame(out.data(), out.size(), input.data(), input.size(), &prefs);
    vassert(!LZ4F_isError(n), "LZ4F_compressFrame: {}", LZ4F_getErrorName(n));
    out.resize(n);
    return out;
}

// The window a zstd frame may ask for. The decoder allocates the window up front when the frame
// does not record its content size, so a 20-byte frame could otherwise claim 128 MiB. 2^23 covers
// every non-"ultra" compression level; beyond that, only as much as max_output justifies.
int zstd_window_log_max(size_t max_output) {
    constexpr int zstd_default_limit = 27;  // libzstd's own default (ZSTD_WINDOWLOG_LIMIT_DEFAULT)
    int log = 23;
    while (log < zstd_default_limit && (size_t{1} << log) < max_output) ++log;
    return log;
}

decompressed unzstd(bytes_view input, size_t max_output) {
    std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), &ZSTD_freeDCtx);
    vassert(ctx != nullptr, "ZSTD_createDCtx: out of memory");
    size_t rc =
        ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, zstd_window_log_max(max_output));
    vassert(!ZSTD_isError(rc), "ZSTD_d_windowLogMax: {}", ZSTD_getErrorName(rc));

    bounded_output out(max_output, input.size());
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    while (true) {
        if (!out.reserve_more()) return fail(compression_errc::output_too_large);
        ZSTD_outBuffer o{out.free_begin(), out.free_size(), 0};
        size_t in_before = in.pos;
        size_t hint = ZSTD_decompressStream(ctx.get(), &o, &in);
        if (ZSTD_isError(hint)) {
            if (ZSTD_getErrorCode(hint) == ZSTD_error_frameParameter_windowTooLarge) {
                return fail(compression_errc::output_too_large);
            }
            return fail(compression_errc::corrupt_input);
        }
        out.produced(o.pos);
        if (out.over_limit()) return fail(compression_errc::output_too_large);
        if (hint == 0) {
            if (in.pos == in.size) break;
            continue;  // another frame follows
        }
        if (in.pos == in.size && o.pos < o.size) return fail(compression_errc::truncated_input);
        if (in.pos == in_before && o.pos == 0 && o.size > 0) {
            return fail(compression_errc::corrupt_input);
        }
    }
    return std::move(out).take();
}

bytes zstd_compress(bytes_view input) {
    // Level 3 is zstd's default and the Java client's (compression.zstd.level).
    bytes out(ZSTD_compressBound(input.size()));
    size_t n = ZSTD_compress(out.data(), out.size(), input.data(), input.size(), 3);
    vassert(!ZSTD_isError(n), "ZSTD_compress: {}", ZSTD_getErrorName(n));
    out.resize(n);
    return out;
}

}  // namespace

std::string_view to_string(compression_type t) {
    switch (t) {
        case compression_type::none:
            return "none";
        case compression_type::gzip:
            return "gzip";
        case compression_type::snappy:
            return "snappy";
        case compression_type::lz4:
            return "lz4";
        case compression_type::zstd:
            return "zstd";
    }
    return "unknown";
}

std::string_view describe(compression_errc e) {
    switch (e) {
        case compression_errc::unknown_codec:
            return "unknown compression codec";
        case compression_errc::corrupt_input:
            return "corrupt compressed data";
        case compression_errc::truncated_input:
            return "truncated compressed data";
        case compression_errc::output_too_large:
            return "decompressed data exceeds the limit";
    }
    return "unknown compression error";
}

result<bytes, compression_errc> decompress(compression_type type, bytes_view input,
                                           size_t max_output) {
    switch (type) {
        case compression_type::none:
            if (input.size() > max_output) return fail(compression_errc::output_too_large);
            return bytes(input.begin(), input.end());
        case compression_type::gzip:
            return gunzip(input, max_output);
        case compression_type::snappy:
            return unsnappy(input, max_output);
        case compression_type::lz4:
            return unlz4(input, max_output);
        case compression_type::zstd:
            return unzstd(input, max_output);
    }
    return fail(compression_errc::unknown_codec);
}

bytes compress(compression_type type, bytes_view input) {
    switch (type) {
        case compression_type::none:
            return bytes(input.begin(), input.end());
        case compression_type::gzip:
            return gzip_compress(input);
        case compression_type::snappy:
            return snappy_compress(input);
        case compression_type::lz4:
            return lz4_compress(input);
        case compression_type::zstd:
            return zstd_compress(input);
    }
    vassert(false, "compress: unknown compression type {}", static_cast<int>(type));
    return {};
}

}  // namespace fjord::protocol
