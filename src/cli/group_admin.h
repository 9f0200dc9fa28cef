// Consumer-group Admin API calls shared by the `group` commands.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cli/client.h"
#include "cli/error.h"

namespace fjord::cli {

using topic_partition = std::pair<std::string, int32_t>;

struct member_info {
    std::string member_id;
    std::string client_id;
    std::string host;
    std::vector<topic_partition> assignment;
};

struct group_info {
    std::string state;
    std::string assignor;
    int32_t coordinator_id = -1;
    std::string coordinator_host;
    int coordinator_port = 0;
    std::vector<member_info> members;
};

// The group's state, coordinator and members (DescribeConsumerGroups).
cli_result<group_info> describe_group(rd_kafka_t* rk, const client_options& options,
                                      const std::string& group);

// Committed offsets of `group`: of the given partitions, or of every partition it has committed
// (partitions == nullptr). A partition with no committed offset maps to -1.
cli_result<std::map<topic_partition, int64_t>> committed_offsets(
    rd_kafka_t* rk, const client_options& options, const std::string& group,
    const rd_kafka_topic_partition_list_t* partitions);

}  // namespace fjord::cli
