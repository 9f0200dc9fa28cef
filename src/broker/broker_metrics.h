// The broker's metrics computed when /metrics is scraped (docs/metrics.md): partition logs
// (size, offsets, high watermark, segments), topic and partition counts, and consumer groups
// (committed offsets, lag, members). Reading them costs nothing between scrapes.
#pragma once

#include "base/metrics.h"
#include "broker/topic_table.h"
#include "coordinator/group_manager.h"
#include "coordinator/offset_store.h"

namespace fjord::broker {

// A collector body (metrics::registry::add_collector). Thread-safe: it only reads through the
// objects' thread-safe accessors; they must outlive the collector's registration.
void collect_broker_metrics(metrics::sample_sink& sink, const topic_table& topics,
                            const coordinator::offset_store& offsets,
                            const coordinator::group_manager& groups);

}  // namespace fjord::broker
