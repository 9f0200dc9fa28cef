#include "http/json_io.h"

#include <gtest/gtest.h>

#include "http/http_server.h"

namespace fjord::http {
namespace {

bytes to_bytes(std::string_view s) {
    return bytes(s.begin(), s.end());
}

TEST(base64, round_trips_every_length) {
    for (size_t n = 0; n < 40; ++n) {
        bytes data;
        for (size_t i = 0; i < n; ++i) data.push_back(static_cast<uint8_t>(i * 37 + 11));
        auto text = base64_encode(data);
        EXPECT_EQ(text.size() % 4, 0u);
        auto back = base64_decode(text);
        ASSERT_TRUE(back) << text;
        EXPECT_EQ(*back, data);
    }
}

TEST(base64, known_values) {
    EXPECT_EQ(base64_encode(to_bytes("user-1")), "dXNlci0x");
    EXPECT_EQ(base64_encode(to_bytes("ab")), "YWI=");
    EXPECT_EQ(base64_encode(to_bytes("a")), "YQ==");
    EXPECT_EQ(*base64_decode("YWI="), to_bytes("ab"));
}

TEST(base64, rejects_malformed_text) {
    EXPECT_FALSE(base64_decode("YWI"));       // not a multiple of 4
    EXPECT_FALSE(base64_decode("Y*I="));      // outside the alphabet
    EXPECT_FALSE(base64_decode("Y=I="));      // padding in the middle
    EXPECT_FALSE(base64_decode("=AAA"));      // padding first
    EXPECT_FALSE(base64_decode("YQ==YQ=="));  // data after padding
}

TEST(utf8, accepts_text_and_rejects_binary) {
    EXPECT_TRUE(is_valid_utf8(to_bytes("plain")));
    EXPECT_TRUE(is_valid_utf8(to_bytes("héllo ✓ 𝄞")));
    EXPECT_FALSE(is_valid_utf8(bytes{0xff, 0xfe}));
    EXPECT_FALSE(is_valid_utf8(bytes{0xc3}));                    // truncated
    EXPECT_FALSE(is_valid_utf8(bytes{0xc0, 0xaf}));              // overlong
    EXPECT_FALSE(is_valid_utf8(bytes{0xed, 0xa0, 0x80}));        // surrogate
    EXPECT_FALSE(is_valid_utf8(bytes{0xf4, 0x90, 0x80, 0x80}));  // past U+10FFFF
}

TEST(text_or_null, shows_text_only_when_valid) {
    EXPECT_EQ(text_or_null(to_bytes("k")), json("k"));
    EXPECT_TRUE(text_or_null(bytes{0xff}).is_null());
    EXPECT_TRUE(text_or_null(std::nullopt).is_null());
    EXPECT_TRUE(base64_or_null(std::nullopt).is_null());
    EXPECT_EQ(base64_or_null(bytes{}), json(""));
}

TEST(json_fields, check_types_and_ranges) {
    auto body = json::parse(R"({"n": 5, "big": 99999999999, "neg": -1, "s": "x", "f": 1.5,
                                "null": null})");
    EXPECT_EQ(**int_field(body, "n", 0, 10), 5);
    EXPECT_FALSE(*int_field(body, "absent", 0, 10));
    EXPECT_FALSE(*int_field(body, "null", 0, 10));
    EXPECT_FALSE(int_field(body, "big", 0, INT32_MAX));
    EXPECT_FALSE(int_field(body, "neg", 0, 10));
    EXPECT_FALSE(int_field(body, "s", 0, 10));
    EXPECT_FALSE(int_field(body, "f", 0, 10));
    EXPECT_EQ(**string_field(body, "s"), "x");
    EXPECT_FALSE(string_field(body, "n"));
    auto nullable = nullable_string_field(body, "null");
    ASSERT_TRUE(nullable && *nullable);
    EXPECT_FALSE(**nullable);
    EXPECT_FALSE(*nullable_string_field(body, "absent"));
    auto error = int_field(body, "neg", 0, 10).error();
    EXPECT_EQ(error.status, 400);
    EXPECT_EQ(error.code, "INVALID_REQUEST");
    EXPECT_NE(error.message.find("'neg'"), std::string::npos);
}

TEST(parse_http_listen, takes_host_and_port) {
    auto c = parse_http_listen("127.0.0.1:8080");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->host, "127.0.0.1");
    EXPECT_EQ(c->port, 8080);
    EXPECT_EQ(parse_http_listen("[::1]:0")->host, "::1");
    EXPECT_FALSE(parse_http_listen("8080"));
    EXPECT_FALSE(parse_http_listen(":8080"));
    EXPECT_FALSE(parse_http_listen("host:"));
    EXPECT_FALSE(parse_http_listen("host:70000"));
    EXPECT_FALSE(parse_http_listen("host:80x"));
}

}  // namespace
}  // namespace fjord::http
