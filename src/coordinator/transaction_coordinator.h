// The transaction coordinator (Kafka's TransactionCoordinator): for every transactional id, the
// producer id and epoch it owns, and the state of its current transaction, persisted in the
// internal topic __transaction_state with Kafka's record layouts
// (docs/formats/transaction-state.md). It hands out producer ids and epochs (fencing older
// producers with the same transactional id), records which partitions a transaction touches,
// and ends transactions by having commit or abort markers written to every one of them. Stuck
// transactions are aborted after their timeout.
//
// State machine (Kafka's): Empty -> Ongoing (first AddPartitions) -> PrepareCommit|PrepareAbort
// (EndTxn, timeout, or a new producer with the same id) -> CompleteCommit|CompleteAbort (every
// marker durable) -> Ongoing (next transaction) ... A Prepare state is written before any marker,
// so a restart in the middle finishes the job: finish_loading() resumes every Prepare state.
//
// Thread-safety: every method may be called from any thread. Callbacks (`done`) never run while
// the coordinator holds its lock, and neither are coordinator_log::append or
// txn_marker_writer::write_markers called under it. Callbacks run on the caller's thread, the
// timer thread or a log/marker completion thread.
//
// Lifetime: the timer_service, coordinator_log and txn_marker_writer must outlive the
// coordinator; completions that arrive after its destruction are ignored.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "coordinator/coordinator_log.h"
#include "coordinator/errc.h"
#include "coordinator/timer_service.h"
#include "model/fundamental.h"

namespace fjord::coordinator {

inline constexpr int32_t default_transaction_partitions =
    50;  // transaction.state.log.num.partitions

struct transaction_config {
    int32_t log_partitions = default_transaction_partitions;
    std::chrono::milliseconds max_timeout{900000};  // transaction.max.timeout.ms
    // transaction.abort.timed.out.transaction.cleanup.interval.ms: how often timeouts are checked.
    std::chrono::milliseconds abort_check_interval{10000};
    // transactional.id.expiration.ms: an id with no transaction in progress and no activity
    // for this long is forgotten (tombstoned).
    std::chrono::milliseconds id_expiration{604800000};
    // transaction.remove.expired.transaction.cleanup.interval.ms
    std::chrono::milliseconds id_expiration_check_interval{3600000};
    // How long to wait before retrying markers that could not be written.
    std::chrono::milliseconds marker_retry_backoff{500};
};

// Kafka's TransactionState, with its on-disk numbers (transaction_status in the value record).
enum class txn_state : int8_t {
    empty = 0,
    ongoing = 1,
    prepare_commit = 2,
    prepare_abort = 3,
    complete_commit = 4,
    complete_abort = 5,
    dead = 6,
    prepare_epoch_fence = 7,
};

// Kafka's names, as DescribeTransactions/ListTransactions report them ("Empty", "Ongoing",
// "PrepareCommit", ...).
std::string_view state_name(txn_state);
std::optional<txn_state> parse_state_name(std::string_view);

// Writes transaction markers (control batches) to partitions. Implemented by the broker.
class txn_marker_writer {
public:
    virtual ~txn_marker_writer() = default;
    // Appends a commit (or abort) marker for (producer_id, producer_epoch) with
    // `coordinator_epoch` to each of `partitions` and calls done(true) once every one is
    // durable, done(false) if any could not be written (the coordinator retries them all later;
    // a repeated marker is harmless). A partition that no longer exists counts as written.
    // `done` may run on another thread, possibly before write_markers() returns.
    virtual void write_markers(model::producer_id id, model::producer_epoch epoch,
                               int32_t coordinator_epoch, bool commit,
                               std::vector<model::topic_partition> partitions,
                               std::function<void(bool ok)> done) = 0;
};

struct transaction_description {
    std::string transactional_id;
    txn_state state = txn_state::empty;
    model::producer_id producer_id{-1};
    model::producer_epoch producer_epoch{-1};
    int32_t timeout_ms = 0;
    int64_t start_timestamp_ms = -1;                 // -1 when no transaction is in progress
    std::vector<model::topic_partition> partitions;  // sorted
};

struct init_producer_id_result {
    errc error = errc::none;
    model::producer_id producer_id{-1};
    model::producer_epoch producer_epoch{-1};
};

class transaction_coordinator {
public:
    // `next_producer_id` hands out a fresh producer id (it may block briefly to persist a new
    // block of ids; nullopt when that fails). `now_ms` is wall-clock milliseconds, stamped in the
    // records and used for timeouts and expiry.
    transaction_coordinator(transaction_config config, timer_service& timers, coordinator_log& log,
                            txn_marker_writer& markers,
                            std::function<std::optional<model::producer_id>()> next_producer_id,
                            std::function<int64_t()> now_ms);
    ~transaction_coordinator();
    transaction_coordinator(const transaction_coordinator&) = delete;
    transaction_coordinator& operator=(const transaction_coordinator&) = delete;

    // Start-up replay of one __transaction_state record, in log order (later records win; a
    // nullopt value is a tombstone). Undecodable records are skipped. Writes nothing.
    void load_record(bytes_view key, const std::optional<bytes>& value);
    // Replay is over: resumes every Prepare* transaction (writes its markers, then its Complete*
    // state) and starts the periodic timeout and expiry checks. Until it is called, every
    // request answers coordinator_load_in_progress.
    void finish_loading();

    // InitProducerId with a transactional id (Kafka's rules):
    //  - a new id gets a fresh producer id, epoch 0 (state Empty, persisted before answering);
    //  - a known id in Empty/Complete*: epoch + 1 (a new producer id, epoch 0, once the epoch
    //    would reach INT16_MAX - 1), fencing the previous producer;
    //  - Ongoing: the transaction is aborted with a bumped epoch (fencing the old producer) and
    //    the request answers concurrent_transactions (the client retries);
    //  - Prepare*: concurrent_transactions;
    //  - timeout_ms <= 0 or > max_timeout: invalid_transaction_timeout;
    //  - `expected` (v3+ KIP-360 retry: producer id and epoch the client has, or nullopt) that
    //    matches neither the current id/epoch nor the one just before a bump: producer_fenced.
    // `expected` equal to the current id/epoch bumps the epoch as for a new producer.
    void init_producer_id(
        std::string transactional_id, int32_t timeout_ms,
        std::optional<std::pair<model::producer_id, model::producer_epoch>> expected,
        std::function<void(init_producer_id_result)> done);

    // AddPartitionsToTxn / AddOffsetsToTxn (the broker passes the __consumer_offsets partition
    // of the group). Unknown id: invalid_producer_id_mapping; another producer id:
    // invalid_producer_id_mapping; an older epoch: producer_fenced; Prepare*:
    // concurrent_transactions. Otherwise the partitions join the transaction (Ongoing, start
    // time set on the first), persisted before done(none). Adding partitions already in the
    // transaction writes nothing.
    void add_partitions(std::string transactional_id, model::producer_id id,
                        model::producer_epoch epoch, std::vector<model::topic_partition> partitions,
                        std::function<void(errc)> done);

    // EndTxn. Ongoing: Prepare* is persisted, markers are written to every partition, then
    // Complete* is persisted and done(none) runs (so an acknowledged commit is visible).
    // Repeating the request that completed the last transaction (same epoch, same outcome):
    // none. Empty, or the other outcome of a completed transaction: invalid_txn_state.
    // Prepare* of the same outcome: concurrent_transactions. Id/epoch checks as add_partitions.
    void end_transaction(std::string transactional_id, model::producer_id id,
                         model::producer_epoch epoch, bool commit, std::function<void(errc)> done);

    // TxnOffsetCommit's check: `id`/`epoch` own `transactional_id` and its transaction is
    // Ongoing (otherwise the errc add_partitions would answer, or invalid_txn_state).
    errc validate_transaction(std::string_view transactional_id, model::producer_id id,
                              model::producer_epoch epoch) const;

    // DescribeTransactions: nullopt for an unknown id (transactional_id_not_found).
    std::optional<transaction_description> describe(std::string_view transactional_id) const;
    // ListTransactions: every id whose state is in `states` (empty: any) and whose producer id
    // is in `producer_ids` (empty: any), sorted by id.
    std::vector<transaction_description> list(
        const std::vector<txn_state>& states,
        const std::vector<model::producer_id>& producer_ids) const;

    // The __transaction_state partition of a transactional id (Kafka's: abs(Java hashCode) %
    // partitions).
    int32_t partition_for(std::string_view transactional_id) const;

    // Aborts every Ongoing transaction whose timeout has passed (epoch bumped first, so the
    // producer is fenced). Also run periodically after finish_loading(); public for tests.
    void abort_timed_out_transactions();
    // Tombstones ids idle past id_expiration with no transaction in progress. Periodic too.
    void expire_transactional_ids();

private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace fjord::coordinator
