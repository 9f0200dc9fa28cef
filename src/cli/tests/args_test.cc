#include "cli/args.h"

#include <gtest/gtest.h>

#include <vector>

namespace fjord::cli {
namespace {

constexpr option_spec options[] = {
    {"--partitions", "N", "partitions"},
    {"--config", "KEY=VALUE", "config", true},
    {"--json", "", "json"},
    {"--key-separator", "SEP", "separator"},
};
constexpr command_spec spec{"topic create", "NAME", 1, 1, "Creates a topic.", options, {}};

result<parsed_args, std::string> parse(std::vector<std::string_view> args) {
    return parse_args(spec, args);
}

TEST(args, values_flags_and_positionals) {
    auto p = parse({"orders", "--partitions", "3", "--json", "--config", "a=1", "--config=b=2"});
    ASSERT_TRUE(p) << p.error();
    EXPECT_EQ(p->positionals(), std::vector<std::string>{"orders"});
    EXPECT_EQ(p->value("--partitions"), "3");
    EXPECT_TRUE(p->has("--json"));
    EXPECT_FALSE(p->has("--key-separator"));
    EXPECT_EQ(p->values("--config"), (std::vector<std::string>{"a=1", "b=2"}));
    EXPECT_FALSE(p->help_requested());
}

TEST(args, global_options_are_accepted_anywhere) {
    auto p = parse({"--timeout", "2", "orders", "--brokers=h:1", "--verbose"});
    ASSERT_TRUE(p) << p.error();
    EXPECT_EQ(p->value("--timeout"), "2");
    EXPECT_EQ(p->value("--brokers"), "h:1");
    EXPECT_TRUE(p->has("--verbose"));
}

TEST(args, a_value_may_start_with_a_dash) {
    auto p = parse({"orders", "--key-separator", "-"});
    ASSERT_TRUE(p) << p.error();
    EXPECT_EQ(p->value("--key-separator"), "-");
}

TEST(args, double_dash_ends_options) {
    auto p = parse({"--", "--weird-name"});
    ASSERT_TRUE(p) << p.error();
    EXPECT_EQ(p->positionals(), std::vector<std::string>{"--weird-name"});
}

TEST(args, help_wins_over_errors) {
    auto p = parse({"--no-such-flag", "-h"});
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->help_requested());
}

TEST(args, unknown_option_is_an_error_naming_it) {
    auto p = parse({"orders", "--partitons", "3"});
    ASSERT_FALSE(p);
    EXPECT_NE(p.error().find("--partitons"), std::string::npos);
}

TEST(args, missing_value) {
    auto p = parse({"orders", "--partitions"});
    ASSERT_FALSE(p);
    EXPECT_NE(p.error().find("needs a value"), std::string::npos);
}

TEST(args, flag_with_inline_value_is_an_error) {
    EXPECT_FALSE(parse({"orders", "--json=yes"}));
}

TEST(args, non_repeatable_option_twice_is_an_error) {
    EXPECT_FALSE(parse({"orders", "--partitions", "1", "--partitions", "2"}));
}

TEST(args, positional_count_is_checked) {
    auto missing = parse({});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().find("NAME"), std::string::npos);
    auto extra = parse({"a", "b"});
    ASSERT_FALSE(extra);
    EXPECT_NE(extra.error().find("'b'"), std::string::npos);
}

TEST(args, usage_lists_options_and_globals) {
    std::string text = usage_text(spec);
    EXPECT_NE(text.find("usage: fjord topic create NAME [options]"), std::string::npos);
    EXPECT_NE(text.find("--partitions N"), std::string::npos);
    EXPECT_NE(text.find("(repeatable)"), std::string::npos);
    EXPECT_NE(text.find("--brokers"), std::string::npos);
    EXPECT_NE(text.find("-h, --help"), std::string::npos);
}

TEST(args, parse_integer_bounds_and_garbage) {
    EXPECT_EQ(*parse_integer("--n", "42", 1, 100), 42);
    EXPECT_FALSE(parse_integer("--n", "0", 1, 100));
    EXPECT_FALSE(parse_integer("--n", "101", 1, 100));
    EXPECT_FALSE(parse_integer("--n", "4x", 1, 100));
    EXPECT_FALSE(parse_integer("--n", "", 1, 100));
    EXPECT_FALSE(parse_integer("--n", "99999999999999999999", 1, INT64_MAX));
}

TEST(args, parse_key_value) {
    auto kv = parse_key_value("--config", "retention.ms=a=b");
    ASSERT_TRUE(kv);
    EXPECT_EQ(kv->first, "retention.ms");
    EXPECT_EQ(kv->second, "a=b");
    auto empty_value = parse_key_value("--config", "k=");
    ASSERT_TRUE(empty_value);
    EXPECT_EQ(empty_value->second, "");
    EXPECT_FALSE(parse_key_value("--config", "novalue"));
    EXPECT_FALSE(parse_key_value("--config", "=v"));
}

}  // namespace
}  // namespace fjord::cli
