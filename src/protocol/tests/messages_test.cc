// Generated message codecs against byte fixtures assembled by hand from the protocol spec
// (../shared/kafka-protocol/README.md §3.4), never by the code under test.
#include <gtest/gtest.h>

#include <random>

#include "protocol/messages/api_table.h"
#include "protocol/messages/api_versions.h"
#include "protocol/messages/consumer_protocol_subscription.h"
#include "protocol/messages/create_topics.h"
#include "protocol/messages/describe_cluster.h"
#include "protocol/messages/fetch.h"
#include "protocol/messages/join_group.h"
#include "protocol/messages/list_offsets.h"
#include "protocol/messages/metadata.h"
#include "protocol/messages/offset_commit.h"
#include "protocol/messages/produce.h"
#include "protocol/wire.h"

namespace fjord::protocol {
namespace {

// A tiny byte builder for fixtures, independent of protocol::writer.
struct fx {
    bytes b;

    fx& u8(uint8_t v) {
        b.push_back(v);
        return *this;
    }
    fx& i16(int16_t v) { return be(static_cast<uint16_t>(v), 2); }
    fx& i32(int32_t v) { return be(static_cast<uint32_t>(v), 4); }
    fx& i64(int64_t v) { return be(static_cast<uint64_t>(v), 8); }
    fx& be(uint64_t v, int n) {
        for (int i = n - 1; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
        return *this;
    }
    fx& uv(uint32_t v) {
        while (v >= 0x80) {
            b.push_back(static_cast<uint8_t>(v | 0x80));
            v >>= 7;
        }
        b.push_back(static_cast<uint8_t>(v));
        return *this;
    }
    fx& chars(std::string_view s) {
        b.insert(b.end(), s.begin(), s.end());
        return *this;
    }
    fx& str(std::string_view s) { return i16(static_cast<int16_t>(s.size())).chars(s); }
    fx& cstr(std::string_view s) { return uv(static_cast<uint32_t>(s.size() + 1)).chars(s); }
    fx& raw(const bytes& r) {
        b.insert(b.end(), r.begin(), r.end());
        return *this;
    }
};

template <typename T>
struct decoded {
    std::shared_ptr<const bytes> buffer;
    T msg;
    bool ok = false;
    size_t left = 0;
};

template <typename T>
decoded<T> decode_as(const bytes& in, int16_t version) {
    decoded<T> d;
    d.buffer = std::make_shared<const bytes>(in);
    reader r(d.buffer, bytes_view(*d.buffer));
    d.ok = d.msg.decode(r, version);
    d.left = r.remaining();
    return d;
}

template <typename T>
bytes encode_as(const T& msg, int16_t version) {
    writer w;
    msg.encode(w, version);
    return std::move(w).finish_bytes();
}

// Decodes the fixture, lets the test inspect it, and checks that encoding gives the same bytes.
template <typename T, typename Check>
void round_trip(const bytes& fixture, int16_t version, Check check) {
    auto d = decode_as<T>(fixture, version);
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.left, 0u);
    check(d.msg);
    EXPECT_EQ(encode_as(d.msg, version), fixture);
}

bytes some_records(size_t n) {
    bytes r(n);
    for (size_t i = 0; i < n; ++i) r[i] = static_cast<uint8_t>(0xa0 + i);
    return r;
}

uuid test_uuid() {
    uuid id;
    for (size_t i = 0; i < 16; ++i) id.data[i] = static_cast<uint8_t>(0x10 + i);
    return id;
}

// ---- contract ----

TEST(messages, static_version_info) {
    static_assert(produce_request::api_key == 0);
    static_assert(produce_response::api_key == 0);
    static_assert(produce_request::min_version == 0 && produce_request::max_version == 11);
    static_assert(produce_request::first_flexible_version == 9);
    static_assert(!produce_request::is_flexible(8) && produce_request::is_flexible(9));
    static_assert(api_versions_request::api_key == 18);
    static_assert(consumer_protocol_subscription::api_key == -1);
    static_assert(consumer_protocol_subscription::first_flexible_version == -1);
    static_assert(!consumer_protocol_subscription::is_flexible(3));
    static_assert(
        std::is_same_v<decltype(produce_request::transactional_id), std::optional<std::string>>);
    static_assert(std::is_same_v<decltype(produce_request::partition_produce_data::records),
                                 std::optional<shared_bytes>>);
    static_assert(
        std::is_same_v<decltype(metadata_request::topics),
                       std::optional<std::vector<metadata_request::metadata_request_topic>>>);
    static_assert(
        std::is_same_v<decltype(metadata_request::metadata_request_topic::topic_id), uuid>);
}

TEST(messages, defaults_from_the_schema) {
    produce_request p;
    EXPECT_EQ(p.transactional_id, std::nullopt);  // "default": "null"
    metadata_request m;
    EXPECT_TRUE(m.allow_auto_topic_creation);  // "default": "true"
    ASSERT_TRUE(m.topics);                     // nullable, no default: empty, not null
    EXPECT_TRUE(m.topics->empty());
    fetch_response::partition_data pd;
    EXPECT_EQ(pd.last_stable_offset, -1);
    EXPECT_EQ(pd.records, std::nullopt);
    EXPECT_EQ(pd.current_leader.leader_id, -1);
    create_topics_request c;
    EXPECT_EQ(c.timeout_ms, 60000);
    EXPECT_FALSE(c.validate_only);
    api_versions_response a;
    EXPECT_EQ(a.finalized_features_epoch, -1);
    join_group_request j;
    EXPECT_EQ(j.rebalance_timeout_ms, -1);
}

TEST(messages, api_table_covers_every_request_schema) {
    const api_info* produce = find_api(0);
    ASSERT_NE(produce, nullptr);
    EXPECT_STREQ(produce->name, "Produce");
    EXPECT_EQ(produce->max_version, 11);
    EXPECT_EQ(produce->first_flexible_version, 9);
    // Not generated as a message, but in the table.
    const api_info* sasl = find_api(17);
    ASSERT_NE(sasl, nullptr);
    EXPECT_STREQ(sasl->name, "SaslHandshake");
    EXPECT_EQ(sasl->first_flexible_version, -1);
    EXPECT_EQ(find_api(-1), nullptr);
    EXPECT_EQ(find_api(1000), nullptr);
    EXPECT_EQ(all_apis().size(), 88u);
}

// ---- ApiVersions ----

TEST(api_versions, request_v0_is_empty) {
    round_trip<api_versions_request>(
        {}, 0, [](const api_versions_request& m) { EXPECT_EQ(m.client_software_name, ""); });
}

TEST(api_versions, request_v3) {
    bytes f = fx().cstr("librdkafka").cstr("2.0.2").u8(0).b;
    ASSERT_EQ(f.size(), 1u + 10 + 1 + 5 + 1);
    round_trip<api_versions_request>(f, 3, [](const api_versions_request& m) {
        EXPECT_EQ(m.client_software_name, "librdkafka");
        EXPECT_EQ(m.client_software_version, "2.0.2");
        EXPECT_TRUE(m.unknown_tagged_fields.empty());
    });
}

TEST(api_versions, response_v0) {
    bytes f{0x00, 0x00,                           // error_code
            0x00, 0x00, 0x00, 0x02,               // api_keys: 2 entries
            0x00, 0x00, 0x00, 0x00, 0x00, 0x0b,   // Produce 0..11
            0x00, 0x12, 0x00, 0x00, 0x00, 0x04};  // ApiVersions 0..4
    round_trip<api_versions_response>(f, 0, [](const api_versions_response& m) {
        EXPECT_EQ(m.error_code, 0);
        ASSERT_EQ(m.api_keys.size(), 2u);
        EXPECT_EQ(m.api_keys[0].api_key, 0);
        EXPECT_EQ(m.api_keys[0].max_version, 11);
        EXPECT_EQ(m.api_keys[1].api_key, 18);
        EXPECT_EQ(m.api_keys[1].min_version, 0);
        EXPECT_EQ(m.api_keys[1].max_version, 4);
        EXPECT_EQ(m.throttle_time_ms, 0);
    });
}

TEST(api_versions, response_v3_with_known_and_unknown_tags) {
    // clang-format off
    bytes f = fx()
        .i16(0)                                                // error_code
        .uv(3)                                                 // api_keys: 2 entries
        .i16(0).i16(0).i16(11).u8(0)
        .i16(18).i16(0).i16(4).u8(0)
        .i32(100)                                              // throttle_time_ms
        .uv(3)                                                 // tagged fields: 3
        .uv(0).uv(9).uv(2).cstr("mv").i16(1).i16(20).u8(0)     // supported_features
        .uv(1).uv(8).i64(5)                                    // finalized_features_epoch
        .uv(7).uv(2).u8(0xab).u8(0xcd)                         // unknown tag 7
        .b;
    // clang-format on
    round_trip<api_versions_response>(f, 3, [](const api_versions_response& m) {
        EXPECT_EQ(m.throttle_time_ms, 100);
        ASSERT_EQ(m.api_keys.size(), 2u);
        EXPECT_EQ(m.api_keys[1].api_key, 18);
        ASSERT_EQ(m.supported_features.size(), 1u);
        EXPECT_EQ(m.supported_features[0].name, "mv");
        EXPECT_EQ(m.supported_features[0].min_version, 1);
        EXPECT_EQ(m.supported_features[0].max_version, 20);
        EXPECT_EQ(m.finalized_features_epoch, 5);
        EXPECT_TRUE(m.finalized_features.empty());
        EXPECT_FALSE(m.zk_migration_ready);
        ASSERT_EQ(m.unknown_tagged_fields.size(), 1u);
        EXPECT_EQ(m.unknown_tagged_fields[0], (tagged_field{7, {0xab, 0xcd}}));
    });
}

TEST(api_versions, tagged_fields_at_default_are_not_written) {
    api_versions_response m;
    m.api_keys.push_back({.api_key = 18, .min_version = 0, .max_version = 4});
    m.zk_migration_ready = false;
    bytes expected = fx().i16(0).uv(2).i16(18).i16(0).i16(4).u8(0).i32(0).u8(0).b;
    EXPECT_EQ(encode_as(m, 3), expected);
    m.zk_migration_ready = true;
    bytes with_tag = fx().i16(0).uv(2).i16(18).i16(0).i16(4).u8(0).i32(0).uv(1).uv(3).uv(1).u8(1).b;
    EXPECT_EQ(encode_as(m, 3), with_tag);
}

TEST(api_versions, tagged_section_absent_before_flexible_versions) {
    api_versions_response m;
    m.throttle_time_ms = 7;
    m.finalized_features_epoch = 9;  // cannot be represented in v1: dropped
    EXPECT_EQ(encode_as(m, 1), fx().i16(0).i32(0).i32(7).b);
}

// ---- Metadata ----

TEST(metadata, request_v1_null_topics_means_all) {
    bytes f{0xff, 0xff, 0xff, 0xff};
    round_trip<metadata_request>(f, 1, [](const metadata_request& m) {
        EXPECT_EQ(m.topics, std::nullopt);
        EXPECT_TRUE(m.allow_auto_topic_creation);  // absent in v1: default
    });
}

TEST(metadata, request_v1_with_topics) {
    bytes f = fx().i32(2).str("a").str("bc").b;
    round_trip<metadata_request>(f, 1, [](const metadata_request& m) {
        ASSERT_TRUE(m.topics);
        ASSERT_EQ(m.topics->size(), 2u);
        EXPECT_EQ((*m.topics)[0].name, "a");
        EXPECT_EQ((*m.topics)[1].name, "bc");
    });
}

TEST(metadata, request_v0_null_topics_is_malformed) {
    auto d = decode_as<metadata_request>({0xff, 0xff, 0xff, 0xff}, 0);
    EXPECT_FALSE(d.ok);
}

TEST(metadata, request_v12_topic_by_id) {
    uuid id = test_uuid();
    // clang-format off
    bytes f = fx()
        .uv(2)                                      // topics: 1
        .raw(bytes(id.data.begin(), id.data.end())) // topic_id
        .u8(0)                                      // name: null
        .u8(0)                                      // topic tagged fields
        .u8(1)                                      // allow_auto_topic_creation
        .u8(1)                                      // include_topic_authorized_operations
        .u8(0)                                      // tagged fields
        .b;
    // clang-format on
    round_trip<metadata_request>(f, 12, [&](const metadata_request& m) {
        ASSERT_TRUE(m.topics);
        ASSERT_EQ(m.topics->size(), 1u);
        EXPECT_EQ((*m.topics)[0].topic_id, id);
        EXPECT_EQ((*m.topics)[0].name, std::nullopt);
        EXPECT_TRUE(m.allow_auto_topic_creation);
        EXPECT_FALSE(m.include_cluster_authorized_operations);  // only in v8-10
        EXPECT_TRUE(m.include_topic_authorized_operations);
    });
}

TEST(metadata, null_topic_name_in_v9_is_malformed) {
    // Name becomes nullable only in v10.
    bytes f = fx().uv(2).u8(0).u8(0).u8(1).u8(0).u8(0).u8(0).b;
    EXPECT_FALSE(decode_as<metadata_request>(f, 9).ok);
}

TEST(metadata, encode_writes_null_name_as_empty_where_not_nullable) {
    metadata_request m;
    m.topics->emplace_back().name = std::nullopt;
    EXPECT_EQ(encode_as(m, 1), fx().i32(1).str("").b);
}

// ---- Produce ----

TEST(produce, request_v3_with_records) {
    bytes records = some_records(12);
    // clang-format off
    bytes f = fx()
        .i16(-1)                // transactional_id: null
        .i16(-1)                // acks
        .i32(1500)              // timeout_ms
        .i32(1)                 // topic_data: 1
        .str("t")
        .i32(1)                 // partition_data: 1
        .i32(0)                 // index
        .i32(12).raw(records)   // records
        .b;
    // clang-format on
    auto d = decode_as<produce_request>(f, 3);
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.left, 0u);
    const produce_request& m = d.msg;
    EXPECT_EQ(m.transactional_id, std::nullopt);
    EXPECT_EQ(m.acks, -1);
    EXPECT_EQ(m.timeout_ms, 1500);
    ASSERT_EQ(m.topic_data.size(), 1u);
    EXPECT_EQ(m.topic_data[0].name, "t");
    ASSERT_EQ(m.topic_data[0].partition_data.size(), 1u);
    const auto& p = m.topic_data[0].partition_data[0];
    EXPECT_EQ(p.index, 0);
    ASSERT_TRUE(p.records);
    // The records are a view into the request buffer, not a copy.
    EXPECT_EQ(p.records->view.data(), d.buffer->data() + f.size() - 12);
    EXPECT_EQ(bytes(p.records->view.begin(), p.records->view.end()), records);

    writer w;
    m.encode(w, 3);
    iobuf out = std::move(w).finish();
    EXPECT_EQ(out.linearize(), f);
    bool shared = false;
    for (const auto& frag : out.fragments()) shared |= frag.view.data() == p.records->view.data();
    EXPECT_TRUE(shared);
}

TEST(produce, request_v9_flexible) {
    bytes records = some_records(5);
    // clang-format off
    bytes f = fx()
        .cstr("tx")             // transactional_id
        .i16(1)                 // acks
        .i32(30000)             // timeout_ms
        .uv(2)                  // topic_data: 1
        .cstr("topic")
        .uv(3)                  // partition_data: 2
        .i32(2).uv(6).raw(records).u8(0)
        .i32(3).u8(0).u8(0)     // null records
        .u8(0)                  // topic tagged fields
        .u8(0)                  // request tagged fields
        .b;
    // clang-format on
    round_trip<produce_request>(f, 9, [&](const produce_request& m) {
        EXPECT_EQ(m.transactional_id, std::optional<std::string>("tx"));
        EXPECT_EQ(m.acks, 1);
        ASSERT_EQ(m.topic_data.size(), 1u);
        EXPECT_EQ(m.topic_data[0].name, "topic");
        ASSERT_EQ(m.topic_data[0].partition_data.size(), 2u);
        const auto& p = m.topic_data[0].partition_data;
        EXPECT_EQ(p[0].index, 2);
        ASSERT_TRUE(p[0].records);
        EXPECT_EQ(bytes(p[0].records->view.begin(), p[0].records->view.end()), records);
        EXPECT_EQ(p[1].index, 3);
        EXPECT_EQ(p[1].records, std::nullopt);
    });
}

TEST(produce, truncated_request_fails_at_every_length) {
    // clang-format off
    bytes f = fx().cstr("tx").i16(1).i32(30000).uv(2).cstr("topic").uv(2)
        .i32(2).uv(6).raw(some_records(5)).u8(0).u8(0).u8(0).b;
    // clang-format on
    for (size_t n = 0; n < f.size(); ++n) {
        bytes cut(f.begin(), f.begin() + static_cast<ptrdiff_t>(n));
        EXPECT_FALSE(decode_as<produce_request>(cut, 9).ok) << "length " << n;
    }
    EXPECT_TRUE(decode_as<produce_request>(f, 9).ok);
}

TEST(produce, unsupported_version_fails_to_decode) {
    EXPECT_FALSE(decode_as<produce_request>(bytes{}, 12).ok);
    EXPECT_FALSE(decode_as<produce_request>(bytes{}, -1).ok);
}

// ---- Fetch ----

TEST(fetch, response_v4) {
    bytes records = some_records(4);
    // clang-format off
    bytes f = fx()
        .i32(0)                 // throttle_time_ms
        .i32(1)                 // responses: 1
        .str("foo")
        .i32(2)                 // partitions: 2
        // partition 0: records, aborted_transactions null
        .i32(0).i16(0).i64(100).i64(90).i32(-1).i32(4).raw(records)
        // partition 1: one aborted transaction, records null
        .i32(1).i16(6).i64(-1).i64(-1).i32(1).i64(7).i64(50).i32(-1)
        .b;
    // clang-format on
    round_trip<fetch_response>(f, 4, [&](const fetch_response& m) {
        ASSERT_EQ(m.responses.size(), 1u);
        EXPECT_EQ(m.responses[0].topic, "foo");
        const auto& ps = m.responses[0].partitions;
        ASSERT_EQ(ps.size(), 2u);
        EXPECT_EQ(ps[0].high_watermark, 100);
        EXPECT_EQ(ps[0].last_stable_offset, 90);
        EXPECT_EQ(ps[0].log_start_offset, -1);  // v5+
        EXPECT_EQ(ps[0].aborted_transactions, std::nullopt);
        ASSERT_TRUE(ps[0].records);
        EXPECT_EQ(ps[0].records->size(), 4u);
        EXPECT_EQ(ps[1].error_code, 6);
        ASSERT_TRUE(ps[1].aborted_transactions);
        ASSERT_EQ(ps[1].aborted_transactions->size(), 1u);
        EXPECT_EQ((*ps[1].aborted_transactions)[0].producer_id, 7);
        EXPECT_EQ((*ps[1].aborted_transactions)[0].first_offset, 50);
        EXPECT_EQ(ps[1].records, std::nullopt);
    });
}

TEST(fetch, response_v12_with_tagged_struct_and_unknown_top_level_tag) {
    bytes records = some_records(4);
    // clang-format off
    bytes f = fx()
        .i32(5)                 // throttle_time_ms
        .i16(0)                 // error_code
        .i32(0x12345678)        // session_id
        .uv(2)                  // responses: 1
        .cstr("foo")
        .uv(2)                  // partitions: 1
        .i32(1).i16(0).i64(100).i64(100).i64(0)
        .u8(0)                  // aborted_transactions: null
        .i32(-1)                // preferred_read_replica
        .uv(5).raw(records)
        .uv(1).uv(1).uv(9).i32(3).i32(7).u8(0)    // tag 1: current_leader
        .u8(0)                                    // topic tagged fields
        .uv(1).uv(0).uv(3).u8(1).u8(2).u8(3)      // tag 0 is only known from v16
        .b;
    // clang-format on
    round_trip<fetch_response>(f, 12, [&](const fetch_response& m) {
        EXPECT_EQ(m.throttle_time_ms, 5);
        EXPECT_EQ(m.session_id, 0x12345678);
        ASSERT_EQ(m.responses.size(), 1u);
        const auto& p = m.responses[0].partitions.at(0);
        EXPECT_EQ(p.partition_index, 1);
        EXPECT_EQ(p.log_start_offset, 0);
        EXPECT_EQ(p.aborted_transactions, std::nullopt);
        EXPECT_EQ(p.current_leader.leader_id, 3);
        EXPECT_EQ(p.current_leader.leader_epoch, 7);
        EXPECT_EQ(p.diverging_epoch.epoch, -1);  // not sent: default
        EXPECT_EQ(p.snapshot_id.end_offset, -1);
        ASSERT_TRUE(p.records);
        EXPECT_EQ(p.records->size(), 4u);
        EXPECT_TRUE(m.node_endpoints.empty());
        ASSERT_EQ(m.unknown_tagged_fields.size(), 1u);
        EXPECT_EQ(m.unknown_tagged_fields[0], (tagged_field{0, {1, 2, 3}}));
    });
}

TEST(fetch, default_tagged_struct_is_not_written) {
    fetch_response m;
    auto& p = m.responses.emplace_back().partitions.emplace_back();
    p.records = shared_bytes{};
    bytes plain = encode_as(m, 12);
    p.snapshot_id.epoch = 4;
    bytes tagged = encode_as(m, 12);
    // Tag, size, then end_offset, epoch and the struct's own empty tagged section.
    EXPECT_EQ(tagged.size(), plain.size() + 1 + 1 + 8 + 4 + 1);
}

TEST(fetch, request_v4_round_trip) {
    fetch_request m;
    m.replica_id = -1;
    m.max_wait_ms = 500;
    m.min_bytes = 1;
    m.max_bytes = 1 << 20;
    m.isolation_level = 1;
    auto& t = m.topics.emplace_back();
    t.topic = "foo";
    auto& p = t.partitions.emplace_back();
    p.partition = 3;
    p.fetch_offset = 42;
    p.partition_max_bytes = 1024;
    // clang-format off
    bytes expected = fx()
        .i32(-1).i32(500).i32(1).i32(1 << 20).u8(1)   // replica, wait, min, max, isolation
        .i32(1).str("foo")                            // topics: 1
        .i32(1).i32(3).i64(42).i32(1024)              // partitions: 1
        .b;
    // clang-format on
    EXPECT_EQ(encode_as(m, 4), expected);
    auto d = decode_as<fetch_request>(expected, 4);
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.msg, m);
}

// ---- CreateTopics ----

TEST(create_topics, request_v5_with_configs_and_tagged_fields) {
    // clang-format off
    bytes f = fx()
        .uv(2)                  // topics: 1
        .cstr("foo")
        .i32(3)                 // num_partitions
        .i16(1)                 // replication_factor
        .uv(1)                  // assignments: empty
        .uv(3)                  // configs: 2
        .cstr("cleanup.policy").uv(8).chars("compact").u8(0)
        .cstr("retention.ms").u8(0).u8(0)       // null value
        .uv(1).uv(5).uv(1).u8(42)               // topic: unknown tag 5
        .i32(30000)                             // timeout_ms
        .u8(0)                                  // validate_only
        .uv(1).uv(2).uv(0)                      // request: unknown tag 2, empty payload
        .b;
    // clang-format on
    round_trip<create_topics_request>(f, 5, [](const create_topics_request& m) {
        ASSERT_EQ(m.topics.size(), 1u);
        const auto& t = m.topics[0];
        EXPECT_EQ(t.name, "foo");
        EXPECT_EQ(t.num_partitions, 3);
        EXPECT_EQ(t.replication_factor, 1);
        EXPECT_TRUE(t.assignments.empty());
        ASSERT_EQ(t.configs.size(), 2u);
        EXPECT_EQ(t.configs[0].name, "cleanup.policy");
        EXPECT_EQ(t.configs[0].value, std::optional<std::string>("compact"));
        EXPECT_EQ(t.configs[1].value, std::nullopt);
        ASSERT_EQ(t.unknown_tagged_fields.size(), 1u);
        EXPECT_EQ(t.unknown_tagged_fields[0], (tagged_field{5, {42}}));
        EXPECT_EQ(m.timeout_ms, 30000);
        EXPECT_FALSE(m.validate_only);
        ASSERT_EQ(m.unknown_tagged_fields.size(), 1u);
        EXPECT_EQ(m.unknown_tagged_fields[0], (tagged_field{2, {}}));
    });
}

TEST(create_topics, request_v1_with_assignment) {
    // clang-format off
    bytes f = fx()
        .i32(1).str("bar").i32(-1).i16(-1)      // topics: 1
        .i32(1).i32(0).i32(2).i32(1).i32(2)     // assignments: partition 0 on brokers 1, 2
        .i32(0)                                 // configs: none
        .i32(5000)                              // timeout_ms
        .u8(1)                                  // validate_only
        .b;
    // clang-format on
    round_trip<create_topics_request>(f, 1, [](const create_topics_request& m) {
        ASSERT_EQ(m.topics.size(), 1u);
        ASSERT_EQ(m.topics[0].assignments.size(), 1u);
        EXPECT_EQ(m.topics[0].assignments[0].broker_ids, (std::vector<int32_t>{1, 2}));
        EXPECT_TRUE(m.validate_only);
    });
}

// ---- structural round trips (encode, then decode equals) ----

TEST(messages, join_group_and_subscription_round_trip) {
    consumer_protocol_subscription sub;
    sub.topics = {"a", "b"};
    sub.user_data = bytes{1, 2};
    sub.owned_partitions.push_back({.topic = "a", .partitions = {0, 1}});
    sub.generation_id = 3;
    sub.rack_id = "r1";
    for (int16_t v = consumer_protocol_subscription::min_version;
         v <= consumer_protocol_subscription::max_version; ++v) {
        auto d = decode_as<consumer_protocol_subscription>(encode_as(sub, v), v);
        ASSERT_TRUE(d.ok) << v;
        EXPECT_EQ(d.msg.topics, sub.topics);
        if (v >= 3) {
            EXPECT_EQ(d.msg, sub);
        }
    }

    join_group_request j;
    j.group_id = "g";
    j.session_timeout_ms = 10000;
    j.rebalance_timeout_ms = 30000;
    j.member_id = "";
    j.protocol_type = "consumer";
    j.protocols.push_back({.name = "range", .metadata = encode_as(sub, 3)});
    for (int16_t v = 1; v <= join_group_request::max_version; ++v) {
        auto d = decode_as<join_group_request>(encode_as(j, v), v);
        ASSERT_TRUE(d.ok) << v;
        EXPECT_EQ(d.msg, j) << v;
        EXPECT_EQ(d.left, 0u);
    }
}

TEST(messages, offset_commit_and_list_offsets_round_trip_every_version) {
    offset_commit_request oc;
    oc.group_id = "g";
    oc.generation_id_or_member_epoch = 1;
    oc.member_id = "m";
    auto& t = oc.topics.emplace_back();
    t.name = "t";
    t.partitions.push_back({.partition_index = 0, .committed_offset = 5, .committed_metadata = ""});
    for (int16_t v = 2; v <= offset_commit_request::max_version; ++v) {
        auto d = decode_as<offset_commit_request>(encode_as(oc, v), v);
        ASSERT_TRUE(d.ok) << v;
        EXPECT_EQ(d.msg.topics, oc.topics) << v;
    }
    list_offsets_response lo;
    auto& lt = lo.topics.emplace_back();
    lt.name = "t";
    lt.partitions.push_back({.partition_index = 2, .error_code = 0, .timestamp = -1, .offset = 9});
    for (int16_t v = 1; v <= list_offsets_response::max_version; ++v) {
        auto d = decode_as<list_offsets_response>(encode_as(lo, v), v);
        ASSERT_TRUE(d.ok) << v;
        EXPECT_EQ(d.msg.topics[0].partitions[0].offset, 9) << v;
    }
}

// ---- garbage never crashes ----

template <typename T>
void decode_garbage(std::mt19937& rng) {
    std::uniform_int_distribution<int> len(0, 64);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int i = 0; i < 300; ++i) {
        bytes junk(static_cast<size_t>(len(rng)));
        for (auto& b : junk) b = static_cast<uint8_t>(byte(rng));
        for (int16_t v = T::min_version; v <= T::max_version; ++v) {
            auto d = decode_as<T>(junk, v);
            if (d.ok) {
                // Whatever decoded must encode again without trouble.
                (void)encode_as(d.msg, v);
            }
        }
    }
}

TEST(messages, random_bytes_never_crash_a_decoder) {
    std::mt19937 rng(12345);
    decode_garbage<api_versions_request>(rng);
    decode_garbage<api_versions_response>(rng);
    decode_garbage<metadata_request>(rng);
    decode_garbage<metadata_response>(rng);
    decode_garbage<produce_request>(rng);
    decode_garbage<produce_response>(rng);
    decode_garbage<fetch_request>(rng);
    decode_garbage<fetch_response>(rng);
    decode_garbage<create_topics_request>(rng);
    decode_garbage<join_group_request>(rng);
    decode_garbage<describe_cluster_response>(rng);
    decode_garbage<consumer_protocol_subscription>(rng);
}

}  // namespace
}  // namespace fjord::protocol
