#include "protocol/header.h"

#include <gtest/gtest.h>

namespace fjord::protocol {
namespace {

struct parsed {
    bool ok = false;
    request_header_info info;
    size_t left = 0;
};

parsed parse(bytes in) {
    auto buffer = std::make_shared<const bytes>(std::move(in));
    reader r(buffer, bytes_view(*buffer));
    parsed p;
    p.ok = decode_request_header(r, p.info);
    p.left = r.remaining();
    return p;
}

TEST(request_header, v1_for_a_non_flexible_version) {
    // Produce v3: api key 0, version 3, correlation id 42, client id "rdkafka", then a body byte.
    auto p = parse({0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x07, 'r', 'd', 'k', 'a',
                    'f', 'k', 'a', 0x99});
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.info.api_key, 0);
    EXPECT_EQ(p.info.api_version, 3);
    EXPECT_EQ(p.info.correlation_id, 42);
    EXPECT_EQ(p.info.client_id, std::optional<std::string>("rdkafka"));
    EXPECT_EQ(p.left, 1u);  // the body is not touched
}

TEST(request_header, v1_does_not_read_a_tagged_section) {
    // Metadata v8 is not flexible: the 0x00 after the client id belongs to the body.
    auto p = parse({0x00, 0x03, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0x00});
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.info.client_id, std::nullopt);
    EXPECT_EQ(p.left, 1u);
}

TEST(request_header, v2_for_a_flexible_version_skips_tagged_fields) {
    // Metadata v12: client id stays a classic int16 string; then a tagged section with one
    // unknown field (tag 0, two bytes), then the body.
    auto p = parse({0x00, 0x03, 0x00, 0x0c, 0x7f, 0xff, 0xff, 0xff, 0x00, 0x01, 'c', 0x01, 0x00,
                    0x02, 0xaa, 0xbb, 0x55, 0x66});
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.info.api_key, 3);
    EXPECT_EQ(p.info.api_version, 12);
    EXPECT_EQ(p.info.correlation_id, 0x7fffffff);
    EXPECT_EQ(p.info.client_id, std::optional<std::string>("c"));
    EXPECT_EQ(p.left, 2u);
}

TEST(request_header, api_versions_v3_uses_v2_with_null_client_id) {
    auto p = parse({0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x05, 0xff, 0xff, 0x00});
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.info.api_key, 18);
    EXPECT_EQ(p.info.client_id, std::nullopt);
    EXPECT_EQ(p.left, 0u);
}

TEST(request_header, versions_past_the_schema_max_are_still_flexible) {
    // ApiVersions v9 does not exist yet, but its header would be v2 (flexible from v3 on).
    EXPECT_TRUE(request_header_is_flexible(18, 9));
    EXPECT_FALSE(request_header_is_flexible(18, 2));
    EXPECT_FALSE(request_header_is_flexible(17, 1));  // SaslHandshake is never flexible
}

TEST(request_header, unknown_api_key_uses_v1) {
    auto p = parse({0x03, 0xe7, 0x00, 0x05, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00});
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.info.api_key, 999);
    EXPECT_EQ(p.info.correlation_id, 9);
    EXPECT_EQ(p.info.client_id, std::optional<std::string>(""));
    EXPECT_EQ(p.left, 1u);
}

TEST(request_header, truncated_header_fails) {
    bytes full{0x00, 0x03, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'c', 0x00};
    for (size_t n = 0; n < full.size(); ++n) {
        EXPECT_FALSE(parse(bytes(full.begin(), full.begin() + static_cast<ptrdiff_t>(n))).ok)
            << "length " << n;
    }
    EXPECT_TRUE(parse(full).ok);
}

TEST(request_header, bad_client_id_length_fails) {
    EXPECT_FALSE(parse({0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0xff, 0xfe}).ok);
}

TEST(response_header, v0_is_the_correlation_id) {
    writer w;
    encode_response_header(w, 0x01020304, false);
    EXPECT_EQ(std::move(w).finish_bytes(), (bytes{0x01, 0x02, 0x03, 0x04}));
}

TEST(response_header, v1_adds_an_empty_tagged_section) {
    writer w;
    encode_response_header(w, -1, true);
    EXPECT_EQ(std::move(w).finish_bytes(), (bytes{0xff, 0xff, 0xff, 0xff, 0x00}));
}

}  // namespace
}  // namespace fjord::protocol
