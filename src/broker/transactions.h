// The transaction coordinator's place in the broker: its log (__transaction_state, created when
// the first transactional producer looks for its coordinator, as Kafka does, so brokers that
// never see a transaction do not pay for 50 more partitions), and the marker writer that ends
// transactions in the partitions they touched. A transaction's offsets in __consumer_offsets
// become visible (or are dropped) once its marker there is durable.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "broker/config.h"
#include "broker/internal_topic.h"
#include "broker/producer_id_allocator.h"
#include "broker/topic_table.h"
#include "coordinator/offset_store.h"
#include "coordinator/timer_service.h"
#include "coordinator/transaction_coordinator.h"
#include "storage/flush_scheduler.h"

namespace fjord::broker {

// Writes commit/abort markers to this broker's partitions, durably.
class transaction_markers final : public coordinator::txn_marker_writer {
public:
    transaction_markers(topic_table& topics, storage::flush_scheduler& flusher,
                        coordinator::offset_store& offsets);

    void write_markers(model::producer_id id, model::producer_epoch epoch,
                       int32_t coordinator_epoch, bool commit,
                       std::vector<model::topic_partition> partitions,
                       std::function<void(bool ok)> done) override;

private:
    topic_table& _topics;
    storage::flush_scheduler& _flusher;
    coordinator::offset_store& _offsets;
};

class transaction_service {
public:
    // Everything passed in must outlive the service.
    transaction_service(const broker_config& config, topic_table& topics,
                        storage::flush_scheduler& flusher, coordinator::offset_store& offsets,
                        coordinator::timer_service& timers, producer_id_allocator& producer_ids);

    // Replays __transaction_state (when it exists) into the coordinator and starts it. Blocking.
    result<void, std::string> start();

    // __transaction_state, created by the first transactional producer (ensure_created()).
    internal_topic& log() { return _log; }

    coordinator::transaction_coordinator& coordinator() { return *_coordinator; }

private:
    const broker_config& _config;
    internal_topic _log;
    transaction_markers _markers;
    std::unique_ptr<coordinator::transaction_coordinator> _coordinator;
    coordinator::timer_service& _timers;
    producer_id_allocator& _producer_ids;
};

}  // namespace fjord::broker
