#include "base/crc32c.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace fjord
