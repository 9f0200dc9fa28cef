#pragma once

// Thin RAII and error handling around librdkafka's C API for the load generator.
// Every failure is thrown as client_error: this is a command-line tool whose
// only answer to a broken client or an unreachable broker is to stop.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace fjord::bench {

class client_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// librdkafka refused a configuration value, which came from a flag.
class config_error : public client_error {
public:
    using client_error::client_error;
};

struct kafka_deleter {
    void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct topic_deleter {
    void operator()(rd_kafka_topic_t* rkt) const { rd_kafka_topic_destroy(rkt); }
};
struct message_deleter {
    void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
struct partition_list_deleter {
    void operator()(rd_kafka_topic_partition_list_t* l) const {
        rd_kafka_topic_partition_list_destroy(l);
    }
};
struct queue_deleter {
    void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct event_deleter {
    void operator()(rd_kafka_event_t* ev) const { rd_kafka_event_destroy(ev); }
};

using kafka_ptr = std::unique_ptr<rd_kafka_t, kafka_deleter>;
using topic_ptr = std::unique_ptr<rd_kafka_topic_t, topic_deleter>;
using message_ptr = std::unique_ptr<rd_kafka_message_t, message_deleter>;
using partition_list_ptr = std::unique_ptr<rd_kafka_topic_partition_list_t, partition_list_deleter>;
using queue_ptr = std::unique_ptr<rd_kafka_queue_t, queue_deleter>;
using event_ptr = std::unique_ptr<rd_kafka_event_t, event_deleter>;

// Owns an rd_kafka_conf_t until it is handed to create_client.
class client_config {
public:
    client_config();
    client_config(const client_config&) = delete;
    client_config& operator=(const client_config&) = delete;
    client_config(client_config&& other) noexcept : _conf(other.release()) {}
    client_config& operator=(client_config&&) = delete;
    ~client_config();

    // Throws config_error naming the property when librdkafka rejects it.
    client_config& set(const std::string& name, const std::string& value);

    // The opaque pointer handed to callbacks; must outlive the client.
    client_config& set_opaque(void* opaque);
    client_config& set_delivery_callback(void (*cb)(rd_kafka_t*, const rd_kafka_message_t*, void*));
    // A consumer's rebalance callback, run inside rd_kafka_consumer_poll() (or close) on the
    // polling thread; it must assign or unassign (see rd_kafka_conf_set_rebalance_cb).
    client_config& set_rebalance_callback(void (*cb)(rd_kafka_t*, rd_kafka_resp_err_t,
                                                     rd_kafka_topic_partition_list_t*, void*));

    rd_kafka_conf_t* get() { return _conf; }
    rd_kafka_conf_t* release() { return std::exchange(_conf, nullptr); }

private:
    rd_kafka_conf_t* _conf;
};

kafka_ptr create_client(rd_kafka_type_t type, client_config&& config);

// Fails unless a broker answers a metadata request within `timeout`.
void check_reachable(rd_kafka_t* rk, const std::string& brokers, std::chrono::milliseconds timeout);

// The topic's partition ids, sorted; empty if the broker does not know the topic.
// On a producer this may auto-create the topic, so call create_topic first.
std::vector<int32_t> partitions_of(rd_kafka_t* rk, const std::string& topic,
                                   std::chrono::milliseconds timeout);

// How many messages the partitions hold (high minus low watermark, summed). It asks
// each partition's leader, so it also opens the connections a run will use.
uint64_t count_messages(rd_kafka_t* rk, const std::string& topic,
                        const std::vector<int32_t>& partitions, std::chrono::milliseconds timeout);

// One entry for each of the topic's `partitions`, all with the same `offset`.
partition_list_ptr make_partition_list(const std::string& topic,
                                       const std::vector<int32_t>& partitions, int64_t offset);

// Joins the consumer's group for `topic` (rd_kafka_subscribe).
void subscribe(rd_kafka_t* rk, const std::string& topic);

enum class topic_creation { created, already_existed };

// CreateTopics with a replication factor of 1 (one node).
topic_creation create_topic(rd_kafka_t* rk, const std::string& topic, int32_t partitions,
                            std::chrono::milliseconds timeout);

}  // namespace fjord::bench
