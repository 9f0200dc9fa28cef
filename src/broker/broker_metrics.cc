#include "broker/broker_metrics.h"

#include <algorithm>
#include <set>
#include <string>

#include "broker/group_lag.h"

namespace fjord::broker {
namespace {

using metrics::metric_type;

constexpr std::string_view log_size = "kafka_log_size_bytes";
constexpr std::string_view log_start = "kafka_log_log_start_offset";
constexpr std::string_view log_end = "kafka_log_log_end_offset";
constexpr std::string_view high_watermark = "kafka_cluster_partition_high_watermark";
constexpr std::string_view segments = "kafka_log_segments";
constexpr std::string_view committed = "kafka_consumergroup_committed_offset";
constexpr std::string_view lag = "kafka_consumergroup_lag";
constexpr std::string_view members = "kafka_consumergroup_members";

constexpr std::string_view log_size_help = "Bytes of the partition's log segments.";
constexpr std::string_view log_start_help = "First offset in the partition's log.";
constexpr std::string_view log_end_help =
    "Offset of the next record appended to the partition (includes records not yet durable).";
constexpr std::string_view high_watermark_help =
    "High watermark: records below it are durable and readable by consumers.";
constexpr std::string_view segments_help = "Segments in the partition's log.";
constexpr std::string_view committed_help = "Offset committed by the consumer group.";
constexpr std::string_view lag_help =
    "Messages the group has not committed yet: high watermark minus committed offset.";
constexpr std::string_view members_help = "Members of the consumer group.";

void collect_partitions(metrics::sample_sink& sink, const topic_table& topics) {
    // Declared up front so the families are on /metrics even before any topic has data.
    for (auto [name, help] : {std::pair{log_size, log_size_help},
                              {log_start, log_start_help},
                              {log_end, log_end_help},
                              {high_watermark, high_watermark_help},
                              {segments, segments_help}}) {
        sink.declare(name, help, metric_type::gauge);
    }
    size_t partitions = 0;
    auto all = topics.all();
    for (const auto& topic : all) {
        const std::string& t = topic->metadata.name;
        for (const auto& p : topic->partitions) {
            ++partitions;
            std::string index = std::to_string(p->id().partition());
            auto& log = p->log();
            std::initializer_list<metrics::label> labels{{"topic", t}, {"partition", index}};
            sink.gauge(log_size, log_size_help, labels, static_cast<double>(log.size_bytes()));
            sink.gauge(log_start, log_start_help, labels,
                       static_cast<double>(log.log_start_offset()()));
            sink.gauge(log_end, log_end_help, labels, static_cast<double>(log.log_end_offset()()));
            sink.gauge(high_watermark, high_watermark_help, labels,
                       static_cast<double>(log.high_watermark()()));
            sink.gauge(segments, segments_help, labels, static_cast<double>(log.segment_count()));
        }
    }
    sink.gauge("kafka_server_topics", "Topics, including internal ones.", {},
               static_cast<double>(all.size()));
    sink.gauge("kafka_server_partitions", "Partitions of all topics.", {},
               static_cast<double>(partitions));
}

void collect_groups(metrics::sample_sink& sink, const topic_table& topics,
                    const coordinator::offset_store& offsets,
                    const coordinator::group_manager& groups) {
    sink.declare(committed, committed_help, metric_type::gauge);
    sink.declare(lag, lag_help, metric_type::gauge);
    sink.declare(members, members_help, metric_type::gauge);

    for (const auto& group : offsets.groups()) {
        for (const auto& [tp, c] : offsets.fetch_all(group)) {
            std::string index = std::to_string(tp.partition);
            std::initializer_list<metrics::label> labels{
                {"group", group}, {"topic", tp.topic}, {"partition", index}};
            sink.gauge(committed, committed_help, labels, static_cast<double>(c.offset));
            // A deleted or shrunk topic has no lag to speak of.
            if (auto behind = partition_lag(topics, tp.topic, tp.partition, c.offset)) {
                sink.gauge(lag, lag_help, labels, static_cast<double>(behind->lag));
            }
        }
    }
    // Groups with members but no offsets yet, and groups with offsets but no live state.
    for (const auto& name : known_groups(groups, offsets)) {
        sink.gauge(members, members_help, {{"group", name}},
                   static_cast<double>(groups.describe(name).members.size()));
    }
}

}  // namespace

void collect_broker_metrics(metrics::sample_sink& sink, const topic_table& topics,
                            const coordinator::offset_store& offsets,
                            const coordinator::group_manager& groups) {
    collect_partitions(sink, topics);
    collect_groups(sink, topics, offsets, groups);
}

}  // namespace fjord::broker
