// The broker's configuration file (`fjord serve --config FILE`): Java properties syntax, the
// format of Kafka's server.properties, with the broker property names `--set` takes.
//
// Syntax (java.util.Properties.load):
//  - blank lines and lines whose first non-blank character is '#' or '!' are ignored;
//  - a line ending in an odd number of backslashes continues on the next line (whose leading
//    blanks are dropped);
//  - the key runs to the first unescaped '=', ':' or blank; blanks around the separator are
//    skipped; the rest is the value. Fjord also trims trailing blanks of the value (Java keeps
//    them), so "num.partitions = 3 " means 3;
//  - escapes: \t \n \r \f, \uXXXX (written as UTF-8), and a backslash before any other
//    character stands for that character (\=, \:, \#, \\, "\ ").
// A key given twice: the last one wins, as in Java.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "broker/config.h"

namespace fjord::broker {

struct property_line {
    std::string key;
    std::string value;
    int line = 0;  // 1-based, where the (possibly continued) entry starts
};

struct properties_error {
    int line = 0;
    std::string message;
};

// Every key=value entry of `text`, in file order (duplicates included).
result<std::vector<property_line>, properties_error> parse_properties(std::string_view text);

// Reads `path` and sets every entry on `config`, in file order. The error names the problem, the
// property and FILE:LINE.
result<void, std::string> load_config_file(const std::filesystem::path& path,
                                           broker_config& config);

}  // namespace fjord::broker
