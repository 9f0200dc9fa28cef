#include "protocol/wire.h"

#include <gtest/gtest.h>

#include <limits>

namespace fjord::protocol {
namespace {

struct owned_reader {
    std::shared_ptr<const bytes> buffer;
    reader r;

    explicit owned_reader(bytes b)
        : buffer(std::make_shared<const bytes>(std::move(b))), r(buffer, bytes_view(*buffer)) {}
};

bytes written(writer&& w) {
    return std::move(w).finish_bytes();
}

TEST(wire_reader, reads_big_endian_integers) {
    owned_reader o({0xff, 0x12, 0x34, 0x80, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                    0x00, 0x2a, 0xfe, 0xdc, 0x01});
    EXPECT_EQ(o.r.read_int8(), -1);
    EXPECT_EQ(o.r.read_int16(), 0x1234);
    EXPECT_EQ(o.r.read_int32(), std::numeric_limits<int32_t>::min() + 1);
    EXPECT_EQ(o.r.read_int64(), 42);
    EXPECT_EQ(o.r.read_uint16(), 0xfedc);
    EXPECT_TRUE(o.r.read_bool());
    EXPECT_TRUE(o.r.ok());
    EXPECT_EQ(o.r.remaining(), 0u);
    EXPECT_EQ(o.r.position(), 18u);
}

TEST(wire_reader, any_non_zero_byte_is_true) {
    owned_reader o({0x00, 0x02});
    EXPECT_FALSE(o.r.read_bool());
    EXPECT_TRUE(o.r.read_bool());
}

TEST(wire_reader, float64_is_ieee_big_endian) {
    owned_reader o({0x3f, 0xf8, 0, 0, 0, 0, 0, 0});
    EXPECT_EQ(o.r.read_float64(), 1.5);
}

TEST(wire_reader, truncated_read_fails_and_stays_failed) {
    owned_reader o({0x00, 0x00, 0x01, 0x07});
    EXPECT_EQ(o.r.read_int16(), 0);
    EXPECT_EQ(o.r.read_int32(), 0);  // only two bytes left
    EXPECT_FALSE(o.r.ok());
    EXPECT_EQ(o.r.remaining(), 0u);
    // Sticky: a read that would fit on its own still fails and returns zero.
    EXPECT_EQ(o.r.read_int8(), 0);
    EXPECT_FALSE(o.r.ok());
}

TEST(wire_reader, uvarint_boundaries) {
    owned_reader o({0x00, 0x7f, 0x80, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f});
    EXPECT_EQ(o.r.read_uvarint(), 0u);
    EXPECT_EQ(o.r.read_uvarint(), 127u);
    EXPECT_EQ(o.r.read_uvarint(), 128u);
    EXPECT_EQ(o.r.read_uvarint(), 0xffffffffu);
    EXPECT_TRUE(o.r.ok());
}

TEST(wire_reader, overlong_uvarint_fails) {
    owned_reader o({0x80, 0x80, 0x80, 0x80, 0x80, 0x01});
    EXPECT_EQ(o.r.read_uvarint(), 0u);
    EXPECT_FALSE(o.r.ok());
}

TEST(wire_reader, uvarint_above_32_bits_fails) {
    owned_reader o({0xff, 0xff, 0xff, 0xff, 0x1f});
    o.r.read_uvarint();
    EXPECT_FALSE(o.r.ok());
}

TEST(wire_reader, truncated_uvarint_fails) {
    owned_reader o({0x80, 0x80});
    o.r.read_uvarint();
    EXPECT_FALSE(o.r.ok());
}

TEST(wire_reader, classic_strings) {
    owned_reader o({0x00, 0x02, 'h', 'i', 0xff, 0xff, 0x00, 0x00});
    EXPECT_EQ(o.r.read_string(), "hi");
    EXPECT_EQ(o.r.read_nullable_string(), std::nullopt);
    EXPECT_EQ(o.r.read_nullable_string(), std::optional<std::string>(""));
    EXPECT_TRUE(o.r.ok());
}

TEST(wire_reader, null_string_where_not_nullable_fails) {
    owned_reader o({0xff, 0xff});
    o.r.read_string();
    EXPECT_FALSE(o.r.ok());
}

TEST(wire_reader, negative_string_length_other_than_null_fails) {
    owned_reader o({0xff, 0xfe, 'a', 'b'});
    EXPECT_EQ(o.r.read_nullable_string(), std::nullopt);
    EXPECT_FALSE(o.r.ok());
}

TEST(wire_reader, string_longer_than_buffer_fails) {
    owned_reader o({0x00, 0x05, 'a', 'b'});
    EXPECT_EQ(o.r.read_string(), "");
    EXPECT_FALSE(o.r.ok());
}

TEST(wire_reader, compact_strings) {
    owned_reader o({0x03, 'h', 'i', 0x00, 0x01});
    EXPECT_EQ(o.r.read_compact_string(), "hi");
    EXPECT_EQ(o.r.read_compact_nullable_string(), std::nullopt);
    EXPECT_EQ(o.r.read_compact_nullable_string(), std::optional<std::string>(""));
    EXPECT_TRUE(o.r.ok());
}

TEST(wire_reader, compact_null_where_not_nullable_fails) {
    owned_reader o({0x00});
    o.r.read_compact_string();
    EXPECT_FALSE(o.r.ok());
}

TEST(wire_reader, compact_string_longer_than_buffer_fails) {
    owned_reader o({0xff, 0xff, 0xff, 0xff, 0x0f, 'x'});
    o.r.read_compact_string();
    EXPECT_FALSE(o.r.ok());
}

TEST(wire_reader, bytes_classic_and_compact) {
    owned_reader o({0x00, 0x00, 0x00, 0x02, 0xaa, 0xbb, 0xff, 0xff, 0xff, 0xff, 0x02, 0xcc, 0x00});
    EXPECT_EQ(o.r.read_bytes(), (bytes{0xaa, 0xbb}));
    EXPECT_EQ(o.r.read_nullable_bytes(), std::nullopt);
    EXPECT_EQ(o.r.read_compact_bytes(), (bytes{0xcc}));
    EXPECT_EQ(o.r.read_compact_nullable_bytes(), std::nullopt);
    EXPECT_TRUE(o.r.ok());
}

TEST(wire_reader, negative_bytes_length_fails) {
    owned_reader o({0xff, 0xff, 0xff, 0xfb, 0x00});
    o.r.read_nullable_bytes();
    EXPECT_FALSE(o.r.ok());
}

TEST(wire_reader, huge_bytes_length_fails_without_allocating) {
    owned_reader o({0x7f, 0xff, 0xff, 0xff, 0x00});
    EXPECT_TRUE(o.r.read_bytes().empty());
    EXPECT_FALSE(o.r.ok());
}

TEST(wire_reader, records_point_into_the_buffer_without_copy) {
    owned_reader o({0x00, 0x00, 0x00, 0x03, 0x01, 0x02, 0x03, 0x04, 0x09, 0x08, 0x07});
    auto records = o.r.read_records();
    ASSERT_TRUE(records);
    EXPECT_EQ(records->view.data(), o.buffer->data() + 4);
    EXPECT_EQ(records->size(), 3u);
    EXPECT_EQ(records->owner.get(), static_cast<const void*>(o.buffer.get()));
    auto compact = o.r.read_compact_records();
    ASSERT_TRUE(compact);
    EXPECT_EQ(compact->view.data(), o.buffer->data() + 8);
    EXPECT_EQ(compact->size(), 3u);
    EXPECT_TRUE(o.r.ok());
}

TEST(wire_reader, records_outlive_the_reader) {
    std::optional<shared_bytes> records;
    {
        owned_reader o({0x00, 0x00, 0x00, 0x02, 0x05, 0x06});
        records = o.r.read_records();
    }
    ASSERT_TRUE(records);
    EXPECT_EQ(records->view[0], 0x05);
    EXPECT_EQ(records->view[1], 0x06);
}

TEST(wire_reader, null_records) {
    owned_reader o({0xff, 0xff, 0xff, 0xff, 0x00});
    EXPECT_EQ(o.r.read_records(), std::nullopt);
    EXPECT_EQ(o.r.read_compact_records(), std::nullopt);
    EXPECT_TRUE(o.r.ok());
}

TEST(wire_reader, array_lengths) {
    owned_reader o({0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0xaa});
    EXPECT_EQ(o.r.read_array_length(), std::optional<size_t>(1));
    EXPECT_EQ(o.r.read_array_length(), std::nullopt);
    EXPECT_TRUE(o.r.ok());
    EXPECT_EQ(o.r.read_compact_array_length(), std::optional<size_t>(1));
    EXPECT_EQ(o.r.read_compact_array_length(), std::nullopt);
    EXPECT_TRUE(o.r.ok());
}

TEST(wire_reader, huge_array_count_fails) {
    owned_reader o({0x7f, 0xff, 0xff, 0xff, 0x00, 0x00});
    EXPECT_EQ(o.r.read_array_length(), std::nullopt);
    EXPECT_FALSE(o.r.ok());
}

TEST(wire_reader, huge_compact_array_count_fails) {
    owned_reader o({0xff, 0xff, 0xff, 0xff, 0x0f, 0x00});
    EXPECT_EQ(o.r.read_compact_array_length(), std::nullopt);
    EXPECT_FALSE(o.r.ok());
}

TEST(wire_reader, negative_array_count_fails) {
    owned_reader o({0xff, 0xff, 0xff, 0xfe});
    o.r.read_array_length();
    EXPECT_FALSE(o.r.ok());
}

TEST(wire_reader, uuid_is_sixteen_raw_bytes) {
    bytes b(16);
    for (size_t i = 0; i < 16; ++i) b[i] = static_cast<uint8_t>(i + 1);
    owned_reader o(b);
    uuid id = o.r.read_uuid();
    EXPECT_EQ(id.data[0], 1);
    EXPECT_EQ(id.data[15], 16);
    EXPECT_TRUE(o.r.ok());
}

TEST(wire_reader, unknown_tagged_fields_are_kept) {
    // Two fields: tag 1 with 2 bytes, tag 300 (uvarint ac 02) with 1 byte; then a trailing int8.
    owned_reader o({0x02, 0x01, 0x02, 0xaa, 0xbb, 0xac, 0x02, 0x01, 0xcc, 0x7f});
    std::vector<tagged_field> fields;
    o.r.read_tagged_fields(fields);
    ASSERT_TRUE(o.r.ok());
    ASSERT_EQ(fields.size(), 2u);
    EXPECT_EQ(fields[0], (tagged_field{1, {0xaa, 0xbb}}));
    EXPECT_EQ(fields[1], (tagged_field{300, {0xcc}}));
    EXPECT_EQ(o.r.read_int8(), 0x7f);

    writer w;
    w.write_tagged_fields(fields);
    EXPECT_EQ(written(std::move(w)), (bytes{0x02, 0x01, 0x02, 0xaa, 0xbb, 0xac, 0x02, 0x01, 0xcc}));
}

TEST(wire_reader, tagged_field_larger_than_buffer_fails) {
    owned_reader o({0x01, 0x00, 0x05, 0xaa});
    std::vector<tagged_field> fields;
    o.r.read_tagged_fields(fields);
    EXPECT_FALSE(o.r.ok());
}

TEST(wire_reader, absurd_tagged_field_count_fails_fast) {
    owned_reader o({0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x00});
    std::vector<tagged_field> fields;
    o.r.read_tagged_fields(fields);
    EXPECT_FALSE(o.r.ok());
    EXPECT_TRUE(fields.empty());
}

TEST(wire_reader, tagged_payload_is_a_bounded_sub_reader) {
    owned_reader o({0x03, 0x00, 0x00, 0x07, 0x55});
    reader payload = o.r.read_tagged_payload();
    EXPECT_EQ(payload.remaining(), 3u);
    EXPECT_EQ(payload.read_int16(), 0);
    payload.read_int16();  // only one byte left in the payload, even though the parent has more
    EXPECT_FALSE(payload.ok());
    EXPECT_TRUE(o.r.ok());
    EXPECT_EQ(o.r.read_int8(), 0x55);
}

TEST(wire_writer, integers_are_big_endian) {
    writer w;
    w.write_int8(-2);
    w.write_int16(0x0102);
    w.write_int32(-1);
    w.write_int64(0x0102030405060708);
    w.write_uint16(0xfffe);
    w.write_uint32(0x80000000u);
    w.write_bool(true);
    w.write_float64(1.5);
    EXPECT_EQ(w.size(), 1u + 2 + 4 + 8 + 2 + 4 + 1 + 8);
    EXPECT_EQ(written(std::move(w)),
              (bytes{0xfe, 0x01, 0x02, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02, 0x03,
                     0x04, 0x05, 0x06, 0x07, 0x08, 0xff, 0xfe, 0x80, 0x00, 0x00,
                     0x00, 0x01, 0x3f, 0xf8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}));
}

TEST(wire_writer, compact_versus_classic) {
    writer w;
    w.write_string("ab");
    w.write_compact_string("ab");
    w.write_nullable_string(std::nullopt);
    w.write_compact_nullable_string(std::nullopt);
    w.write_bytes(bytes{0x01});
    w.write_compact_bytes(bytes{0x01});
    w.write_nullable_bytes(std::nullopt);
    w.write_compact_nullable_bytes(std::nullopt);
    w.write_array_length(2);
    w.write_compact_array_length(2);
    w.write_null_array();
    w.write_compact_null_array();
    w.write_uvarint(300);
    EXPECT_EQ(written(std::move(w)),
              (bytes{0x00, 0x02, 'a',  'b',  0x03, 'a',  'b',  0xff, 0xff, 0x00, 0x00, 0x00,
                     0x00, 0x01, 0x01, 0x02, 0x01, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00,
                     0x00, 0x02, 0x03, 0xff, 0xff, 0xff, 0xff, 0x00, 0xac, 0x02}));
}

TEST(wire_writer, overlong_classic_string_is_cut) {
    writer w;
    w.write_string(std::string(40000, 'x'));
    bytes out = written(std::move(w));
    ASSERT_EQ(out.size(), 2u + 32767);
    EXPECT_EQ(out[0], 0x7f);
    EXPECT_EQ(out[1], 0xff);
}

TEST(wire_writer, records_are_appended_without_copy) {
    shared_bytes records = shared_bytes::from(bytes{0x10, 0x20, 0x30});
    writer w;
    w.write_int8(1);
    w.write_records(records);
    w.write_int8(2);
    w.write_compact_records(std::optional<shared_bytes>(records));
    w.write_records(std::optional<shared_bytes>());
    EXPECT_EQ(w.size(), 1u + 4 + 3 + 1 + 1 + 3 + 4);
    iobuf out = std::move(w).finish();
    ASSERT_EQ(out.fragments().size(), 5u);
    EXPECT_EQ(out.fragments()[1].view.data(), records.view.data());
    EXPECT_EQ(out.fragments()[3].view.data(), records.view.data());
    EXPECT_EQ(out.linearize(), (bytes{0x01, 0x00, 0x00, 0x00, 0x03, 0x10, 0x20, 0x30, 0x02, 0x04,
                                      0x10, 0x20, 0x30, 0xff, 0xff, 0xff, 0xff}));
}

TEST(wire_writer, tagged_fields_merge_in_tag_order_known_first) {
    std::vector<tagged_field> unknown{{5, {0x05}}, {1, {0x01}}, {2, {0xee}}};
    std::vector<tagged_field> known{{0, {0x00}}, {2, {0x02}}};
    writer w;
    w.write_tagged_fields(std::move(known), unknown);
    EXPECT_EQ(written(std::move(w)), (bytes{0x04, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x02, 0x01,
                                            0x02, 0x05, 0x01, 0x05}));
}

TEST(wire_writer, empty_tagged_section_is_one_zero_byte) {
    writer w;
    w.write_tagged_fields({});
    EXPECT_EQ(written(std::move(w)), (bytes{0x00}));
}

TEST(wire_writer, uuid_round_trip) {
    uuid id = uuid::random();
    writer w;
    w.write_uuid(id);
    owned_reader o(written(std::move(w)));
    EXPECT_EQ(o.r.read_uuid(), id);
    EXPECT_EQ(o.r.remaining(), 0u);
}

}  // namespace
}  // namespace fjord::protocol
