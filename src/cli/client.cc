#include "cli/client.h"

#include <fmt/format.h>

#include "cli/kafka_errors.h"

namespace fjord::cli {
namespace {

// librdkafka logs every refused connection; the CLI reports failures itself, so its own log is
// shown only with --verbose.
void quiet_log(const rd_kafka_t*, int, const char*, const char*) {}

}  // namespace

cli_result<kafka_handle> make_client(rd_kafka_type_t type, const client_options& options,
                                     const client_settings& settings, conf_hook hook) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    client_settings all = {
        {"bootstrap.servers", options.brokers},
        {"client.id", "fjord-cli"},
        {"socket.timeout.ms", std::to_string(std::max(options.timeout_ms(), 10))},
        {"reconnect.backoff.ms", "100"},
        {"reconnect.backoff.max.ms", "1000"},
        {"log.connection.close", "false"},
    };
    all.insert(all.end(), settings.begin(), settings.end());
    char errstr[512];
    for (const auto& [name, value] : all) {
        if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof(errstr)) !=
            RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            return usage_error(fmt::format("{}={}: {}", name, value, errstr));
        }
    }
    if (!options.verbose) rd_kafka_conf_set_log_cb(conf, quiet_log);
    if (hook != nullptr) hook(conf);
    // On success rd_kafka_new takes ownership of conf; on failure it is still ours.
    rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
    if (rk == nullptr) {
        rd_kafka_conf_destroy(conf);
        return usage_error(fmt::format("cannot create a Kafka client: {}", errstr));
    }
    return kafka_handle(rk);
}

cli_result<metadata_handle> fetch_metadata(rd_kafka_t* rk, const client_options& options) {
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &md, options.timeout_ms());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT) {
            return unreachable(fmt::format("no broker at {} answered within {} ms", options.brokers,
                                           options.timeout_ms()));
        }
        return fail(kafka_failure(err, "metadata"));
    }
    return metadata_handle(md);
}

cli_result<const rd_kafka_metadata_topic_t*> find_topic(const rd_kafka_metadata_t& md,
                                                        std::string_view topic) {
    for (int i = 0; i < md.topic_cnt; ++i) {
        const auto& t = md.topics[i];
        if (topic != t.topic) continue;
        if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return fail(kafka_failure(t.err, fmt::format("topic '{}'", topic)));
        }
        return &t;
    }
    return fail(kafka_failure(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                              fmt::format("topic '{}'", topic), "the topic does not exist"));
}

cli_result<watermarks> query_watermarks(rd_kafka_t* rk, const std::string& topic, int32_t partition,
                                        const client_options& options) {
    watermarks w;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, &w.low,
                                                               &w.high, options.timeout_ms());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return fail(call_failure(options, err, fmt::format("offsets of {}/{}", topic, partition)));
    }
    return w;
}

cli_result<event_handle> admin_call(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                                    const client_options& options, std::string_view what,
                                    const admin_start_fn& start) {
    admin_options_handle admin_options(rd_kafka_AdminOptions_new(rk, op));
    char errstr[512];
    // The request timeout bounds the whole call inside librdkafka, including the wait for a
    // broker connection; the operation timeout lets the broker finish topic creation/deletion.
    if (rd_kafka_AdminOptions_set_request_timeout(admin_options.get(), options.timeout_ms(), errstr,
                                                  sizeof(errstr)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return usage_error(fmt::format("--timeout: {}", errstr));
    }
    if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS ||
        op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS || op == RD_KAFKA_ADMIN_OP_DELETERECORDS) {
        rd_kafka_AdminOptions_set_operation_timeout(admin_options.get(), options.timeout_ms(),
                                                    errstr, sizeof(errstr));
    }
    queue_handle queue(rd_kafka_queue_new(rk));
    start(rk, admin_options.get(), queue.get());
    // librdkafka answers by its request timeout; the margin only guards against it not doing so.
    event_handle event(rd_kafka_queue_poll(queue.get(), options.timeout_ms() + 2000));
    if (!event) {
        return unreachable(fmt::format("{}: no answer from {} within {} ms", what, options.brokers,
                                       options.timeout_ms()));
    }
    rd_kafka_resp_err_t err = rd_kafka_event_error(event.get());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return fail(call_failure(options, err, what, rd_kafka_event_error_string(event.get())));
    }
    return event;
}

cli_error call_failure(const client_options& options, rd_kafka_resp_err_t err,
                       std::string_view what, std::string_view detail) {
    if (!is_unreachable_error(err)) return kafka_failure(err, what, detail);
    return cli_error{exit_code::unreachable,
                     fmt::format("{}: no answer from {} within {} ms ({}: {})", what,
                                 options.brokers, options.timeout_ms(), kafka_error_name(err),
                                 detail.empty() ? rd_kafka_err2str(err) : detail)};
}

cli_result<void> check_error(rd_kafka_error_t* raw, std::string_view what) {
    error_handle error(raw);
    if (!error) return {};
    return fail(
        kafka_failure(rd_kafka_error_code(error.get()), what, rd_kafka_error_string(error.get())));
}

}  // namespace fjord::cli
