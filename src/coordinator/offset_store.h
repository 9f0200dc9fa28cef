// Committed consumer offsets: the in-memory table the coordinator answers OffsetFetch from, kept
// in step with the offset-commit records it writes to __consumer_offsets
// (docs/formats/consumer-offsets.md).
//
// Consistency with the log: every change (commit, delete, expiry, topic removal) is written
// first and applied in memory only once durable, and changes bound for the same
// __consumer_offsets partition are applied in the order they were handed to the log, whatever
// order the log reports completion in. The table therefore always equals what replaying the log
// would give. A write the log fails changes nothing.
//
// Thread-safety: every method may be called from any thread. Callbacks (`done`, `is_empty`) never
// run while the store holds a lock, so they may call back into the store. A `done` may run before
// the method that was given it returns (when the log completes inline).
// coordinator_log::append() is called under the store's append lock (to keep log order), so it
// should hand the batch off rather than wait for the fsync.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "coordinator/coordinator_log.h"
#include "coordinator/errc.h"
#include "model/fundamental.h"

namespace fjord::coordinator {

struct offset_config {
    int32_t offsets_partitions = default_offsets_partitions;  // offsets.topic.num.partitions
    size_t max_metadata_bytes = 4096;                         // offset.metadata.max.bytes
    std::chrono::minutes retention{10080};                    // offsets.retention.minutes (7 days)
};

struct committed_offset {
    int64_t offset = -1;
    int32_t leader_epoch = -1;
    std::string metadata;
    int64_t commit_timestamp = 0;  // ms since the epoch (the store's clock)
    bool operator==(const committed_offset&) const = default;
};

struct offset_commit_entry {
    std::string topic;
    int32_t partition = 0;
    int64_t offset = 0;
    int32_t leader_epoch = -1;
    std::optional<std::string> metadata;  // null is stored as ""
};

struct topic_partition_ref {
    std::string topic;
    int32_t partition = 0;
    bool operator==(const topic_partition_ref&) const = default;
};

class offset_store {
public:
    // `log` must outlive the store. `offsets_partitions` must be positive (config validation
    // guarantees it). `now_ms` is the clock stamped on commits and used by expire().
    offset_store(offset_config config, coordinator_log& log,
                 std::function<int64_t()> now_ms = system_now_ms);
    offset_store(const offset_store&) = delete;
    offset_store& operator=(const offset_store&) = delete;

    // Validates each entry (metadata longer than max_metadata_bytes → offset_metadata_too_large
    // for that entry only), writes the valid ones as one batch to partition_for_group(group),
    // applies them once durable, then calls done(per-entry errc, in request order). If the write
    // fails, the written entries get coordinator_not_available and nothing is applied. An
    // empty or fully invalid request completes without writing.
    void commit(std::string_view group, std::vector<offset_commit_entry> entries,
                std::function<void(std::vector<errc>)> done);

    // TxnOffsetCommit: as commit(), but the offsets are written as a transactional batch of
    // producer `id` and stay pending (invisible to fetch()) until complete_transaction().
    void commit_transactional(std::string_view group, model::producer_id id,
                              model::producer_epoch epoch, std::vector<offset_commit_entry> entries,
                              std::function<void(std::vector<errc>)> done);

    // A transaction marker of producer `id` is durable in __consumer_offsets partition
    // `partition` (or was replayed from it): the producer's pending offsets in the groups of that
    // partition become committed (commit) or are dropped (abort).
    void complete_transaction(int32_t partition, model::producer_id id, bool commit);

    // Whether an open transaction has offsets pending for the partition: OffsetFetch with
    // RequireStable answers UNSTABLE_OFFSET_COMMIT for it (KIP-447).
    bool has_pending_transactional(std::string_view group, std::string_view topic,
                                   int32_t partition) const;

    std::optional<committed_offset> fetch(std::string_view group, std::string_view topic,
                                          int32_t partition) const;
    // Every committed offset of `group`, sorted by topic, then partition.
    std::vector<std::pair<topic_partition_ref, committed_offset>> fetch_all(
        std::string_view group) const;

    // OffsetDelete: writes tombstones for those of `partitions` the group has an offset for
    // (committed or being committed) and removes them once durable. A partition with no offset
    // is not an error (Kafka's behaviour). done(per-entry errc): none, or
    // coordinator_not_available for every entry if the write fails.
    void delete_offsets(std::string_view group, std::vector<topic_partition_ref> partitions,
                        std::function<void(std::vector<errc>)> done);

    // DeleteGroups: tombstones for every offset of the group (including commits still in
    // flight), then done(none), or done(coordinator_not_available) if the write fails.
    void delete_group(std::string_view group, std::function<void(errc)> done);

    // A topic was deleted: writes tombstones for its offsets in every group and drops them once
    // durable. A failed write is logged and leaves them (a later call retries).
    void remove_topic(std::string_view topic);

    bool has_offsets(std::string_view group) const;
    // Groups with at least one committed offset, sorted.
    std::vector<std::string> groups() const;

    // Start-up replay of one __consumer_offsets record, in log order (later records win). Keys
    // that are not offset commits, and values that do not decode, are ignored. A nullopt value
    // (tombstone) removes the offset. Writes nothing.
    void load_record(bytes_view key, const std::optional<bytes>& value);
    // The same for a record of a transactional batch of producer `id`: it is pending until the
    // producer's marker is replayed (complete_transaction).
    void load_transactional_record(model::producer_id id, bytes_view key,
                                   const std::optional<bytes>& value);

    // Offset expiry (offsets.retention.minutes). For every group with offsets for which
    // `is_empty(group)` is true, offsets committed more than `retention` ago (or, for records
    // carrying Kafka's legacy explicit expire timestamp, past it) are tombstoned and removed once
    // durable. Offsets with a commit in flight are left alone. Called periodically by the broker.
    void expire(const std::function<bool(std::string_view group)>& is_empty);

    static int64_t system_now_ms();

private:
    struct tp_key {
        std::string topic;
        int32_t partition = 0;
    };
    // Orders tp_keys by (topic, partition) and lets lookups use a string_view without copying.
    struct tp_less {
        using is_transparent = void;
        template <typename A, typename B>
        bool operator()(const A& a, const B& b) const {
            return std::pair<std::string_view, int32_t>(a.topic, a.partition) <
                   std::pair<std::string_view, int32_t>(b.topic, b.partition);
        }
    };
    struct tp_view {
        std::string_view topic;
        int32_t partition;
    };
    struct stored_offset {
        committed_offset value;
        int64_t expire_timestamp = -1;  // Kafka's legacy per-offset expiry (value version 1)
    };
    using offset_map = std::map<tp_key, stored_offset, tp_less>;
    struct group_offsets {
        offset_map applied;
        // Keys with writes handed to the log but not yet applied, and how many.
        std::map<tp_key, int, tp_less> in_flight;
        // Transactional commits waiting for their producer's marker.
        std::map<model::producer_id, offset_map> pending;
        bool empty() const { return applied.empty() && in_flight.empty() && pending.empty(); }
    };
    struct txn_producer {
        model::producer_id id;
        model::producer_epoch epoch;
    };
    // One change handed to the log, waiting to be applied in order.
    struct pending_write {
        std::optional<bool> durable;  // set when the log answers
        // Runs under _mutex once every earlier write to the same partition has been applied.
        std::function<void(bool durable)> apply;
        // Runs after apply, outside every lock (the caller's callback).
        std::function<void(bool durable)> finish;
    };

    using entries = std::vector<std::pair<tp_key, std::optional<stored_offset>>>;
    // Calls `select` (with the group's state, or nullptr if it has none) under both locks, so
    // nothing reaches the log between choosing the entries and writing them; writes what it
    // returns as one batch and arranges for it to be applied in order and `finish` to run.
    // Returns false, writing nothing and never calling `finish`, if `select` returned nothing.
    // REQUIRES: neither lock held.
    // With `producer`, the batch is transactional and applies to the group's pending offsets.
    bool write(std::string group, const std::function<entries(const group_offsets*)>& select,
               std::function<void(bool durable)> finish,
               std::optional<txn_producer> producer = std::nullopt);
    void commit_entries(std::string_view group, std::optional<txn_producer> producer,
                        std::vector<offset_commit_entry> request,
                        std::function<void(std::vector<errc>)> done);
    // Decodes an offset-commit record; nullopt for other keys and undecodable records.
    struct decoded_record {
        std::string group;
        tp_key key;
        std::optional<stored_offset> value;  // nullopt: tombstone
    };
    static std::optional<decoded_record> decode_record(bytes_view key,
                                                       const std::optional<bytes>& value);
    void on_written(int32_t partition, const std::shared_ptr<pending_write>& w, bool durable);
    // Applies every answered write at the head of `partition`'s queue and runs their finishes.
    void drain(int32_t partition);
    // REQUIRES: _mutex held.
    void apply_locked(const std::string& group, const entries& written, bool durable,
                      std::optional<model::producer_id> producer);
    void erase_if_empty_locked(std::string_view group);

    const offset_config _config;
    coordinator_log& _log;
    const std::function<int64_t()> _now_ms;

    // Serialises handing writes to the log so that each partition's queue order is log order.
    // Lock order: _append_mutex, then _mutex.
    std::mutex _append_mutex;
    mutable std::mutex _mutex;
    // GUARDED_BY(_mutex)
    std::map<std::string, group_offsets, std::less<>> _groups;
    // GUARDED_BY(_mutex): per __consumer_offsets partition, writes in the order handed to the log.
    std::map<int32_t, std::deque<std::shared_ptr<pending_write>>> _queues;
};

}  // namespace fjord::coordinator
