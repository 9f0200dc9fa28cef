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
#include "protocol/control_record.h"
#include "protocol/record_batch.h"
#include "storage/errc.h"

namespace fjord::storage {

using model::producer_epoch;
using model::producer_id;

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
    // Transactions (producer-state.md §1): the coordinator epoch of the last transaction marker,
    // and the first offset of the producer's open transaction. A producer with an open
    // transaction never expires.
    int32_t coordinator_epoch = -1;
    std::optional<model::offset> txn_first_offset;

    // The last sequence of `epoch`, or -1 before its first batch.
    int32_t last_sequence() const { return batches.empty() ? -1 : batches.back().last_sequence; }
    bool operator==(const producer_entry&) const = default;
};

// A transaction's start or end, as an append (or the replay of one) caused it; the partition log
// tracks open transactions and writes aborted ones into its transaction index from these.
struct txn_change {
    producer_id id;
    model::offset first_offset;        // the transaction's first offset
    std::optional<model::offset> end;  // nullopt: the transaction opened; else its marker's offset
    bool aborted = false;              // with `end`: the marker was an ABORT
    bool operator==(const txn_change&) const = default;
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
    //    state may have expired or been deleted with the log);
    //  - a non-transactional batch while the producer has an open transaction:
    //    errc::invalid_txn_state.
    // Returns nullopt when the batch is to be appended. A negative epoch, or a negative base
    // sequence in a non-transactional batch, is not an idempotent batch at all:
    // errc::invalid_batch (the produce path refuses it before). A transactional batch without a
    // sequence is a coordinator's own (TxnOffsetCommit's offsets in __consumer_offsets): only
    // its epoch is checked, and it is never recognised as a duplicate.
    static result<std::optional<producer_batch>, errc> check(const producer_entry* current,
                                                             const protocol::batch_header& h);

    // Records batch `h`, now in the log at `base_offset`, into `entry` without checks (appends
    // that passed check(), and recovery replaying the log). A new epoch forgets the batches of
    // the previous one. A transactional batch opens a transaction at `base_offset` unless one is
    // open: the change is returned.
    static std::optional<txn_change> apply(producer_entry& entry, const protocol::batch_header& h,
                                           model::offset base_offset, int64_t append_ms);

    // Validates the transaction marker `h` (a control batch holding `marker`) against `current`
    // (nullptr: unknown producer): an epoch below the current one is errc::invalid_producer_epoch,
    // a coordinator epoch below the last marker's is errc::transaction_coordinator_fenced.
    // A negative epoch: errc::invalid_batch.
    static result<void, errc> check_marker(const producer_entry* current,
                                           const protocol::batch_header& h,
                                           const protocol::txn_marker& marker);
    // Records the marker now at `offset` without checks: the open transaction (if any) ends, the
    // coordinator epoch becomes the marker's, and a newer producer epoch replaces the current one
    // (forgetting its batches: the coordinator bumped it to fence the producer). Returns the
    // ended transaction, nullopt when none was open (a retried marker).
    static std::optional<txn_change> apply_marker(producer_entry& entry,
                                                  const protocol::batch_header& h,
                                                  const protocol::txn_marker& marker,
                                                  model::offset offset, int64_t append_ms);

    const producer_entry* find(producer_id id) const;
    // Replaces (or adds) a producer's entry.
    void put(producer_id id, producer_entry entry);
    // Recovery: apply() for the batch's producer, creating its entry when needed (a batch with a
    // negative sequence or epoch is skipped).
    std::optional<txn_change> replay(const protocol::batch_header& h, int64_t append_ms);
    // Recovery: apply_marker() for the marker's producer, creating its entry when needed (a
    // negative epoch is skipped).
    std::optional<txn_change> replay_marker(const protocol::batch_header& h,
                                            const protocol::txn_marker& marker, int64_t append_ms);

    // Removes the producers idle for at least `expiration_ms` (now_ms - last_append_ms) that have
    // no open transaction; returns how many.
    size_t remove_expired(int64_t now_ms, int64_t expiration_ms);

    size_t size() const { return _entries.size(); }
    bool empty() const { return _entries.empty(); }
    // Every producer, by ascending id (snapshots are written in this order).
    std::vector<std::pair<producer_id, producer_entry>> sorted() const;

private:
    // Keeps `h`'s sequence range among the entry's last batches_retained.
    static void remember_batch(producer_entry& entry, const protocol::batch_header& h,
                               model::offset base_offset);

    std::unordered_map<int64_t, producer_entry> _entries;
};

}  // namespace fjord::storage
