#include "broker/config.h"

#include <gtest/gtest.h>

#include "broker/topic_config.h"
#include "broker/topic_table.h"

namespace fjord::broker {
namespace {

TEST(broker_config, sets_known_properties) {
    broker_config c;
    ASSERT_TRUE(c.set("num.partitions", "3"));
    ASSERT_TRUE(c.set("auto.create.topics.enable", "false"));
    ASSERT_TRUE(c.set("log.roll.hours", "1"));
    ASSERT_TRUE(c.set("listeners", "PLAINTEXT://0.0.0.0:19092"));
    EXPECT_EQ(c.num_partitions, 3);
    EXPECT_FALSE(c.auto_create_topics_enable);
    EXPECT_EQ(c.log_roll_ms, std::chrono::hours(1));
    EXPECT_EQ(c.listen_host, "0.0.0.0");
    EXPECT_EQ(c.listen_port, 19092);
}

TEST(broker_config, unknown_property_is_named) {
    broker_config c;
    auto r = c.set("num.partition", "3");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("num.partition"), std::string::npos);
}

TEST(broker_config, bad_values_are_rejected_with_the_property_name) {
    broker_config c;
    for (auto [name, value] : std::initializer_list<std::pair<const char*, const char*>>{
             {"num.partitions", "0"},
             {"num.partitions", "three"},
             {"num.partitions", "3x"},
             {"auto.create.topics.enable", "yes"},
             {"log.message.timestamp.type", "Now"},
             {"log.dirs", "a,b"},
             {"node.id", "-1"}}) {
        auto r = c.set(name, value);
        ASSERT_FALSE(r) << name << "=" << value;
        EXPECT_NE(r.error().find(name), std::string::npos) << r.error();
    }
    EXPECT_EQ(c.num_partitions, 1);
}

TEST(broker_config, listen_address_needs_host_and_port) {
    broker_config c;
    EXPECT_TRUE(parse_listen_address("127.0.0.1:0", c));
    EXPECT_EQ(c.listen_port, 0);
    EXPECT_FALSE(parse_listen_address("localhost", c));
    EXPECT_FALSE(parse_listen_address(":9092", c));
    EXPECT_FALSE(parse_listen_address("host:99999", c));
}

TEST(topic_name, follows_kafka_rules) {
    EXPECT_TRUE(validate_topic_name("payment-done"));
    EXPECT_TRUE(validate_topic_name("a.b_c-D9"));
    EXPECT_TRUE(validate_topic_name(std::string(249, 'x')));
    EXPECT_FALSE(validate_topic_name(""));
    EXPECT_FALSE(validate_topic_name("."));
    EXPECT_FALSE(validate_topic_name(".."));
    EXPECT_FALSE(validate_topic_name("bad topic!"));
    EXPECT_FALSE(validate_topic_name("a/b"));
    EXPECT_FALSE(validate_topic_name(std::string(250, 'x')));
}

TEST(topic_config, overrides_are_validated) {
    EXPECT_TRUE(validate_topic_override("retention.ms", "-1"));
    EXPECT_TRUE(validate_topic_override("cleanup.policy", "compact,delete"));
    EXPECT_TRUE(validate_topic_override("message.timestamp.type", "LogAppendTime"));
    EXPECT_FALSE(validate_topic_override("retention.ms", "-2"));
    EXPECT_FALSE(validate_topic_override("retention.ms", "soon"));
    EXPECT_FALSE(validate_topic_override("segment.bytes", "10"));
    EXPECT_FALSE(validate_topic_override("cleanup.policy", "keep"));
    EXPECT_FALSE(validate_topic_override("compression.type", "brotli"));
    auto unknown = validate_topic_override("retention.msec", "1");
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().find("retention.msec"), std::string::npos);
}

TEST(topic_config, overrides_win_over_broker_defaults) {
    broker_config broker;
    broker.log_segment_bytes = 4096;
    auto c = effective_topic_config(
        broker, {{"max.message.bytes", "100"}, {"message.timestamp.type", "LogAppendTime"}});
    EXPECT_EQ(c.segment_bytes, 4096);
    EXPECT_EQ(c.max_message_bytes, 100);
    EXPECT_TRUE(c.log_append_time);
    auto described = describe_topic_config(broker, {{"max.message.bytes", "100"}});
    for (const auto& e : described) {
        EXPECT_EQ(e.source, e.name == "max.message.bytes" ? config_source::topic_override
                                                          : config_source::broker_default);
    }
}

}  // namespace
}  // namespace fjord::broker
