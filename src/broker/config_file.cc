#include "broker/config_file.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace fjord::broker {
namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\f';
}

// One natural line (without its terminator) and where the next one starts.
struct natural_line {
    std::string_view text;
    size_t next;
};

natural_line read_line(std::string_view text, size_t pos) {
    size_t end = pos;
    while (end < text.size() && text[end] != '\n' && text[end] != '\r') ++end;
    size_t next = end;
    if (next < text.size()) {
        next += text[next] == '\r' && next + 1 < text.size() && text[next + 1] == '\n' ? 2 : 1;
    }
    return {text.substr(pos, end - pos), next};
}

bool ends_in_odd_backslashes(std::string_view line) {
    size_t n = 0;
    for (auto it = line.rbegin(); it != line.rend() && *it == '\\'; ++it) ++n;
    return n % 2 == 1;
}

void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Splits a logical line (continuations joined, escapes still in place) into key and value,
// resolving escapes. Returns an error message for a malformed \u escape.
result<std::pair<std::string, std::string>, std::string> split_entry(std::string_view line) {
    std::string key;
    std::string value;
    std::string* out = &key;
    bool in_key = true;
    bool separator_seen = false;
    size_t i = 0;
    while (i < line.size() && is_blank(line[i])) ++i;
    for (; i < line.size(); ++i) {
        char c = line[i];
        if (c == '\\') {
            if (++i >= line.size()) break;  // a lone trailing backslash stands for nothing
            char e = line[i];
            switch (e) {
                case 't':
                    *out += '\t';
                    break;
                case 'n':
                    *out += '\n';
                    break;
                case 'r':
                    *out += '\r';
                    break;
                case 'f':
                    *out += '\f';
                    break;
                case 'u': {
                    if (i + 4 >= line.size()) {
                        return fail(std::string("malformed \\uXXXX escape"));
                    }
                    uint32_t cp = 0;
                    for (size_t k = 1; k <= 4; ++k) {
                        char h = line[i + k];
                        cp <<= 4;
                        if (h >= '0' && h <= '9') {
                            cp |= static_cast<uint32_t>(h - '0');
                        } else if (h >= 'a' && h <= 'f') {
                            cp |= static_cast<uint32_t>(h - 'a' + 10);
                        } else if (h >= 'A' && h <= 'F') {
                            cp |= static_cast<uint32_t>(h - 'A' + 10);
                        } else {
                            return fail(std::string("malformed \\uXXXX escape"));
                        }
                    }
                    append_utf8(*out, cp);
                    i += 4;
                    break;
                }
                default:
                    *out += e;
            }
            continue;
        }
        if (in_key && (c == '=' || c == ':' || is_blank(c))) {
            in_key = false;
            separator_seen = c == '=' || c == ':';
            // Blanks, then at most one '=' or ':' (if the key ended on a blank), then blanks.
            while (i + 1 < line.size() && is_blank(line[i + 1])) ++i;
            if (!separator_seen && i + 1 < line.size() &&
                (line[i + 1] == '=' || line[i + 1] == ':')) {
                ++i;
                while (i + 1 < line.size() && is_blank(line[i + 1])) ++i;
            }
            out = &value;
            continue;
        }
        *out += c;
    }
    while (!value.empty() && is_blank(value.back())) value.pop_back();
    return std::pair{std::move(key), std::move(value)};
}

}  // namespace

result<std::vector<property_line>, properties_error> parse_properties(std::string_view text) {
    std::vector<property_line> out;
    size_t pos = 0;
    int line_number = 0;
    while (pos < text.size()) {
        auto line = read_line(text, pos);
        pos = line.next;
        ++line_number;
        size_t first = 0;
        while (first < line.text.size() && is_blank(line.text[first])) ++first;
        if (first == line.text.size()) continue;                           // blank
        if (line.text[first] == '#' || line.text[first] == '!') continue;  // comment
        int start_line = line_number;
        std::string logical(line.text.substr(first));
        while (ends_in_odd_backslashes(logical)) {
            logical.pop_back();  // the continuation backslash
            if (pos >= text.size()) break;
            auto next = read_line(text, pos);
            pos = next.next;
            ++line_number;
            std::string_view cont = next.text;
            while (!cont.empty() && is_blank(cont.front())) cont.remove_prefix(1);
            logical += cont;
        }
        auto entry = split_entry(logical);
        if (!entry) return fail(properties_error{start_line, entry.error()});
        out.push_back({std::move(entry->first), std::move(entry->second), start_line});
    }
    return out;
}

result<void, std::string> load_config_file(const std::filesystem::path& path,
                                           broker_config& config) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return fail(
            fmt::format("cannot read config file {}: {}", path.string(), std::strerror(errno)));
    }
    std::stringstream text;
    text << in.rdbuf();
    if (in.bad()) return fail(fmt::format("cannot read config file {}", path.string()));
    auto entries = parse_properties(text.str());
    if (!entries) {
        return fail(
            fmt::format("{}:{}: {}", path.string(), entries.error().line, entries.error().message));
    }
    for (const auto& e : *entries) {
        if (auto r = config.set(e.key, e.value); !r) {
            return fail(fmt::format("{}:{}: {}", path.string(), e.line, r.error()));
        }
    }
    return {};
}

}  // namespace fjord::broker
