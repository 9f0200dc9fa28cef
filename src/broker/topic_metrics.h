// Kafka's BrokerTopicMetrics for one topic (docs/metrics.md, "Topics"). Created when the topic
// table opens the topic and shared by every state it publishes for it (growing the topic or
// changing its config keeps them), so the produce and fetch paths reach their counters through
// the topic_state they already hold: no lookup, no lock.
#pragma once

#include <memory>
#include <string_view>

#include "base/metrics.h"

namespace fjord::broker {

struct topic_metrics {
    // The topic's children in the global registry, created at 0 on first use.
    explicit topic_metrics(std::string_view topic);

    // Takes the topic's series off /metrics (topic deleted). Holders of its topic_metrics keep
    // counting into objects nothing renders; a topic created later by that name starts at 0.
    static void remove(std::string_view topic);

    const std::shared_ptr<metrics::counter> bytes_in;
    const std::shared_ptr<metrics::counter> bytes_out;
    const std::shared_ptr<metrics::counter> messages_in;
    const std::shared_ptr<metrics::counter> produce_requests;
    const std::shared_ptr<metrics::counter> fetch_requests;
};

}  // namespace fjord::broker
