// fjord config get|set (topic configs)
#include <fmt/format.h>

#include <map>

#include "cli/command.h"
#include "cli/format.h"
#include "cli/kafka_errors.h"
#include "cli/topic_configs.h"

namespace fjord::cli {
namespace {

// ---- config get

constexpr option_spec get_options[] = {
    {"--topic", "NAME", "the topic (required)"},
    {"--json", "", "print JSON"},
};
constexpr command_spec get_spec{
    "config get",
    "[KEY]",
    0,
    1,
    "Shows a topic's configs, or the value of KEY.",
    get_options,
    "Without KEY: every config with its value and source (DYNAMIC_TOPIC_CONFIG marks an "
    "override)."};

cli_result<void> config_get(const client_options& options, const parsed_args& args) {
    auto topic = args.value("--topic");
    if (!topic) return usage_error("--topic NAME is required");
    auto client = make_client(RD_KAFKA_PRODUCER, options);
    if (!client) return fail(client.error());
    auto entries = describe_topic_config(client->get(), options, *topic);
    if (!entries) return fail(entries.error());
    bool json = args.has("--json");
    if (!args.positionals().empty()) {
        const std::string& key = args.positionals()[0];
        for (const auto& e : *entries) {
            if (e.name != key) continue;
            if (json) {
                json_writer w;
                w.begin_object().key("name").string(e.name).key("value");
                w.string_or_null(e.value).key("source").string(e.source).end_object();
                print(w.str() + "\n");
            } else {
                print(e.value.value_or("") + "\n");
            }
            return {};
        }
        return operation_failed(fmt::format("topic '{}' has no config '{}'", *topic, key));
    }
    if (json) {
        json_writer w;
        w.begin_array();
        for (const auto& e : *entries) {
            w.begin_object().key("name").string(e.name).key("value").string_or_null(e.value);
            w.key("source").string(e.source).key("read_only").boolean(e.read_only);
            w.key("sensitive").boolean(e.sensitive).end_object();
        }
        w.end_array();
        print(w.str() + "\n");
        return {};
    }
    text_table table({"NAME", "VALUE", "SOURCE"});
    for (const auto& e : *entries) {
        table.add_row({e.name, e.sensitive ? "(sensitive)" : e.value.value_or(""), e.source});
    }
    print(table.render());
    return {};
}

// ---- config set

constexpr option_spec set_options[] = {{"--topic", "NAME", "the topic (required)"}};
constexpr command_spec set_spec{"config set",
                                "KEY=VALUE...",
                                1,
                                1000,
                                "Sets topic config overrides; the others are kept.",
                                set_options,
                                {}};

cli_result<void> config_set(const client_options& options, const parsed_args& args) {
    auto topic = args.value("--topic");
    if (!topic) return usage_error("--topic NAME is required");
    std::map<std::string, std::string> set;
    for (const auto& p : args.positionals()) {
        auto kv = parse_key_value("config set", p);
        if (!kv) return usage_error(kv.error());
        set[kv->first] = kv->second;
    }
    auto client = make_client(RD_KAFKA_PRODUCER, options);
    if (!client) return fail(client.error());
    auto now = alter_topic_config(client->get(), options, *topic, set, {});
    if (!now) return fail(now.error());
    print(fmt::format("updated config of topic {}\n", *topic));
    return {};
}

constexpr command table[] = {
    {&get_spec, config_get},
    {&set_spec, config_set},
};

}  // namespace

std::span<const command> config_commands() {
    return table;
}

}  // namespace fjord::cli
