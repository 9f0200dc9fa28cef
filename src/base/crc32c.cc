#include "base/crc32c.h"

#include <array>
#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
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

// --- Three interleaved chains ---------------------------------------------------------------
//
// One `crc32` chain is bound by the instruction's latency (3 cycles for 8 bytes) although the CPU
// can start one every cycle. So a long input is cut into three blocks of equal length A, B, C,
// each gets its own chain (B and C start from 0), and the results are joined. The raw register
// update is linear over GF(2), and feeding k zero bytes multiplies the register by x^(8k) mod P:
//     crc(c, A B C) = crc(c, A) * x^(8|BC|)  ^  crc(0, B) * x^(8|C|)  ^  crc(0, C)    (mod P)
//
// Polynomials use the register's reflected layout: bit i is the coefficient of x^(31 - i).

// a * b mod P, by Horner's rule over a's coefficients from x^31 (bit 0) down to x^0 (bit 31).
constexpr uint32_t multiply_mod(uint32_t a, uint32_t b) {
    uint32_t r = 0;
    for (int i = 0; i < 32; ++i) {
        r = (r >> 1) ^ ((r & 1) ? reflected_polynomial : 0);
        if ((a >> i) & 1) r ^= b;
    }
    return r;
}

// The shift is one carry-less multiply and one `crc32`. For 32-bit reflected a and k, the 64-bit
// product read in the reflected 64-bit layout is a * k * x, and `crc32` of that word from a zero
// register multiplies it by x^32 and reduces it. So a * x^(8 * bytes) needs k = x^(8 * bytes - 33).
// shift_constants[w] is that k for a shift of w 8-byte words.
//
// Blocks of 8 KiB (24 KiB a triple, inside L1) make the join's cost negligible; 2 KiB and 4 KiB
// blocks measured 2-5% slower on 1 MiB. The constants fill an 8 KiB table.
constexpr size_t max_block_words = 1024;
constexpr size_t max_block_bytes = 8 * max_block_words;

// Below this the join (about 10 cycles of latency) costs more than the two extra chains save:
// measured with each call seeded by the previous one, three chains win from 128 bytes up.
constexpr size_t three_way_min_bytes = 128;

// Aligning the start costs up to three dependent short steps; that only pays once the loads that
// would split cache lines are many (unaligned 64 KiB inputs ran 10% slower without it, 1-4 KiB
// inputs 3-6% slower with it).
constexpr size_t align_min_bytes = 8 * 1024;

using shift_table = std::array<uint32_t, 2 * max_block_words + 1>;

constexpr shift_table make_shift_constants() {
    constexpr uint32_t x_to_1 = 0x40000000;
    uint32_t x_to_64 = 0x80000000;  // x^0
    for (int i = 0; i < 64; ++i) x_to_64 = multiply_mod(x_to_64, x_to_1);
    shift_table t{};
    t[1] = 1;  // x^(8 * 8 - 33) = x^31, bit 0
    for (size_t w = 2; w < t.size(); ++w) t[w] = multiply_mod(t[w - 1], x_to_64);
    return t;
}

constexpr shift_table shift_constants = make_shift_constants();

// The short steps that bring p to an 8-byte boundary or finish a tail below 8 bytes: at most three
// dependent instructions instead of up to seven byte steps.
__attribute__((target("sse4.2"))) uint32_t update_sse42_short(uint32_t c, const uint8_t* p,
                                                              size_t n) {
    if (n & 4) {
        uint32_t v;
        std::memcpy(&v, p, sizeof(v));
        c = _mm_crc32_u32(c, v);
        p += 4;
    }
    if (n & 2) {
        uint16_t v;
        std::memcpy(&v, p, sizeof(v));
        c = _mm_crc32_u16(c, v);
        p += 2;
    }
    if (n & 1) c = _mm_crc32_u8(c, *p);
    return c;
}

__attribute__((target("sse4.2"))) uint64_t load64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof(v));
    return v;
}

// One chain. Compiled for SSE4.2 on its own so the rest of the build stays baseline x86-64; only
// reached after cpuid said yes.
__attribute__((target("sse4.2"))) uint32_t update_sse42(uint32_t c, const uint8_t* p, size_t n) {
    uint64_t c64 = c;
    for (; n >= 8; p += 8, n -= 8) c64 = _mm_crc32_u64(c64, load64(p));
    return update_sse42_short(static_cast<uint32_t>(c64), p, n);
}

// The unreduced 63-bit product of a CRC and a shift constant.
__attribute__((target("sse4.2,pclmul"))) __m128i multiply(uint64_t crc, uint32_t k) {
    return _mm_clmulepi64_si128(_mm_cvtsi32_si128(static_cast<int>(crc)),
                                _mm_cvtsi32_si128(static_cast<int>(k)), 0);
}

// crc(c, three consecutive blocks of `words` 8-byte words at p).
__attribute__((target("sse4.2,pclmul"))) uint32_t update_three_blocks(uint32_t c, const uint8_t* p,
                                                                      size_t words) {
    const size_t block = 8 * words;
    uint64_t crc_a = c, crc_b = 0, crc_c = 0;
    for (const uint8_t* end = p + block; p < end; p += 8) {
        crc_a = _mm_crc32_u64(crc_a, load64(p));
        crc_b = _mm_crc32_u64(crc_b, load64(p + block));
        crc_c = _mm_crc32_u64(crc_c, load64(p + 2 * block));
    }
    const __m128i products = _mm_xor_si128(multiply(crc_a, shift_constants[2 * words]),
                                           multiply(crc_b, shift_constants[words]));
    // Both products reduce with one `crc32`: the reduction is linear too.
    const auto joined = static_cast<uint64_t>(_mm_cvtsi128_si64(products));
    return static_cast<uint32_t>(_mm_crc32_u64(0, joined) ^ crc_c);
}

// Full-size triples first, then one triple as large as what is left allows, then one chain for
// the tail (under 24 bytes, or under three_way_min_bytes).
__attribute__((target("sse4.2,pclmul"))) uint32_t update_sse42_three_way(uint32_t c,
                                                                         const uint8_t* p,
                                                                         size_t n) {
    if (n < three_way_min_bytes) return update_sse42(c, p, n);
    if (n >= align_min_bytes) {
        const size_t misalignment = (8 - (reinterpret_cast<uintptr_t>(p) & 7)) & 7;
        c = update_sse42_short(c, p, misalignment);
        p += misalignment;
        n -= misalignment;
    }
    for (; n >= 3 * max_block_bytes; p += 3 * max_block_bytes, n -= 3 * max_block_bytes) {
        c = update_three_blocks(c, p, max_block_words);
    }
    if (n >= three_way_min_bytes) {
        const size_t words = n / 24;
        c = update_three_blocks(c, p, words);
        p += 24 * words;
        n -= 24 * words;
    }
    return update_sse42(c, p, n);
}

struct cpu_features {
    bool sse42 = false;
    bool pclmul = false;
};

cpu_features detect_features() {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return {};
    return {(ecx & bit_SSE4_2) != 0, (ecx & bit_PCLMUL) != 0};
}

const cpu_features& features() {
    static const cpu_features detected = detect_features();
    return detected;
}

using update_fn = uint32_t (*)(uint32_t, const uint8_t*, size_t);

// The joins need pclmul; the few SSE4.2 CPUs without it (first-generation Core i7) keep one chain.
update_fn pick_hardware() {
    return features().pclmul ? update_sse42_three_way : update_sse42;
}

bool detect_sse42() {
    return features().sse42;
}
#else
using update_fn = uint32_t (*)(uint32_t, const uint8_t*, size_t);
update_fn pick_hardware() {
    return update_portable;
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
    static const update_fn update = pick_hardware();
    return ~update(~crc, data.data(), data.size());
}

uint32_t crc32c(bytes_view data, uint32_t crc) {
    static const update_fn update = crc32c_hardware_available() ? pick_hardware() : update_portable;
    return ~update(~crc, data.data(), data.size());
}

}  // namespace fjord
