#include "protocol/control_record.h"

#include <gtest/gtest.h>

#include "base/crc32c.h"
#include "base/endian.h"
#include "protocol/record_batch.h"

namespace fjord::protocol {
namespace {

// Replaces the first record's key or value bytes of an uncompressed one-record batch by
// re-encoding it (and the CRC) with protocol's own encoder.
bytes marker_with(std::optional<bytes> key, std::optional<bytes> value, bool control = true) {
    batch_options o;
    o.producer_id = 7;
    o.producer_epoch = 3;
    o.transactional = true;
    o.control = control;
    record r{0, 1000, std::move(key), std::move(value), {}};
    return build_batch(o, std::span<const record>(&r, 1));
}

bytes be16_16(int16_t a, int16_t b) {
    bytes out(4);
    store_be<int16_t>(out.data(), a);
    store_be<int16_t>(out.data() + 2, b);
    return out;
}

bytes be16_32(int16_t a, int32_t b) {
    bytes out(6);
    store_be<int16_t>(out.data(), a);
    store_be<int32_t>(out.data() + 2, b);
    return out;
}

TEST(control_record, commit_marker_has_kafkas_header_and_record) {
    bytes b = build_marker_batch(1234, 5, control_type::commit, 17, 1'700'000'000'000);
    auto h = read_batch_header(b);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->base_offset, 0);
    EXPECT_EQ(h->attributes, 0x30);
    EXPECT_TRUE(h->is_control());
    EXPECT_TRUE(h->is_transactional());
    EXPECT_EQ(h->producer_id, 1234);
    EXPECT_EQ(h->producer_epoch, 5);
    EXPECT_EQ(h->base_sequence, -1);
    EXPECT_EQ(h->last_offset_delta, 0);
    EXPECT_EQ(h->records_count, 1);
    EXPECT_EQ(h->max_timestamp, 1'700'000'000'000);
    EXPECT_EQ(compute_batch_crc(b), h->crc);
    auto records = decode_records(b);
    ASSERT_TRUE(records);
    ASSERT_EQ(records->size(), 1u);
    EXPECT_EQ((*records)[0].offset, 0);
    EXPECT_EQ((*records)[0].key, be16_16(0, 1));
    EXPECT_EQ((*records)[0].value, be16_32(0, 17));
    auto m = decode_marker(b);
    ASSERT_TRUE(m);
    EXPECT_EQ(*m, (txn_marker{control_type::commit, 17}));
}

TEST(control_record, abort_marker_round_trips) {
    bytes b = build_marker_batch(1, 0, control_type::abort, 0, 5);
    EXPECT_EQ(decode_marker(b), (txn_marker{control_type::abort, 0}));
    // Bytes after the batch are ignored, like every batch reader.
    b.push_back(0xff);
    EXPECT_EQ(decode_marker(b), (txn_marker{control_type::abort, 0}));
}

TEST(control_record, data_batch_is_not_a_marker) {
    EXPECT_FALSE(decode_marker(marker_with(be16_16(0, 0), be16_32(0, 1), /*control=*/false)));
}

TEST(control_record, unknown_control_type_is_skipped) {
    EXPECT_FALSE(decode_marker(marker_with(be16_16(0, 2), be16_32(0, 1))));
    EXPECT_FALSE(decode_marker(marker_with(be16_16(0, -1), be16_32(0, 1))));
}

TEST(control_record, newer_versions_are_read_like_version_0) {
    bytes key = be16_16(1, 0);
    key.push_back(9);  // a field a newer version might add
    bytes value = be16_32(3, 42);
    value.push_back(9);
    EXPECT_EQ(decode_marker(marker_with(key, value)), (txn_marker{control_type::abort, 42}));
}

TEST(control_record, malformed_keys_and_values_are_rejected) {
    EXPECT_FALSE(decode_marker(marker_with(std::nullopt, be16_32(0, 1))));
    EXPECT_FALSE(decode_marker(marker_with(bytes{0, 0, 0}, be16_32(0, 1))));
    EXPECT_FALSE(decode_marker(marker_with(be16_16(-1, 0), be16_32(0, 1))));
    EXPECT_FALSE(decode_marker(marker_with(be16_16(0, 1), std::nullopt)));
    EXPECT_FALSE(decode_marker(marker_with(be16_16(0, 1), bytes{0, 0, 0, 0, 1})));
    EXPECT_FALSE(decode_marker(marker_with(be16_16(0, 1), be16_32(-2, 1))));
}

TEST(control_record, control_batch_without_records_is_rejected) {
    batch_options o;
    o.control = true;
    o.transactional = true;
    o.producer_id = 1;
    o.producer_epoch = 0;
    bytes b = build_batch(o, {});
    EXPECT_FALSE(decode_marker(b));
}

TEST(control_record, truncated_or_corrupt_batches_are_rejected) {
    bytes b = build_marker_batch(1, 0, control_type::commit, 3, 5);
    for (size_t n = 0; n < b.size(); ++n) {
        EXPECT_FALSE(decode_marker(bytes_view(b).first(n))) << n;
    }
    bytes flipped = b;
    flipped.back() ^= 0x01;  // the CRC no longer matches
    EXPECT_FALSE(decode_marker(flipped));
    EXPECT_FALSE(decode_marker({}));
}

}  // namespace
}  // namespace fjord::protocol
