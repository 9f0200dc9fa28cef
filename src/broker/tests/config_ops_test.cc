#include "broker/config_ops.h"

#include <gtest/gtest.h>

namespace fjord::broker {
namespace {

constexpr int8_t set_op = 0;
constexpr int8_t delete_op = 1;
constexpr int8_t append_op = 2;
constexpr int8_t subtract_op = 3;

result<config_overrides, config_error> apply(const config_overrides& current,
                                             std::vector<config_change> changes,
                                             const broker_config& broker = {}) {
    return apply_incremental(broker, current, changes);
}

TEST(incremental_alter, set_adds_or_replaces_one_override_and_keeps_the_rest) {
    auto r = apply({{"retention.ms", "1000"}, {"segment.bytes", "4096"}},
                   {{"retention.ms", set_op, "2000"}, {"max.message.bytes", set_op, "100"}});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(*r, (config_overrides{{"max.message.bytes", "100"},
                                    {"retention.ms", "2000"},
                                    {"segment.bytes", "4096"}}));
}

TEST(incremental_alter, delete_goes_back_to_the_default_even_when_not_set) {
    auto r = apply({{"retention.ms", "1000"}},
                   {{"retention.ms", delete_op, std::nullopt}, {"segment.ms", delete_op, "x"}});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->empty());
}

TEST(incremental_alter, append_starts_from_the_effective_value_and_skips_duplicates) {
    auto r = apply({}, {{"cleanup.policy", append_op, "compact"}});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->at("cleanup.policy"), "delete,compact");

    broker_config compacting;
    ASSERT_TRUE(compacting.set("log.cleanup.policy", "compact"));
    auto again = apply({}, {{"cleanup.policy", append_op, "compact,delete"}}, compacting);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->at("cleanup.policy"), "compact,delete");
}

TEST(incremental_alter, subtract_removes_items) {
    auto r =
        apply({{"cleanup.policy", "compact,delete"}}, {{"cleanup.policy", subtract_op, "delete"}});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->at("cleanup.policy"), "compact");
}

TEST(incremental_alter, subtracting_everything_leaves_an_invalid_empty_policy) {
    auto r = apply({}, {{"cleanup.policy", subtract_op, "delete"}});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, config_errc::invalid_config);
    EXPECT_NE(r.error().message.find("cleanup.policy"), std::string::npos);
}

TEST(incremental_alter, append_to_a_non_list_is_invalid_config) {
    auto r = apply({}, {{"retention.ms", append_op, "5"}});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, config_errc::invalid_config);
    EXPECT_NE(r.error().message.find("retention.ms"), std::string::npos);
}

TEST(incremental_alter, bad_values_and_unknown_names_are_invalid_config_naming_the_key) {
    for (auto change : {config_change{"retention.ms", set_op, "soon"},
                        config_change{"segment.bytes", set_op, "10"},
                        config_change{"retention.msec", set_op, "1"},
                        config_change{"retention.msec", delete_op, std::nullopt}}) {
        auto r = apply({}, {change});
        ASSERT_FALSE(r) << change.name;
        EXPECT_EQ(r.error().code, config_errc::invalid_config);
        EXPECT_NE(r.error().message.find(change.name), std::string::npos) << r.error().message;
    }
}

TEST(incremental_alter, malformed_changes_are_invalid_requests) {
    for (auto changes : std::vector<std::vector<config_change>>{
             {{"retention.ms", set_op, "1"}, {"retention.ms", delete_op, std::nullopt}},
             {{"retention.ms", set_op, std::nullopt}},
             {{"cleanup.policy", append_op, std::nullopt}},
             {{"retention.ms", 4, "1"}},
             {{"retention.ms", -1, "1"}}}) {
        auto r = apply({}, changes);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, config_errc::invalid_request) << r.error().message;
    }
}

TEST(replace_overrides, takes_exactly_the_given_set_dropping_null_values) {
    auto r = replace_overrides({{"retention.ms", "1000"}, {"segment.ms", std::nullopt}});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(*r, (config_overrides{{"retention.ms", "1000"}}));
    EXPECT_TRUE(replace_overrides({})->empty());
}

TEST(replace_overrides, refuses_bad_values_and_duplicates) {
    auto bad = replace_overrides({{"max.message.bytes", "-1"}});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, config_errc::invalid_config);
    EXPECT_NE(bad.error().message.find("max.message.bytes"), std::string::npos);
    auto twice = replace_overrides({{"retention.ms", "1"}, {"retention.ms", "2"}});
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().code, config_errc::invalid_request);
}

}  // namespace
}  // namespace fjord::broker
