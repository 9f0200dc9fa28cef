// The internal topic __consumer_offsets, where the group coordinator keeps committed offsets and
// group metadata (as Kafka does). This class is the coordinator's window onto it: it appends the
// coordinator's records durably (acks=all semantics: answered once fsynced) and, at start-up,
// replays every partition into the coordinator.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "base/result.h"
#include "broker/topic_table.h"
#include "coordinator/coordinator_log.h"
#include "storage/flush_scheduler.h"

namespace fjord::broker {

inline constexpr std::string_view offsets_topic_name = "__consumer_offsets";

bool is_internal_topic(std::string_view name);

class offsets_topic final : public coordinator::coordinator_log {
public:
    offsets_topic(topic_table& topics, storage::flush_scheduler& flusher);

    // Creates the topic if it does not exist yet (compacted, `partitions` partitions).
    result<void, std::string> ensure_created(int32_t partitions);

    // Feeds every record below each partition's high watermark to `apply`, in log order.
    using record_visitor = std::function<void(bytes_view key, const std::optional<bytes>& value)>;
    result<void, std::string> replay(const record_visitor& apply) const;

    void append(int32_t partition, std::vector<coordinator::log_record> records,
                std::function<void(bool durable)> done) override;

private:
    topic_table& _topics;
    storage::flush_scheduler& _flusher;
};

}  // namespace fjord::broker
