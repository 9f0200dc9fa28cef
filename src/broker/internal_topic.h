// The internal topics where coordinators keep their state, as Kafka does: __consumer_offsets
// (committed offsets and group metadata) and __transaction_state (transactional ids). This class
// is a coordinator's window onto one of them: it appends the coordinator's records durably
// (acks=all semantics: answered once fsynced) and, at start-up, replays every partition into the
// coordinator.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/result.h"
#include "broker/topic_table.h"
#include "coordinator/coordinator_log.h"
#include "storage/flush_scheduler.h"

namespace fjord::broker {

inline constexpr std::string_view offsets_topic_name = "__consumer_offsets";
inline constexpr std::string_view transaction_state_topic_name = "__transaction_state";

bool is_internal_topic(std::string_view name);

// Created on first use, as Kafka does (a broker that never sees a consumer group or a
// transaction does not pay for 50 partitions at start-up).
class internal_topic final : public coordinator::coordinator_log {
public:
    // `partitions`: how many to create it with (the *.num.partitions setting).
    internal_topic(std::string_view name, int32_t partitions, topic_table& topics,
                   storage::flush_scheduler& flusher);

    const std::string& name() const { return _name; }
    bool exists() const { return _topics.find(_name) != nullptr; }
    // The partitions it has, or will be created with: what coordinators hash keys over.
    int32_t partition_count() const;

    // Creates the topic (compacted) if it does not exist yet. Blocking (creates and fsyncs the
    // partitions' files): call it off the network threads. Thread-safe.
    result<void, std::string> ensure_created();

    // What replay() feeds a coordinator, in log order per partition.
    struct replay_visitor {
        // A record of a plain (non-transactional) batch.
        std::function<void(bytes_view key, const std::optional<bytes>& value)> record;
        // A record of a transactional batch of producer `id` (TxnOffsetCommit).
        std::function<void(model::producer_id id, bytes_view key,
                           const std::optional<bytes>& value)>
            transactional_record;
        // A commit or abort marker of producer `id` in `partition`.
        std::function<void(int32_t partition, model::producer_id id, bool commit)> marker;
    };
    // Feeds every record below each partition's high watermark to `visitor`. Absent callbacks
    // skip their kind of record.
    result<void, std::string> replay(const replay_visitor& visitor) const;

    void append(int32_t partition, std::vector<coordinator::log_record> records,
                std::function<void(bool durable)> done) override;
    void append_transactional(int32_t partition, model::producer_id id, model::producer_epoch epoch,
                              std::vector<coordinator::log_record> records,
                              std::function<void(bool durable)> done) override;

private:
    void append_batch(int32_t partition, std::vector<coordinator::log_record> records,
                      std::optional<std::pair<model::producer_id, model::producer_epoch>> producer,
                      std::function<void(bool durable)> done);

    const std::string _name;
    const int32_t _partitions;
    std::mutex _create_mutex;  // one creation at a time
    topic_table& _topics;
    storage::flush_scheduler& _flusher;
};

}  // namespace fjord::broker
