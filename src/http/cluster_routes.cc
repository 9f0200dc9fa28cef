// GET /api/v1/cluster and /api/v1/brokers.
#include "base/metrics.h"
#include "broker/group_lag.h"
#include "broker/internal_topic.h"
#include "broker/services.h"
#include "cluster/metadata_store.h"
#include "coordinator/group_manager.h"
#include "coordinator/offset_store.h"
#include "http/routes.h"
#include "http/topic_views.h"

namespace fjord::http {
namespace {

json brokers_view(const api_context& context, uint64_t size_bytes) {
    const auto& services = context.services;
    return json::array({{
        {"node_id", services.config.node_id},
        {"host", services.advertised_host},
        {"port", services.advertised_port},
        {"rack", nullptr},
        {"data_dir", services.config.data_dir.string()},
        {"size_bytes", size_bytes},
    }});
}

// A counter family's sum over its topics. Counters are whole numbers; the registry sums doubles.
uint64_t counter_total(std::string_view family) {
    return static_cast<uint64_t>(metrics::global().sum(family));
}

}  // namespace

void add_cluster_routes(api_router& router, api_context& context) {
    router.get(
        "/api/v1/cluster", [&context](const httplib::Request&) -> result<json_reply, api_error> {
            auto& services = context.services;
            uint64_t size_bytes = 0;
            size_t topics = 0;
            size_t partitions = 0;
            for (const auto& topic : services.topics.all()) {
                size_bytes += totals_of(*topic).size_bytes;
                if (broker::is_internal_topic(topic->metadata.name)) continue;
                ++topics;
                partitions += topic->partitions.size();
            }
            return json_reply{
                .body = {
                    {"cluster_id", services.metadata.cluster_id().to_string()},
                    {"controller_id", services.config.node_id},
                    {"version", FJORD_VERSION},
                    {"started_at_ms", context.started_at_ms},
                    {"brokers", brokers_view(context, size_bytes)},
                    {"topic_count", topics},
                    {"partition_count", partitions},
                    {"group_count", broker::known_groups(services.groups, services.offsets).size()},
                    {"totals",
                     {
                         {"bytes_in",
                          counter_total("kafka_server_brokertopicmetrics_bytes_in_total")},
                         {"bytes_out",
                          counter_total("kafka_server_brokertopicmetrics_bytes_out_total")},
                         {"messages_in", counter_total("kafka_server_brokertopicmetrics_"
                                                       "messages_in_total")},
                     }},
                }};
        });
    router.get("/api/v1/brokers",
               [&context](const httplib::Request&) -> result<json_reply, api_error> {
                   uint64_t size_bytes = 0;
                   for (const auto& topic : context.services.topics.all()) {
                       size_bytes += totals_of(*topic).size_bytes;
                   }
                   return json_reply{.body = {{"brokers", brokers_view(context, size_bytes)}}};
               });
}

}  // namespace fjord::http
