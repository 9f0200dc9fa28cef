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
}

TEST(topic_config, topic_defaults_derive_from_broker_properties) {
    broker_config broker;
    ASSERT_TRUE(broker.set("log.retention.hours", "1"));
    ASSERT_TRUE(broker.set("log.retention.bytes", "5000"));
    ASSERT_TRUE(broker.set("log.cleanup.policy", "compact"));
    ASSERT_TRUE(broker.set("log.cleaner.delete.retention.ms", "10"));
    ASSERT_TRUE(broker.set("log.cleaner.min.compaction.lag.ms", "20"));
    ASSERT_TRUE(broker.set("compression.type", "zstd"));
    ASSERT_TRUE(broker.set("min.insync.replicas", "2"));
    auto c = effective_topic_config(broker, {});
    EXPECT_EQ(c.retention_ms, 3600000);
    EXPECT_EQ(c.retention_bytes, 5000);
    EXPECT_EQ(c.cleanup_policy, "compact");
    EXPECT_TRUE(c.cleanup_compact);
    EXPECT_FALSE(c.cleanup_delete);
    EXPECT_EQ(c.delete_retention_ms, 10);
    EXPECT_EQ(c.min_compaction_lag_ms, 20);
    EXPECT_EQ(c.compression_type, "zstd");
    EXPECT_EQ(c.min_insync_replicas, 2);
    auto both = effective_topic_config(broker, {{"cleanup.policy", "delete, compact"}});
    EXPECT_TRUE(both.cleanup_compact);
    EXPECT_TRUE(both.cleanup_delete);
}

// Kafka's flush bounds and preallocation: accepted, validated and reported as Kafka does, so a
// topic created as Kafka's documentation shows (--config flush.messages=1) works unchanged.
TEST(topic_config, flush_and_preallocate_take_kafka_values_and_defaults) {
    broker_config broker;
    auto defaults = effective_topic_config(broker, {});
    EXPECT_EQ(topic_config_value(defaults, "flush.messages"), "9223372036854775807");
    EXPECT_EQ(topic_config_value(defaults, "flush.ms"), "9223372036854775807");
    EXPECT_EQ(topic_config_value(defaults, "preallocate"), "false");

    ASSERT_TRUE(broker.set("log.flush.interval.messages", "1000"));
    ASSERT_TRUE(broker.set("log.flush.interval.ms", "0"));
    ASSERT_TRUE(broker.set("log.preallocate", "true"));
    auto inherited = effective_topic_config(broker, {});
    EXPECT_EQ(inherited.flush_messages, 1000);
    EXPECT_EQ(inherited.flush_ms, 0);
    EXPECT_TRUE(inherited.preallocate);

    EXPECT_TRUE(validate_topic_override("flush.messages", "1"));
    EXPECT_TRUE(validate_topic_override("flush.ms", "1000"));
    EXPECT_TRUE(validate_topic_override("preallocate", "false"));
    auto overridden = effective_topic_config(
        broker, {{"flush.messages", "1"}, {"flush.ms", "1000"}, {"preallocate", "false"}});
    EXPECT_EQ(overridden.flush_messages, 1);
    EXPECT_EQ(overridden.flush_ms, 1000);
    EXPECT_FALSE(overridden.preallocate);

    for (auto [name, value] :
         std::initializer_list<std::pair<const char*, const char*>>{{"flush.messages", "0"},
                                                                    {"flush.messages", "many"},
                                                                    {"flush.ms", "-1"},
                                                                    {"preallocate", "yes"}}) {
        auto r = validate_topic_override(name, value);
        ASSERT_FALSE(r) << name << "=" << value;
        EXPECT_NE(r.error().find(name), std::string::npos) << r.error();
    }
    EXPECT_FALSE(broker.set("log.flush.interval.messages", "0"));
    EXPECT_FALSE(broker.set("log.preallocate", "1"));
}

// Kafka 3.6 and later: each of before.max.ms and after.max.ms as set, else the older
// difference.max.ms; all three inherit from the broker.
TEST(topic_config, timestamp_bounds_fall_back_to_the_difference) {
    broker_config broker;
    auto unbounded = create_time_bounds(effective_topic_config(broker, {}));
    EXPECT_EQ(unbounded.before_ms, INT64_MAX);
    EXPECT_EQ(unbounded.after_ms, INT64_MAX);

    auto only_difference = create_time_bounds(
        effective_topic_config(broker, {{"message.timestamp.difference.max.ms", "500"}}));
    EXPECT_EQ(only_difference.before_ms, 500);
    EXPECT_EQ(only_difference.after_ms, 500);

    auto after_set = create_time_bounds(
        effective_topic_config(broker, {{"message.timestamp.difference.max.ms", "500"},
                                        {"message.timestamp.after.max.ms", "70"}}));
    EXPECT_EQ(after_set.before_ms, 500);
    EXPECT_EQ(after_set.after_ms, 70);

    ASSERT_TRUE(broker.set("log.message.timestamp.before.max.ms", "9"));
    auto inherited = create_time_bounds(effective_topic_config(broker, {}));
    EXPECT_EQ(inherited.before_ms, 9);
    EXPECT_EQ(inherited.after_ms, INT64_MAX);
    EXPECT_FALSE(validate_topic_override("message.timestamp.after.max.ms", "-1"));
    EXPECT_FALSE(broker.set("log.message.timestamp.difference.max.ms", "-1"));
}

TEST(topic_config, max_compaction_lag_shortens_the_roll_of_compacted_topics_only) {
    broker_config broker;
    auto deleted = effective_topic_config(broker, {{"max.compaction.lag.ms", "1000"}});
    EXPECT_EQ(roll_ms(deleted), deleted.segment_ms);
    auto compacted = effective_topic_config(
        broker, {{"cleanup.policy", "compact"}, {"max.compaction.lag.ms", "1000"}});
    EXPECT_EQ(roll_ms(compacted), 1000);
    auto longer =
        effective_topic_config(broker, {{"cleanup.policy", "compact"}, {"segment.ms", "500"}});
    EXPECT_EQ(roll_ms(longer), 500);

    EXPECT_TRUE(validate_topic_config(compacted));
    auto inverted = effective_topic_config(
        broker, {{"min.compaction.lag.ms", "1001"}, {"max.compaction.lag.ms", "1000"}});
    auto r = validate_topic_config(inverted);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("min.compaction.lag.ms (1001)"), std::string::npos) << r.error();
    // The bound may come from the broker too.
    ASSERT_TRUE(broker.set("log.cleaner.max.compaction.lag.ms", "10"));
    EXPECT_FALSE(
        validate_topic_config(effective_topic_config(broker, {{"min.compaction.lag.ms", "11"}})));
    EXPECT_FALSE(validate_topic_override("max.compaction.lag.ms", "0"));
}

TEST(topic_config, min_cleanable_dirty_ratio_is_a_number_in_zero_to_one) {
    for (const char* good : {"0", "1", "0.5", "0.01"}) {
        EXPECT_TRUE(validate_topic_override("min.cleanable.dirty.ratio", good)) << good;
    }
    for (const char* bad : {"-0.1", "1.01", "half", "", "nan", "0.5x"}) {
        EXPECT_FALSE(validate_topic_override("min.cleanable.dirty.ratio", bad)) << bad;
    }
    broker_config broker;
    ASSERT_TRUE(broker.set("log.cleaner.min.cleanable.ratio", "0.75"));
    EXPECT_FALSE(broker.set("log.cleaner.min.cleanable.ratio", "2"));
    auto c = effective_topic_config(broker, {});
    EXPECT_EQ(topic_config_value(c, "min.cleanable.dirty.ratio"), "0.75");
    EXPECT_EQ(
        topic_config_value(effective_topic_config(broker, {{"min.cleanable.dirty.ratio", "0.1"}}),
                           "min.cleanable.dirty.ratio"),
        "0.1");
}

TEST(broker_config, the_most_precise_retention_name_wins_in_any_order) {
    broker_config a;
    ASSERT_TRUE(a.set("log.retention.ms", "1234"));
    ASSERT_TRUE(a.set("log.retention.hours", "5"));
    ASSERT_TRUE(a.set("log.retention.minutes", "7"));
    EXPECT_EQ(a.log_retention_ms, 1234);

    broker_config b;
    ASSERT_TRUE(b.set("log.retention.hours", "5"));
    EXPECT_EQ(b.log_retention_ms, 5 * 3600000);
    ASSERT_TRUE(b.set("log.retention.minutes", "7"));
    EXPECT_EQ(b.log_retention_ms, 7 * 60000);
    ASSERT_TRUE(b.set("log.retention.hours", "9"));
    EXPECT_EQ(b.log_retention_ms, 7 * 60000);

    broker_config forever;
    ASSERT_TRUE(forever.set("log.retention.hours", "-1"));
    EXPECT_EQ(forever.log_retention_ms, -1);
    EXPECT_FALSE(forever.set("log.retention.ms", "-2"));
}

TEST(broker_config, log_roll_ms_wins_over_hours) {
    broker_config c;
    ASSERT_TRUE(c.set("log.roll.ms", "1000"));
    ASSERT_TRUE(c.set("log.roll.hours", "2"));
    EXPECT_EQ(c.log_roll_ms, std::chrono::milliseconds(1000));
}

TEST(broker_config, remembers_what_was_set_at_start_up) {
    broker_config c;
    ASSERT_TRUE(c.set("num.partitions", "3"));
    ASSERT_TRUE(c.set("num.partitions", "4"));
    EXPECT_FALSE(c.set("num.partitions", "x"));
    ASSERT_EQ(c.static_values.size(), 1u);
    EXPECT_EQ(c.static_values.at("num.partitions"), "4");
    EXPECT_EQ(c.num_partitions, 4);
}

TEST(broker_config, new_properties_validate_their_values) {
    broker_config c;
    for (auto [name, value] : std::initializer_list<std::pair<const char*, const char*>>{
             {"log.cleanup.policy", "keep"},
             {"log.cleanup.policy", ""},
             {"compression.type", "brotli"},
             {"log.retention.bytes", "-2"},
             {"log.retention.check.interval.ms", "0"},
             {"unclean.leader.election.enable", "1"}}) {
        auto r = c.set(name, value);
        ASSERT_FALSE(r) << name << "=" << value;
        EXPECT_NE(r.error().find(name), std::string::npos) << r.error();
    }
    ASSERT_TRUE(c.set("log.retention.check.interval.ms", "200"));
    EXPECT_EQ(c.log_retention_check_interval, std::chrono::milliseconds(200));
}

TEST(broker_config, every_property_is_described_and_settable_to_its_default) {
    for (const auto& p : broker_properties()) {
        EXPECT_FALSE(p.documentation.empty()) << p.name;
        if (!p.default_value) continue;
        broker_config c;
        EXPECT_TRUE(c.set(p.name, *p.default_value)) << p.name << "=" << *p.default_value;
    }
    EXPECT_EQ(find_broker_property("log.retention.hours")->type, config_type::int32);
    EXPECT_EQ(find_broker_property("log.cleanup.policy")->type, config_type::list);
    EXPECT_EQ(find_broker_property("no.such"), nullptr);
}

TEST(topic_config, every_property_has_a_broker_default_and_a_valid_default_value) {
    broker_config broker;
    auto c = effective_topic_config(broker, {});
    for (const auto& p : topic_properties()) {
        EXPECT_NE(find_broker_property(p.broker_name), nullptr) << p.name;
        EXPECT_TRUE(validate_topic_override(p.name, topic_config_value(c, p.name))) << p.name;
    }
}

}  // namespace
}  // namespace fjord::broker

namespace fjord::broker {
namespace {

TEST(broker_config, producer_expiration_settings_have_kafka_defaults_and_limits) {
    broker_config c;
    EXPECT_EQ(c.producer_id_expiration_ms, 86400000);
    EXPECT_EQ(c.transactional_id_expiration_ms, 604800000);
    ASSERT_TRUE(c.set("producer.id.expiration.ms", "1000"));
    ASSERT_TRUE(c.set("transactional.id.expiration.ms", "2000"));
    EXPECT_EQ(c.producer_id_expiration_ms, 1000);
    EXPECT_EQ(c.transactional_id_expiration_ms, 2000);
    for (const char* name : {"producer.id.expiration.ms", "transactional.id.expiration.ms"}) {
        for (const char* bad : {"0", "-1", "2147483648", "1h"}) {
            auto r = c.set(name, bad);
            ASSERT_FALSE(r) << name << "=" << bad;
            EXPECT_NE(r.error().find(name), std::string::npos) << r.error();
        }
    }
}

TEST(broker_config, advertised_listener_is_an_address_for_the_served_listener) {
    broker_config c;
    EXPECT_TRUE(c.advertised_host.empty());
    ASSERT_TRUE(c.set("advertised.listeners", "PLAINTEXT://proxy.example:19092"));
    EXPECT_EQ(c.advertised_host, "proxy.example");
    EXPECT_EQ(c.advertised_port, 19092);
    EXPECT_EQ(c.listen_port, 9092);  // the listener itself is unchanged
    for (const char* bad :
         {"proxy.example:19092", "PLAINTEXT://h:0", "PLAINTEXT://:9092", "PLAINTEXT://h",
          "PLAINTEXT://h:70000", "PLAINTEXT://a:1,PLAINTEXT://b:2"}) {
        auto r = c.set("advertised.listeners", bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_NE(r.error().find("advertised.listeners"), std::string::npos) << r.error();
    }
    // Well formed, but not a listener of this broker: refused once everything is set.
    ASSERT_TRUE(c.set("advertised.listeners", "SSL://h:1"));
    auto r = c.resolve();
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("advertised.listeners: SSL is not a listener"), std::string::npos)
        << r.error();
    EXPECT_EQ(find_broker_property("advertised.listeners")->default_value, std::nullopt);
}

// Kafka's config/kraft/server.properties (3.x), as set() sees it from the file (with log.dirs
// made relative).
const std::pair<const char*, const char*> kafka_kraft_server_properties[] = {
    {"process.roles", "broker,controller"},
    {"node.id", "1"},
    {"controller.quorum.voters", "1@localhost:9093"},
    {"listeners", "PLAINTEXT://:9092,CONTROLLER://:9093"},
    {"inter.broker.listener.name", "PLAINTEXT"},
    {"advertised.listeners", "PLAINTEXT://localhost:9092"},
    {"controller.listener.names", "CONTROLLER"},
    {"listener.security.protocol.map",
     "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,"
     "SASL_SSL:SASL_SSL"},
    {"num.network.threads", "3"},
    {"num.io.threads", "8"},
    {"socket.send.buffer.bytes", "102400"},
    {"socket.receive.buffer.bytes", "102400"},
    {"socket.request.max.bytes", "104857600"},
    {"log.dirs", "kraft-combined-logs"},
    {"num.partitions", "1"},
    {"num.recovery.threads.per.data.dir", "1"},
    {"offsets.topic.replication.factor", "1"},
    {"transaction.state.log.replication.factor", "1"},
    {"transaction.state.log.min.isr", "1"},
    {"log.retention.hours", "168"},
    {"log.segment.bytes", "1073741824"},
    {"log.retention.check.interval.ms", "300000"},
};

TEST(broker_config, kafka_kraft_server_properties_serve_the_plaintext_listener) {
    broker_config c;
    for (auto [name, value] : kafka_kraft_server_properties) {
        ASSERT_TRUE(c.set(name, value)) << name;
    }
    ASSERT_TRUE(c.resolve());
    EXPECT_EQ(c.listen_host, "0.0.0.0");
    EXPECT_EQ(c.listen_port, 9092);
    EXPECT_EQ(c.advertised_host, "localhost");
    EXPECT_EQ(c.advertised_port, 9092);
    EXPECT_EQ(c.unbound_listeners, std::vector<std::string>{"CONTROLLER"});
    EXPECT_EQ(c.num_network_threads, 3u);
    EXPECT_EQ(c.socket_receive_buffer_bytes, 102400);
    EXPECT_EQ(c.static_values.at("num.io.threads"), "8");
}

TEST(broker_config, a_kraft_quorum_of_other_nodes_is_refused) {
    broker_config c;
    ASSERT_TRUE(c.set("node.id", "2"));
    ASSERT_TRUE(c.set("controller.quorum.voters", "2@a:9093,3@b:9093"));
    auto r = c.resolve();
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("controller.quorum.voters: voter 3"), std::string::npos) << r.error();
    for (const char* bad : {"a:9093", "x@a:9093", "1@a", "-1@a:1"}) {
        EXPECT_FALSE(c.set("controller.quorum.voters", bad)) << bad;
    }
    EXPECT_TRUE(c.set("controller.quorum.bootstrap.servers", "a:9093,b:9093"));
    EXPECT_FALSE(c.set("controller.quorum.bootstrap.servers", "a"));
}

TEST(broker_config, process_roles_must_include_the_broker) {
    broker_config c;
    EXPECT_TRUE(c.set("process.roles", "broker"));
    EXPECT_TRUE(c.set("process.roles", "controller, broker"));
    auto r = c.set("process.roles", "controller");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("always serves clients"), std::string::npos) << r.error();
    EXPECT_FALSE(c.set("process.roles", "broker,observer"));
}

TEST(broker_config, broker_id_is_node_id_and_must_agree_with_it) {
    broker_config alone;
    ASSERT_TRUE(alone.set("broker.id", "7"));
    ASSERT_TRUE(alone.resolve());
    EXPECT_EQ(alone.node_id, 7);

    broker_config both;
    ASSERT_TRUE(both.set("broker.id", "7"));
    ASSERT_TRUE(both.set("node.id", "8"));
    auto r = both.resolve();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), "broker.id (7) differs from node.id (8)");
}

TEST(broker_config, a_minimum_compaction_lag_above_the_maximum_is_refused) {
    broker_config c;
    ASSERT_TRUE(c.set("log.cleaner.max.compaction.lag.ms", "1000"));
    ASSERT_TRUE(c.set("log.cleaner.min.compaction.lag.ms", "1000"));
    EXPECT_TRUE(c.resolve());
    ASSERT_TRUE(c.set("log.cleaner.min.compaction.lag.ms", "1001"));
    auto r = c.resolve();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(),
              "log.cleaner.min.compaction.lag.ms (1001) must not exceed "
              "log.cleaner.max.compaction.lag.ms (1000)");
}

TEST(broker_config, zookeeper_properties_get_a_clear_error) {
    broker_config c;
    auto r = c.set("zookeeper.connect", "localhost:2181");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("no ZooKeeper mode"), std::string::npos) << r.error();
}

TEST(broker_config, socket_buffers_take_minus_one_for_the_system_default) {
    broker_config c;
    EXPECT_EQ(c.socket_send_buffer_bytes, -1);
    EXPECT_EQ(find_broker_property("socket.receive.buffer.bytes")->default_value, "-1");
    ASSERT_TRUE(c.set("socket.send.buffer.bytes", "102400"));
    ASSERT_TRUE(c.set("socket.receive.buffer.bytes", "65536"));
    EXPECT_EQ(c.socket_send_buffer_bytes, 102400);
    EXPECT_EQ(c.socket_receive_buffer_bytes, 65536);
    EXPECT_FALSE(c.set("socket.send.buffer.bytes", "-2"));
}

}  // namespace
}  // namespace fjord::broker
