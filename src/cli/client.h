// A thin RAII layer over librdkafka's C API for the `fjord` client: owning handles, client
// construction with the settings every command shares, and bounded helpers for the calls the
// commands make (metadata, watermarks, Admin API round trips).
//
// Every helper takes its bound from client_options::timeout, so no call can hang the CLI.
// Handles are used from the one thread that runs a command.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "cli/error.h"

namespace fjord::cli {

struct client_options {
    std::string brokers = "127.0.0.1:9092";
    std::chrono::milliseconds timeout{10000};
    bool verbose = false;

    int timeout_ms() const { return static_cast<int>(timeout.count()); }
};

struct kafka_deleter {
    // Never blocks on a consumer-group leave: consumers are closed (bounded) before this runs.
    void operator()(rd_kafka_t* rk) const {
        rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    }
};
struct queue_deleter {
    void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct event_deleter {
    void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct metadata_deleter {
    void operator()(const rd_kafka_metadata_t* m) const { rd_kafka_metadata_destroy(m); }
};
struct partition_list_deleter {
    void operator()(rd_kafka_topic_partition_list_t* l) const {
        rd_kafka_topic_partition_list_destroy(l);
    }
};
struct admin_options_deleter {
    void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};
struct error_deleter {
    void operator()(rd_kafka_error_t* e) const { rd_kafka_error_destroy(e); }
};

using kafka_handle = std::unique_ptr<rd_kafka_t, kafka_deleter>;
using queue_handle = std::unique_ptr<rd_kafka_queue_t, queue_deleter>;
using event_handle = std::unique_ptr<rd_kafka_event_t, event_deleter>;
using metadata_handle = std::unique_ptr<const rd_kafka_metadata_t, metadata_deleter>;
using partition_list_handle =
    std::unique_ptr<rd_kafka_topic_partition_list_t, partition_list_deleter>;
using admin_options_handle = std::unique_ptr<rd_kafka_AdminOptions_t, admin_options_deleter>;
using error_handle = std::unique_ptr<rd_kafka_error_t, error_deleter>;

using client_settings = std::vector<std::pair<std::string, std::string>>;

// Installs callbacks on a configuration before the client is created.
using conf_hook = void (*)(rd_kafka_conf_t*);

// A producer or consumer connected to options.brokers. `settings` are librdkafka properties
// applied after the shared ones (so they win). A bad setting is a usage error (exit 2).
cli_result<kafka_handle> make_client(rd_kafka_type_t type, const client_options& options,
                                     const client_settings& settings = {},
                                     conf_hook hook = nullptr);

// Metadata for every topic (all_topics: never auto-creates one).
cli_result<metadata_handle> fetch_metadata(rd_kafka_t* rk, const client_options& options);

// The metadata entry for `topic`, or UNKNOWN_TOPIC_OR_PARTITION (exit 1).
cli_result<const rd_kafka_metadata_topic_t*> find_topic(const rd_kafka_metadata_t& md,
                                                        std::string_view topic);

struct watermarks {
    int64_t low = 0;
    int64_t high = 0;
};
cli_result<watermarks> query_watermarks(rd_kafka_t* rk, const std::string& topic, int32_t partition,
                                        const client_options& options);

// One Admin API round trip. `start` issues the request (e.g. rd_kafka_CreateTopics) with the
// given options and result queue; the result event is returned once it arrives, or an error if
// it does not arrive within the timeout or carries a request-level error.
using admin_start_fn =
    std::function<void(rd_kafka_t*, const rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>;
cli_result<event_handle> admin_call(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                                    const client_options& options, std::string_view what,
                                    const admin_start_fn& start);

// kafka_failure(), except that an error meaning "no broker answered" names the brokers and the
// timeout, so the operator sees what was tried.
cli_error call_failure(const client_options& options, rd_kafka_resp_err_t err,
                       std::string_view what, std::string_view detail = {});

// Takes ownership of a librdkafka error object and turns it into a CLI error (none: success).
cli_result<void> check_error(rd_kafka_error_t* error, std::string_view what);

}  // namespace fjord::cli
