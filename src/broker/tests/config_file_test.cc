#include "broker/config_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace fjord::broker {
namespace {

std::vector<std::pair<std::string, std::string>> entries(std::string_view text) {
    auto parsed = parse_properties(text);
    EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message);
    std::vector<std::pair<std::string, std::string>> out;
    if (parsed)
        for (auto& e : *parsed) out.emplace_back(e.key, e.value);
    return out;
}

using kv = std::vector<std::pair<std::string, std::string>>;

TEST(properties, skips_comments_and_blank_lines) {
    EXPECT_EQ(entries("# a comment\n! another\n\n   \n\t# indented comment\na=1\n"),
              (kv{{"a", "1"}}));
}

TEST(properties, separators_are_equals_colon_or_blanks_with_blanks_trimmed) {
    EXPECT_EQ(
        entries("a=1\nb:2\nc 3\n  d  =  4  \ne\t:\t5\nf =\ng\n"),
        (kv{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}, {"f", ""}, {"g", ""}}));
}

TEST(properties, only_the_first_separator_splits) {
    EXPECT_EQ(entries("listeners=PLAINTEXT://h:9092\nx=a=b\n"),
              (kv{{"listeners", "PLAINTEXT://h:9092"}, {"x", "a=b"}}));
}

TEST(properties, line_endings_and_a_missing_final_newline) {
    EXPECT_EQ(entries("a=1\r\nb=2\rc=3"), (kv{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
}

TEST(properties, continuation_lines_join_without_leading_blanks) {
    auto parsed = parse_properties("a=one,\\\n    two,\\\n\tthree\nb=\\\\\nc=x");
    ASSERT_TRUE(parsed);
    ASSERT_EQ(parsed->size(), 3u);
    EXPECT_EQ((*parsed)[0].value, "one,two,three");
    EXPECT_EQ((*parsed)[0].line, 1);
    EXPECT_EQ((*parsed)[1].value, "\\");  // an even number of backslashes does not continue
    EXPECT_EQ((*parsed)[1].line, 4);
    EXPECT_EQ((*parsed)[2].line, 5);
}

TEST(properties, a_comment_ending_in_a_backslash_does_not_continue) {
    EXPECT_EQ(entries("# comment \\\na=1\n"), (kv{{"a", "1"}}));
}

TEST(properties, escapes) {
    EXPECT_EQ(entries("k\\=ey=v\\:a\\tl\\u00e9\nsp\\ ace=x\n"),
              (kv{{"k=ey", "v:a\tl\xc3\xa9"}, {"sp ace", "x"}}));
}

TEST(properties, a_malformed_unicode_escape_is_an_error_with_its_line) {
    auto parsed = parse_properties("a=1\nb=\\u12x4\n");
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().line, 2);
    auto cut = parse_properties("b=\\u12");
    ASSERT_FALSE(cut);
    EXPECT_EQ(cut.error().line, 1);
}

TEST(properties, duplicates_are_all_returned_in_order) {
    EXPECT_EQ(entries("a=1\na=2\n"), (kv{{"a", "1"}, {"a", "2"}}));
}

class config_file_test : public ::testing::Test {
protected:
    void SetUp() override {
        _path = std::filesystem::temp_directory_path() /
                ("fjord-config-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".properties");
    }
    void TearDown() override { std::filesystem::remove(_path); }
    void write(std::string_view text) {
        std::ofstream out(_path, std::ios::trunc);
        out << text;
    }
    std::filesystem::path _path;
};

TEST_F(config_file_test, sets_every_property_and_the_last_duplicate_wins) {
    write("# broker\nnum.partitions=2\nlog.retention.hours = 1\nnum.partitions=5\n");
    broker_config c;
    ASSERT_TRUE(load_config_file(_path, c));
    EXPECT_EQ(c.num_partitions, 5);
    EXPECT_EQ(c.log_retention_ms, 3600000);
    EXPECT_EQ(c.static_values.at("num.partitions"), "5");
}

TEST_F(config_file_test, an_unknown_key_names_it_and_the_file_and_line) {
    write("num.partitions=2\n\nno.such.thing=1\n");
    broker_config c;
    auto r = load_config_file(_path, c);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("no.such.thing"), std::string::npos) << r.error();
    EXPECT_NE(r.error().find(_path.string() + ":3"), std::string::npos) << r.error();
}

TEST_F(config_file_test, a_bad_value_names_the_key_and_the_file_and_line) {
    write("num.partitions=two\n");
    broker_config c;
    auto r = load_config_file(_path, c);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("num.partitions"), std::string::npos) << r.error();
    EXPECT_NE(r.error().find(_path.string() + ":1"), std::string::npos) << r.error();
}

TEST_F(config_file_test, a_missing_file_is_an_error_naming_it) {
    broker_config c;
    auto r = load_config_file(_path, c);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find(_path.string()), std::string::npos) << r.error();
}

}  // namespace
}  // namespace fjord::broker
