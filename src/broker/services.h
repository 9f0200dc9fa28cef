// What request handlers reach: the broker's configuration and its state. Owned by `broker`;
// outlives every request (the server is stopped before any of these is destroyed).
#pragma once

#include <cstdint>
#include <string>

#include "broker/admin_executor.h"
#include "broker/config.h"
#include "broker/internal_topic.h"
#include "broker/producer_id_allocator.h"
#include "broker/topic_table.h"
#include "broker/transactions.h"
#include "cluster/metadata_store.h"
#include "coordinator/group_manager.h"
#include "coordinator/offset_store.h"
#include "storage/flush_scheduler.h"

namespace fjord::broker {

struct broker_services {
    const broker_config& config;
    cluster::metadata_store& metadata;
    topic_table& topics;
    storage::flush_scheduler& flusher;
    coordinator::group_manager& groups;
    coordinator::offset_store& offsets;
    admin_executor& admin;  // where admin requests that block on the disk run
    producer_id_allocator& producer_ids;
    // __consumer_offsets, created by the first FindCoordinator for a group.
    internal_topic& offsets_log;
    transaction_service& transactions;
    // The address clients are told to connect to (Metadata, DescribeCluster, FindCoordinator).
    std::string advertised_host;
    uint16_t advertised_port = 0;
};

}  // namespace fjord::broker
