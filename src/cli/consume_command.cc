// fjord consume TOPIC: prints records, either from assigned partitions (no group) or as a member
// of a consumer group that commits what it printed.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <set>

#include "cli/command.h"
#include "cli/format.h"
#include "cli/kafka_errors.h"

namespace fjord::cli {
namespace {

constexpr option_spec consume_options[] = {
    {"--from-beginning", "", "start at the earliest offset (with --group: when it has none)"},
    {"--group", "GROUP", "consume as a member of GROUP and commit the offsets printed"},
    {"--partition", "N", "read only partition N (no group)"},
    {"--offset", "N|beginning|end", "where to start (no group; N needs --partition; default end)"},
    {"--max-messages", "N", "exit after N records"},
    {"--exit-at-end", "", "exit once every partition is read to its end"},
    {"--format", "FORMAT", "how to print a record (default \"%v\\n\")"},
    {"--json", "", "print one JSON object per record"},
};
constexpr command_spec consume_spec{
    "consume",
    "TOPIC",
    1,
    1,
    "Prints a topic's records.",
    consume_options,
    "Runs until interrupted (Ctrl-C) unless --max-messages or --exit-at-end is given.\n"
    "Without --group it reads the partitions directly (from the end unless told otherwise);\n"
    "with --group it joins the group and commits the offsets of what it printed.\n\n"
    "FORMAT fields: %t topic, %p partition, %o offset, %k key, %v value, %h headers (k=v,...),\n"
    "%T timestamp (ms), %% a percent sign; escapes \\n \\t \\r \\\\.\n"
    "--json fields: topic, partition, offset, timestamp, key, value, headers ([{key, value}])."};

volatile std::sig_atomic_t stop_requested = 0;

void on_stop_signal(int) {
    stop_requested = 1;
}

// Set by librdkafka's error callback, which runs inside rd_kafka_consumer_poll on this thread.
// librdkafka reports "all brokers down" only there (not as a consumed message).
bool all_brokers_down = false;
std::string fatal_error;

void on_client_error(rd_kafka_t* rk, int err, const char* reason, void*) {
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) all_brokers_down = true;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char detail[512];
        rd_kafka_resp_err_t cause = rd_kafka_fatal_error(rk, detail, sizeof(detail));
        fatal_error = fmt::format("{}: {}", kafka_error_name(cause), detail);
    } else if (err != RD_KAFKA_RESP_ERR__TRANSPORT && err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        std::fprintf(stderr, "fjord: warning: %s: %s\n",
                     kafka_error_name(static_cast<rd_kafka_resp_err_t>(err)).c_str(), reason);
    }
}

void install_error_callback(rd_kafka_conf_t* conf) {
    rd_kafka_conf_set_error_cb(conf, on_client_error);
}

// Ctrl-C and SIGTERM end the loop so the consumer closes (and commits) cleanly; a closed stdout
// (`| head`) ends it too, through a failed write instead of SIGPIPE. SA_RESTART matters: without
// it a signal landing inside write() fails it with EINTR, glibc then drops stdout's buffer, and
// records already consumed (and about to be committed) would never be printed.
void install_signal_handlers() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    signal(SIGPIPE, SIG_IGN);
}

struct consume_plan {
    std::string topic;
    std::optional<std::string> group;
    std::optional<int32_t> partition;
    int64_t start_offset = RD_KAFKA_OFFSET_END;
    std::optional<int64_t> max_messages;
    bool exit_at_end = false;
    bool json = false;
    std::optional<record_format> format;
};

cli_result<consume_plan> make_plan(const parsed_args& args) {
    consume_plan plan;
    plan.topic = args.positionals()[0];
    plan.group = args.value("--group");
    if (plan.group && plan.group->empty()) return usage_error("--group must not be empty");
    if (plan.group && (args.has("--partition") || args.has("--offset"))) {
        return usage_error("--partition and --offset cannot be used with --group");
    }
    if (args.has("--from-beginning") && args.has("--offset")) {
        return usage_error("--from-beginning and --offset cannot be used together");
    }
    if (auto v = args.value("--partition")) {
        auto n = parse_integer("--partition", *v, 0, INT32_MAX);
        if (!n) return usage_error(n.error());
        plan.partition = static_cast<int32_t>(*n);
    }
    if (args.has("--from-beginning")) plan.start_offset = RD_KAFKA_OFFSET_BEGINNING;
    if (auto v = args.value("--offset")) {
        if (*v == "beginning") {
            plan.start_offset = RD_KAFKA_OFFSET_BEGINNING;
        } else if (*v == "end") {
            plan.start_offset = RD_KAFKA_OFFSET_END;
        } else {
            auto n = parse_integer("--offset", *v, 0, INT64_MAX);
            if (!n) return usage_error(fmt::format("{} (or beginning, end)", n.error()));
            if (!plan.partition) return usage_error("--offset N needs --partition");
            plan.start_offset = *n;
        }
    }
    if (auto v = args.value("--max-messages")) {
        auto n = parse_integer("--max-messages", *v, 1, INT64_MAX);
        if (!n) return usage_error(n.error());
        plan.max_messages = *n;
    }
    plan.exit_at_end = args.has("--exit-at-end");
    plan.json = args.has("--json");
    if (plan.json && args.has("--format")) {
        return usage_error("--format and --json cannot be used together");
    }
    if (!plan.json) {
        auto f = record_format::parse(args.value("--format").value_or("%v\\n"));
        if (!f) return usage_error(f.error());
        plan.format = std::move(*f);
    }
    return plan;
}

record_view view_of(const rd_kafka_message_t* msg, std::string_view topic) {
    record_view r;
    r.topic = topic;
    r.partition = msg->partition;
    r.offset = msg->offset;
    rd_kafka_timestamp_type_t type;
    r.timestamp_ms = rd_kafka_message_timestamp(msg, &type);
    if (msg->key != nullptr)
        r.key = std::string_view(static_cast<const char*>(msg->key), msg->key_len);
    if (msg->payload != nullptr) {
        r.value = std::string_view(static_cast<const char*>(msg->payload), msg->len);
    }
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(msg, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name = nullptr;
        const void* value = nullptr;
        size_t size = 0;
        for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
                           RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
            std::optional<std::string_view> v;
            if (value != nullptr) v = std::string_view(static_cast<const char*>(value), size);
            r.headers.emplace_back(name, v);
        }
    }
    return r;
}

// Commits the offsets stored for what was printed, waiting (bounded) for the broker's answer:
// the last records before exit must not be read again by the group's next consumer.
cli_result<void> commit_printed(rd_kafka_t* rk, const client_options& options) {
    queue_handle queue(rd_kafka_queue_new(rk));
    rd_kafka_resp_err_t err = rd_kafka_commit_queue(rk, nullptr, queue.get(), nullptr, nullptr);
    if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return {};  // nothing printed since the last commit
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return fail(call_failure(options, err, "commit"));
    auto deadline = std::chrono::steady_clock::now() + options.timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        event_handle event(rd_kafka_queue_poll(queue.get(), 100));
        if (!event || rd_kafka_event_type(event.get()) != RD_KAFKA_EVENT_OFFSET_COMMIT) continue;
        err = rd_kafka_event_error(event.get());
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET) return {};
        if (const auto* parts = rd_kafka_event_topic_partition_list(event.get())) {
            for (int i = 0; i < parts->cnt; ++i) {
                if (parts->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                    err = parts->elems[i].err;
                    break;
                }
            }
        }
        return fail(call_failure(options, err, "commit", rd_kafka_event_error_string(event.get())));
    }
    return unreachable(fmt::format("commit: no answer from {} within {} ms", options.brokers,
                                   options.timeout_ms()));
}

// Leaves the group (committing, with auto-commit on) within the timeout, serving the rebalance
// events the close produces.
void close_consumer(rd_kafka_t* rk, std::chrono::milliseconds bound) {
    queue_handle queue(rd_kafka_queue_new(rk));
    if (error_handle error(rd_kafka_consumer_close_queue(rk, queue.get())); error) return;
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (!rd_kafka_consumer_closed(rk) && std::chrono::steady_clock::now() < deadline) {
        event_handle event(rd_kafka_queue_poll(queue.get(), 100));
        if (!event || rd_kafka_event_type(event.get()) != RD_KAFKA_EVENT_REBALANCE) continue;
        if (std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE") {
            error_handle(rd_kafka_incremental_unassign(
                rk, rd_kafka_event_topic_partition_list(event.get())));
        } else {
            rd_kafka_assign(rk, nullptr);
        }
    }
}

// The partitions the consumer owns now (assign mode: all it was given; group: the assignment).
std::set<int32_t> owned_partitions(rd_kafka_t* rk) {
    rd_kafka_topic_partition_list_t* raw = nullptr;
    std::set<int32_t> out;
    if (rd_kafka_assignment(rk, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
    partition_list_handle list(raw);
    for (int i = 0; i < list->cnt; ++i) out.insert(list->elems[i].partition);
    return out;
}

cli_result<void> consume_loop(rd_kafka_t* rk, const consume_plan& plan,
                              const client_options& options) {
    using clock = std::chrono::steady_clock;
    int64_t printed = 0;
    std::set<int32_t> at_end;
    std::optional<clock::time_point> brokers_down_since;
    std::string out;
    // Offsets are stored for commit only once their records have left stdio's buffer, so a
    // consumer killed hard never commits records nobody saw.
    std::map<int32_t, int64_t> printed_up_to;
    auto last_flush = clock::now();
    auto flush_and_store = [&]() -> bool {
        if (std::fflush(stdout) != 0) return false;
        last_flush = clock::now();
        if (printed_up_to.empty()) return true;
        // A fresh list each time: librdkafka caches partition handles inside list elements.
        partition_list_handle stored(
            rd_kafka_topic_partition_list_new(static_cast<int>(printed_up_to.size())));
        for (const auto& [partition, next] : printed_up_to) {
            rd_kafka_topic_partition_list_add(stored.get(), plan.topic.c_str(), partition)->offset =
                next;
        }
        printed_up_to.clear();
        rd_kafka_offsets_store(rk, stored.get());
        return true;
    };
    while (!stop_requested) {
        if (plan.max_messages && printed >= *plan.max_messages) break;
        if (plan.exit_at_end && !at_end.empty()) {
            auto owned = owned_partitions(rk);
            if (!owned.empty() &&
                std::includes(at_end.begin(), at_end.end(), owned.begin(), owned.end())) {
                break;
            }
        }
        if (!fatal_error.empty()) {
            return operation_failed(fmt::format("consume {}: {}", plan.topic, fatal_error));
        }
        if (all_brokers_down) {
            all_brokers_down = false;
            if (!brokers_down_since) brokers_down_since = clock::now();
        }
        if (brokers_down_since && clock::now() - *brokers_down_since > options.timeout) {
            // librdkafka keeps reconnecting forever; the CLI gives up after --timeout.
            auto md = fetch_metadata(rk, options);
            if (!md) return unreachable(fmt::format("lost the connection to {}", options.brokers));
            brokers_down_since.reset();
        }
        std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> msg(
            rd_kafka_consumer_poll(rk, 100), rd_kafka_message_destroy);
        if (!msg) {
            if (!flush_and_store()) break;  // the reader is gone (`| head`)
            continue;
        }
        if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            at_end.insert(msg->partition);
            brokers_down_since.reset();
            continue;
        }
        if (msg->err == RD_KAFKA_RESP_ERR__TRANSPORT) continue;  // librdkafka reconnects
        if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            std::string detail = rd_kafka_message_errstr(msg.get());
            if (msg->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                msg->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
                msg->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
                msg->err == RD_KAFKA_RESP_ERR__FATAL) {
                return fail(kafka_failure(msg->err, fmt::format("consume {}", plan.topic), detail));
            }
            std::fprintf(stderr, "fjord: warning: %s: %s\n", kafka_error_name(msg->err).c_str(),
                         detail.c_str());
            continue;
        }
        brokers_down_since.reset();
        at_end.erase(msg->partition);
        out.clear();
        record_view record = view_of(msg.get(), plan.topic);
        if (plan.json) {
            render_record_json(record, out);
        } else {
            plan.format->render(record, out);
        }
        if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::ferror(stdout)) {
            break;  // the reader is gone
        }
        ++printed;
        if (plan.group) printed_up_to[msg->partition] = msg->offset + 1;
        if (clock::now() - last_flush > std::chrono::milliseconds(200) && !flush_and_store()) {
            break;
        }
    }
    flush_and_store();
    return {};
}

cli_result<void> consume(const client_options& options, const parsed_args& args) {
    auto plan = make_plan(args);
    if (!plan) return fail(plan.error());
    bool in_group = plan->group.has_value();
    client_settings settings = {
        {"enable.partition.eof", plan->exit_at_end ? "true" : "false"},
        {"fetch.wait.max.ms", "100"},
        {"allow.auto.create.topics", "false"},
        {"auto.offset.reset",
         plan->start_offset == RD_KAFKA_OFFSET_BEGINNING ? "earliest" : "latest"},
    };
    if (in_group) {
        settings.insert(settings.end(), {{"group.id", *plan->group},
                                         {"enable.auto.commit", "true"},
                                         {"auto.commit.interval.ms", "1000"},
                                         // Stored by the loop once a record is printed.
                                         {"enable.auto.offset.store", "false"}});
    } else {
        // librdkafka wants a group id even for assign(); this one is never joined or committed.
        settings.insert(settings.end(), {{"group.id", fmt::format("fjord-cli-{}", ::getpid())},
                                         {"enable.auto.commit", "false"},
                                         {"enable.auto.offset.store", "false"}});
    }
    auto client = make_client(RD_KAFKA_CONSUMER, options, settings, install_error_callback);
    if (!client) return fail(client.error());
    rd_kafka_t* rk = client->get();
    rd_kafka_poll_set_consumer(rk);

    auto md = fetch_metadata(rk, options);
    if (!md) return fail(md.error());
    auto topic = find_topic(**md, plan->topic);
    if (!topic) return fail(topic.error());
    int partition_count = (*topic)->partition_cnt;
    if (plan->partition && *plan->partition >= partition_count) {
        return fail(kafka_failure(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                                  fmt::format("partition {}/{}", plan->topic, *plan->partition),
                                  fmt::format("the topic has {} partitions", partition_count)));
    }

    partition_list_handle list(rd_kafka_topic_partition_list_new(partition_count));
    if (in_group) {
        rd_kafka_topic_partition_list_add(list.get(), plan->topic.c_str(), RD_KAFKA_PARTITION_UA);
        rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, list.get());
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return fail(kafka_failure(err, "subscribe"));
    } else {
        for (int i = 0; i < partition_count; ++i) {
            int32_t id = (*topic)->partitions[i].id;
            if (plan->partition && id != *plan->partition) continue;
            rd_kafka_topic_partition_list_add(list.get(), plan->topic.c_str(), id)->offset =
                plan->start_offset;
        }
        rd_kafka_resp_err_t err = rd_kafka_assign(rk, list.get());
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return fail(kafka_failure(err, "assign"));
    }
    install_signal_handlers();
    auto result = consume_loop(rk, *plan, options);
    bool lost = !result && result.error().code == exit_code::unreachable;
    if (in_group && !lost) {
        auto committed = commit_printed(rk, options);
        if (result && !committed) result = fail(committed.error());
    }
    // With the brokers gone, leaving the group cannot succeed: do not wait the full timeout.
    close_consumer(rk, lost ? std::chrono::milliseconds(500) : options.timeout);
    return result;
}

constexpr command table[] = {{&consume_spec, consume}};

}  // namespace

std::span<const command> consume_commands() {
    return table;
}

}  // namespace fjord::cli
