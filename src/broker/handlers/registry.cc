#include <algorithm>

#include "broker/handlers/handlers.h"

namespace fjord::broker {
namespace {

// Version ranges: the union of what Kafka 4 serves and what clients still in use send
// (../shared/kafka-protocol/CLIENTS.md). Produce starts at 0 because librdkafka before 2.11.1
// compresses only if v0 is advertised; v0-2 requests are refused per partition, as Kafka 4 does.
// FindCoordinator must include v0: librdkafka before 2.11.1 gates lz4 on it.
constexpr handler_entry registry[] = {
    {0, "Produce", 0, 11, handle_produce},
    {1, "Fetch", 4, 17, handle_fetch},
    {2, "ListOffsets", 1, 7, handle_list_offsets},
    {3, "Metadata", 0, 12, handle_metadata},
    {8, "OffsetCommit", 2, 9, handle_offset_commit},
    {9, "OffsetFetch", 1, 9, handle_offset_fetch},
    {10, "FindCoordinator", 0, 5, handle_find_coordinator},
    {11, "JoinGroup", 0, 9, handle_join_group},
    {12, "Heartbeat", 0, 4, handle_heartbeat},
    {13, "LeaveGroup", 0, 5, handle_leave_group},
    {14, "SyncGroup", 0, 5, handle_sync_group},
    {15, "DescribeGroups", 0, 5, handle_describe_groups},
    {16, "ListGroups", 0, 5, handle_list_groups},
    {18, "ApiVersions", 0, 4, handle_api_versions},
    {19, "CreateTopics", 0, 7, handle_create_topics},
    {20, "DeleteTopics", 0, 6, handle_delete_topics},
    {21, "DeleteRecords", 0, 2, handle_delete_records},
    // From 0: librdkafka before 2.11.1 turns idempotence on only if v0 is advertised.
    {22, "InitProducerId", 0, 5, handle_init_producer_id},
    // AddPartitionsToTxn 4+ is the broker-to-broker batched form (KIP-890).
    {24, "AddPartitionsToTxn", 0, 3, handle_add_partitions_to_txn},
    {25, "AddOffsetsToTxn", 0, 4, handle_add_offsets_to_txn},
    // EndTxn 5 is KIP-890's epoch bump on every transaction (transactions v2).
    {26, "EndTxn", 0, 4, handle_end_txn},
    {28, "TxnOffsetCommit", 0, 4, handle_txn_offset_commit},
    {32, "DescribeConfigs", 1, 4, handle_describe_configs},
    {33, "AlterConfigs", 0, 2, handle_alter_configs},
    {35, "DescribeLogDirs", 1, 4, handle_describe_log_dirs},
    {37, "CreatePartitions", 0, 3, handle_create_partitions},
    {42, "DeleteGroups", 0, 2, handle_delete_groups},
    {44, "IncrementalAlterConfigs", 0, 1, handle_incremental_alter_configs},
    {47, "OffsetDelete", 0, 0, handle_offset_delete},
    {60, "DescribeCluster", 0, 1, handle_describe_cluster},
    {65, "DescribeTransactions", 0, 0, handle_describe_transactions},
    {66, "ListTransactions", 0, 1, handle_list_transactions},
};

}  // namespace

std::span<const handler_entry> handler_registry() {
    return registry;
}

const handler_entry* find_handler(int16_t api_key) {
    auto it = std::find_if(std::begin(registry), std::end(registry),
                           [&](const handler_entry& e) { return e.api_key == api_key; });
    return it == std::end(registry) ? nullptr : &*it;
}

}  // namespace fjord::broker
