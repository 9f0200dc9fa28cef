// Output formatting for the `fjord` client: aligned text tables, a small JSON writer, and the
// consumer's record format (`--format "%k=%v\n"`, `--json`). Pure functions of their input, so
// they are unit-tested without a broker.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace fjord::cli {

// Columns left-aligned to their widest cell, separated by two spaces; no trailing spaces.
class text_table {
public:
    explicit text_table(std::vector<std::string> headers);
    // REQUIRES: cells.size() == the number of headers.
    void add_row(std::vector<std::string> cells);
    bool empty() const { return _rows.empty(); }
    std::string render() const;

private:
    std::vector<std::string> _headers;
    std::vector<std::vector<std::string>> _rows;
};

// Appends compact JSON to a string. Strings are escaped; bytes that are not valid UTF-8 are
// written as \u00XX (their Latin-1 reading), so the output is always valid JSON.
class json_writer {
public:
    json_writer& begin_object();
    json_writer& end_object();
    json_writer& begin_array();
    json_writer& end_array();
    json_writer& key(std::string_view name);
    json_writer& string(std::string_view value);
    json_writer& string_or_null(const std::optional<std::string_view>& value);
    json_writer& number(int64_t value);
    json_writer& boolean(bool value);
    json_writer& null();
    const std::string& str() const { return _out; }

private:
    void before_value();
    std::string _out;
    std::vector<bool> _first;  // per open container: nothing written in it yet
    bool _after_key = false;
};

// The JSON text of a string: quoted and escaped.
std::string json_quote(std::string_view value);

// One consumed record, borrowed from the client library for the time it is formatted.
struct record_view {
    std::string_view topic;
    int32_t partition = 0;
    int64_t offset = 0;
    int64_t timestamp_ms = -1;  // -1: the record has none
    std::optional<std::string_view> key;
    std::optional<std::string_view> value;
    std::vector<std::pair<std::string_view, std::optional<std::string_view>>> headers;
};

// A --format string compiled once: %t topic, %p partition, %o offset, %k key, %v value,
// %h headers (k=v,k=v), %T timestamp (ms), %% a percent sign; \n, \t, \r, \\ escapes.
class record_format {
public:
    static result<record_format, std::string> parse(std::string_view spec);
    void render(const record_view& record, std::string& out) const;

private:
    enum class field { literal, topic, partition, offset, key, value, headers, timestamp };
    struct token {
        field kind;
        std::string literal;
    };
    std::vector<token> _tokens;
};

// One JSON object and a newline: topic, partition, offset, timestamp, key, value, headers.
void render_record_json(const record_view& record, std::string& out);

}  // namespace fjord::cli
