// Cluster metadata: which topics exist, their ids, partition counts and configs.
//
// `metadata_store` is the seam DESIGN.md describes: one node uses the embedded store below,
// persisted in the data directory; a multi-broker cluster will put etcd behind the same
// interface. Callers never learn which one they have.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/uuid.h"

namespace fjord::cluster {

enum class errc {
    topic_already_exists,
    unknown_topic,
    io_error,
    corrupt_metadata,
    producer_ids_exhausted,  // no block of producer ids left below INT64_MAX
};
std::string_view describe(errc);

struct topic_metadata {
    std::string name;
    uuid id;
    int32_t partition_count = 0;
    int16_t replication_factor = 1;
    // Topic-level overrides only (Kafka names); defaults live with the broker config.
    std::map<std::string, std::string> configs;
};

// Producer ids [first, first + count), reserved for one broker (Kafka's producer id blocks,
// KIP-730): it hands them out to InitProducerId without asking again.
struct producer_id_block {
    int64_t first = 0;
    int64_t count = 0;
    bool operator==(const producer_id_block&) const = default;
};

class metadata_store {
public:
    virtual ~metadata_store() = default;
    virtual uuid cluster_id() const = 0;
    virtual std::vector<topic_metadata> topics() const = 0;
    virtual std::optional<topic_metadata> find_topic(std::string_view name) const = 0;
    // Durable when it returns success.
    virtual result<void, errc> create_topic(const topic_metadata& topic) = 0;
    virtual result<void, errc> delete_topic(std::string_view name) = 0;
    virtual result<void, errc> update_topic(const topic_metadata& topic) = 0;
    // Reserves the next `count` producer ids (count > 0) for good: the reservation is durable
    // before it returns, so no id is ever handed out twice, across restarts included. Ids start
    // at 0 and only grow; ids of a block a broker did not use up are never reused. Blocking.
    virtual result<producer_id_block, errc> allocate_producer_ids(int64_t count) = 0;
};

}  // namespace fjord::cluster
