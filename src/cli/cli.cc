#include "cli/cli.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/command.h"

namespace fjord::cli {
namespace {

constexpr std::string_view default_brokers = "127.0.0.1:9092";
constexpr double default_timeout_s = 10;
constexpr double max_timeout_s = 86400;

// Command groups in the order the help lists them; produce and consume are one-word commands.
struct command_group {
    std::string_view name;
    std::span<const command> (*commands)();
};
constexpr command_group groups[] = {
    {"topic", topic_commands}, {"produce", produce_commands}, {"consume", consume_commands},
    {"group", group_commands}, {"cluster", cluster_commands}, {"config", config_commands},
};

std::string top_usage() {
    std::string text =
        "usage: fjord [global options] <command> [arguments] [options]\n\n"
        "The Fjord broker and a command-line Kafka client for it (or any Kafka cluster).\n\n"
        "commands:\n";
    std::vector<std::pair<std::string, std::string_view>> lines = {
        {"serve", "Runs a broker (see fjord serve --help)."}};
    for (const auto& g : groups) {
        for (const auto& c : g.commands()) {
            lines.emplace_back(std::string(c.spec->path), c.spec->summary);
        }
    }
    auto label = [](const option_spec& o) {
        return o.value_name.empty() ? std::string(o.name)
                                    : fmt::format("{} {}", o.name, o.value_name);
    };
    size_t width = 0;
    for (const auto& [path, _] : lines) width = std::max(width, path.size());
    for (const auto& o : global_options()) width = std::max(width, label(o).size());
    for (const auto& [path, summary] : lines) {
        text += fmt::format("  {:<{}}  {}\n", path, width, summary);
    }
    text += "\nglobal options (before or after the command):\n";
    for (const auto& o : global_options()) {
        text += fmt::format("  {:<{}}  {}\n", label(o), width, o.help);
    }
    text +=
        "\nRun 'fjord <command> --help' for a command's options. Exit codes: 0 success, 1 the "
        "operation\nfailed, 2 usage error, 3 no broker answered within --timeout.\n";
    return text;
}

std::string group_usage(const command_group& g) {
    std::string text = fmt::format(
        "usage: fjord {} <subcommand> [arguments] [options]\n\n"
        "subcommands:\n",
        g.name);
    size_t width = 0;
    for (const auto& c : g.commands()) width = std::max(width, c.spec->path.size());
    for (const auto& c : g.commands()) {
        text += fmt::format("  {:<{}}  {}\n", c.spec->path, width, c.spec->summary);
    }
    return text;
}

int usage_failure(std::string_view message, std::string_view usage) {
    std::fprintf(stderr, "fjord: %.*s\n\n%.*s", static_cast<int>(message.size()), message.data(),
                 static_cast<int>(usage.size()), usage.data());
    return static_cast<int>(exit_code::usage);
}

bool is_global_with_value(std::string_view arg) {
    for (const auto& o : global_options()) {
        if (arg == o.name) return !o.value_name.empty();
    }
    return false;
}

cli_result<client_options> resolve_options(const parsed_args& args) {
    client_options options;
    if (auto b = args.value("--brokers")) {
        options.brokers = *b;
    } else if (const char* env = std::getenv("FJORD_BROKERS"); env != nullptr && *env != '\0') {
        options.brokers = env;
    } else {
        options.brokers = default_brokers;
    }
    if (options.brokers.empty()) return usage_error("--brokers must not be empty");
    double seconds = default_timeout_s;
    if (auto t = args.value("--timeout")) {
        auto [end, ec] = std::from_chars(t->data(), t->data() + t->size(), seconds);
        if (ec != std::errc() || end != t->data() + t->size() || !(seconds > 0) ||
            seconds > max_timeout_s) {
            return usage_error(
                fmt::format("--timeout takes a number of seconds between 0 and {}, got '{}'",
                            max_timeout_s, *t));
        }
    }
    options.timeout = std::chrono::milliseconds(std::max<int64_t>(1, seconds * 1000));
    options.verbose = args.has("--verbose");
    return options;
}

int run_command(const command& c, std::span<const std::string_view> args) {
    std::string usage = usage_text(*c.spec);
    auto parsed = parse_args(*c.spec, args);
    if (!parsed) return usage_failure(parsed.error(), usage);
    if (parsed->help_requested()) {
        std::fputs(usage.c_str(), stdout);
        return 0;
    }
    auto options = resolve_options(*parsed);
    if (!options) return usage_failure(options.error().message, usage);
    auto done = c.run(*options, *parsed);
    std::fflush(stdout);
    if (done) return 0;
    if (done.error().code == exit_code::usage) return usage_failure(done.error().message, usage);
    std::fprintf(stderr, "fjord: %s\n", done.error().message.c_str());
    return static_cast<int>(done.error().code);
}

}  // namespace

void print(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
}

int run(std::span<const std::string_view> args) {
    // Global options may come before the command; they are handed on to the command's parser,
    // which accepts them anywhere.
    std::vector<std::string_view> leading;
    size_t i = 0;
    for (; i < args.size() && args[i].starts_with("-"); ++i) {
        if (args[i] == "-h" || args[i] == "--help") {
            std::fputs(top_usage().c_str(), stdout);
            return 0;
        }
        leading.push_back(args[i]);
        if (is_global_with_value(args[i]) && i + 1 < args.size()) leading.push_back(args[++i]);
    }
    if (i == args.size()) {
        return usage_failure(leading.empty() ? "no command given"
                                             : fmt::format("no command after '{}'", leading.back()),
                             top_usage());
    }
    std::string_view word = args[i];
    if (word == "help") {
        std::fputs(top_usage().c_str(), stdout);
        return 0;
    }
    for (const auto& g : groups) {
        if (g.name != word) continue;
        auto commands = g.commands();
        std::vector<std::string_view> rest(leading);
        // One-word commands (produce, consume) take their arguments right after the name.
        if (commands.size() == 1 && commands[0].spec->path == word) {
            rest.insert(rest.end(), args.begin() + static_cast<ptrdiff_t>(i) + 1, args.end());
            return run_command(commands[0], rest);
        }
        if (i + 1 == args.size()) return usage_failure("missing subcommand", group_usage(g));
        std::string_view sub = args[i + 1];
        if (sub == "-h" || sub == "--help") {
            std::fputs(group_usage(g).c_str(), stdout);
            return 0;
        }
        std::string path = fmt::format("{} {}", word, sub);
        for (const auto& c : commands) {
            if (c.spec->path != path) continue;
            rest.insert(rest.end(), args.begin() + static_cast<ptrdiff_t>(i) + 2, args.end());
            return run_command(c, rest);
        }
        return usage_failure(fmt::format("unknown subcommand '{}'", path), group_usage(g));
    }
    return usage_failure(fmt::format("unknown command '{}'", word), top_usage());
}

}  // namespace fjord::cli
