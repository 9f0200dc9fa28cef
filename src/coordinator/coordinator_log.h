// Where the coordinator persists its state: the internal compacted topic __consumer_offsets,
// exactly as Kafka does (records with Kafka's key/value layouts; docs/formats/consumer-offsets.md).
// Implemented by the broker over the topic's partitions; the coordinator never sees the log.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "model/fundamental.h"

namespace fjord::coordinator {

inline constexpr int32_t default_offsets_partitions = 50;  // offsets.topic.num.partitions

// One record to write: a key, and a value (nullopt = tombstone).
struct log_record {
    bytes key;
    std::optional<bytes> value;
};

class coordinator_log {
public:
    virtual ~coordinator_log() = default;
    // Appends `records` as one batch to partition `partition` of __consumer_offsets and calls
    // `done(true)` once they are durable (or `done(false)` if they cannot be written). `done`
    // may run on another thread, possibly before append() returns.
    virtual void append(int32_t partition, std::vector<log_record> records,
                        std::function<void(bool durable)> done) = 0;
    // The same as one transactional batch of producer `id`/`epoch` (TxnOffsetCommit): the
    // records count only once the transaction's commit marker follows them in the partition.
    // Logs that cannot hold transactions answer done(false).
    virtual void append_transactional(int32_t partition, model::producer_id id,
                                      model::producer_epoch epoch, std::vector<log_record> records,
                                      std::function<void(bool durable)> done) {
        (void)partition, (void)id, (void)epoch, (void)records;
        done(false);
    }
};

// Kafka's partition for a group: abs(Java String.hashCode(group_id)) % partitions.
int32_t partition_for_group(std::string_view group_id, int32_t partitions);

}  // namespace fjord::coordinator
