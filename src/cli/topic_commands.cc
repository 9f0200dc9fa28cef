// fjord topic create|list|describe|delete|add-partitions|alter-config
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "cli/command.h"
#include "cli/format.h"
#include "cli/kafka_errors.h"
#include "cli/topic_configs.h"
#include "cli/topic_id_probe.h"

namespace fjord::cli {
namespace {

constexpr int32_t max_partitions = 1'000'000;

std::string join_ids(const int32_t* ids, int count) {
    std::string out;
    for (int i = 0; i < count; ++i) {
        if (i > 0) out += ',';
        out += fmt::to_string(ids[i]);
    }
    return out;
}

std::vector<const rd_kafka_metadata_partition_t*> sorted_partitions(
    const rd_kafka_metadata_topic_t& t) {
    std::vector<const rd_kafka_metadata_partition_t*> out;
    for (int i = 0; i < t.partition_cnt; ++i) out.push_back(&t.partitions[i]);
    std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->id < b->id; });
    return out;
}

// The error of one topic in a CreateTopics/DeleteTopics/CreatePartitions result.
cli_result<void> check_topic_results(const rd_kafka_topic_result_t** results, size_t count,
                                     std::string_view what) {
    for (size_t i = 0; i < count; ++i) {
        rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
        const char* text = rd_kafka_topic_result_error_string(results[i]);
        return fail(kafka_failure(err, what, text != nullptr ? text : ""));
    }
    return {};
}

// ---- topic create

constexpr option_spec create_options[] = {
    {"--partitions", "N", "number of partitions (default: the broker's num.partitions)"},
    {"--replication-factor", "N",
     "replicas per partition (default: the broker's default.replication.factor)"},
    {"--config", "KEY=VALUE", "topic config override, e.g. retention.ms=86400000", true},
};
constexpr command_spec create_spec{"topic create",     "NAME",         1, 1,
                                   "Creates a topic.", create_options, {}};

cli_result<void> topic_create(const client_options& options, const parsed_args& args) {
    const std::string& name = args.positionals()[0];
    int partitions = -1;
    int replication = -1;
    if (auto v = args.value("--partitions")) {
        auto n = parse_integer("--partitions", *v, 1, max_partitions);
        if (!n) return usage_error(n.error());
        partitions = static_cast<int>(*n);
    }
    if (auto v = args.value("--replication-factor")) {
        auto n = parse_integer("--replication-factor", *v, 1, 32767);
        if (!n) return usage_error(n.error());
        replication = static_cast<int>(*n);
    }
    std::vector<std::pair<std::string, std::string>> configs;
    for (const auto& c : args.values("--config")) {
        auto kv = parse_key_value("--config", c);
        if (!kv) return usage_error(kv.error());
        configs.push_back(*kv);
    }
    auto client = make_client(RD_KAFKA_PRODUCER, options);
    if (!client) return fail(client.error());

    char errstr[512];
    rd_kafka_NewTopic_t* raw =
        rd_kafka_NewTopic_new(name.c_str(), partitions, replication, errstr, sizeof(errstr));
    if (raw == nullptr) return usage_error(fmt::format("topic '{}': {}", name, errstr));
    std::unique_ptr<rd_kafka_NewTopic_t, decltype(&rd_kafka_NewTopic_destroy)> topic(
        raw, rd_kafka_NewTopic_destroy);
    for (const auto& [key, value] : configs) {
        rd_kafka_NewTopic_set_config(topic.get(), key.c_str(), value.c_str());
    }
    std::string what = fmt::format("create topic '{}'", name);
    auto event =
        admin_call(client->get(), RD_KAFKA_ADMIN_OP_CREATETOPICS, options, what,
                   [&](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                       rd_kafka_NewTopic_t* list[] = {topic.get()};
                       rd_kafka_CreateTopics(rk, list, 1, o, q);
                   });
    if (!event) return fail(event.error());
    size_t n = 0;
    const auto** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event->get()), &n);
    if (auto ok = check_topic_results(results, n, what); !ok) return ok;
    print(fmt::format("created topic {}\n", name));
    return {};
}

// ---- topic list

constexpr option_spec list_options[] = {
    {"--json", "", "print a JSON array"},
    {"--internal", "", "include internal topics (names starting with __)"},
};
constexpr command_spec list_spec{"topic list", "", 0, 0, "Lists topics.", list_options, {}};

cli_result<void> topic_list(const client_options& options, const parsed_args& args) {
    auto client = make_client(RD_KAFKA_PRODUCER, options);
    if (!client) return fail(client.error());
    auto md = fetch_metadata(client->get(), options);
    if (!md) return fail(md.error());
    std::vector<const rd_kafka_metadata_topic_t*> topics;
    for (int i = 0; i < (*md)->topic_cnt; ++i) {
        const auto& t = (*md)->topics[i];
        if (!args.has("--internal") && std::string_view(t.topic).starts_with("__")) continue;
        topics.push_back(&t);
    }
    std::sort(topics.begin(), topics.end(),
              [](auto* a, auto* b) { return std::string_view(a->topic) < b->topic; });
    auto replicas = [](const rd_kafka_metadata_topic_t& t) {
        return t.partition_cnt > 0 ? t.partitions[0].replica_cnt : 0;
    };
    if (args.has("--json")) {
        json_writer w;
        w.begin_array();
        for (const auto* t : topics) {
            w.begin_object()
                .key("name")
                .string(t->topic)
                .key("partitions")
                .number(t->partition_cnt)
                .key("replication_factor")
                .number(replicas(*t))
                .end_object();
        }
        w.end_array();
        print(w.str() + "\n");
        return {};
    }
    text_table table({"NAME", "PARTITIONS", "REPLICAS"});
    for (const auto* t : topics) {
        table.add_row({t->topic, fmt::to_string(t->partition_cnt), fmt::to_string(replicas(*t))});
    }
    print(table.render());
    return {};
}

// ---- topic describe

constexpr option_spec describe_options[] = {
    {"--json", "", "print one JSON object"},
};
constexpr command_spec describe_spec{
    "topic describe",
    "NAME",
    1,
    1,
    "Shows a topic's partitions, watermarks and config overrides.",
    describe_options,
    "Per partition: leader, replicas, in-sync replicas, low and high watermark."};

cli_result<void> topic_describe(const client_options& options, const parsed_args& args) {
    const std::string& name = args.positionals()[0];
    auto client = make_client(RD_KAFKA_PRODUCER, options);
    if (!client) return fail(client.error());
    auto md = fetch_metadata(client->get(), options);
    if (!md) return fail(md.error());
    auto topic = find_topic(**md, name);
    if (!topic) return fail(topic.error());
    auto partitions = sorted_partitions(**topic);
    std::vector<watermarks> marks;
    for (const auto* p : partitions) {
        auto w = query_watermarks(client->get(), name, p->id, options);
        if (!w) return fail(w.error());
        marks.push_back(*w);
    }
    // Config overrides are best effort: a broker without DescribeConfigs still has partitions.
    std::map<std::string, std::string> overrides;
    std::optional<std::string> config_problem;
    if (auto configs = describe_topic_config(client->get(), options, name)) {
        for (const auto& e : *configs) {
            if (e.is_override) overrides[e.name] = e.value.value_or("(sensitive)");
        }
    } else {
        config_problem = configs.error().message;
    }
    int replication = partitions.empty() ? 0 : partitions[0]->replica_cnt;
    std::optional<std::string> topic_id;
    if ((*md)->broker_cnt > 0) {
        const auto& b = (*md)->brokers[0];
        if (auto id = probe_topic_id(b.host, b.port, name, options.timeout)) {
            topic_id = id->to_string();
        }
    }

    if (args.has("--json")) {
        json_writer w;
        w.begin_object().key("name").string(name);
        w.key("id");
        topic_id ? w.string(*topic_id) : w.null();
        w.key("partition_count").number(static_cast<int64_t>(partitions.size()));
        w.key("replication_factor").number(replication);
        w.key("partitions").begin_array();
        for (size_t i = 0; i < partitions.size(); ++i) {
            const auto* p = partitions[i];
            w.begin_object().key("partition").number(p->id).key("leader").number(p->leader);
            w.key("replicas").begin_array();
            for (int r = 0; r < p->replica_cnt; ++r) w.number(p->replicas[r]);
            w.end_array().key("isr").begin_array();
            for (int r = 0; r < p->isr_cnt; ++r) w.number(p->isrs[r]);
            w.end_array();
            w.key("low_watermark").number(marks[i].low).key("high_watermark").number(marks[i].high);
            w.end_object();
        }
        w.end_array();
        w.key("config");
        if (config_problem) {
            w.null();
        } else {
            w.begin_object();
            for (const auto& [key, value] : overrides) w.key(key).string(value);
            w.end_object();
        }
        w.end_object();
        print(w.str() + "\n");
    } else {
        std::string out = fmt::format(
            "NAME                {}\nID                  {}\nPARTITIONS          {}\n"
            "REPLICATION FACTOR  {}\n\n",
            name, topic_id.value_or("-"), partitions.size(), replication);
        text_table table({"PARTITION", "LEADER", "REPLICAS", "ISR", "LOW", "HIGH"});
        for (size_t i = 0; i < partitions.size(); ++i) {
            const auto* p = partitions[i];
            table.add_row({fmt::to_string(p->id),
                           p->leader >= 0 ? fmt::to_string(p->leader) : std::string("-"),
                           join_ids(p->replicas, p->replica_cnt), join_ids(p->isrs, p->isr_cnt),
                           fmt::to_string(marks[i].low), fmt::to_string(marks[i].high)});
        }
        out += table.render();
        if (!config_problem) {
            out += "\nCONFIG OVERRIDES\n";
            if (overrides.empty()) out += "(none)\n";
            for (const auto& [key, value] : overrides) out += fmt::format("{}={}\n", key, value);
        }
        print(out);
    }
    if (config_problem) std::fprintf(stderr, "fjord: warning: %s\n", config_problem->c_str());
    return {};
}

// ---- topic delete

constexpr command_spec delete_spec{
    "topic delete", "NAME", 1, 1, "Deletes a topic and all its data.", {}, {}};

cli_result<void> topic_delete(const client_options& options, const parsed_args& args) {
    const std::string& name = args.positionals()[0];
    auto client = make_client(RD_KAFKA_PRODUCER, options);
    if (!client) return fail(client.error());
    std::unique_ptr<rd_kafka_DeleteTopic_t, decltype(&rd_kafka_DeleteTopic_destroy)> topic(
        rd_kafka_DeleteTopic_new(name.c_str()), rd_kafka_DeleteTopic_destroy);
    std::string what = fmt::format("delete topic '{}'", name);
    auto event =
        admin_call(client->get(), RD_KAFKA_ADMIN_OP_DELETETOPICS, options, what,
                   [&](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                       rd_kafka_DeleteTopic_t* list[] = {topic.get()};
                       rd_kafka_DeleteTopics(rk, list, 1, o, q);
                   });
    if (!event) return fail(event.error());
    size_t n = 0;
    const auto** results =
        rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event->get()), &n);
    if (auto ok = check_topic_results(results, n, what); !ok) return ok;
    print(fmt::format("deleted topic {}\n", name));
    return {};
}

// ---- topic add-partitions

constexpr option_spec add_partitions_options[] = {
    {"--partitions", "TOTAL", "the new total number of partitions (required)"},
};
constexpr command_spec add_partitions_spec{
    "topic add-partitions",
    "NAME",
    1,
    1,
    "Grows a topic to TOTAL partitions (partitions can only be added).",
    add_partitions_options,
    {}};

cli_result<void> topic_add_partitions(const client_options& options, const parsed_args& args) {
    const std::string& name = args.positionals()[0];
    auto v = args.value("--partitions");
    if (!v) return usage_error("--partitions TOTAL is required");
    auto total = parse_integer("--partitions", *v, 1, max_partitions);
    if (!total) return usage_error(total.error());
    auto client = make_client(RD_KAFKA_PRODUCER, options);
    if (!client) return fail(client.error());
    char errstr[512];
    rd_kafka_NewPartitions_t* raw = rd_kafka_NewPartitions_new(
        name.c_str(), static_cast<size_t>(*total), errstr, sizeof(errstr));
    if (raw == nullptr) return usage_error(fmt::format("topic '{}': {}", name, errstr));
    std::unique_ptr<rd_kafka_NewPartitions_t, decltype(&rd_kafka_NewPartitions_destroy)> parts(
        raw, rd_kafka_NewPartitions_destroy);
    std::string what = fmt::format("add partitions to topic '{}'", name);
    auto event =
        admin_call(client->get(), RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, options, what,
                   [&](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                       rd_kafka_NewPartitions_t* list[] = {parts.get()};
                       rd_kafka_CreatePartitions(rk, list, 1, o, q);
                   });
    if (!event) return fail(event.error());
    size_t n = 0;
    const auto** results = rd_kafka_CreatePartitions_result_topics(
        rd_kafka_event_CreatePartitions_result(event->get()), &n);
    if (auto ok = check_topic_results(results, n, what); !ok) return ok;
    print(fmt::format("topic {} now has {} partitions\n", name, *total));
    return {};
}

// ---- topic alter-config

constexpr option_spec alter_config_options[] = {
    {"--set", "KEY=VALUE", "set a config override", true},
    {"--delete", "KEY", "remove a config override (back to the broker default)", true},
};
constexpr command_spec alter_config_spec{
    "topic alter-config", "NAME", 1, 1, "Changes a topic's config overrides; the others are kept.",
    alter_config_options, {}};

cli_result<void> topic_alter_config(const client_options& options, const parsed_args& args) {
    const std::string& name = args.positionals()[0];
    std::map<std::string, std::string> set;
    for (const auto& s : args.values("--set")) {
        auto kv = parse_key_value("--set", s);
        if (!kv) return usage_error(kv.error());
        set[kv->first] = kv->second;
    }
    auto remove = args.values("--delete");
    if (set.empty() && remove.empty())
        return usage_error("nothing to change: give --set or --delete");
    auto client = make_client(RD_KAFKA_PRODUCER, options);
    if (!client) return fail(client.error());
    auto now = alter_topic_config(client->get(), options, name, set, remove);
    if (!now) return fail(now.error());
    print(fmt::format("updated config of topic {}\n", name));
    return {};
}

constexpr command table[] = {
    {&create_spec, topic_create},
    {&list_spec, topic_list},
    {&describe_spec, topic_describe},
    {&delete_spec, topic_delete},
    {&add_partitions_spec, topic_add_partitions},
    {&alter_config_spec, topic_alter_config},
};

}  // namespace

std::span<const command> topic_commands() {
    return table;
}

}  // namespace fjord::cli
