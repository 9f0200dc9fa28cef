// The topics this broker serves: metadata, effective config and the open partitions.
//
// Readers (every request) take a shared lock for a lookup and keep the returned
// `shared_ptr<const topic_state>`, so a topic deleted meanwhile stays valid for the request in
// flight. A topic_state never changes once published: growing a topic or changing its config
// publishes a new one (sharing the existing partitions), so a reader sees either the old or the
// new state, whole. Every change (create, remove, add partitions, alter config) is serialised by
// `_admin_mutex` and made durable in the metadata store before it is visible.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "broker/config.h"
#include "broker/kafka_error.h"
#include "broker/partition.h"
#include "broker/topic_config.h"
#include "broker/topic_metrics.h"
#include "cluster/metadata_store.h"

namespace fjord::broker {

struct topic_state {
    cluster::topic_metadata metadata;
    topic_config config;
    std::vector<std::shared_ptr<partition>> partitions;
    // Shared by every state published for the topic; null in a validate_only answer.
    std::shared_ptr<const topic_metrics> metrics;

    std::shared_ptr<partition> find_partition(int32_t index) const {
        if (index < 0 || static_cast<size_t>(index) >= partitions.size()) return nullptr;
        return partitions[static_cast<size_t>(index)];
    }
};

struct topic_error {
    kafka_error code;
    std::string message;
};

struct new_topic {
    std::string name;
    int32_t partitions = -1;          // -1: num.partitions
    int16_t replication_factor = -1;  // -1: default.replication.factor
    config_overrides configs;
};

// Kafka's topic name rules: 1-249 characters of [a-zA-Z0-9._-], not "." or "..".
result<void, std::string> validate_topic_name(std::string_view name);

class topic_table {
public:
    topic_table(const broker_config& config, cluster::metadata_store& metadata);

    // Opens the logs of every topic in the metadata store (start-up). `closed_cleanly`: the
    // last shutdown flushed every log (storage::log_config::closed_cleanly).
    result<void, std::string> load(bool closed_cleanly);
    // Closes every log (shutdown); waiters fail. True when every log's data is durable.
    bool close();

    std::shared_ptr<const topic_state> find(std::string_view name) const;
    std::shared_ptr<const topic_state> find(const uuid& id) const;
    std::vector<std::shared_ptr<const topic_state>> all() const;

    // Validates, then (unless validate_only) creates the topic durably and opens its logs.
    result<std::shared_ptr<const topic_state>, topic_error> create(const new_topic& request,
                                                                   bool validate_only);
    // Deletes the topic and its logs; topic_deletion_disabled when delete.topic.enable is false.
    result<void, topic_error> remove(std::string_view name);

    // CreatePartitions: grows topic `name` to `count` partitions (INVALID_PARTITIONS unless it
    // is larger than now), opening the new partitions' logs. Returns the new state (when
    // validate_only, what it would be, without its new partitions).
    result<std::shared_ptr<const topic_state>, topic_error> add_partitions(std::string_view name,
                                                                           int32_t count,
                                                                           bool validate_only);

    // Computes a topic's new override set from its current one and, unless validate_only,
    // stores it and publishes the new effective config: produce reads it from the next request
    // on, and every partition log gets its new segment settings. `change` runs under the admin
    // lock, so concurrent changes of one topic never lose each other's updates.
    using config_change_fn =
        std::function<result<config_overrides, topic_error>(const config_overrides& current)>;
    result<std::shared_ptr<const topic_state>, topic_error> alter_config(
        std::string_view name, const config_change_fn& change, bool validate_only);

    // The partition that owns `log`, for the flusher's completion callback.
    std::shared_ptr<partition> partition_of(const storage::partition_log& log) const;

private:
    // `closed_cleanly`: as in load(); false for a topic created now.
    result<std::shared_ptr<topic_state>, std::string> open_topic(
        const cluster::topic_metadata& metadata, bool closed_cleanly);
    std::filesystem::path partition_dir(std::string_view topic, int32_t index) const;
    // Opens the logs of partitions [from, metadata.partition_count) into `state`.
    result<void, std::string> open_partitions(topic_state& state, int32_t from,
                                              bool closed_cleanly);
    void remove_partition_dirs(std::string_view topic, int32_t from, int32_t to) const;
    result<void, std::string> sync_data_dir() const;
    // Replaces a topic's published state. REQUIRES: _admin_mutex (or start-up, in load()).
    void publish(std::shared_ptr<const topic_state> state);

    const broker_config& _config;
    cluster::metadata_store& _metadata;

    std::mutex _admin_mutex;  // serialises create/remove
    mutable std::shared_mutex _mutex;
    std::unordered_map<std::string, std::shared_ptr<const topic_state>> _by_name;  // GUARDED_BY
    std::unordered_map<const storage::partition_log*, std::weak_ptr<partition>>
        _by_log;  // GUARDED_BY
};

}  // namespace fjord::broker
