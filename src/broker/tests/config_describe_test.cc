#include "broker/config_describe.h"

#include <gtest/gtest.h>

namespace fjord::broker {
namespace {

const config_entry& entry(const std::vector<config_entry>& entries, std::string_view name) {
    for (const auto& e : entries)
        if (e.name == name) return e;
    ADD_FAILURE() << "no entry " << name;
    static const config_entry none;
    return none;
}

TEST(describe_topic_config, lists_every_property_sorted_with_types_and_documentation) {
    broker_config broker;
    auto entries = describe_topic_config(broker, {});
    ASSERT_EQ(entries.size(), topic_properties().size());
    EXPECT_TRUE(std::is_sorted(entries.begin(), entries.end(),
                               [](const auto& a, const auto& b) { return a.name < b.name; }));
    for (const auto& e : entries) {
        EXPECT_FALSE(e.read_only) << e.name;
        EXPECT_FALSE(e.documentation.empty()) << e.name;
        EXPECT_NE(e.type, config_type::unknown) << e.name;
        EXPECT_TRUE(e.value.has_value()) << e.name;
    }
    EXPECT_EQ(entry(entries, "cleanup.policy").type, config_type::list);
    EXPECT_EQ(entry(entries, "retention.ms").type, config_type::int64);
    EXPECT_EQ(entry(entries, "segment.bytes").type, config_type::int32);
    EXPECT_EQ(entry(entries, "unclean.leader.election.enable").type, config_type::boolean);
}

TEST(describe_topic_config, a_default_comes_from_the_broker_default) {
    broker_config broker;
    auto entries = describe_topic_config(broker, {});
    const auto& e = entry(entries, "cleanup.policy");
    EXPECT_EQ(e.value, "delete");
    EXPECT_EQ(e.source, config_source::default_config);
    ASSERT_EQ(e.synonyms.size(), 1u);
    EXPECT_EQ(e.synonyms[0],
              (config_synonym{"log.cleanup.policy", "delete", config_source::default_config}));
    const auto& retention = entry(entries, "retention.ms");
    EXPECT_EQ(retention.value, "604800000");
    EXPECT_EQ(retention.source, config_source::default_config);
    ASSERT_EQ(retention.synonyms.size(), 1u);
    EXPECT_EQ(retention.synonyms[0],
              (config_synonym{"log.retention.hours", "168", config_source::default_config}));
}

TEST(describe_topic_config, an_override_comes_first_then_the_broker_chain) {
    broker_config broker;
    ASSERT_TRUE(broker.set("log.retention.ms", "5000"));
    auto entries = describe_topic_config(broker, {{"retention.ms", "1000"}});
    const auto& e = entry(entries, "retention.ms");
    EXPECT_EQ(e.value, "1000");
    EXPECT_EQ(e.source, config_source::dynamic_topic);
    std::vector<config_synonym> expected = {
        {"retention.ms", "1000", config_source::dynamic_topic},
        {"log.retention.ms", "5000", config_source::static_broker},
        {"log.retention.hours", "168", config_source::default_config},
    };
    EXPECT_EQ(e.synonyms, expected);
}

TEST(describe_topic_config, a_broker_setting_given_at_start_up_is_static) {
    broker_config broker;
    ASSERT_TRUE(broker.set("message.max.bytes", "2000"));
    auto entries = describe_topic_config(broker, {});
    const auto& e = entry(entries, "max.message.bytes");
    EXPECT_EQ(e.value, "2000");
    EXPECT_EQ(e.source, config_source::static_broker);
    std::vector<config_synonym> expected = {
        {"message.max.bytes", "2000", config_source::static_broker},
        {"message.max.bytes", "1048588", config_source::default_config},
    };
    EXPECT_EQ(e.synonyms, expected);
}

TEST(describe_broker_config, reports_static_and_default_values_read_only) {
    broker_config broker;
    ASSERT_TRUE(broker.set("num.partitions", "3"));
    ASSERT_TRUE(broker.set("log.retention.minutes", "10"));
    auto entries = describe_broker_config(broker);
    ASSERT_EQ(entries.size(), broker_properties().size());
    for (const auto& e : entries) EXPECT_TRUE(e.read_only) << e.name;

    const auto& partitions = entry(entries, "num.partitions");
    EXPECT_EQ(partitions.value, "3");
    EXPECT_EQ(partitions.source, config_source::static_broker);
    EXPECT_EQ(partitions.type, config_type::int32);

    const auto& threads = entry(entries, "auto.create.topics.enable");
    EXPECT_EQ(threads.value, "true");
    EXPECT_EQ(threads.source, config_source::default_config);

    // Not set and no default: null, like Kafka.
    const auto& ms = entry(entries, "log.retention.ms");
    EXPECT_FALSE(ms.value.has_value());
    EXPECT_EQ(ms.source, config_source::default_config);
    EXPECT_TRUE(ms.synonyms.empty());

    // A less precise name lists itself and what follows it, not the more precise names.
    const auto& minutes = entry(entries, "log.retention.minutes");
    EXPECT_EQ(minutes.value, "10");
    EXPECT_EQ(minutes.source, config_source::static_broker);
    const auto& hours = entry(entries, "log.retention.hours");
    EXPECT_EQ(hours.value, "168");
    EXPECT_EQ(hours.source, config_source::default_config);
    std::vector<config_synonym> expected = {
        {"log.retention.hours", "168", config_source::default_config}};
    EXPECT_EQ(hours.synonyms, expected);
}

}  // namespace
}  // namespace fjord::broker
