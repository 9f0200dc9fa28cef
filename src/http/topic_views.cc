#include "http/topic_views.h"

#include "broker/config_describe.h"
#include "broker/internal_topic.h"
#include "storage/partition_log.h"

namespace fjord::http {
namespace {

std::string_view source_name(broker::config_source source) {
    switch (source) {
        case broker::config_source::dynamic_topic:
            return "topic";
        case broker::config_source::static_broker:
            return "static_broker";
        case broker::config_source::default_config:
            return "default";
        case broker::config_source::unknown:
            break;
    }
    return "unknown";
}

}  // namespace

topic_totals totals_of(const broker::topic_state& topic) {
    topic_totals totals;
    for (const auto& p : topic.partitions) {
        auto& log = p->log();
        totals.size_bytes += log.size_bytes();
        totals.record_count +=
            std::max<int64_t>(0, log.high_watermark()() - log.log_start_offset()());
    }
    return totals;
}

json partition_view(int32_t node_id, broker::partition& p) {
    auto& log = p.log();
    // One broker: it leads every partition and is its only replica.
    json replicas = json::array({node_id});
    return {
        {"partition", p.id().partition()},
        {"leader", node_id},
        {"replicas", replicas},
        {"isr", replicas},
        {"log_start_offset", log.log_start_offset()()},
        {"high_watermark", log.high_watermark()()},
        {"log_end_offset", log.log_end_offset()()},
        {"size_bytes", log.size_bytes()},
        {"segment_count", log.segment_count()},
    };
}

json topic_summary(const broker::topic_state& topic) {
    auto totals = totals_of(topic);
    return {
        {"name", topic.metadata.name},
        {"id", topic.metadata.id.to_string()},
        {"internal", broker::is_internal_topic(topic.metadata.name)},
        {"partition_count", topic.partitions.size()},
        {"replication_factor", topic.metadata.replication_factor},
        {"size_bytes", totals.size_bytes},
        {"record_count", totals.record_count},
        {"retention_ms", topic.config.retention_ms},
        {"retention_bytes", topic.config.retention_bytes},
        {"cleanup_policy", topic.config.cleanup_policy},
    };
}

json config_view(const broker::broker_config& broker, const broker::topic_state& topic) {
    json configs = json::array();
    for (const auto& entry : broker::describe_topic_config(broker, topic.metadata.configs)) {
        configs.push_back({
            {"name", entry.name},
            {"value", entry.value ? json(*entry.value) : json(nullptr)},
            {"source", source_name(entry.source)},
            {"read_only", entry.read_only},
            {"sensitive", entry.sensitive},
            {"documentation", entry.documentation},
        });
    }
    return configs;
}

json topic_detail(const broker::broker_config& broker, const broker::topic_state& topic) {
    json out = topic_summary(topic);
    json partitions = json::array();
    for (const auto& p : topic.partitions) partitions.push_back(partition_view(broker.node_id, *p));
    out["partitions"] = std::move(partitions);
    out["configs"] = config_view(broker, topic);
    return out;
}

}  // namespace fjord::http
