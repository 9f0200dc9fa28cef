#include "http/topic_lookup.h"

#include <fmt/format.h>

namespace fjord::http {

result<std::shared_ptr<const broker::topic_state>, api_error> find_topic(
    broker::topic_table& topics, const std::string& name) {
    auto topic = topics.find(name);
    if (!topic) {
        return fail(from_kafka_error(broker::kafka_error::unknown_topic_or_partition,
                                     fmt::format("topic '{}' does not exist", name)));
    }
    return topic;
}

api_error unknown_partition(const broker::topic_state& topic, int64_t partition) {
    return from_kafka_error(broker::kafka_error::unknown_topic_or_partition,
                            fmt::format("topic '{}' has no partition {} (it has {})",
                                        topic.metadata.name, partition, topic.partitions.size()));
}

api_error from_topic_error(const broker::topic_error& error) {
    return from_kafka_error(error.code, error.message);
}

}  // namespace fjord::http
