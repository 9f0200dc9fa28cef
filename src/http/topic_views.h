// JSON views of topics and partitions shared by the topic and cluster routes.
#pragma once

#include "broker/topic_table.h"
#include "http/json_io.h"

namespace fjord::http {

struct topic_totals {
    uint64_t size_bytes = 0;
    int64_t record_count = 0;  // high watermark - log start, summed: an upper bound when compacted
};

topic_totals totals_of(const broker::topic_state& topic);

json partition_view(int32_t node_id, broker::partition& p);
// The list entry: counts and the retention settings.
json topic_summary(const broker::topic_state& topic);
// The detail page: summary, partitions and configs.
json topic_detail(const broker::broker_config& broker, const broker::topic_state& topic);
json config_view(const broker::broker_config& broker, const broker::topic_state& topic);

}  // namespace fjord::http
