#include "base/crc32c.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string_view>

namespace fjord {
namespace {

bytes filled(size_t n, uint8_t value) {
    return bytes(n, value);
}

// RFC 3720 (iSCSI), appendix B.4.
TEST(crc32c, rfc3720_zeros) {
    EXPECT_EQ(crc32c_portable(filled(32, 0x00)), 0x8A9136AAu);
    EXPECT_EQ(crc32c(filled(32, 0x00)), 0x8A9136AAu);
}

TEST(crc32c, rfc3720_ones) {
    EXPECT_EQ(crc32c_portable(filled(32, 0xFF)), 0x62A8AB43u);
    EXPECT_EQ(crc32c(filled(32, 0xFF)), 0x62A8AB43u);
}

TEST(crc32c, rfc3720_ascending) {
    bytes data(32);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
    EXPECT_EQ(crc32c_portable(data), 0x46DD794Eu);
    EXPECT_EQ(crc32c(data), 0x46DD794Eu);
}

TEST(crc32c, rfc3720_descending) {
    bytes data(32);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(31 - i);
    EXPECT_EQ(crc32c_portable(data), 0x113FDB5Cu);
    EXPECT_EQ(crc32c(data), 0x113FDB5Cu);
}

TEST(crc32c, check_value) {
    EXPECT_EQ(crc32c_portable(as_bytes_view("123456789")), 0xE3069283u);
    EXPECT_EQ(crc32c(as_bytes_view("123456789")), 0xE3069283u);
}

TEST(crc32c, empty_input_is_identity) {
    EXPECT_EQ(crc32c({}), 0u);
    EXPECT_EQ(crc32c({}, 0xDEADBEEF), 0xDEADBEEFu);
    EXPECT_EQ(crc32c_portable({}, 0xDEADBEEF), 0xDEADBEEFu);
}

TEST(crc32c, hardware_matches_vectors_when_available) {
    if (!crc32c_hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
    EXPECT_EQ(crc32c_hardware(filled(32, 0x00)), 0x8A9136AAu);
    EXPECT_EQ(crc32c_hardware(filled(32, 0xFF)), 0x62A8AB43u);
    EXPECT_EQ(crc32c_hardware(as_bytes_view("123456789")), 0xE3069283u);
}

TEST(crc32c, running_crc_equals_whole) {
    std::string_view text = "The quick brown fox jumps over the lazy dog, twice over.";
    bytes_view all = as_bytes_view(text);
    uint32_t whole = crc32c(all);
    for (size_t split = 0; split <= all.size(); ++split) {
        uint32_t first = crc32c(all.first(split));
        EXPECT_EQ(crc32c(all.subspan(split), first), whole) << split;
        EXPECT_EQ(crc32c_portable(all.subspan(split), crc32c_portable(all.first(split))), whole);
        EXPECT_EQ(crc32c_hardware(all.subspan(split), crc32c_hardware(all.first(split))), whole);
    }
}

// Both implementations must agree for every length and every misalignment of the start.
TEST(crc32c, portable_and_hardware_agree_on_random_input) {
    std::mt19937_64 rng(42);
    bytes buffer(4096 + 16);
    for (auto& b : buffer) b = static_cast<uint8_t>(rng());
    for (int i = 0; i < 2000; ++i) {
        size_t start = rng() % 16;
        size_t length = i < 200 ? static_cast<size_t>(i) : rng() % 4096;
        uint32_t seed = (i % 3 == 0) ? 0 : static_cast<uint32_t>(rng());
        bytes_view slice(buffer.data() + start, length);
        uint32_t expected = crc32c_portable(slice, seed);
        EXPECT_EQ(crc32c_hardware(slice, seed), expected) << start << "+" << length;
        EXPECT_EQ(crc32c(slice, seed), expected) << start << "+" << length;
    }
}

bytes random_bytes(size_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    bytes data(n);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    return data;
}

// The hardware path switches between one chain, three chains and its tail steps by length (at 128
// bytes, then by 24-byte steps); every length across those seams, at every start modulo 8.
TEST(crc32c, hardware_matches_portable_for_every_length_to_2048) {
    bytes buffer = random_bytes(2048 + 8, 7);
    for (size_t start = 0; start < 8; ++start) {
        for (size_t length = 0; length <= 2048; ++length) {
            bytes_view slice(buffer.data() + start, length);
            uint32_t seed = static_cast<uint32_t>(length * 2654435761u);
            ASSERT_EQ(crc32c_hardware(slice), crc32c_portable(slice)) << start << "+" << length;
            ASSERT_EQ(crc32c_hardware(slice, seed), crc32c_portable(slice, seed))
                << start << "+" << length;
            ASSERT_EQ(crc32c(slice, seed), crc32c_portable(slice, seed)) << start << "+" << length;
        }
    }
}

// Large inputs go through full 24 KiB triples, then one smaller triple, then the tail; long ones
// also align their start first.
TEST(crc32c, hardware_matches_portable_on_large_buffers) {
    bytes buffer = random_bytes((1 << 20) + 7 + 16, 11);
    const size_t triple = 3 * 8192;
    const size_t lengths[] = {
        8191,           8192,         triple - 1,   triple,          triple + 1,
        triple + 127,   triple + 128, 2 * triple,   2 * triple + 23, 64 << 10,
        (64 << 10) + 3, 1 << 20,      (1 << 20) + 7};
    for (size_t length : lengths) {
        for (size_t start = 0; start < 16; ++start) {
            bytes_view slice(buffer.data() + start, length);
            uint32_t expected = crc32c_portable(slice);
            ASSERT_EQ(crc32c_hardware(slice), expected) << start << "+" << length;
            ASSERT_EQ(crc32c(slice), expected) << start << "+" << length;
            ASSERT_EQ(crc32c_hardware(slice, 0x12345678), crc32c_portable(slice, 0x12345678))
                << start << "+" << length;
        }
    }
}

// A running checksum carried across fragments of every size class equals the one-shot checksum.
TEST(crc32c, running_crc_across_large_fragments) {
    bytes buffer = random_bytes((1 << 20) + 7, 13);
    const uint32_t whole = crc32c_portable(buffer);
    std::mt19937_64 rng(17);
    for (int round = 0; round < 20; ++round) {
        uint32_t hardware = 0;
        uint32_t dispatched = 0;
        size_t fragments = 0;
        for (size_t offset = 0; offset < buffer.size(); ++fragments) {
            // Mostly short fragments with some long ones, so both paths carry the running value.
            size_t limit = (rng() % 4 == 0) ? 100000 : 3000;
            size_t length = std::min<size_t>(rng() % limit, buffer.size() - offset);
            bytes_view fragment(buffer.data() + offset, length);
            hardware = crc32c_hardware(fragment, hardware);
            dispatched = crc32c(fragment, dispatched);
            offset += length;
        }
        EXPECT_EQ(hardware, whole) << "round " << round << ", " << fragments << " fragments";
        EXPECT_EQ(dispatched, whole) << "round " << round;
    }
}

// 1 MiB values from an independent bit-at-a-time reference, so the large-input paths are checked
// against something besides the other implementation.
TEST(crc32c, large_known_values) {
    bytes zeros(1 << 20, 0x00);
    bytes ascending(1 << 20);
    for (size_t i = 0; i < ascending.size(); ++i) ascending[i] = static_cast<uint8_t>(i);
    EXPECT_EQ(crc32c(zeros), 0x14298C12u);
    EXPECT_EQ(crc32c_hardware(zeros), 0x14298C12u);
    EXPECT_EQ(crc32c_portable(zeros), 0x14298C12u);
    EXPECT_EQ(crc32c(ascending), 0x7D25B26Du);
    EXPECT_EQ(crc32c_hardware(ascending), 0x7D25B26Du);
    EXPECT_EQ(crc32c_portable(ascending), 0x7D25B26Du);
}

}  // namespace
}  // namespace fjord
