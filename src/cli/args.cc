#include "cli/args.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace fjord::cli {
namespace {

constexpr option_spec global_option_table[] = {
    {"--brokers", "HOST:PORT[,...]",
     "bootstrap brokers (default: $FJORD_BROKERS, else 127.0.0.1:9092)"},
    {"--timeout", "SECONDS", "bound on every broker call (default 10)"},
    {"--verbose", "", "show librdkafka's own log lines on stderr"},
};

const option_spec* find_option(const command_spec& spec, std::string_view name) {
    auto match = [&](const option_spec& o) { return o.name == name; };
    if (auto it = std::find_if(spec.options.begin(), spec.options.end(), match);
        it != spec.options.end()) {
        return &*it;
    }
    auto globals = global_options();
    if (auto it = std::find_if(globals.begin(), globals.end(), match); it != globals.end()) {
        return &*it;
    }
    return nullptr;
}

}  // namespace

std::span<const option_spec> global_options() {
    return global_option_table;
}

std::optional<std::string> parsed_args::value(std::string_view name) const {
    auto it = _values.find(name);
    if (it == _values.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
}

std::vector<std::string> parsed_args::values(std::string_view name) const {
    auto it = _values.find(name);
    return it == _values.end() ? std::vector<std::string>{} : it->second;
}

result<parsed_args, std::string> parse_args(const command_spec& spec,
                                            std::span<const std::string_view> args) {
    parsed_args out;
    if (std::any_of(args.begin(), args.end(),
                    [](std::string_view a) { return a == "-h" || a == "--help"; })) {
        out._help = true;
        return out;
    }
    bool options_done = false;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (options_done || arg == "-" || !arg.starts_with("-")) {
            out._positionals.emplace_back(arg);
            continue;
        }
        if (arg == "--") {
            options_done = true;
            continue;
        }
        std::string_view name = arg;
        std::optional<std::string_view> inline_value;
        if (auto eq = arg.find('='); eq != std::string_view::npos && arg.starts_with("--")) {
            name = arg.substr(0, eq);
            inline_value = arg.substr(eq + 1);
        }
        const option_spec* option = find_option(spec, name);
        if (option == nullptr) return fail(fmt::format("unknown option '{}'", name));
        auto& slot = out._values[std::string(option->name)];
        if (!slot.empty() && !option->repeatable) {
            return fail(fmt::format("{} given more than once", option->name));
        }
        if (option->value_name.empty()) {
            if (inline_value) return fail(fmt::format("{} takes no value", option->name));
            slot.emplace_back();
            continue;
        }
        if (inline_value) {
            slot.emplace_back(*inline_value);
        } else if (i + 1 < args.size()) {
            // The next word is the value even if it starts with '-' (e.g. --key-separator -).
            slot.emplace_back(args[++i]);
        } else {
            return fail(fmt::format("{} needs a value ({})", option->name, option->value_name));
        }
    }
    size_t n = out._positionals.size();
    if (n < spec.min_positionals) {
        return fail(fmt::format("missing argument {}", spec.arguments));
    }
    if (n > spec.max_positionals) {
        return fail(
            fmt::format("unexpected argument '{}'", out._positionals[spec.max_positionals]));
    }
    return out;
}

std::string usage_text(const command_spec& spec) {
    std::string text = fmt::format("usage: fjord {}", spec.path);
    if (!spec.arguments.empty()) text += fmt::format(" {}", spec.arguments);
    text += " [options]\n\n";
    text += fmt::format("{}\n", spec.summary);
    auto label = [](const option_spec& o) {
        return o.value_name.empty() ? std::string(o.name)
                                    : fmt::format("{} {}", o.name, o.value_name);
    };
    constexpr std::string_view help_label = "-h, --help";
    size_t width = help_label.size();
    for (const auto& o : spec.options) width = std::max(width, label(o).size());
    for (const auto& o : global_options()) width = std::max(width, label(o).size());
    auto add_line = [&](std::string_view left, std::string_view help, bool repeatable) {
        text +=
            fmt::format("  {:<{}}  {}{}\n", left, width, help, repeatable ? " (repeatable)" : "");
    };
    if (!spec.options.empty()) {
        text += "\noptions:\n";
        for (const auto& o : spec.options) add_line(label(o), o.help, o.repeatable);
    }
    text += "\nglobal options:\n";
    for (const auto& o : global_options()) add_line(label(o), o.help, o.repeatable);
    add_line(help_label, "show this help", false);
    if (!spec.details.empty()) text += fmt::format("\n{}\n", spec.details);
    return text;
}

result<int64_t, std::string> parse_integer(std::string_view option, std::string_view text,
                                           int64_t min, int64_t max) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
        return fail(fmt::format("{} takes an integer, got '{}'", option, text));
    }
    if (value < min || value > max) {
        return fail(fmt::format("{} must be between {} and {}, got {}", option, min, max, value));
    }
    return value;
}

result<std::pair<std::string, std::string>, std::string> parse_key_value(std::string_view option,
                                                                         std::string_view text) {
    auto eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0) {
        return fail(fmt::format("{} takes KEY=VALUE, got '{}'", option, text));
    }
    return std::pair{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

}  // namespace fjord::cli
