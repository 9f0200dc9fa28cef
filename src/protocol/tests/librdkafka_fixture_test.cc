// Batches written by librdkafka 2.0.2 (tools/fixtures/capture_librdkafka.py), one per codec, as a
// Fjord broker stored them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "protocol/record_batch.h"

namespace fjord::protocol {
namespace {

bytes b(std::string_view s) {
    return bytes(s.begin(), s.end());
}

bytes read_fixture(const std::string& name) {
    std::ifstream in(std::string(FJORD_SOURCE_DIR) + "/src/protocol/tests/fixtures/" + name,
                     std::ios::binary);
    EXPECT_TRUE(in) << "missing fixture " << name;
    return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Keep in sync with MESSAGES in capture_librdkafka.py. librdkafka makes every timestamp delta
// relative to the first record's, so the third record's delta is negative.
std::vector<record> librdkafka_messages() {
    std::string big;
    for (int i = 0; i < 192; ++i) {
        char piece[32];
        std::snprintf(piece, sizeof(piece), "librdkafka-%04d;", i);
        big += piece;
    }
    return {
        record{0,
               1'700'000'000'000,
               b("order-1"),
               b(R"({"total":42})"),
               {{"trace", b("t-1")}, {"multi", b("a")}, {"multi", b("b")}}},
        record{1, 1'700'000'000'250, std::nullopt, b("keyless"), {{"null", std::nullopt}}},
        record{2,
               1'699'999'999'500,
               b("order-1"),
               std::nullopt,
               {{"cl\xc3\xa9", b("\xc3\xbc")}, {"empty", bytes{}}}},
        record{3, 1'700'000'001'000, b("blob"), b(big), {{"multi", b("c")}}},
    };
}

bytes fixture(compression_type codec) {
    return read_fixture("librdkafka_" + std::string(to_string(codec)) + ".bin");
}

class librdkafka_fixture_test : public ::testing::TestWithParam<compression_type> {};

TEST_P(librdkafka_fixture_test, validates_and_decodes_exactly) {
    bytes batch = fixture(GetParam());
    ASSERT_FALSE(batch.empty());
    auto headers = validate_record_set(batch);
    ASSERT_TRUE(headers) << describe(headers.error());
    ASSERT_EQ(headers->size(), 1u);
    const auto& h = headers->front();
    EXPECT_EQ(h.compression(), GetParam());
    EXPECT_EQ(h.size_bytes(), batch.size());
    EXPECT_EQ(h.base_offset, 0);
    EXPECT_EQ(h.records_count, 4);
    EXPECT_EQ(h.last_offset_delta, 3);
    EXPECT_EQ(h.base_timestamp, 1'700'000'000'000);
    EXPECT_EQ(h.max_timestamp, 1'700'000'001'000);
    // A non-idempotent librdkafka producer leaves all three at -1 (kafkajs writes 0 for two).
    EXPECT_EQ(h.producer_id, -1);
    EXPECT_EQ(h.producer_epoch, -1);
    EXPECT_EQ(h.base_sequence, -1);
    EXPECT_FALSE(h.is_transactional());
    EXPECT_FALSE(h.is_control());
    EXPECT_FALSE(h.log_append_time());

    auto decoded = decode_records(batch);
    ASSERT_TRUE(decoded) << describe(decoded.error());
    EXPECT_EQ(*decoded, librdkafka_messages());
}

// base_offset and partition_leader_epoch lie outside the CRC, so rewriting them must leave the
// stored CRC valid without recomputing it.
TEST_P(librdkafka_fixture_test, offset_and_epoch_edits_keep_the_crc) {
    bytes batch = fixture(GetParam());
    ASSERT_FALSE(batch.empty());
    const bytes original = batch;
    set_base_offset(batch, 7'000'000'000);
    set_partition_leader_epoch(batch, 12);
    EXPECT_EQ(compute_batch_crc(batch), compute_batch_crc(original));
    EXPECT_TRUE(std::equal(batch.begin() + batch_field::magic, batch.end(),
                           original.begin() + batch_field::magic));

    auto headers = validate_record_set(batch);
    ASSERT_TRUE(headers) << describe(headers.error());
    EXPECT_EQ(headers->front().base_offset, 7'000'000'000);
    EXPECT_EQ(headers->front().partition_leader_epoch, 12);
    auto decoded = decode_records(batch);
    ASSERT_TRUE(decoded) << describe(decoded.error());
    auto expected = librdkafka_messages();
    for (auto& r : expected) r.offset += 7'000'000'000;
    EXPECT_EQ(*decoded, expected);
}

INSTANTIATE_TEST_SUITE_P(librdkafka, librdkafka_fixture_test,
                         ::testing::Values(compression_type::none, compression_type::gzip,
                                           compression_type::snappy, compression_type::lz4,
                                           compression_type::zstd),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace fjord::protocol
