#include "client.h"

#include <algorithm>
#include <array>

namespace fjord::bench {
namespace {

// librdkafka reports errors into a caller-provided buffer.
using error_buffer = std::array<char, 512>;

struct metadata_deleter {
    void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};
struct new_topic_deleter {
    void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
};
struct admin_options_deleter {
    void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};

int timeout_ms(std::chrono::milliseconds timeout) {
    return static_cast<int>(timeout.count());
}

}  // namespace

client_config::client_config() : _conf(rd_kafka_conf_new()) {}

client_config::~client_config() {
    if (_conf != nullptr) {
        rd_kafka_conf_destroy(_conf);
    }
}

client_config& client_config::set(const std::string& name, const std::string& value) {
    error_buffer err{};
    if (rd_kafka_conf_set(_conf, name.c_str(), value.c_str(), err.data(), err.size()) !=
        RD_KAFKA_CONF_OK) {
        throw config_error("librdkafka rejected " + name + "=" + value + ": " + err.data());
    }
    return *this;
}

client_config& client_config::set_opaque(void* opaque) {
    rd_kafka_conf_set_opaque(_conf, opaque);
    return *this;
}

client_config& client_config::set_delivery_callback(void (*cb)(rd_kafka_t*,
                                                               const rd_kafka_message_t*, void*)) {
    rd_kafka_conf_set_dr_msg_cb(_conf, cb);
    return *this;
}

client_config& client_config::set_rebalance_callback(void (*cb)(rd_kafka_t*, rd_kafka_resp_err_t,
                                                                rd_kafka_topic_partition_list_t*,
                                                                void*)) {
    rd_kafka_conf_set_rebalance_cb(_conf, cb);
    return *this;
}

kafka_ptr create_client(rd_kafka_type_t type, client_config&& config) {
    error_buffer err{};
    // rd_kafka_new takes the configuration only when it succeeds.
    kafka_ptr rk(rd_kafka_new(type, config.get(), err.data(), err.size()));
    if (!rk) {
        throw client_error(std::string("cannot create the librdkafka client: ") + err.data());
    }
    config.release();
    return rk;
}

void check_reachable(rd_kafka_t* rk, const std::string& brokers,
                     std::chrono::milliseconds timeout) {
    const rd_kafka_metadata_t* md = nullptr;
    // Neither all topics nor one: only the broker list is asked for.
    const auto err = rd_kafka_metadata(rk, 0, nullptr, &md, timeout_ms(timeout));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw client_error("no answer from " + brokers + ": " + rd_kafka_err2str(err));
    }
    rd_kafka_metadata_destroy(md);
}

std::vector<int32_t> partitions_of(rd_kafka_t* rk, const std::string& topic,
                                   std::chrono::milliseconds timeout) {
    const topic_ptr rkt(rd_kafka_topic_new(rk, topic.c_str(), nullptr));
    if (!rkt) {
        throw client_error("cannot use topic " + topic + ": " +
                           rd_kafka_err2str(rd_kafka_last_error()));
    }
    const rd_kafka_metadata_t* raw = nullptr;
    const auto err = rd_kafka_metadata(rk, 0, rkt.get(), &raw, timeout_ms(timeout));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw client_error("metadata for " + topic + " failed: " + rd_kafka_err2str(err));
    }
    const std::unique_ptr<const rd_kafka_metadata_t, metadata_deleter> md(raw);

    std::vector<int32_t> ids;
    for (int t = 0; t < md->topic_cnt; ++t) {
        const auto& meta = md->topics[t];
        if (topic != meta.topic) {
            continue;
        }
        if (meta.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
            return {};
        }
        if (meta.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            throw client_error("metadata for " + topic + ": " + rd_kafka_err2str(meta.err));
        }
        for (int p = 0; p < meta.partition_cnt; ++p) {
            ids.push_back(meta.partitions[p].id);
        }
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

uint64_t count_messages(rd_kafka_t* rk, const std::string& topic,
                        const std::vector<int32_t>& partitions, std::chrono::milliseconds timeout) {
    uint64_t total = 0;
    for (const int32_t partition : partitions) {
        int64_t low = 0;
        int64_t high = 0;
        const auto err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, &low, &high,
                                                          timeout_ms(timeout));
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            throw client_error("watermarks of " + topic + "/" + std::to_string(partition) + ": " +
                               rd_kafka_err2str(err));
        }
        total += static_cast<uint64_t>(std::max<int64_t>(0, high - low));
    }
    return total;
}

partition_list_ptr make_partition_list(const std::string& topic,
                                       const std::vector<int32_t>& partitions, int64_t offset) {
    partition_list_ptr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (const int32_t id : partitions) {
        rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), id)->offset = offset;
    }
    return list;
}

void subscribe(rd_kafka_t* rk, const std::string& topic) {
    const auto topics =
        make_partition_list(topic, {RD_KAFKA_PARTITION_UA}, RD_KAFKA_OFFSET_INVALID);
    if (const auto err = rd_kafka_subscribe(rk, topics.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw client_error("subscribe to " + topic + " failed: " + rd_kafka_err2str(err));
    }
}

topic_creation create_topic(rd_kafka_t* rk, const std::string& topic, int32_t partitions,
                            std::chrono::milliseconds timeout) {
    error_buffer err{};
    std::unique_ptr<rd_kafka_NewTopic_t, new_topic_deleter> new_topic(
        rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, err.data(), err.size()));
    if (!new_topic) {
        throw client_error("cannot describe topic " + topic + ": " + err.data());
    }
    const std::unique_ptr<rd_kafka_AdminOptions_t, admin_options_deleter> admin_options(
        rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS));
    if (rd_kafka_AdminOptions_set_request_timeout(admin_options.get(), timeout_ms(timeout),
                                                  err.data(),
                                                  err.size()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw client_error(std::string("admin request timeout: ") + err.data());
    }

    const queue_ptr queue(rd_kafka_queue_new(rk));
    rd_kafka_NewTopic_t* topics[] = {new_topic.get()};
    rd_kafka_CreateTopics(rk, topics, 1, admin_options.get(), queue.get());

    // The request timeout above bounds the wait; the extra second is slack.
    const event_ptr event(rd_kafka_queue_poll(queue.get(), timeout_ms(timeout) + 1000));
    if (!event) {
        throw client_error("CreateTopics for " + topic + " got no answer");
    }
    if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw client_error("CreateTopics for " + topic +
                           " failed: " + rd_kafka_event_error_string(event.get()));
    }
    size_t count = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(
        rd_kafka_event_CreateTopics_result(event.get()), &count);
    for (size_t i = 0; i < count; ++i) {
        const auto code = rd_kafka_topic_result_error(results[i]);
        if (code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            return topic_creation::already_existed;
        }
        if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
            const char* detail = rd_kafka_topic_result_error_string(results[i]);
            throw client_error("cannot create topic " + topic + ": " +
                               (detail != nullptr ? detail : rd_kafka_err2str(code)));
        }
    }
    return topic_creation::created;
}

}  // namespace fjord::bench
