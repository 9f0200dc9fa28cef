#include <gtest/gtest.h>

#include "base/endian.h"
#include "base/result.h"
#include "base/uuid.h"
#include "base/varint.h"

namespace fjord {
namespace {

TEST(varint, unsigned_round_trip_at_boundaries) {
    for (uint64_t v : {0ULL, 1ULL, 127ULL, 128ULL, 16383ULL, 16384ULL, 0xffffffffULL, ~0ULL}) {
        uint8_t buf[varint::max_length_64];
        size_t n = varint::encode_unsigned(v, buf);
        EXPECT_EQ(n, varint::encoded_size_unsigned(v));
        auto d = varint::decode_unsigned(buf, buf + n, varint::max_length_64);
        ASSERT_TRUE(d);
        EXPECT_EQ(d->value, v);
        EXPECT_EQ(d->length, n);
    }
}

TEST(varint, zigzag_matches_protobuf) {
    EXPECT_EQ(varint::zigzag_encode(0), 0u);
    EXPECT_EQ(varint::zigzag_encode(-1), 1u);
    EXPECT_EQ(varint::zigzag_encode(1), 2u);
    EXPECT_EQ(varint::zigzag_encode(-2), 3u);
    EXPECT_EQ(varint::zigzag_decode(4294967294u), 2147483647);
}

TEST(varint, truncated_input_is_rejected) {
    uint8_t buf[] = {0x80, 0x80};
    EXPECT_FALSE(varint::decode_unsigned(buf, buf + 2, varint::max_length_32));
}

TEST(varint, overlong_input_is_rejected) {
    uint8_t buf[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    EXPECT_FALSE(varint::decode_unsigned(buf, buf + 6, varint::max_length_32));
}

TEST(endian, big_endian_round_trip) {
    uint8_t buf[8];
    store_be<int32_t>(buf, 0x01020304);
    EXPECT_EQ(buf[0], 1);
    EXPECT_EQ(buf[3], 4);
    EXPECT_EQ(load_be<int32_t>(buf), 0x01020304);
    store_be<int64_t>(buf, -2);
    EXPECT_EQ(load_be<int64_t>(buf), -2);
}

TEST(uuid, base64_round_trip) {
    auto id = uuid::random();
    EXPECT_FALSE(id.is_zero());
    auto text = id.to_string();
    EXPECT_EQ(text.size(), 22u);
    auto parsed = uuid::parse(text);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, id);
    EXPECT_FALSE(uuid::parse("not-a-uuid"));
}

TEST(result, holds_value_or_error) {
    result<int, std::string> ok = 5;
    result<int, std::string> bad = fail(std::string("boom"));
    EXPECT_TRUE(ok);
    EXPECT_EQ(*ok, 5);
    EXPECT_FALSE(bad);
    EXPECT_EQ(bad.error(), "boom");
}

}  // namespace
}  // namespace fjord
