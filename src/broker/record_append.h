// Appending records that the broker builds itself (the admin API's produce form), with the same
// rules a Kafka producer's batch meets on the produce path: the topic's compression.type and
// message.timestamp.type, max.message.bytes, no internal topics, and an answer only once the
// records are durable (acks=all).
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "base/result.h"
#include "broker/partition.h"
#include "broker/services.h"
#include "broker/topic_table.h"
#include "protocol/compression.h"
#include "protocol/record_batch.h"

namespace fjord::broker {

// The codec a topic's compression.type demands, or nullopt for "producer" (keep what the
// producer sent).
std::optional<protocol::compression_type> topic_compression_codec(std::string_view setting);

struct appended_records {
    int64_t base_offset = 0;
    int64_t timestamp = 0;  // the first record's, or the append time for LogAppendTime topics
};

// Builds one batch of `records` (their offsets are ignored; timestamps < 0 become now), appends
// it to `target` (a partition of `topic`) and calls `done` once it is durable, on the flusher's
// thread, or at once on error. `services` must outlive the call.
void append_records(broker_services& services, const topic_state& topic,
                    std::shared_ptr<partition> target, std::vector<protocol::record> records,
                    std::function<void(result<appended_records, topic_error>)> done);

}  // namespace fjord::broker
