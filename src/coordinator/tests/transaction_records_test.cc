// __transaction_state layouts, checked against bytes assembled field by field from Kafka's
// schemas and against the worked example of docs/formats/transaction-state.md (read from the
// page itself, so the page and the code cannot drift apart).
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "coordinator/coordinator_log.h"
#include "coordinator/txn_records.h"

namespace fjord::coordinator::txn_records {
namespace {

class fixture {
public:
    fixture& i8(int8_t v) { return be(static_cast<uint8_t>(v), 1); }
    fixture& i16(int16_t v) { return be(static_cast<uint16_t>(v), 2); }
    fixture& i32(int32_t v) { return be(static_cast<uint32_t>(v), 4); }
    fixture& i64(int64_t v) { return be(static_cast<uint64_t>(v), 8); }
    fixture& str(std::string_view s) {
        i16(static_cast<int16_t>(s.size()));
        return raw(s);
    }
    fixture& uvarint(uint32_t v) {
        while (v >= 0x80) {
            _b.push_back(static_cast<uint8_t>((v & 0x7f) | 0x80));
            v >>= 7;
        }
        _b.push_back(static_cast<uint8_t>(v));
        return *this;
    }
    fixture& cstr(std::string_view s) {
        uvarint(static_cast<uint32_t>(s.size() + 1));
        return raw(s);
    }
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

model::topic_partition tp(std::string topic, int32_t p) {
    return {std::move(topic), model::partition_id(p)};
}

txn_value ongoing_value() {
    txn_value v;
    v.producer_id = model::producer_id(1000);
    v.producer_epoch = model::producer_epoch(2);
    v.timeout_ms = 60000;
    v.state = txn_state::ongoing;
    v.partitions = std::vector{tp("orders", 0), tp("orders", 3), tp("payments", 1)};
    v.last_update_timestamp_ms = 1700000000500;
    v.start_timestamp_ms = 1700000000000;
    return v;
}

bytes ongoing_v0_fixture() {
    return fixture()
        .i16(0)
        .i64(1000)
        .i16(2)
        .i32(60000)
        .i8(1)
        .i32(2)
        .str("orders")
        .i32(2)
        .i32(0)
        .i32(3)
        .str("payments")
        .i32(1)
        .i32(1)
        .i64(1700000000500)
        .i64(1700000000000)
        .get();
}

// ---- key ----

TEST(txn_records_key, layout) {
    EXPECT_EQ(encode_key("t1"), fixture().i16(0).str("t1").get());
    EXPECT_EQ(decode_key(fixture().i16(0).str("t1").get()), "t1");
}

TEST(txn_records_key, other_versions_and_trailing_bytes_rejected) {
    EXPECT_FALSE(decode_key(fixture().i16(1).str("t1").get()));
    EXPECT_FALSE(decode_key(fixture().i16(0).str("t1").i8(0).get()));
    EXPECT_FALSE(decode_key(fixture().i16(0).get()));
    EXPECT_FALSE(decode_key(bytes{0}));
}

// ---- value version 0 ----

TEST(txn_records_value, v0_layout_groups_partitions_by_topic) {
    EXPECT_EQ(encode_value(ongoing_value()), ongoing_v0_fixture());
    EXPECT_EQ(decode_value(ongoing_v0_fixture()), ongoing_value());
}

TEST(txn_records_value, encoder_sorts_and_dedups_partitions) {
    auto v = ongoing_value();
    v.partitions =
        std::vector{tp("payments", 1), tp("orders", 3), tp("orders", 0), tp("orders", 3)};
    EXPECT_EQ(encode_value(v), ongoing_v0_fixture());
}

TEST(txn_records_value, null_partitions_for_empty) {
    txn_value v;
    v.producer_id = model::producer_id(7);
    v.producer_epoch = model::producer_epoch(0);
    v.timeout_ms = 1000;
    v.state = txn_state::empty;
    v.last_update_timestamp_ms = 5;
    auto expected = fixture().i16(0).i64(7).i16(0).i32(1000).i8(0).i32(-1).i64(5).i64(-1).get();
    EXPECT_EQ(encode_value(v), expected);
    auto back = decode_value(expected);
    ASSERT_TRUE(back);
    EXPECT_FALSE(back->partitions.has_value());
    EXPECT_EQ(*back, v);
}

TEST(txn_records_value, empty_array_is_not_null) {
    auto v = ongoing_value();
    v.state = txn_state::complete_commit;
    v.partitions = std::vector<model::topic_partition>{};
    auto back = decode_value(encode_value(v));
    ASSERT_TRUE(back);
    ASSERT_TRUE(back->partitions.has_value());
    EXPECT_TRUE(back->partitions->empty());
}

TEST(txn_records_value, every_state_round_trips) {
    for (int8_t s = 0; s <= 7; ++s) {
        auto v = ongoing_value();
        v.state = static_cast<txn_state>(s);
        EXPECT_EQ(decode_value(encode_value(v)), v) << int(s);
    }
}

TEST(txn_records_value, unknown_status_rejected) {
    auto b = fixture().i16(0).i64(1).i16(0).i32(1).i8(8).i32(-1).i64(0).i64(-1).get();
    EXPECT_FALSE(decode_value(b));
    b = fixture().i16(0).i64(1).i16(0).i32(1).i8(-1).i32(-1).i64(0).i64(-1).get();
    EXPECT_FALSE(decode_value(b));
}

TEST(txn_records_value, unknown_version_rejected) {
    auto b = ongoing_v0_fixture();
    b[1] = 2;
    EXPECT_FALSE(decode_value(b));
    b[0] = 0xff;
    b[1] = 0xff;
    EXPECT_FALSE(decode_value(b));
}

TEST(txn_records_value, null_partition_ids_rejected) {
    auto b =
        fixture().i16(0).i64(1).i16(0).i32(1).i8(1).i32(1).str("t").i32(-1).i64(0).i64(0).get();
    EXPECT_FALSE(decode_value(b));
}

TEST(txn_records_value, every_prefix_rejected) {
    const auto full = ongoing_v0_fixture();
    for (size_t n = 0; n < full.size(); ++n) {
        bytes cut(full.begin(), full.begin() + static_cast<ptrdiff_t>(n));
        EXPECT_FALSE(decode_value(cut)) << n;
    }
}

TEST(txn_records_value, trailing_bytes_accepted) {
    auto b = ongoing_v0_fixture();
    b.push_back(0x42);
    EXPECT_EQ(decode_value(b), ongoing_value());
}

// ---- value version 1 (flexible) ----

TEST(txn_records_value, v1_decodes_with_tagged_fields) {
    auto b = fixture()
                 .i16(1)
                 .i64(1000)
                 .i16(2)
                 .i32(60000)
                 .i8(1)
                 .uvarint(3)  // 2 topics
                 .cstr("orders")
                 .uvarint(3)
                 .i32(0)
                 .i32(3)
                 .uvarint(0)  // element tags
                 .cstr("payments")
                 .uvarint(2)
                 .i32(1)
                 .uvarint(1)  // one unknown element tag
                 .uvarint(9)
                 .uvarint(1)
                 .raw("x")
                 .i64(1700000000500)
                 .i64(1700000000000)
                 .uvarint(4)  // four tags
                 .uvarint(0)
                 .uvarint(8)
                 .i64(999)
                 .uvarint(1)
                 .uvarint(8)
                 .i64(1001)
                 .uvarint(2)
                 .uvarint(2)
                 .i16(2)
                 .uvarint(5)  // unknown: skipped
                 .uvarint(3)
                 .raw("abc")
                 .get();
    auto expected = ongoing_value();
    expected.previous_producer_id = model::producer_id(999);
    expected.next_producer_id = model::producer_id(1001);
    expected.client_transaction_version = 2;
    EXPECT_EQ(decode_value(b), expected);
}

TEST(txn_records_value, v1_null_partitions_and_no_tags) {
    auto b =
        fixture().i16(1).i64(5).i16(3).i32(10).i8(0).uvarint(0).i64(7).i64(-1).uvarint(0).get();
    auto v = decode_value(b);
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->partitions);
    EXPECT_EQ(v->producer_epoch, model::producer_epoch(3));
    EXPECT_EQ(v->previous_producer_id, model::producer_id(-1));
    // A truncated tag section is malformed.
    b.pop_back();
    EXPECT_FALSE(decode_value(b));
}

TEST(txn_records_value, v1_short_tag_payload_rejected) {
    auto b = fixture()
                 .i16(1)
                 .i64(5)
                 .i16(3)
                 .i32(10)
                 .i8(0)
                 .uvarint(0)
                 .i64(7)
                 .i64(-1)
                 .uvarint(1)
                 .uvarint(0)
                 .uvarint(2)  // previous_producer_id with 2 bytes instead of 8
                 .i16(1)
                 .get();
    EXPECT_FALSE(decode_value(b));
}

// ---- the worked example of docs/formats/transaction-state.md ----

// The hex bytes of the first fenced block after the line starting with `heading`: on each line,
// the leading two-digit hex tokens (the annotation that follows is not hex).
bytes doc_block(const std::string& page, std::string_view heading) {
    auto at = page.find(std::string("\n") + std::string(heading));
    EXPECT_NE(at, std::string::npos) << heading;
    if (at == std::string::npos) return {};
    auto open = page.find("```", at);
    auto body = page.find('\n', open) + 1;
    auto close = page.find("```", body);
    std::istringstream lines(page.substr(body, close - body));
    bytes out;
    for (std::string line; std::getline(lines, line);) {
        std::istringstream tokens(line);
        for (std::string t; tokens >> t;) {
            if (t.size() != 2 || !std::isxdigit(static_cast<unsigned char>(t[0])) ||
                !std::isxdigit(static_cast<unsigned char>(t[1]))) {
                break;
            }
            out.push_back(static_cast<uint8_t>(std::stoi(t, nullptr, 16)));
        }
    }
    return out;
}

TEST(txn_records_doc_example, matches_the_format_page) {
    std::ifstream in(std::string(FJORD_SOURCE_DIR) + "/docs/formats/transaction-state.md");
    ASSERT_TRUE(in) << "format page not found";
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string page = ss.str();

    const bytes key = doc_block(page, "Key (11 bytes)");
    const bytes value = doc_block(page, "Value (75 bytes)");
    EXPECT_EQ(key.size(), 11u);
    EXPECT_EQ(value.size(), 75u);
    EXPECT_EQ(encode_key("app-txn"), key);
    EXPECT_EQ(encode_value(ongoing_value()), value);
    EXPECT_EQ(decode_value(value), ongoing_value());
    EXPECT_EQ(partition_for_group("app-txn", 50), 44);
}

// ---- garbage ----

TEST(txn_records_garbage, random_and_flipped_bytes_never_crash) {
    std::mt19937 rng(6);
    for (int i = 0; i < 20000; ++i) {
        bytes b(rng() % 80);
        for (auto& x : b) x = static_cast<uint8_t>(rng());
        if (b.size() >= 2 && i % 2 == 0) {
            b[0] = 0;
            b[1] = static_cast<uint8_t>(rng() % 2);
        }
        (void)decode_key(b);
        (void)decode_value(b);
    }
    const auto base = ongoing_v0_fixture();
    for (size_t pos = 0; pos < base.size(); ++pos) {
        for (uint8_t flip : {0x01, 0x80, 0xff}) {
            bytes b = base;
            b[pos] ^= flip;
            (void)decode_value(b);
        }
    }
}

}  // namespace
}  // namespace fjord::coordinator::txn_records
