#include "cli/topic_id_probe.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "base/endian.h"

namespace fjord::cli {
namespace {

TEST(topic_id_probe, request_frame_layout) {
    bytes frame = encode_topic_metadata_request("orders", 7);
    ASSERT_GE(frame.size(), 4u);
    EXPECT_EQ(load_be<int32_t>(frame.data()), static_cast<int32_t>(frame.size() - 4));
    EXPECT_EQ(load_be<int16_t>(frame.data() + 4), 3);   // Metadata
    EXPECT_EQ(load_be<int16_t>(frame.data() + 6), 12);  // v12
    EXPECT_EQ(load_be<int32_t>(frame.data() + 8), 7);
    EXPECT_EQ(load_be<int16_t>(frame.data() + 12), 9);  // "fjord-cli"
    // After the header: tagged fields, one topic (array length 2), a zero id, the name.
    size_t at = 14 + 9;
    EXPECT_EQ(frame[at], 0);
    EXPECT_EQ(frame[at + 1], 2);
    EXPECT_EQ(frame[at + 2 + 16], 7);  // compact string length + 1
    EXPECT_EQ(std::string(frame.begin() + at + 19, frame.begin() + at + 25), "orders");
    EXPECT_EQ(frame.size(), at + 25 + 4);  // topic tags, two booleans, tags
}

// Builds a Metadata v12 response body: one broker, the given topics (name, error, id).
bytes response(int32_t correlation_id,
               const std::vector<std::tuple<std::string, int16_t, uuid>>& topics) {
    bytes out;
    auto i32 = [&](int32_t v) {
        out.resize(out.size() + 4);
        store_be<int32_t>(out.data() + out.size() - 4, v);
    };
    auto str = [&](std::string_view s) {
        out.push_back(static_cast<uint8_t>(s.size() + 1));
        out.insert(out.end(), s.begin(), s.end());
    };
    i32(correlation_id);
    out.push_back(0);  // header tags
    i32(0);            // throttle
    out.push_back(2);  // one broker
    i32(1);
    str("127.0.0.1");
    i32(9092);
    out.push_back(0);  // rack null
    out.push_back(0);  // tags
    str("cluster");
    i32(1);
    out.push_back(static_cast<uint8_t>(topics.size() + 1));
    for (const auto& [name, error, id] : topics) {
        out.push_back(static_cast<uint8_t>(error >> 8));
        out.push_back(static_cast<uint8_t>(error));
        str(name);
        out.insert(out.end(), id.data.begin(), id.data.end());
        out.push_back(0);  // is_internal
        out.push_back(2);  // one partition
        out.insert(out.end(), {0, 0});
        i32(0);
        i32(1);
        i32(0);
        out.insert(out.end(), {2, 0, 0, 0, 1});  // replicas [1]
        out.insert(out.end(), {2, 0, 0, 0, 1});  // isr [1]
        out.push_back(1);                        // offline []
        out.push_back(0);                        // tags
        i32(0);
        out.push_back(0);
    }
    out.push_back(0);
    return out;
}

TEST(topic_id_probe, finds_the_named_topic) {
    uuid a = uuid::random();
    uuid b = uuid::random();
    bytes body = response(5, {{"first", 0, a}, {"orders", 0, b}});
    auto id = decode_topic_id(body, 5, "orders");
    ASSERT_TRUE(id);
    EXPECT_EQ(*id, b);
}

TEST(topic_id_probe, rejects_errors_other_answers_and_truncation) {
    uuid a = uuid::random();
    EXPECT_FALSE(decode_topic_id(response(5, {{"orders", 3, a}}), 5, "orders"));
    EXPECT_FALSE(decode_topic_id(response(6, {{"orders", 0, a}}), 5, "orders"));
    EXPECT_FALSE(decode_topic_id(response(5, {{"other", 0, a}}), 5, "orders"));
    // Every cut before the end of the id (the decoder stops there) finds nothing.
    bytes body = response(5, {{"orders", 0, a}});
    auto id_at = std::search(body.begin(), body.end(), a.data.begin(), a.data.end());
    ASSERT_NE(id_at, body.end());
    size_t id_end = static_cast<size_t>(id_at - body.begin()) + 16;
    for (size_t cut = 0; cut < id_end; ++cut) {
        bytes shorter(body.begin(), body.begin() + static_cast<ptrdiff_t>(cut));
        EXPECT_FALSE(decode_topic_id(shorter, 5, "orders")) << cut;
    }
}

TEST(topic_id_probe, unreachable_broker_gives_nothing_quickly) {
    auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(probe_topic_id("127.0.0.1", 1, "orders", std::chrono::milliseconds(500)));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace fjord::cli
