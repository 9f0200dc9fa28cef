// fjord group list|describe|reset-offsets|delete
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "cli/command.h"
#include "cli/format.h"
#include "cli/group_admin.h"
#include "cli/kafka_errors.h"

namespace fjord::cli {
namespace {

std::string offset_text(int64_t offset) {
    return offset >= 0 ? fmt::to_string(offset) : std::string("-");
}

// ---- group list

constexpr option_spec list_options[] = {{"--json", "", "print a JSON array"}};
constexpr command_spec list_spec{"group list", "", 0, 0, "Lists consumer groups.",
                                 list_options, {}};

cli_result<void> group_list(const client_options& options, const parsed_args& args) {
    auto client = make_client(RD_KAFKA_PRODUCER, options);
    if (!client) return fail(client.error());
    auto event =
        admin_call(client->get(), RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, options, "list groups",
                   [](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                       rd_kafka_ListConsumerGroups(rk, o, q);
                   });
    if (!event) return fail(event.error());
    const auto* res = rd_kafka_event_ListConsumerGroups_result(event->get());
    size_t n_errors = 0;
    const auto** errors = rd_kafka_ListConsumerGroups_result_errors(res, &n_errors);
    if (n_errors > 0) {
        return fail(call_failure(options, rd_kafka_error_code(errors[0]), "list groups",
                                 rd_kafka_error_string(errors[0])));
    }
    size_t n = 0;
    const auto** listings = rd_kafka_ListConsumerGroups_result_valid(res, &n);
    std::vector<std::pair<std::string, std::string>> groups;
    for (size_t i = 0; i < n; ++i) {
        groups.emplace_back(
            rd_kafka_ConsumerGroupListing_group_id(listings[i]),
            rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(listings[i])));
    }
    std::sort(groups.begin(), groups.end());
    if (args.has("--json")) {
        json_writer w;
        w.begin_array();
        for (const auto& [name, state] : groups) {
            w.begin_object().key("group").string(name).key("state").string(state).end_object();
        }
        w.end_array();
        print(w.str() + "\n");
        return {};
    }
    text_table table({"GROUP", "STATE"});
    for (const auto& [name, state] : groups) table.add_row({name, state});
    print(table.render());
    return {};
}

// ---- group describe

constexpr option_spec describe_options[] = {{"--json", "", "print one JSON object"}};
constexpr command_spec describe_spec{
    "group describe",
    "GROUP",
    1,
    1,
    "Shows a group's state, members, committed offsets and lag.",
    describe_options,
    "Per partition: committed offset, log end offset, lag, and the member that owns it."};

struct partition_row {
    int64_t committed = -1;
    int64_t log_end = -1;
    const member_info* owner = nullptr;
};

cli_result<void> group_describe(const client_options& options, const parsed_args& args) {
    const std::string& group = args.positionals()[0];
    auto client = make_client(RD_KAFKA_PRODUCER, options);
    if (!client) return fail(client.error());
    auto info = describe_group(client->get(), options, group);
    if (!info) return fail(info.error());
    auto committed = committed_offsets(client->get(), options, group, nullptr);
    if (!committed) return fail(committed.error());
    if (info->state == "Dead" && committed->empty()) {
        return fail(kafka_failure(RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND,
                                  fmt::format("group '{}'", group), "the group does not exist"));
    }
    std::map<topic_partition, partition_row> rows;
    for (const auto& [tp, offset] : *committed) rows[tp].committed = offset;
    for (const auto& m : info->members) {
        for (const auto& tp : m.assignment) rows[tp].owner = &m;
    }
    for (auto& [tp, row] : rows) {
        auto w = query_watermarks(client->get(), tp.first, tp.second, options);
        // A committed offset can outlive its topic; show it without an end rather than fail.
        if (w) row.log_end = w->high;
    }
    auto lag = [](const partition_row& r) -> std::optional<int64_t> {
        if (r.committed < 0 || r.log_end < 0) return std::nullopt;
        return std::max<int64_t>(r.log_end - r.committed, 0);
    };

    if (args.has("--json")) {
        json_writer w;
        w.begin_object().key("group").string(group).key("state").string(info->state);
        w.key("assignor").string(info->assignor);
        w.key("coordinator").begin_object().key("id").number(info->coordinator_id);
        w.key("host").string(info->coordinator_host).key("port").number(info->coordinator_port);
        w.end_object();
        w.key("members").begin_array();
        for (const auto& m : info->members) {
            w.begin_object().key("member_id").string(m.member_id);
            w.key("client_id").string(m.client_id).key("host").string(m.host);
            w.key("assignment").begin_array();
            for (const auto& [topic, partition] : m.assignment) {
                w.begin_object().key("topic").string(topic).key("partition").number(partition);
                w.end_object();
            }
            w.end_array().end_object();
        }
        w.end_array();
        w.key("offsets").begin_array();
        for (const auto& [tp, row] : rows) {
            w.begin_object().key("topic").string(tp.first).key("partition").number(tp.second);
            w.key("committed_offset");
            row.committed >= 0 ? w.number(row.committed) : w.null();
            w.key("log_end_offset");
            row.log_end >= 0 ? w.number(row.log_end) : w.null();
            w.key("lag");
            auto l = lag(row);
            l ? w.number(*l) : w.null();
            w.key("member_id");
            row.owner ? w.string(row.owner->member_id) : w.null();
            w.end_object();
        }
        w.end_array().end_object();
        print(w.str() + "\n");
        return {};
    }
    std::string out = fmt::format("GROUP        {}\nSTATE        {}\n", group, info->state);
    if (!info->assignor.empty()) out += fmt::format("ASSIGNOR     {}\n", info->assignor);
    if (info->coordinator_id >= 0) {
        out += fmt::format("COORDINATOR  {} ({}:{})\n", info->coordinator_id,
                           info->coordinator_host, info->coordinator_port);
    }
    out += fmt::format("MEMBERS      {}\n\n", info->members.size());
    text_table table({"TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
                      "CONSUMER-ID", "HOST", "CLIENT-ID"});
    for (const auto& [tp, row] : rows) {
        auto l = lag(row);
        table.add_row({tp.first, fmt::to_string(tp.second), offset_text(row.committed),
                       offset_text(row.log_end), l ? fmt::to_string(*l) : "-",
                       row.owner ? row.owner->member_id : "-", row.owner ? row.owner->host : "-",
                       row.owner ? row.owner->client_id : "-"});
    }
    out += table.render();
    // Members that own nothing (more members than partitions) still belong in the picture.
    for (const auto& m : info->members) {
        if (m.assignment.empty()) {
            out += fmt::format("member {} ({}, {}) has no partitions\n", m.member_id, m.client_id,
                               m.host);
        }
    }
    print(out);
    return {};
}

// ---- group reset-offsets

constexpr option_spec reset_options[] = {
    {"--topic", "TOPIC", "the topic whose offsets to reset (required)"},
    {"--to-earliest", "", "reset to each partition's earliest offset"},
    {"--to-latest", "", "reset to each partition's end (skip everything)"},
    {"--to-offset", "N", "reset to offset N (clamped to what each partition holds)"},
    {"--execute", "", "apply the plan (without it the plan is only printed)"},
    {"--json", "", "print the plan as JSON"},
};
constexpr command_spec reset_spec{
    "group reset-offsets",
    "GROUP",
    1,
    1,
    "Moves a group's committed offsets for one topic.",
    reset_options,
    "The group must have no active members. Without --execute nothing changes: the plan (current "
    "and new offset per partition) is "
    "printed."};

cli_result<void> group_reset_offsets(const client_options& options, const parsed_args& args) {
    const std::string& group = args.positionals()[0];
    auto topic = args.value("--topic");
    if (!topic) return usage_error("--topic TOPIC is required");
    int strategies = args.has("--to-earliest") + args.has("--to-latest") + args.has("--to-offset");
    if (strategies != 1) {
        return usage_error("give exactly one of --to-earliest, --to-latest, --to-offset N");
    }
    std::optional<int64_t> to_offset;
    if (auto v = args.value("--to-offset")) {
        auto n = parse_integer("--to-offset", *v, 0, INT64_MAX);
        if (!n) return usage_error(n.error());
        to_offset = *n;
    }
    auto client = make_client(RD_KAFKA_PRODUCER, options);
    if (!client) return fail(client.error());
    rd_kafka_t* rk = client->get();
    auto info = describe_group(rk, options, group);
    if (!info) return fail(info.error());
    if (info->state != "Empty" && info->state != "Dead") {
        return operation_failed(fmt::format(
            "group '{}' is {} with {} members: offsets can only be reset while the group has no "
            "active members (stop its consumers first)",
            group, info->state, info->members.size()));
    }
    auto md = fetch_metadata(rk, options);
    if (!md) return fail(md.error());
    auto t = find_topic(**md, *topic);
    if (!t) return fail(t.error());
    partition_list_handle wanted(rd_kafka_topic_partition_list_new((*t)->partition_cnt));
    for (int i = 0; i < (*t)->partition_cnt; ++i) {
        rd_kafka_topic_partition_list_add(wanted.get(), topic->c_str(), (*t)->partitions[i].id);
    }
    rd_kafka_topic_partition_list_sort(wanted.get(), nullptr, nullptr);
    auto current = committed_offsets(rk, options, group, wanted.get());
    if (!current) return fail(current.error());

    partition_list_handle target(rd_kafka_topic_partition_list_new(wanted->cnt));
    text_table table({"TOPIC", "PARTITION", "CURRENT-OFFSET", "NEW-OFFSET"});
    json_writer json;
    json.begin_array();
    for (int i = 0; i < wanted->cnt; ++i) {
        int32_t partition = wanted->elems[i].partition;
        auto w = query_watermarks(rk, *topic, partition, options);
        if (!w) return fail(w.error());
        int64_t next = args.has("--to-earliest") ? w->low
                       : args.has("--to-latest") ? w->high
                                                 : std::clamp(*to_offset, w->low, w->high);
        rd_kafka_topic_partition_list_add(target.get(), topic->c_str(), partition)->offset = next;
        auto it = current->find({*topic, partition});
        int64_t before = it == current->end() ? -1 : it->second;
        table.add_row(
            {*topic, fmt::to_string(partition), offset_text(before), fmt::to_string(next)});
        json.begin_object().key("topic").string(*topic).key("partition").number(partition);
        json.key("current_offset");
        before >= 0 ? json.number(before) : json.null();
        json.key("new_offset").number(next).end_object();
    }
    json.end_array();

    if (args.has("--execute")) {
        std::string what = fmt::format("reset offsets of group '{}'", group);
        std::unique_ptr<rd_kafka_AlterConsumerGroupOffsets_t,
                        decltype(&rd_kafka_AlterConsumerGroupOffsets_destroy)>
            request(rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), target.get()),
                    rd_kafka_AlterConsumerGroupOffsets_destroy);
        auto event =
            admin_call(rk, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, options, what,
                       [&](rd_kafka_t* h, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                           rd_kafka_AlterConsumerGroupOffsets_t* list[] = {request.get()};
                           rd_kafka_AlterConsumerGroupOffsets(h, list, 1, o, q);
                       });
        if (!event) return fail(event.error());
        size_t n = 0;
        const auto** groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(
            rd_kafka_event_AlterConsumerGroupOffsets_result(event->get()), &n);
        if (n != 1) return operation_failed(fmt::format("{}: no result for the group", what));
        if (const rd_kafka_error_t* error = rd_kafka_group_result_error(groups[0])) {
            return fail(call_failure(options, rd_kafka_error_code(error), what,
                                     rd_kafka_error_string(error)));
        }
        if (const auto* parts = rd_kafka_group_result_partitions(groups[0])) {
            for (int i = 0; i < parts->cnt; ++i) {
                const auto& p = parts->elems[i];
                if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                    return fail(kafka_failure(
                        p.err, fmt::format("{} ({}/{})", what, p.topic, p.partition)));
                }
            }
        }
    }
    print(args.has("--json") ? json.str() + "\n" : table.render());
    if (!args.has("--execute")) {
        std::fputs("fjord: dry run, nothing changed: add --execute to apply this plan\n", stderr);
    }
    return {};
}

// ---- group delete

constexpr command_spec delete_spec{"group delete",
                                   "GROUP",
                                   1,
                                   1,
                                   "Deletes a group with no active members, and its offsets.",
                                   {},
                                   {}};

cli_result<void> group_delete(const client_options& options, const parsed_args& args) {
    const std::string& group = args.positionals()[0];
    auto client = make_client(RD_KAFKA_PRODUCER, options);
    if (!client) return fail(client.error());
    std::unique_ptr<rd_kafka_DeleteGroup_t, decltype(&rd_kafka_DeleteGroup_destroy)> request(
        rd_kafka_DeleteGroup_new(group.c_str()), rd_kafka_DeleteGroup_destroy);
    std::string what = fmt::format("delete group '{}'", group);
    auto event =
        admin_call(client->get(), RD_KAFKA_ADMIN_OP_DELETEGROUPS, options, what,
                   [&](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                       rd_kafka_DeleteGroup_t* list[] = {request.get()};
                       rd_kafka_DeleteGroups(rk, list, 1, o, q);
                   });
    if (!event) return fail(event.error());
    size_t n = 0;
    const auto** groups =
        rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(event->get()), &n);
    if (n != 1) return operation_failed(fmt::format("{}: no result for the group", what));
    if (const rd_kafka_error_t* error = rd_kafka_group_result_error(groups[0])) {
        return fail(
            call_failure(options, rd_kafka_error_code(error), what, rd_kafka_error_string(error)));
    }
    print(fmt::format("deleted group {}\n", group));
    return {};
}

constexpr command table[] = {
    {&list_spec, group_list},
    {&describe_spec, group_describe},
    {&reset_spec, group_reset_offsets},
    {&delete_spec, group_delete},
};

}  // namespace

std::span<const command> group_commands() {
    return table;
}

}  // namespace fjord::cli
