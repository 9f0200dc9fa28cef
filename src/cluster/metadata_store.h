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
};

}  // namespace fjord::cluster
