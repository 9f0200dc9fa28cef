#include "broker/topic_metrics.h"

namespace fjord::broker {
namespace {

struct topic_families {
    metrics::counter_family& bytes_in;
    metrics::counter_family& bytes_out;
    metrics::counter_family& messages_in;
    metrics::counter_family& produce_requests;
    metrics::counter_family& fetch_requests;
};

topic_families& families() {
    auto& r = metrics::global();
    static topic_families f{
        .bytes_in = r.counters("kafka_server_brokertopicmetrics_bytes_in_total",
                               "Bytes of record batches appended by Produce, by topic.", {"topic"}),
        .bytes_out = r.counters("kafka_server_brokertopicmetrics_bytes_out_total",
                                "Bytes of record batches returned by Fetch, by topic.", {"topic"}),
        .messages_in = r.counters("kafka_server_brokertopicmetrics_messages_in_total",
                                  "Records appended by Produce, by topic.", {"topic"}),
        .produce_requests = r.counters("kafka_server_brokertopicmetrics_produce_requests_total",
                                       "Produce requests naming the topic, by topic.", {"topic"}),
        .fetch_requests = r.counters("kafka_server_brokertopicmetrics_fetch_requests_total",
                                     "Fetch requests naming the topic, by topic.", {"topic"}),
    };
    return f;
}

}  // namespace

topic_metrics::topic_metrics(std::string_view topic)
    : bytes_in(families().bytes_in.labels({topic})),
      bytes_out(families().bytes_out.labels({topic})),
      messages_in(families().messages_in.labels({topic})),
      produce_requests(families().produce_requests.labels({topic})),
      fetch_requests(families().fetch_requests.labels({topic})) {}

void topic_metrics::remove(std::string_view topic) {
    auto& f = families();
    for (auto* family :
         {&f.bytes_in, &f.bytes_out, &f.messages_in, &f.produce_requests, &f.fetch_requests}) {
        family->remove({topic});
    }
}

}  // namespace fjord::broker
