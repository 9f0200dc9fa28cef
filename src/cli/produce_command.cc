// fjord produce TOPIC: one record per line of standard input.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include "cli/command.h"
#include "cli/kafka_errors.h"
#include "cli/line_record.h"

namespace fjord::cli {
namespace {

constexpr option_spec produce_options[] = {
    {"--key-separator", "SEP", "split each line into KEY SEP VALUE (default: no key)"},
    {"--header", "KEY=VALUE", "add a header to every record", true},
    {"--partition", "N", "produce to partition N (default: the partitioner picks, by key)"},
    {"--acks", "0|1|all", "acknowledgement the broker must give (default all)"},
    {"--compression", "CODEC", "none, gzip, snappy, lz4 or zstd (default none)"},
};
constexpr command_spec produce_spec{
    "produce",
    "TOPIC",
    1,
    1,
    "Produces standard input to a topic, one record per line.",
    produce_options,
    "Exits when the input ends and every record is acknowledged. Failed records are reported on "
    "stderr; the exit code is then 1 (3 if the broker could not "
    "be reached)."};

// Delivery reports, updated by librdkafka's callback on this thread (inside rd_kafka_poll).
struct delivery_state {
    int64_t delivered = 0;
    int64_t failed = 0;
    bool any_unreachable = false;
    int reported = 0;
};

constexpr int max_reported_failures = 10;

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
    auto* state = static_cast<delivery_state*>(msg->_private);
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ++state->delivered;
        return;
    }
    ++state->failed;
    state->any_unreachable |= is_unreachable_error(msg->err);
    if (state->reported++ < max_reported_failures) {
        std::fprintf(stderr, "fjord: record not delivered: %s: %s\n",
                     kafka_error_name(msg->err).c_str(), rd_kafka_err2str(msg->err));
    }
}

void install_delivery_callback(rd_kafka_conf_t* conf) {
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
}

// Waits (bounded) until the topic's metadata is usable: a topic the broker just auto-created
// may report LEADER_NOT_AVAILABLE for a moment.
cli_result<int> topic_partition_count(rd_kafka_t* rk, const std::string& topic,
                                      const client_options& options) {
    std::unique_ptr<rd_kafka_topic_t, decltype(&rd_kafka_topic_destroy)> handle(
        rd_kafka_topic_new(rk, topic.c_str(), nullptr), rd_kafka_topic_destroy);
    auto deadline = std::chrono::steady_clock::now() + options.timeout;
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        const rd_kafka_metadata_t* raw = nullptr;
        rd_kafka_resp_err_t err = rd_kafka_metadata(
            rk, 0, handle.get(), &raw, static_cast<int>(std::max<int64_t>(left.count(), 1)));
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (is_unreachable_error(err)) {
                return unreachable(fmt::format("no broker at {} answered within {} ms",
                                               options.brokers, options.timeout_ms()));
            }
            return fail(kafka_failure(err, "metadata"));
        }
        metadata_handle md(raw);
        auto t = find_topic(*md, topic);
        if (t) return (*t)->partition_cnt;
        rd_kafka_resp_err_t topic_err =
            md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
        bool transient = topic_err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE;
        if (!transient || std::chrono::steady_clock::now() >= deadline) return fail(t.error());
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

cli_result<void> produce(const client_options& options, const parsed_args& args) {
    const std::string& topic = args.positionals()[0];
    client_settings settings = {
        {"enable.idempotence", "false"},
        {"linger.ms", "5"},
        // Bounds every record's delivery, retries included, by --timeout.
        {"message.timeout.ms", std::to_string(options.timeout_ms())},
    };
    std::string acks = args.value("--acks").value_or("all");
    if (acks != "0" && acks != "1" && acks != "all" && acks != "-1") {
        return usage_error(fmt::format("--acks takes 0, 1 or all, got '{}'", acks));
    }
    settings.emplace_back("acks", acks);
    std::string codec = args.value("--compression").value_or("none");
    if (codec != "none" && codec != "gzip" && codec != "snappy" && codec != "lz4" &&
        codec != "zstd") {
        return usage_error(
            fmt::format("--compression takes none, gzip, snappy, lz4 or zstd, got '{}'", codec));
    }
    settings.emplace_back("compression.codec", codec);
    int32_t partition = RD_KAFKA_PARTITION_UA;
    if (auto v = args.value("--partition")) {
        auto n = parse_integer("--partition", *v, 0, INT32_MAX);
        if (!n) return usage_error(n.error());
        partition = static_cast<int32_t>(*n);
    }
    std::vector<std::pair<std::string, std::string>> headers;
    for (const auto& h : args.values("--header")) {
        auto kv = parse_key_value("--header", h);
        if (!kv) return usage_error(kv.error());
        headers.push_back(*kv);
    }
    std::string separator = args.value("--key-separator").value_or("");
    if (args.has("--key-separator") && separator.empty()) {
        return usage_error("--key-separator must not be empty");
    }

    auto client = make_client(RD_KAFKA_PRODUCER, options, settings, install_delivery_callback);
    if (!client) return fail(client.error());
    rd_kafka_t* rk = client->get();
    auto partitions = topic_partition_count(rk, topic, options);
    if (!partitions) return fail(partitions.error());
    if (partition != RD_KAFKA_PARTITION_UA && partition >= *partitions) {
        return fail(kafka_failure(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                                  fmt::format("partition {}/{}", topic, partition),
                                  fmt::format("the topic has {} partitions", *partitions)));
    }

    delivery_state state;
    int64_t bad_lines = 0;
    int64_t line_number = 0;
    // getline() (re)allocates the line buffer with malloc; it is freed on every way out.
    char* buffer = nullptr;
    std::unique_ptr<char*, void (*)(char**)> buffer_owner(&buffer, [](char** b) { std::free(*b); });
    size_t capacity = 0;
    ssize_t length = 0;
    while ((length = getline(&buffer, &capacity, stdin)) >= 0) {
        ++line_number;
        auto record = split_line(std::string_view(buffer, static_cast<size_t>(length)), separator);
        if (!record) {
            ++bad_lines;
            std::fprintf(stderr, "fjord: line %lld: %s, skipped\n",
                         static_cast<long long>(line_number), record.error().c_str());
            continue;
        }
        std::vector<rd_kafka_vu_t> vus;
        auto add = [&](rd_kafka_vtype_t type) -> rd_kafka_vu_t& {
            vus.push_back(rd_kafka_vu_t{});
            vus.back().vtype = type;
            return vus.back();
        };
        add(RD_KAFKA_VTYPE_TOPIC).u.cstr = topic.c_str();
        add(RD_KAFKA_VTYPE_PARTITION).u.i32 = partition;
        add(RD_KAFKA_VTYPE_MSGFLAGS).u.i = RD_KAFKA_MSG_F_COPY;
        add(RD_KAFKA_VTYPE_OPAQUE).u.ptr = &state;
        auto& value = add(RD_KAFKA_VTYPE_VALUE).u.mem;
        value.ptr = const_cast<char*>(record->value.data());
        value.size = record->value.size();
        if (record->key) {
            auto& key = add(RD_KAFKA_VTYPE_KEY).u.mem;
            key.ptr = const_cast<char*>(record->key->data());
            key.size = record->key->size();
        }
        for (const auto& [name, text] : headers) {
            auto& h = add(RD_KAFKA_VTYPE_HEADER).u.header;
            h.name = name.c_str();
            h.val = text.data();
            h.size = static_cast<ssize_t>(text.size());
        }
        while (true) {
            error_handle error(rd_kafka_produceva(rk, vus.data(), vus.size()));
            if (!error) break;
            if (rd_kafka_error_code(error.get()) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                // The local queue drains as the broker acknowledges; deliveries time out by
                // message.timeout.ms, so this wait is bounded.
                rd_kafka_poll(rk, 100);
                continue;
            }
            return fail(kafka_failure(rd_kafka_error_code(error.get()), "produce",
                                      rd_kafka_error_string(error.get())));
        }
        rd_kafka_poll(rk, 0);
    }

    // Every record resolves within message.timeout.ms; the margin covers the last batch's trip.
    if (rd_kafka_flush(rk, options.timeout_ms() + 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(rk, 0);
        return unreachable(fmt::format("{} records still unacknowledged after {} ms",
                                       rd_kafka_outq_len(rk), options.timeout_ms() + 5000));
    }
    if (state.failed > 0) {
        std::string message = fmt::format("{} of {} records were not delivered", state.failed,
                                          state.failed + state.delivered);
        return state.any_unreachable ? unreachable(message) : operation_failed(message);
    }
    if (bad_lines > 0) {
        return operation_failed(fmt::format("{} lines had no key separator '{}' and were skipped",
                                            bad_lines, separator));
    }
    return {};
}

constexpr command table[] = {{&produce_spec, produce}};

}  // namespace

std::span<const command> produce_commands() {
    return table;
}

}  // namespace fjord::cli
