// Command-line parsing for the `fjord` client: a declarative description of each command's
// options and positional arguments, the parser, and the usage text generated from the same
// description (so help and parser never disagree).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace fjord::cli {

struct option_spec {
    std::string_view name;        // "--partitions"
    std::string_view value_name;  // "N"; empty for a flag that takes no value
    std::string_view help;
    bool repeatable = false;  // may be given several times (values are kept in order)
};

struct command_spec {
    std::string_view path;       // "topic create"
    std::string_view arguments;  // usage text for the positional arguments: "NAME"
    size_t min_positionals = 0;
    size_t max_positionals = 0;
    std::string_view summary;  // one line, shown in the command list
    std::span<const option_spec> options;
    std::string_view details;  // free text after the option list (may be empty)
};

// The options every command accepts, wherever they appear on the command line.
std::span<const option_spec> global_options();

class parsed_args {
public:
    bool has(std::string_view name) const { return _values.contains(std::string(name)); }
    // The value of a non-repeatable option, if given.
    std::optional<std::string> value(std::string_view name) const;
    // Every value of a repeatable option, in command-line order (empty if absent).
    std::vector<std::string> values(std::string_view name) const;
    const std::vector<std::string>& positionals() const { return _positionals; }
    bool help_requested() const { return _help; }

private:
    friend result<parsed_args, std::string> parse_args(const command_spec&,
                                                       std::span<const std::string_view>);
    std::map<std::string, std::vector<std::string>, std::less<>> _values;
    std::vector<std::string> _positionals;
    bool _help = false;
};

// Parses `args` (everything after the command path) against `spec` plus global_options().
// Accepts `--name value`, `--name=value`, `--` (the rest are positionals), `-h`/`--help`.
// With --help present, everything else is ignored and help_requested() is true.
result<parsed_args, std::string> parse_args(const command_spec& spec,
                                            std::span<const std::string_view> args);

// "usage: fjord topic create NAME [options]" followed by the summary, options and details.
std::string usage_text(const command_spec& spec);

// Value parsers used by the commands; errors name the option.
result<int64_t, std::string> parse_integer(std::string_view option, std::string_view text,
                                           int64_t min, int64_t max);
// "KEY=VALUE" with a non-empty key; the value may be empty or contain '='.
result<std::pair<std::string, std::string>, std::string> parse_key_value(std::string_view option,
                                                                         std::string_view text);

}  // namespace fjord::cli
