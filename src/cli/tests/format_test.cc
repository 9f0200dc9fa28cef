#include "cli/format.h"

#include <gtest/gtest.h>

#include "cli/line_record.h"

namespace fjord::cli {
namespace {

TEST(text_table, aligns_columns_without_trailing_spaces) {
    text_table t({"NAME", "PARTITIONS"});
    t.add_row({"orders", "3"});
    t.add_row({"a", "12"});
    EXPECT_EQ(t.render(),
              "NAME    PARTITIONS\n"
              "orders  3\n"
              "a       12\n");
}

TEST(text_table, header_only) {
    text_table t({"GROUP", "STATE"});
    EXPECT_TRUE(t.empty());
    EXPECT_EQ(t.render(), "GROUP  STATE\n");
}

TEST(json_writer, nested_containers_and_commas) {
    json_writer w;
    w.begin_object().key("a").number(1).key("b").begin_array().string("x").null().boolean(true);
    w.end_array().key("c").begin_object().end_object().end_object();
    EXPECT_EQ(w.str(), R"({"a":1,"b":["x",null,true],"c":{}})");
}

TEST(json_quote, escapes_controls_quotes_and_backslashes) {
    EXPECT_EQ(json_quote("a\"b\\c\n\t\x01"), R"("a\"b\\c\n\t\u0001")");
}

TEST(json_quote, keeps_valid_utf8_and_escapes_invalid_bytes) {
    EXPECT_EQ(json_quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
    EXPECT_EQ(json_quote("\xff"), R"("\u00ff")");
    EXPECT_EQ(json_quote("\xc3"), R"("\u00c3")");                      // truncated sequence
    EXPECT_EQ(json_quote("\xc0\x80"), R"("\u00c0\u0080")");            // overlong NUL
    EXPECT_EQ(json_quote("\xed\xa0\x80"), R"("\u00ed\u00a0\u0080")");  // surrogate
}

record_view sample() {
    record_view r;
    r.topic = "orders";
    r.partition = 2;
    r.offset = 41;
    r.timestamp_ms = 1700000000000;
    r.key = "k1";
    r.value = "hello";
    r.headers = {{"h1", "v1"}, {"h2", std::nullopt}};
    return r;
}

std::string render(std::string_view spec, const record_view& r) {
    auto f = record_format::parse(spec);
    EXPECT_TRUE(f) << f.error();
    std::string out;
    f->render(r, out);
    return out;
}

TEST(record_format, every_field) {
    EXPECT_EQ(render("%t/%p@%o %k=%v [%h] %T\\n", sample()),
              "orders/2@41 k1=hello [h1=v1,h2=] 1700000000000\n");
}

TEST(record_format, default_is_value_and_newline) {
    EXPECT_EQ(render("%v\\n", sample()), "hello\n");
}

TEST(record_format, escapes_and_percent) {
    EXPECT_EQ(render("%%\\t\\\\\\r", sample()), "%\t\\\r");
}

TEST(record_format, null_key_and_value_print_empty) {
    record_view r = sample();
    r.key.reset();
    r.value.reset();
    EXPECT_EQ(render("[%k][%v]", r), "[][]");
}

TEST(record_format, rejects_unknown_fields_and_dangling_escapes) {
    EXPECT_FALSE(record_format::parse("%x"));
    EXPECT_FALSE(record_format::parse("abc%"));
    EXPECT_FALSE(record_format::parse("\\q"));
    EXPECT_FALSE(record_format::parse("abc\\"));
}

TEST(render_record_json, all_fields_one_line) {
    std::string out;
    render_record_json(sample(), out);
    EXPECT_EQ(out, R"({"topic":"orders","partition":2,"offset":41,"timestamp":1700000000000,)"
                   R"("key":"k1","value":"hello","headers":[{"key":"h1","value":"v1"},)"
                   R"({"key":"h2","value":null}]})"
                   "\n");
}

TEST(render_record_json, null_key_and_missing_timestamp) {
    record_view r = sample();
    r.key.reset();
    r.timestamp_ms = -1;
    r.headers.clear();
    std::string out;
    render_record_json(r, out);
    EXPECT_NE(out.find(R"("timestamp":null)"), std::string::npos);
    EXPECT_NE(out.find(R"("key":null)"), std::string::npos);
    EXPECT_NE(out.find(R"("headers":[])"), std::string::npos);
}

TEST(split_line, without_separator_the_whole_line_is_the_value) {
    auto r = split_line("a:b\n", "");
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->key);
    EXPECT_EQ(r->value, "a:b");
}

TEST(split_line, splits_at_the_first_separator_and_strips_crlf) {
    auto r = split_line("user1::x::y\r\n", "::");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->key, "user1");
    EXPECT_EQ(r->value, "x::y");
}

TEST(split_line, empty_key_and_value_are_kept) {
    auto r = split_line(":", ":");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->key, "");
    EXPECT_EQ(r->value, "");
}

TEST(split_line, missing_separator_is_an_error) {
    EXPECT_FALSE(split_line("novalue\n", ":"));
}

}  // namespace
}  // namespace fjord::cli
