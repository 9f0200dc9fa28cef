// The producer state of one partition (Kafka's ProducerStateManager): for every producer id that
// appended to the partition, its epoch and the sequence ranges and offsets of its last few
// batches. With it the log recognises an idempotent producer's retry of a batch it already holds
// (and answers with the original offsets instead of appending it again), refuses a stale epoch
// and refuses a gap in the sequence. Rules and snapshot format: docs/formats/producer-state.md.
//
// Not thread-safe: the owning partition_log guards it with its append lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "model/fundamental.h"
#include "protocol/record_batch.h"
#include "storage/errc.h"

namespace fjord::storage {

// A producer id (InitProducerId hands them out) and its epoch. They belong with the other ids in
// model/ once a second layer needs them; until then the log is their only user below the broker.
using producer_id = model::named_type<int64_t, struct producer_id_tag>;
using producer_epoch = model::named_type<int16_t, struct producer_epoch_tag>;

// Kafka's sequence arithmetic: a producer's sequence numbers wrap from INT32_MAX to 0.
// REQUIRES: seq >= 0, 0 <= by <= INT32_MAX.
int32_t increment_sequence(int32_t seq, int32_t by);
int32_t decrement_sequence(int32_t seq, int32_t by);

// One batch a producer appended: its sequence range and where it landed.
struct producer_batch {
    int32_t first_sequence = 0;
    int32_t last_sequence = 0;
    model::offset base_offset;
    model::offset last_offset;
    model::timestamp max_timestamp{protocol::no_timestamp};
    bool operator==(const producer_batch&) const = default;
};

struct producer_entry {
    producer_epoch epoch{protocol::no_producer_epoch};
    // The producer's last batches in `epoch`, oldest first, at most batches_retained of them.
    std::vector<producer_batch> batches;
    // Wall-clock milliseconds of the producer's last append: producer.id.expiration.ms counts
    // from here.
    int64_t last_append_ms = 0;
    // Transactions (kept and snapshotted, not used yet): the coordinator epoch of the last
    // transaction marker, and the first offset of the producer's open transaction. A producer
    // with an open transaction never expires.
    int32_t coordinator_epoch = -1;
    std::optional<model::offset> txn_first_offset;

    // The last sequence of `epoch`, or -1 before its first batch.
    int32_t last_sequence() const { return batches.empty() ? -1 : batches.back().last_sequence; }
    bool operator==(const producer_entry&) const = default;
};

class producer_state {
public:
    // How many batches of a producer are remembered: a producer has at most this many requests
    // in flight per partition (max.in.flight.requests.per.connection <= 5 with idempotence), so
    // every retry it can send finds its original.
    static constexpr size_t batches_retained = 5;

    // Validates the data batch `h` (producer_id >= 0, not a control batch) that a client wants
    // to append, against `current` (nullptr: the producer is unknown to this partition), with
    // Kafka's rules (docs/formats/producer-state.md §1):
    //  - a batch of the current epoch whose sequence range equals one of the retained batches is
    //    a duplicate: returns that batch;
    //  - an epoch below the current one: errc::invalid_producer_epoch;
    //  - a new epoch of a known producer must start at sequence 0, and a batch of the current
    //    epoch must continue right after the last sequence (wrapping at INT32_MAX); anything
    //    else: errc::out_of_order_sequence. An unknown producer may start anywhere (KIP-360: its
    //    state may have expired or been deleted with the log).
    // Returns nullopt when the batch is to be appended. A negative base sequence or epoch is not
    // an idempotent batch at all: errc::invalid_batch (the produce path refuses it before).
    static result<std::optional<producer_batch>, errc> check(const producer_entry* current,
                                                             const protocol::batch_header& h);

    // Records batch `h`, now in the log at `base_offset`, into `entry` without checks (appends
    // that passed check(), and recovery replaying the log). A new epoch forgets the batches of
    // the previous one.
    static void apply(producer_entry& entry, const protocol::batch_header& h,
                      model::offset base_offset, int64_t append_ms);

    const producer_entry* find(producer_id id) const;
    // Replaces (or adds) a producer's entry.
    void put(producer_id id, producer_entry entry);
    // Recovery: apply() for the batch's producer, creating its entry when needed (a batch with a
    // negative sequence or epoch is skipped).
    void replay(const protocol::batch_header& h, int64_t append_ms);

    // Removes the producers idle for at least `expiration_ms` (now_ms - last_append_ms) that have
    // no open transaction; returns how many.
    size_t remove_expired(int64_t now_ms, int64_t expiration_ms);

    size_t size() const { return _entries.size(); }
    bool empty() const { return _entries.empty(); }
    // Every producer, by ascending id (snapshots are written in this order).
    std::vector<std::pair<producer_id, producer_entry>> sorted() const;

private:
    std::unordered_map<int64_t, producer_entry> _entries;
};

}  // namespace fjord::storage
