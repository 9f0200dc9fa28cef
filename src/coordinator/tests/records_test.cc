// Every layout is checked against bytes assembled field by field from Kafka's schemas
// (docs/formats/consumer-offsets.md), never against the encoder under test.
#include "coordinator/records.h"

#include <gtest/gtest.h>

#include <random>

namespace fjord::coordinator::records {
namespace {

// Assembles a fixture one primitive at a time, big-endian, as the format page describes it.
class fixture {
public:
    fixture& i16(int16_t v) { return be(static_cast<uint16_t>(v), 2); }
    fixture& i32(int32_t v) { return be(static_cast<uint32_t>(v), 4); }
    fixture& i64(int64_t v) { return be(static_cast<uint64_t>(v), 8); }
    fixture& u8(uint8_t v) {
        _b.push_back(v);
        return *this;
    }
    // Classic: int16 length then the bytes; -1 is null.
    fixture& str(std::string_view s) {
        i16(static_cast<int16_t>(s.size()));
        return raw(s);
    }
    fixture& null_str() { return i16(-1); }
    // Classic bytes: int32 length.
    fixture& bin(std::string_view s) {
        i32(static_cast<int32_t>(s.size()));
        return raw(s);
    }
    // Flexible: unsigned varint length+1; 0 is null.
    fixture& uvarint(uint32_t v) {
        while (v >= 0x80) {
            _b.push_back(static_cast<uint8_t>((v & 0x7f) | 0x80));
            v >>= 7;
        }
        return u8(static_cast<uint8_t>(v));
    }
    fixture& cstr(std::string_view s) {
        uvarint(static_cast<uint32_t>(s.size() + 1));
        return raw(s);
    }
    fixture& cnull() { return u8(0); }
    fixture& cbin(std::string_view s) { return cstr(s); }
    fixture& no_tags() { return u8(0); }
    fixture& raw(std::string_view s) {
        _b.insert(_b.end(), s.begin(), s.end());
        return *this;
    }
    bytes get() const { return _b; }

private:
    fixture& be(uint64_t v, int n) {
        for (int i = n - 1; i >= 0; --i) _b.push_back(static_cast<uint8_t>(v >> (8 * i)));
        return *this;
    }
    bytes _b;
};

bytes to_bytes(std::string_view s) {
    return bytes(s.begin(), s.end());
}

// Every strict prefix of a valid encoding must be rejected, not read past.
template <typename Decode>
void expect_every_prefix_rejected(const bytes& full, Decode decode) {
    for (size_t n = 0; n < full.size(); ++n) {
        bytes cut(full.begin(), full.begin() + static_cast<ptrdiff_t>(n));
        EXPECT_FALSE(decode(cut).has_value()) << "prefix of " << n << " of " << full.size();
    }
}

// ---- kind_of ----

TEST(records_kind, versions_zero_and_one_are_offset_commits) {
    EXPECT_EQ(kind_of(fixture().i16(0).get()), key_kind::offset_commit);
    EXPECT_EQ(kind_of(fixture().i16(1).get()), key_kind::offset_commit);
}

TEST(records_kind, version_two_is_group_metadata) {
    EXPECT_EQ(kind_of(fixture().i16(2).str("g").get()), key_kind::group_metadata);
}

TEST(records_kind, other_versions_and_short_keys_are_unknown) {
    EXPECT_EQ(kind_of(fixture().i16(3).get()), key_kind::unknown);
    EXPECT_EQ(kind_of(fixture().i16(-1).get()), key_kind::unknown);
    EXPECT_EQ(kind_of(fixture().i16(256).get()), key_kind::unknown);
    EXPECT_EQ(kind_of(bytes{}), key_kind::unknown);
    EXPECT_EQ(kind_of(bytes{0}), key_kind::unknown);
}

// ---- offset key ----

TEST(records_offset_key, encodes_version_one) {
    auto expected = fixture().i16(1).str("grp").str("orders").i32(7).get();
    EXPECT_EQ(encode_offset_key({"grp", "orders", 7}), expected);
}

TEST(records_offset_key, decodes_versions_zero_and_one) {
    for (int16_t version : {0, 1}) {
        auto k = decode_offset_key(fixture().i16(version).str("grp").str("orders").i32(7).get());
        ASSERT_TRUE(k.has_value()) << version;
        EXPECT_EQ(*k, (offset_key{"grp", "orders", 7}));
    }
}

TEST(records_offset_key, round_trips_empty_and_long_names) {
    offset_key k{"", std::string(300, 't'), 2147483647};
    EXPECT_EQ(decode_offset_key(encode_offset_key(k)), k);
}

TEST(records_offset_key, rejects_truncation) {
    expect_every_prefix_rejected(fixture().i16(1).str("grp").str("orders").i32(7).get(),
                                 [](const bytes& b) { return decode_offset_key(b); });
}

TEST(records_offset_key, rejects_trailing_bytes) {
    EXPECT_FALSE(decode_offset_key(fixture().i16(1).str("g").str("t").i32(0).u8(0).get()));
}

TEST(records_offset_key, rejects_null_and_negative_lengths) {
    EXPECT_FALSE(decode_offset_key(fixture().i16(1).null_str().str("t").i32(0).get()));
    EXPECT_FALSE(decode_offset_key(fixture().i16(1).str("g").i16(-2).i32(0).get()));
}

TEST(records_offset_key, rejects_a_length_beyond_the_buffer) {
    EXPECT_FALSE(decode_offset_key(fixture().i16(1).i16(32767).raw("g").get()));
}

TEST(records_offset_key, rejects_group_metadata_keys) {
    EXPECT_FALSE(decode_offset_key(fixture().i16(2).str("g").get()));
}

// ---- offset value ----

TEST(records_offset_value, encodes_version_three) {
    offset_value v{42, 5, "meta", 1700000000000, -1};
    auto expected = fixture().i16(3).i64(42).i32(5).str("meta").i64(1700000000000).get();
    EXPECT_EQ(encode_offset_value(v), expected);
}

TEST(records_offset_value, encodes_version_one_when_an_expire_timestamp_is_set) {
    offset_value v{42, 5, "m", 1000, 2000};
    auto expected = fixture().i16(1).i64(42).str("m").i64(1000).i64(2000).get();
    EXPECT_EQ(encode_offset_value(v), expected);
}

TEST(records_offset_value, decodes_version_zero) {
    auto v = decode_offset_value(fixture().i16(0).i64(9).str("x").i64(1234).get());
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(*v, (offset_value{9, -1, "x", 1234, -1}));
}

TEST(records_offset_value, decodes_version_one_with_expire_timestamp) {
    auto v = decode_offset_value(fixture().i16(1).i64(9).str("x").i64(1234).i64(5678).get());
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(*v, (offset_value{9, -1, "x", 1234, 5678}));
}

TEST(records_offset_value, decodes_version_two) {
    auto v = decode_offset_value(fixture().i16(2).i64(9).str("").i64(1234).get());
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(*v, (offset_value{9, -1, "", 1234, -1}));
}

TEST(records_offset_value, decodes_version_three) {
    auto v = decode_offset_value(fixture().i16(3).i64(-1).i32(12).str("abc").i64(77).get());
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(*v, (offset_value{-1, 12, "abc", 77, -1}));
}

TEST(records_offset_value, decodes_flexible_version_four) {
    auto v =
        decode_offset_value(fixture().i16(4).i64(100).i32(3).cstr("meta").i64(555).no_tags().get());
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(*v, (offset_value{100, 3, "meta", 555, -1}));
}

TEST(records_offset_value, version_four_skips_unknown_tagged_fields) {
    // Two tagged fields: tag 0 with 3 bytes, tag 9 with 0 bytes.
    auto b = fixture()
                 .i16(4)
                 .i64(100)
                 .i32(3)
                 .cstr("")
                 .i64(555)
                 .uvarint(2)
                 .uvarint(0)
                 .uvarint(3)
                 .raw("abc")
                 .uvarint(9)
                 .uvarint(0)
                 .get();
    auto v = decode_offset_value(b);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(*v, (offset_value{100, 3, "", 555, -1}));
}

TEST(records_offset_value, rejects_truncation_in_every_version) {
    auto decode = [](const bytes& b) { return decode_offset_value(b); };
    expect_every_prefix_rejected(fixture().i16(0).i64(9).str("x").i64(1).get(), decode);
    expect_every_prefix_rejected(fixture().i16(1).i64(9).str("x").i64(1).i64(2).get(), decode);
    expect_every_prefix_rejected(fixture().i16(3).i64(9).i32(1).str("x").i64(1).get(), decode);
    expect_every_prefix_rejected(fixture().i16(4).i64(9).i32(1).cstr("x").i64(1).no_tags().get(),
                                 decode);
}

TEST(records_offset_value, rejects_unknown_versions) {
    EXPECT_FALSE(decode_offset_value(fixture().i16(5).i64(9).i32(1).cstr("x").i64(1).get()));
    EXPECT_FALSE(decode_offset_value(fixture().i16(-1).i64(9).str("x").i64(1).get()));
}

TEST(records_offset_value, rejects_null_metadata) {
    EXPECT_FALSE(decode_offset_value(fixture().i16(3).i64(9).i32(1).null_str().i64(1).get()));
    EXPECT_FALSE(decode_offset_value(fixture().i16(4).i64(9).i32(1).cnull().i64(1).u8(0).get()));
}

TEST(records_offset_value, accepts_trailing_bytes_from_a_newer_writer) {
    auto v = decode_offset_value(fixture().i16(3).i64(9).i32(1).str("x").i64(1).i32(0).get());
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->offset, 9);
}

TEST(records_offset_value, round_trips) {
    for (const offset_value& v :
         {offset_value{0, -1, "", 0, -1},
          offset_value{INT64_MAX, INT32_MAX, std::string(4096, 'm'), INT64_MIN, -1},
          offset_value{5, -1, "legacy", 10, 20}}) {
        EXPECT_EQ(decode_offset_value(encode_offset_value(v)), v);
    }
}

// ---- group metadata key ----

TEST(records_group_key, encodes_version_two) {
    EXPECT_EQ(encode_group_metadata_key("my-group"), fixture().i16(2).str("my-group").get());
}

TEST(records_group_key, decodes) {
    EXPECT_EQ(decode_group_metadata_key(fixture().i16(2).str("my-group").get()), "my-group");
}

TEST(records_group_key, rejects_other_kinds_truncation_and_trailing_bytes) {
    EXPECT_FALSE(decode_group_metadata_key(fixture().i16(1).str("g").get()));
    EXPECT_FALSE(decode_group_metadata_key(fixture().i16(2).str("g").u8(1).get()));
    EXPECT_FALSE(decode_group_metadata_key(fixture().i16(2).null_str().get()));
    expect_every_prefix_rejected(fixture().i16(2).str("group").get(),
                                 [](const bytes& b) { return decode_group_metadata_key(b); });
}

// ---- group metadata value ----

// One member, laid out for `version` per the schema (classic below 4, flexible at 4).
fixture& append_member(fixture& f, int16_t version) {
    const bool flexible = version >= 4;
    auto s = [&](std::string_view v) -> fixture& { return flexible ? f.cstr(v) : f.str(v); };
    s("member-1");
    if (version >= 3) {
        if (flexible) {
            f.cstr("instance-1");
        } else {
            f.str("instance-1");
        }
    }
    s("client-a");
    s("/10.0.0.1");
    if (version >= 1) f.i32(60000);
    f.i32(45000);
    if (flexible) {
        f.cbin("SUB").cbin("ASSIGN").no_tags();
    } else {
        f.bin("SUB").bin("ASSIGN");
    }
    return f;
}

bytes group_value_fixture(int16_t version) {
    const bool flexible = version >= 4;
    fixture f;
    f.i16(version);
    if (flexible) {
        f.cstr("consumer").i32(3).cstr("range").cstr("member-1");
    } else {
        f.str("consumer").i32(3).str("range").str("member-1");
    }
    if (version >= 2) f.i64(1700000000123);
    if (flexible) {
        f.uvarint(2);  // one member (count + 1)
    } else {
        f.i32(1);
    }
    append_member(f, version);
    if (flexible) f.no_tags();
    return f.get();
}

group_metadata_value expected_group_value(int16_t version) {
    member_metadata m;
    m.member_id = "member-1";
    if (version >= 3) m.group_instance_id = "instance-1";
    m.client_id = "client-a";
    m.client_host = "/10.0.0.1";
    m.rebalance_timeout = version >= 1 ? 60000 : 45000;  // v0: the session timeout
    m.session_timeout = 45000;
    m.subscription = to_bytes("SUB");
    m.assignment = to_bytes("ASSIGN");
    group_metadata_value v;
    v.protocol_type = "consumer";
    v.generation = 3;
    v.protocol = "range";
    v.leader = "member-1";
    v.current_state_timestamp = version >= 2 ? 1700000000123 : -1;
    v.members.push_back(m);
    return v;
}

TEST(records_group_value, encodes_version_three) {
    EXPECT_EQ(encode_group_metadata_value(expected_group_value(3)), group_value_fixture(3));
}

TEST(records_group_value, decodes_every_version) {
    for (int16_t version = 0; version <= 4; ++version) {
        auto v = decode_group_metadata_value(group_value_fixture(version));
        ASSERT_TRUE(v.has_value()) << "version " << version;
        EXPECT_EQ(*v, expected_group_value(version)) << "version " << version;
    }
}

TEST(records_group_value, rejects_truncation_in_every_version) {
    for (int16_t version = 0; version <= 4; ++version) {
        expect_every_prefix_rejected(group_value_fixture(version),
                                     [](const bytes& b) { return decode_group_metadata_value(b); });
    }
}

TEST(records_group_value, empty_group_with_null_protocol_and_leader) {
    // What Kafka writes for a group that has become empty.
    auto b = fixture().i16(3).str("consumer").i32(4).null_str().null_str().i64(99).i32(0).get();
    group_metadata_value expected;
    expected.protocol_type = "consumer";
    expected.generation = 4;
    expected.current_state_timestamp = 99;
    EXPECT_EQ(encode_group_metadata_value(expected), b);
    EXPECT_EQ(decode_group_metadata_value(b), expected);
}

TEST(records_group_value, flexible_null_strings) {
    auto b = fixture().i16(4).cstr("").i32(0).cnull().cnull().i64(-1).uvarint(1).no_tags().get();
    auto v = decode_group_metadata_value(b);
    ASSERT_TRUE(v.has_value());
    EXPECT_FALSE(v->protocol.has_value());
    EXPECT_FALSE(v->leader.has_value());
    EXPECT_TRUE(v->members.empty());
}

TEST(records_group_value, rejects_null_member_array) {
    EXPECT_FALSE(decode_group_metadata_value(
        fixture().i16(3).str("c").i32(0).null_str().null_str().i64(0).i32(-1).get()));
    EXPECT_FALSE(decode_group_metadata_value(
        fixture().i16(4).cstr("c").i32(0).cnull().cnull().i64(0).uvarint(0).u8(0).get()));
}

TEST(records_group_value, rejects_a_member_count_beyond_the_buffer) {
    EXPECT_FALSE(decode_group_metadata_value(
        fixture().i16(3).str("c").i32(0).null_str().null_str().i64(0).i32(INT32_MAX).get()));
}

TEST(records_group_value, rejects_unknown_versions) {
    auto b = group_value_fixture(3);
    b[1] = 5;
    EXPECT_FALSE(decode_group_metadata_value(b));
}

TEST(records_group_value, round_trips_several_members) {
    group_metadata_value v = expected_group_value(3);
    member_metadata static_member = v.members[0];
    static_member.member_id = "member-2";
    static_member.group_instance_id.reset();
    static_member.subscription.clear();
    static_member.assignment = bytes(5000, 0xab);
    v.members.push_back(static_member);
    EXPECT_EQ(decode_group_metadata_value(encode_group_metadata_value(v)), v);
}

// ---- the worked example of docs/formats/consumer-offsets.md ----

bytes from_hex(std::string_view hex) {
    bytes out;
    for (size_t i = 0; i + 1 < hex.size();) {
        if (hex[i] == ' ') {
            ++i;
            continue;
        }
        out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
        i += 2;
    }
    return out;
}

TEST(records_doc_example, matches_the_format_page) {
    EXPECT_EQ(encode_offset_key({"grp", "orders", 7}),
              from_hex("00 01 00 03 67 72 70 00 06 6f 72 64 65 72 73 00 00 00 07"));
    EXPECT_EQ(encode_offset_value({42, 5, "", 1700000000000, -1}),
              from_hex("00 03 00 00 00 00 00 00 00 2a 00 00 00 05 00 00 "
                       "00 00 01 8b cf e5 68 00"));
    EXPECT_EQ(encode_group_metadata_key("grp"), from_hex("00 02 00 03 67 72 70"));
}

// ---- garbage ----

TEST(records_garbage, random_bytes_never_crash) {
    std::mt19937 rng(20240611);
    for (int i = 0; i < 20000; ++i) {
        bytes b(rng() % 64);
        for (auto& x : b) x = static_cast<uint8_t>(rng());
        // Steer half the inputs to a valid version so the field decoders are exercised.
        if (b.size() >= 2 && (i % 2) == 0) {
            b[0] = 0;
            b[1] = static_cast<uint8_t>(rng() % 5);
        }
        (void)kind_of(b);
        (void)decode_offset_key(b);
        (void)decode_offset_value(b);
        (void)decode_group_metadata_key(b);
        (void)decode_group_metadata_value(b);
    }
}

TEST(records_garbage, flipped_bytes_in_valid_records_never_crash) {
    std::vector<bytes> valid = {group_value_fixture(3), group_value_fixture(4),
                                fixture().i16(4).i64(9).i32(1).cstr("x").i64(1).no_tags().get()};
    for (const auto& base : valid) {
        for (size_t pos = 0; pos < base.size(); ++pos) {
            for (uint8_t flip : {0x01, 0x80, 0xff}) {
                bytes b = base;
                b[pos] ^= flip;
                (void)decode_group_metadata_value(b);
                (void)decode_offset_value(b);
            }
        }
    }
}

}  // namespace
}  // namespace fjord::coordinator::records
