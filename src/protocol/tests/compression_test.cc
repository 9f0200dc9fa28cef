#include "protocol/compression.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "base/endian.h"

namespace fjord::protocol {
namespace {

constexpr compression_type all_codecs[] = {compression_type::none, compression_type::gzip,
                                           compression_type::snappy, compression_type::lz4,
                                           compression_type::zstd};
constexpr compression_type real_codecs[] = {compression_type::gzip, compression_type::snappy,
                                            compression_type::lz4, compression_type::zstd};

// Compressible but not trivial: text-like runs with random words mixed in.
bytes sample_payload(size_t size, uint64_t seed = 7) {
    std::mt19937_64 rng(seed);
    bytes out;
    out.reserve(size);
    static constexpr std::string_view words[] = {"kafka ", "fjord ",  "record ",
                                                 "batch ", "offset ", "partition "};
    while (out.size() < size) {
        if (rng() % 4 == 0) {
            out.push_back(static_cast<uint8_t>(rng()));
        } else {
            auto w = words[rng() % std::size(words)];
            out.insert(out.end(), w.begin(), w.end());
        }
    }
    out.resize(size);
    return out;
}

bytes random_bytes(size_t size, uint64_t seed) {
    std::mt19937_64 rng(seed);
    bytes out(size);
    for (auto& b : out) b = static_cast<uint8_t>(rng());
    return out;
}

class codec_test : public ::testing::TestWithParam<compression_type> {};

TEST_P(codec_test, round_trips_various_sizes) {
    for (size_t size :
         {size_t{0}, size_t{1}, size_t{100}, size_t{65535}, size_t{65536}, size_t{300000}}) {
        bytes input = sample_payload(size, size);
        bytes packed = compress(GetParam(), input);
        auto unpacked = decompress(GetParam(), packed, input.size());
        ASSERT_TRUE(unpacked) << size << ": " << describe(unpacked.error());
        EXPECT_EQ(*unpacked, input) << size;
    }
}

TEST_P(codec_test, incompressible_input_round_trips) {
    bytes input = random_bytes(200000, 3);
    auto unpacked = decompress(GetParam(), compress(GetParam(), input), input.size());
    ASSERT_TRUE(unpacked);
    EXPECT_EQ(*unpacked, input);
}

TEST_P(codec_test, output_one_byte_over_the_limit_fails) {
    bytes input = sample_payload(10000);
    bytes packed = compress(GetParam(), input);
    EXPECT_TRUE(decompress(GetParam(), packed, input.size()));
    auto r = decompress(GetParam(), packed, input.size() - 1);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), compression_errc::output_too_large);
}

INSTANTIATE_TEST_SUITE_P(all, codec_test, ::testing::ValuesIn(all_codecs),
                         [](const auto& info) { return std::string(to_string(info.param)); });

class compressed_codec_test : public ::testing::TestWithParam<compression_type> {};

// 64 MiB of zeros shrinks to a few KiB; decoding it with a 1 MiB budget must stop at the budget.
TEST_P(compressed_codec_test, decompression_bomb_is_bounded) {
    bytes zeros(64 << 20, 0);
    bytes bomb = compress(GetParam(), zeros);
    zeros = {};
    ASSERT_LT(bomb.size(), size_t{4} << 20);
    auto r = decompress(GetParam(), bomb, 1 << 20);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), compression_errc::output_too_large);
}

TEST_P(compressed_codec_test, truncated_input_fails) {
    bytes input = sample_payload(50000);
    bytes packed = compress(GetParam(), input);
    for (size_t cut : {size_t{0}, size_t{1}, size_t{5}, packed.size() / 2, packed.size() - 1}) {
        auto r = decompress(GetParam(), bytes_view(packed).first(cut), input.size());
        EXPECT_FALSE(r) << "cut at " << cut;
    }
}

TEST_P(compressed_codec_test, garbage_input_fails) {
    for (uint64_t seed = 0; seed < 50; ++seed) {
        bytes garbage = random_bytes(1 + seed * 37, seed);
        auto r = decompress(GetParam(), garbage, 1 << 20);
        EXPECT_FALSE(r) << "seed " << seed;
    }
}

TEST_P(compressed_codec_test, flipped_bytes_never_crash) {
    bytes input = sample_payload(20000);
    bytes packed = compress(GetParam(), input);
    std::mt19937_64 rng(11);
    for (int i = 0; i < 200; ++i) {
        bytes damaged = packed;
        damaged[rng() % damaged.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
        // Some flips (e.g. in gzip's OS byte) are harmless; the point is a clean answer.
        auto r = decompress(GetParam(), damaged, input.size());
        if (r) {
            EXPECT_LE(r->size(), input.size());
        }
    }
}

INSTANTIATE_TEST_SUITE_P(all, compressed_codec_test, ::testing::ValuesIn(real_codecs),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(compression, unknown_codec_is_rejected) {
    auto r = decompress(static_cast<compression_type>(5), as_bytes_view("abc"), 100);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), compression_errc::unknown_codec);
}

TEST(compression, gzip_output_is_a_gzip_stream) {
    bytes packed = compress(compression_type::gzip, as_bytes_view("hello"));
    ASSERT_GE(packed.size(), 2u);
    EXPECT_EQ(packed[0], 0x1f);
    EXPECT_EQ(packed[1], 0x8b);
}

TEST(compression, gzip_concatenated_members_are_read) {
    bytes a = compress(compression_type::gzip, as_bytes_view("first,"));
    bytes b = compress(compression_type::gzip, as_bytes_view("second"));
    a.insert(a.end(), b.begin(), b.end());
    auto r = decompress(compression_type::gzip, a, 100);
    ASSERT_TRUE(r);
    EXPECT_EQ(as_string_view(*r), "first,second");
}

TEST(compression, gzip_trailing_garbage_fails) {
    bytes a = compress(compression_type::gzip, as_bytes_view("payload"));
    a.push_back(0x00);
    a.push_back(0x42);
    EXPECT_FALSE(decompress(compression_type::gzip, a, 100));
}

TEST(compression, lz4_output_is_a_frame_with_independent_blocks) {
    bytes packed = compress(compression_type::lz4, as_bytes_view("hello"));
    ASSERT_GE(packed.size(), 7u);
    EXPECT_EQ(load_be<uint32_t>(packed.data()), 0x04224D18u);  // magic 0x184D2204, little-endian
    EXPECT_EQ(packed[4] & 0x20, 0x20);                         // FLG: block independence
    EXPECT_EQ(packed[4] & 0x04, 0x00);                         // FLG: no content checksum
    EXPECT_EQ(packed[5], 0x40);                                // BD: 64 KiB blocks
}

TEST(compression, snappy_output_is_raw) {
    bytes packed = compress(compression_type::snappy, as_bytes_view("hello"));
    ASSERT_FALSE(packed.empty());
    EXPECT_EQ(packed[0], 5);  // raw snappy starts with the uncompressed length as a varint
}

// The framing the Java client (snappy-java) writes.
bytes xerial_frame(const std::vector<bytes_view>& chunks) {
    bytes out = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00};
    uint8_t word[4];
    for (int32_t v : {1, 1}) {  // version, compatible version
        store_be<int32_t>(word, v);
        out.insert(out.end(), word, word + 4);
    }
    for (auto chunk : chunks) {
        bytes raw = compress(compression_type::snappy, chunk);
        store_be<int32_t>(word, static_cast<int32_t>(raw.size()));
        out.insert(out.end(), word, word + 4);
        out.insert(out.end(), raw.begin(), raw.end());
    }
    return out;
}

TEST(compression, snappy_xerial_framing_is_read) {
    bytes input = sample_payload(100000);
    bytes_view all(input);
    bytes framed = xerial_frame({all.first(32768), all.subspan(32768, 32768), all.subspan(65536)});
    auto r = decompress(compression_type::snappy, framed, input.size());
    ASSERT_TRUE(r) << describe(r.error());
    EXPECT_EQ(*r, input);
}

TEST(compression, snappy_xerial_header_only_is_empty) {
    auto r = decompress(compression_type::snappy, xerial_frame({}), 100);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->empty());
}

TEST(compression, snappy_xerial_truncated_header_fails) {
    bytes framed = xerial_frame({});
    auto r = decompress(compression_type::snappy, bytes_view(framed).first(12), 100);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), compression_errc::truncated_input);
}

TEST(compression, snappy_xerial_block_length_past_end_fails) {
    bytes input = sample_payload(1000);
    bytes framed = xerial_frame({input});
    store_be<int32_t>(framed.data() + 16, static_cast<int32_t>(framed.size()));
    auto r = decompress(compression_type::snappy, framed, 10000);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), compression_errc::truncated_input);
}

TEST(compression, snappy_xerial_cut_inside_a_block_fails) {
    bytes input = sample_payload(1000);
    bytes framed = xerial_frame({input});
    EXPECT_FALSE(
        decompress(compression_type::snappy, bytes_view(framed).first(framed.size() - 3), 10000));
    EXPECT_FALSE(decompress(compression_type::snappy, bytes_view(framed).first(18), 10000));
}

TEST(compression, snappy_xerial_negative_block_length_fails) {
    bytes framed = xerial_frame({as_bytes_view("abc")});
    store_be<int32_t>(framed.data() + 16, -5);
    EXPECT_FALSE(decompress(compression_type::snappy, framed, 100));
}

TEST(compression, snappy_xerial_bomb_is_bounded_across_blocks) {
    bytes zeros(1 << 20, 0);
    std::vector<bytes_view> chunks(8, bytes_view(zeros));
    bytes framed = xerial_frame(chunks);
    auto r = decompress(compression_type::snappy, framed, (4 << 20) + 1);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), compression_errc::output_too_large);
    EXPECT_TRUE(decompress(compression_type::snappy, framed, 8 << 20));
}

TEST(compression, snappy_raw_length_claim_over_limit_fails_before_allocating) {
    // A raw snappy stream whose header claims 2^32-1 bytes.
    bytes claim = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};
    auto r = decompress(compression_type::snappy, claim, 1 << 20);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), compression_errc::output_too_large);
}

TEST(compression, zstd_frames_without_content_size_are_read) {
    // Skippable frame + a streaming-style frame: the decoder must not rely on a recorded size.
    // Frame header: magic, FHD 0x00 (no content size, window descriptor follows), window 2^10.
    // A single raw block (last block, type raw, size 5) holding "hello".
    bytes frame = {0x50, 0x2A, 0x4D, 0x18, 0x03, 0x00, 0x00, 0x00, 'x', 'y', 'z', 0x28, 0xB5,
                   0x2F, 0xFD, 0x00, 0x00, 0x29, 0x00, 0x00, 'h',  'e', 'l', 'l', 'o'};
    auto r = decompress(compression_type::zstd, frame, 100);
    ASSERT_TRUE(r) << describe(r.error());
    EXPECT_EQ(as_string_view(*r), "hello");
}

TEST(compression, zstd_huge_window_claim_is_rejected) {
    // Frame header asking for a 2^31 window (window descriptor exponent 21 + 10) with no content.
    bytes frame = {0x28, 0xB5, 0x2F, 0xFD, 0x00, 0xA8, 0x01, 0x00, 0x00};
    auto r = decompress(compression_type::zstd, frame, 1 << 20);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), compression_errc::output_too_large);
}

TEST(compression, none_copies_and_respects_limit) {
    auto r = decompress(compression_type::none, as_bytes_view("abcdef"), 6);
    ASSERT_TRUE(r);
    EXPECT_EQ(as_string_view(*r), "abcdef");
    auto over = decompress(compression_type::none, as_bytes_view("abcdef"), 5);
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error(), compression_errc::output_too_large);
}

}  // namespace
}  // namespace fjord::protocol
