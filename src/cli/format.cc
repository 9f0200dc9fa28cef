#include "cli/format.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/vassert.h"

namespace fjord::cli {

text_table::text_table(std::vector<std::string> headers) : _headers(std::move(headers)) {}

void text_table::add_row(std::vector<std::string> cells) {
    vassert(cells.size() == _headers.size(), "table row has {} cells for {} columns", cells.size(),
            _headers.size());
    _rows.push_back(std::move(cells));
}

std::string text_table::render() const {
    std::vector<size_t> widths(_headers.size());
    auto measure = [&](const std::vector<std::string>& row) {
        for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    };
    measure(_headers);
    for (const auto& row : _rows) measure(row);
    std::string out;
    auto emit = [&](const std::vector<std::string>& row) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line;
        out += '\n';
    };
    emit(_headers);
    for (const auto& row : _rows) emit(row);
    return out;
}

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not one.
size_t utf8_sequence_length(std::string_view s, size_t i) {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = byte(i);
    size_t len = 0;
    uint32_t min = 0;
    uint32_t cp = 0;
    if (c < 0x80) return 1;
    if ((c & 0xe0) == 0xc0) {
        len = 2, min = 0x80, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, min = 0x800, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + len > s.size()) return 0;
    for (size_t k = 1; k < len; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not valid UTF-8.
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return len;
}

void append_quoted(std::string& out, std::string_view s) {
    out += '"';
    for (size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        switch (c) {
            case '"':
                out += "\\\"";
                ++i;
                continue;
            case '\\':
                out += "\\\\";
                ++i;
                continue;
            case '\n':
                out += "\\n";
                ++i;
                continue;
            case '\r':
                out += "\\r";
                ++i;
                continue;
            case '\t':
                out += "\\t";
                ++i;
                continue;
            default:
                break;
        }
        if (c < 0x20) {
            out += fmt::format("\\u{:04x}", c);
            ++i;
            continue;
        }
        size_t len = utf8_sequence_length(s, i);
        if (len == 0) {
            out += fmt::format("\\u{:04x}", c);
            ++i;
            continue;
        }
        out.append(s.substr(i, len));
        i += len;
    }
    out += '"';
}

}  // namespace

std::string json_quote(std::string_view value) {
    std::string out;
    append_quoted(out, value);
    return out;
}

void json_writer::before_value() {
    if (_after_key) {
        _after_key = false;
        return;
    }
    if (!_first.empty()) {
        if (!_first.back()) _out += ',';
        _first.back() = false;
    }
}

json_writer& json_writer::begin_object() {
    before_value();
    _out += '{';
    _first.push_back(true);
    return *this;
}

json_writer& json_writer::end_object() {
    vassert(!_first.empty(), "json_writer: end_object without begin");
    _first.pop_back();
    _out += '}';
    return *this;
}

json_writer& json_writer::begin_array() {
    before_value();
    _out += '[';
    _first.push_back(true);
    return *this;
}

json_writer& json_writer::end_array() {
    vassert(!_first.empty(), "json_writer: end_array without begin");
    _first.pop_back();
    _out += ']';
    return *this;
}

json_writer& json_writer::key(std::string_view name) {
    before_value();
    append_quoted(_out, name);
    _out += ':';
    _after_key = true;
    return *this;
}

json_writer& json_writer::string(std::string_view value) {
    before_value();
    append_quoted(_out, value);
    return *this;
}

json_writer& json_writer::string_or_null(const std::optional<std::string_view>& value) {
    return value ? string(*value) : null();
}

json_writer& json_writer::number(int64_t value) {
    before_value();
    _out += fmt::to_string(value);
    return *this;
}

json_writer& json_writer::boolean(bool value) {
    before_value();
    _out += value ? "true" : "false";
    return *this;
}

json_writer& json_writer::null() {
    before_value();
    _out += "null";
    return *this;
}

result<record_format, std::string> record_format::parse(std::string_view spec) {
    record_format f;
    auto literal = [&](char c) {
        if (f._tokens.empty() || f._tokens.back().kind != field::literal) {
            f._tokens.push_back({field::literal, {}});
        }
        f._tokens.back().literal += c;
    };
    for (size_t i = 0; i < spec.size(); ++i) {
        char c = spec[i];
        if (c != '%' && c != '\\') {
            literal(c);
            continue;
        }
        if (i + 1 == spec.size()) {
            return fail(fmt::format("--format ends with a lone '{}'", c));
        }
        char next = spec[++i];
        if (c == '\\') {
            switch (next) {
                case 'n':
                    literal('\n');
                    break;
                case 't':
                    literal('\t');
                    break;
                case 'r':
                    literal('\r');
                    break;
                case '\\':
                    literal('\\');
                    break;
                default:
                    return fail(fmt::format("--format: unknown escape '\\{}'", next));
            }
            continue;
        }
        switch (next) {
            case 't':
                f._tokens.push_back({field::topic, {}});
                break;
            case 'p':
                f._tokens.push_back({field::partition, {}});
                break;
            case 'o':
                f._tokens.push_back({field::offset, {}});
                break;
            case 'k':
                f._tokens.push_back({field::key, {}});
                break;
            case 'v':
                f._tokens.push_back({field::value, {}});
                break;
            case 'h':
                f._tokens.push_back({field::headers, {}});
                break;
            case 'T':
                f._tokens.push_back({field::timestamp, {}});
                break;
            case '%':
                literal('%');
                break;
            default:
                return fail(fmt::format(
                    "--format: unknown field '%{}' (use %t %p %o %k %v %h %T or %%)", next));
        }
    }
    return f;
}

void record_format::render(const record_view& r, std::string& out) const {
    for (const auto& t : _tokens) {
        switch (t.kind) {
            case field::literal:
                out += t.literal;
                break;
            case field::topic:
                out += r.topic;
                break;
            case field::partition:
                out += fmt::to_string(r.partition);
                break;
            case field::offset:
                out += fmt::to_string(r.offset);
                break;
            case field::key:
                out += r.key.value_or("");
                break;
            case field::value:
                out += r.value.value_or("");
                break;
            case field::timestamp:
                out += fmt::to_string(r.timestamp_ms);
                break;
            case field::headers:
                for (size_t i = 0; i < r.headers.size(); ++i) {
                    if (i > 0) out += ',';
                    out += r.headers[i].first;
                    out += '=';
                    out += r.headers[i].second.value_or("");
                }
                break;
        }
    }
}

void render_record_json(const record_view& r, std::string& out) {
    json_writer w;
    w.begin_object();
    w.key("topic").string(r.topic);
    w.key("partition").number(r.partition);
    w.key("offset").number(r.offset);
    w.key("timestamp");
    if (r.timestamp_ms >= 0) {
        w.number(r.timestamp_ms);
    } else {
        w.null();
    }
    w.key("key").string_or_null(r.key);
    w.key("value").string_or_null(r.value);
    w.key("headers").begin_array();
    for (const auto& [name, value] : r.headers) {
        w.begin_object().key("key").string(name).key("value").string_or_null(value).end_object();
    }
    w.end_array();
    w.end_object();
    out += w.str();
    out += '\n';
}

}  // namespace fjord::cli
