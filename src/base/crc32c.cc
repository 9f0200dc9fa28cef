#include "base/crc32c.h"

#include <array>
#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#endif

namespace fjord {

namespace {

constexpr uint32_t reflected_polynomial = 0x82F63B78;

// tables[0] is the classic byte-at-a-time table; tables[k][b] is the CRC of byte b followed by k
// zero bytes, which lets the portable loop fold eight input bytes per step.
using crc_tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr crc_tables make_tables() {
    crc_tables t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int bit = 0; bit < 8; ++bit) c = (c >> 1) ^ ((c & 1) ? reflected_polynomial : 0);
        t[0][i] = c;
    }
    for (size_t k = 1; k < 8; ++k) {
        for (size_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
    }
    return t;
}

constexpr crc_tables tables = make_tables();

uint32_t load_le32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof(v));
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
    return v;
}

// Works on the pre-/post-conditioned register value (no XOR with 0xFFFFFFFF here).
uint32_t update_portable(uint32_t c, const uint8_t* p, size_t n) {
    for (; n >= 8; p += 8, n -= 8) {
        uint32_t lo = c ^ load_le32(p);
        uint32_t hi = load_le32(p + 4);
        c = tables[7][lo & 0xff] ^ tables[6][(lo >> 8) & 0xff] ^ tables[5][(lo >> 16) & 0xff] ^
            tables[4][lo >> 24] ^ tables[3][hi & 0xff] ^ tables[2][(hi >> 8) & 0xff] ^
            tables[1][(hi >> 16) & 0xff] ^ tables[0][hi >> 24];
    }
    for (; n > 0; ++p, --n) c = (c >> 8) ^ tables[0][(c ^ *p) & 0xff];
    return c;
}

#if defined(__x86_64__)
// Compiled for SSE4.2 on its own so the rest of the build stays baseline x86-64; only reached
// after cpuid said yes.
__attribute__((target("sse4.2"))) uint32_t update_sse42(uint32_t c, const uint8_t* p, size_t n) {
    // Byte steps until the pointer is 8-aligned, so the main loop's loads never split a line.
    for (; n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0; ++p, --n) c = _mm_crc32_u8(c, *p);
    uint64_t c64 = c;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t word;
        std::memcpy(&word, p, sizeof(word));
        c64 = _mm_crc32_u64(c64, word);
    }
    c = static_cast<uint32_t>(c64);
    for (; n > 0; ++p, --n) c = _mm_crc32_u8(c, *p);
    return c;
}

bool detect_sse42() {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return false;
    return (ecx & bit_SSE4_2) != 0;
}
#else
uint32_t update_sse42(uint32_t c, const uint8_t* p, size_t n) {
    return update_portable(c, p, n);
}
bool detect_sse42() {
    return false;
}
#endif

}  // namespace

bool crc32c_hardware_available() {
    static const bool available = detect_sse42();
    return available;
}

uint32_t crc32c_portable(bytes_view data, uint32_t crc) {
    return ~update_portable(~crc, data.data(), data.size());
}

uint32_t crc32c_hardware(bytes_view data, uint32_t crc) {
    if (!crc32c_hardware_available()) return crc32c_portable(data, crc);
    return ~update_sse42(~crc, data.data(), data.size());
}

uint32_t crc32c(bytes_view data, uint32_t crc) {
    static const auto update = crc32c_hardware_available() ? update_sse42 : update_portable;
    return ~update(~crc, data.data(), data.size());
}

}  // namespace fjord
