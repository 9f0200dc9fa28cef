// The single-node broker: the composition of metadata store, topics, flusher and Kafka server.
// start() brings them up in dependency order; stop() takes them down in reverse, after the
// server has answered what it had in flight, so every acknowledged record is on disk.
#pragma once

#include <memory>

#include "base/metrics.h"
#include "base/result.h"
#include "broker/admin_executor.h"
#include "broker/config.h"
#include "broker/internal_topic.h"
#include "broker/kafka_server.h"
#include "broker/log_cleaner.h"
#include "broker/producer_id_allocator.h"
#include "broker/services.h"
#include "broker/topic_table.h"
#include "broker/transactions.h"
#include "cluster/embedded_metadata_store.h"
#include "coordinator/group_manager.h"
#include "coordinator/offset_store.h"
#include "coordinator/threaded_timer_service.h"
#include "net/server.h"
#include "storage/flush_scheduler.h"

namespace fjord::broker {

class broker {
public:
    explicit broker(broker_config config);
    ~broker();

    // Start-up errors (unusable data directory, port in use) come back as a message.
    result<void, std::string> start();
    // The bound Kafka port (useful with port 0).
    uint16_t port() const;
    // What the broker serves with, for the HTTP admin API. REQUIRES: started, not yet stopped.
    broker_services& services() { return *_services; }
    void stop();

private:
    result<void, std::string> start_coordinator();
    void schedule_offset_expiry();

    broker_config _config;
    int _data_dir_lock = -1;  // flock'ed file descriptor; one broker per data directory
    std::unique_ptr<cluster::embedded_metadata_store> _metadata;
    std::unique_ptr<topic_table> _topics;
    std::unique_ptr<storage::flush_scheduler> _flusher;
    std::unique_ptr<internal_topic> _offsets_topic;
    std::unique_ptr<coordinator::threaded_timer_service> _timers;
    std::unique_ptr<coordinator::group_manager> _groups;
    std::unique_ptr<coordinator::offset_store> _offsets;
    std::unique_ptr<producer_id_allocator> _producer_ids;
    std::unique_ptr<transaction_service> _transactions;
    std::unique_ptr<log_cleaner> _cleaner;
    std::unique_ptr<admin_executor> _admin;
    std::unique_ptr<broker_services> _services;
    std::unique_ptr<kafka_server> _handler;
    std::unique_ptr<net::server> _server;
    metrics::collector_handle _metrics;  // scrape-time metrics; reads _topics, _offsets, _groups
    bool _running = false;
};

}  // namespace fjord::broker
