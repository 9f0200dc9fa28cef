// How `fjord produce` turns one line of standard input into a record.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace fjord::cli {

struct line_record {
    std::optional<std::string_view> key;  // nullopt: no --key-separator, the record has no key
    std::string_view value;
};

// `line` without its line terminator ("\n" or "\r\n" is removed first). With a non-empty
// `separator`, the key is everything before its first occurrence and the value everything after;
// a line without the separator is an error. Views point into `line`.
result<line_record, std::string> split_line(std::string_view line, std::string_view separator);

}  // namespace fjord::cli
