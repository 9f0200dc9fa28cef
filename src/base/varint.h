// Variable-length integers. Kafka uses two encodings that must not be confused:
//  - unsigned varints (protobuf base-128) for compact lengths and tagged fields (KIP-482);
//  - zig-zag signed varints (protobuf sint32/sint64) inside v2 records.
// Decoders never read past `end` and reject encodings longer than the type allows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace fjord::varint {

inline constexpr size_t max_length_32 = 5;
inline constexpr size_t max_length_64 = 10;

template <typename T>
struct decoded {
    T value;
    size_t length;  // bytes consumed
};

// Writes `v` at `out` (which has room for max_length_64 bytes); returns the bytes written.
inline size_t encode_unsigned(uint64_t v, uint8_t* out) {
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = static_cast<uint8_t>(v | 0x80);
        v >>= 7;
    }
    out[n++] = static_cast<uint8_t>(v);
    return n;
}

inline size_t encoded_size_unsigned(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        ++n;
    }
    return n;
}

inline std::optional<decoded<uint64_t>> decode_unsigned(const uint8_t* p, const uint8_t* end,
                                                        size_t max_length) {
    uint64_t v = 0;
    for (size_t i = 0; i < max_length && p + i < end; ++i) {
        uint8_t b = p[i];
        v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) return decoded<uint64_t>{v, i + 1};
    }
    return std::nullopt;
}

inline uint64_t zigzag_encode(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t zigzag_decode(uint64_t v) {
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

inline size_t encode_signed(int64_t v, uint8_t* out) {
    return encode_unsigned(zigzag_encode(v), out);
}
inline size_t encoded_size_signed(int64_t v) {
    return encoded_size_unsigned(zigzag_encode(v));
}

// Decodes a zig-zag varint (record fields); `max_length` is 5 for varint, 10 for varlong.
inline std::optional<decoded<int64_t>> decode_signed(const uint8_t* p, const uint8_t* end,
                                                     size_t max_length) {
    auto u = decode_unsigned(p, end, max_length);
    if (!u) return std::nullopt;
    return decoded<int64_t>{zigzag_decode(u->value), u->length};
}

}  // namespace fjord::varint
