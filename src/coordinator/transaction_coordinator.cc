#include "coordinator/transaction_coordinator.h"

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <set>

#include "base/logger.h"
#include "base/vassert.h"
#include "coordinator/txn_records.h"

namespace fjord::coordinator {

namespace {

// A single node is the only coordinator __transaction_state ever had, so markers always carry
// coordinator epoch 0; partition leaders compare it only to fence a deposed coordinator.
constexpr int32_t marker_coordinator_epoch = 0;

// Kafka retires a producer id once its epoch reaches INT16_MAX - 1: the bump that would reach it
// takes a fresh producer id instead, which leaves room for one more bump (the fence of an
// Ongoing transaction) without ever overflowing.
constexpr int16_t exhausted_epoch = INT16_MAX - 1;

constexpr std::array<std::string_view, 8> state_names = {
    "Empty",          "Ongoing",       "PrepareCommit", "PrepareAbort",
    "CompleteCommit", "CompleteAbort", "Dead",          "PrepareEpochFence",
};

spdlog::logger& log() {
    static auto logger = module_logger("coordinator");
    return *logger;
}

bool is_prepare(txn_state s) {
    return s == txn_state::prepare_commit || s == txn_state::prepare_abort ||
           s == txn_state::prepare_epoch_fence;
}

bool is_idle(txn_state s) {
    return s == txn_state::empty || s == txn_state::complete_commit ||
           s == txn_state::complete_abort;
}

using producer_and_epoch = std::pair<model::producer_id, model::producer_epoch>;

// What one __transaction_state value holds for an id.
struct txn_metadata {
    model::producer_id producer_id{-1};
    model::producer_epoch producer_epoch{-1};
    int32_t timeout_ms = 0;
    txn_state state = txn_state::empty;
    std::set<model::topic_partition> partitions;
    int64_t start_ms = -1;
    int64_t last_update_ms = 0;
};

struct txn_entry {
    txn_metadata meta;  // durable state
    // KIP-360: the producer id/epoch a producer held before it bumped its own epoch (an
    // InitProducerId carrying its current id/epoch), so a retry of that call is answered with
    // the same result rather than fenced. Only set by such self-bumps: a new producer taking
    // over must not let the one it fenced back in. Not persisted (value version 0 has no room).
    std::optional<producer_and_epoch> previous;
    // Kafka's pending state: the state a change handed to the log will reach. While set, every
    // other change to the id answers concurrent_transactions.
    std::optional<txn_state> pending;
    // A new id whose first record is still in flight: invisible to everything but InitProducerId
    // (which sees it as busy).
    bool placeholder = false;
};

txn_records::txn_value to_value(const txn_metadata& m) {
    txn_records::txn_value v;
    v.producer_id = m.producer_id;
    v.producer_epoch = m.producer_epoch;
    v.timeout_ms = m.timeout_ms;
    v.state = m.state;
    if (m.state != txn_state::empty) {  // Kafka writes a null partition list for Empty
        v.partitions.emplace(m.partitions.begin(), m.partitions.end());
    }
    v.last_update_timestamp_ms = m.last_update_ms;
    v.start_timestamp_ms = m.start_ms;
    return v;
}

}  // namespace

std::string_view state_name(txn_state s) {
    auto i = static_cast<size_t>(s);
    return i < state_names.size() ? state_names[i] : "Unknown";
}

std::optional<txn_state> parse_state_name(std::string_view name) {
    for (size_t i = 0; i < state_names.size(); ++i) {
        if (state_names[i] == name) return static_cast<txn_state>(i);
    }
    return std::nullopt;
}

// The coordinator's state lives here, shared with every log, marker and timer completion through
// weak pointers, so a completion arriving after the coordinator is gone finds nothing and stops.
class txn_core : public std::enable_shared_from_this<txn_core> {
public:
    txn_core(transaction_config config, timer_service& timers, coordinator_log& log,
             txn_marker_writer& markers,
             std::function<std::optional<model::producer_id>()> next_producer_id,
             std::function<int64_t()> now_ms)
        : _config(config),
          _timers(timers),
          _log(log),
          _markers(markers),
          _next_producer_id(std::move(next_producer_id)),
          _now_ms(std::move(now_ms)) {}

    void stop();
    void load_record(bytes_view key, const std::optional<bytes>& value);
    void finish_loading();
    void init_producer_id(std::string id, int32_t timeout_ms,
                          std::optional<producer_and_epoch> expected,
                          std::function<void(init_producer_id_result)> done);
    void add_partitions(std::string id, model::producer_id pid, model::producer_epoch epoch,
                        std::vector<model::topic_partition> partitions,
                        std::function<void(errc)> done);
    void end_transaction(std::string id, model::producer_id pid, model::producer_epoch epoch,
                         bool commit, std::function<void(errc)> done);
    errc validate_transaction(std::string_view id, model::producer_id pid,
                              model::producer_epoch epoch) const;
    std::optional<transaction_description> describe(std::string_view id) const;
    std::vector<transaction_description> list(const std::vector<txn_state>& states,
                                              const std::vector<model::producer_id>& pids) const;
    int32_t partition_for(std::string_view id) const {
        return partition_for_group(id, _config.log_partitions);
    }
    void abort_timed_out_transactions();
    void expire_transactional_ids();

private:
    using entry_map = std::map<std::string, txn_entry, std::less<>>;

    // Writes `next` (nullopt: a tombstone) for `id`, whose pending state the caller has set.
    // Once the log answers, a durable write becomes the id's state (`also` then adjusts the
    // entry) or removes it; either way the pending state is cleared, then `then` runs outside
    // the lock. REQUIRES: _mutex not held.
    void write(const std::string& id, std::optional<txn_metadata> next,
               std::function<void(txn_entry&)> also, std::function<void(bool durable)> then);
    // REQUIRES: _mutex held; `e` Ongoing with nothing pending. Sets the pending PrepareAbort and
    // returns the record to write: the producer epoch is bumped so the producer is fenced.
    txn_metadata begin_fence_locked(txn_entry& e, int64_t now);
    void write_fence(const std::string& id, txn_metadata next);
    // Drives a durable Prepare* state to Complete*: markers first (retried until written), then
    // the Complete* record. `done` (may be empty) gets none once that record is durable.
    // REQUIRES: _mutex not held.
    void complete(const std::string& id, std::function<void(errc)> done);
    void write_complete(const std::string& id, std::function<void(errc)> done);
    // Runs `fn` with this core after `delay`, unless the coordinator is gone by then.
    void after(std::chrono::milliseconds delay, std::function<void(txn_core&)> fn);
    void schedule_periodic(std::chrono::milliseconds interval, void (txn_core::*check)());
    // Id/epoch ownership checks shared by AddPartitions, EndTxn and TxnOffsetCommit.
    // REQUIRES: _mutex held.
    errc check_owner_locked(const entry_map::const_iterator& it, model::producer_id pid,
                            model::producer_epoch epoch) const;
    static transaction_description describe_entry(const std::string& id, const txn_entry& e);

    const transaction_config _config;
    timer_service& _timers;
    coordinator_log& _log;
    txn_marker_writer& _markers;
    const std::function<std::optional<model::producer_id>()> _next_producer_id;
    const std::function<int64_t()> _now_ms;

    mutable std::mutex _mutex;
    bool _loaded = false;                      // GUARDED_BY(_mutex)
    bool _stopped = false;                     // GUARDED_BY(_mutex)
    entry_map _ids;                            // GUARDED_BY(_mutex)
    std::set<timer_service::timer_id> _armed;  // GUARDED_BY(_mutex)
};

void txn_core::stop() {
    std::set<timer_service::timer_id> armed;
    {
        std::lock_guard lock(_mutex);
        _stopped = true;
        armed.swap(_armed);
    }
    for (auto id : armed) _timers.cancel(id);
}

void txn_core::after(std::chrono::milliseconds delay, std::function<void(txn_core&)> fn) {
    std::lock_guard lock(_mutex);
    if (_stopped) return;
    // Scheduling under the lock keeps _armed exact: a timer never runs inside schedule(), and
    // its callback takes this lock before erasing its id.
    auto slot = std::make_shared<timer_service::timer_id>(0);
    *slot = _timers.schedule(delay, [weak = weak_from_this(), slot, fn = std::move(fn)] {
        auto self = weak.lock();
        if (!self) return;
        {
            std::lock_guard lock(self->_mutex);
            if (self->_stopped) return;
            self->_armed.erase(*slot);
        }
        fn(*self);
    });
    _armed.insert(*slot);
}

void txn_core::schedule_periodic(std::chrono::milliseconds interval, void (txn_core::*check)()) {
    after(interval, [interval, check](txn_core& self) {
        (self.*check)();
        self.schedule_periodic(interval, check);
    });
}

void txn_core::load_record(bytes_view key, const std::optional<bytes>& value) {
    auto id = txn_records::decode_key(key);
    if (!id) {
        log().warn("skipping an undecodable key in __transaction_state");
        return;
    }
    std::optional<txn_records::txn_value> v;
    if (value) {
        v = txn_records::decode_value(*value);
        if (!v) {
            log().warn("[{}] skipping an undecodable value in __transaction_state", *id);
            return;
        }
    }
    std::lock_guard lock(_mutex);
    if (!v || v->state == txn_state::dead) {
        _ids.erase(*id);
        return;
    }
    txn_metadata m;
    m.producer_id = v->producer_id;
    m.producer_epoch = v->producer_epoch;
    m.timeout_ms = v->timeout_ms;
    // Kafka keeps PrepareEpochFence in memory only; should one be on disk, finishing it means
    // aborting, which is what its fence leads to.
    m.state = v->state == txn_state::prepare_epoch_fence ? txn_state::prepare_abort : v->state;
    if (v->partitions) m.partitions.insert(v->partitions->begin(), v->partitions->end());
    m.start_ms = v->start_timestamp_ms;
    m.last_update_ms = v->last_update_timestamp_ms;
    txn_entry e;
    e.meta = std::move(m);
    _ids.insert_or_assign(std::move(*id), std::move(e));
}

void txn_core::finish_loading() {
    std::vector<std::string> unfinished;
    {
        std::lock_guard lock(_mutex);
        if (_loaded || _stopped) return;
        _loaded = true;
        for (const auto& [id, e] : _ids) {
            if (is_prepare(e.meta.state)) unfinished.push_back(id);
        }
    }
    for (const auto& id : unfinished) {
        log().info("[{}] resuming a transaction loaded half-finished", id);
        complete(id, nullptr);
    }
    schedule_periodic(_config.abort_check_interval, &txn_core::abort_timed_out_transactions);
    schedule_periodic(_config.id_expiration_check_interval, &txn_core::expire_transactional_ids);
}

void txn_core::write(const std::string& id, std::optional<txn_metadata> next,
                     std::function<void(txn_entry&)> also, std::function<void(bool)> then) {
    std::vector<log_record> batch(1);
    batch[0].key = txn_records::encode_key(id);
    if (next) batch[0].value = txn_records::encode_value(to_value(*next));
    auto on_written = [weak = weak_from_this(), id, next = std::move(next), also = std::move(also),
                       then = std::move(then)](bool durable) {
        auto self = weak.lock();
        if (!self) return;
        {
            std::lock_guard lock(self->_mutex);
            if (self->_stopped) return;
            auto it = self->_ids.find(id);
            // The pending state set before writing keeps every other change away from the id,
            // and only its own completion removes the entry or clears it.
            vassert(it != self->_ids.end() && it->second.pending,
                    "[{}] transaction write completed for an id with no pending change", id);
            auto& e = it->second;
            e.pending.reset();
            if (durable && next) {
                e.meta = *next;
                e.placeholder = false;
                if (also) also(e);
            } else if (durable || e.placeholder) {
                self->_ids.erase(it);
            }
        }
        then(durable);
    };
    _log.append(partition_for(id), std::move(batch), std::move(on_written));
}

void txn_core::init_producer_id(std::string id, int32_t timeout_ms,
                                std::optional<producer_and_epoch> expected,
                                std::function<void(init_producer_id_result)> done) {
    auto fail = [&](errc e) { done(init_producer_id_result{e, {}, {}}); };
    const int64_t now = _now_ms();
    txn_metadata next;
    std::optional<producer_and_epoch> previous;
    std::optional<txn_metadata> fence;
    bool new_producer_id = false;
    // Decided under the lock; answered after it (callbacks never run under it).
    const std::optional<errc> early = [&]() -> std::optional<errc> {
        std::lock_guard lock(_mutex);
        if (!_loaded) return errc::coordinator_load_in_progress;
        if (timeout_ms <= 0 || timeout_ms > _config.max_timeout.count()) {
            return errc::invalid_transaction_timeout;
        }
        auto it = _ids.find(id);
        if (it == _ids.end()) {
            txn_entry placeholder;
            placeholder.placeholder = true;
            placeholder.pending = txn_state::empty;
            _ids.emplace(id, std::move(placeholder));
            new_producer_id = true;
        } else {
            auto& e = it->second;
            if (e.pending || e.placeholder) return errc::concurrent_transactions;
            const producer_and_epoch current{e.meta.producer_id, e.meta.producer_epoch};
            const bool is_retry = expected && e.previous && *expected == *e.previous;
            if (expected && expected->first != current.first && !is_retry) {
                return errc::producer_fenced;
            }
            if (e.meta.state == txn_state::ongoing) {
                // The old producer's transaction must end first. Its abort fences it (the epoch
                // goes up); the client retries and gets an epoch above that.
                log().info("[{}] InitProducerId aborts the ongoing transaction of epoch {}", id,
                           current.second);
                fence = begin_fence_locked(e, now);
            } else if (!is_idle(e.meta.state)) {
                return errc::concurrent_transactions;
            } else if (expected && *expected != current && !is_retry) {
                return errc::producer_fenced;
            } else {
                next = e.meta;
                if (is_retry) {
                    // The producer never saw the answer to its own bump: give it the same one.
                    previous = e.previous;
                } else {
                    previous = expected ? std::optional(current) : std::nullopt;
                    if (e.meta.producer_epoch() + 1 >= exhausted_epoch) {
                        new_producer_id = true;
                    } else {
                        next.producer_epoch = model::producer_epoch(
                            static_cast<int16_t>(e.meta.producer_epoch() + 1));
                    }
                }
                e.pending = txn_state::empty;
            }
        }
        return std::nullopt;
    }();
    if (early) return fail(*early);
    if (fence) {
        write_fence(id, std::move(*fence));
        return fail(errc::concurrent_transactions);
    }
    if (new_producer_id) {
        auto pid = _next_producer_id();  // may block: outside the lock
        if (!pid) {
            {
                std::lock_guard lock(_mutex);
                auto it = _ids.find(id);
                if (it != _ids.end()) {
                    if (it->second.placeholder) {
                        _ids.erase(it);
                    } else {
                        it->second.pending.reset();
                    }
                }
            }
            log().warn("[{}] no producer id could be allocated", id);
            return fail(errc::coordinator_not_available);
        }
        next.producer_id = *pid;
        next.producer_epoch = model::producer_epoch(0);
    }
    next.timeout_ms = timeout_ms;
    next.state = txn_state::empty;
    next.partitions.clear();
    next.start_ms = -1;
    next.last_update_ms = now;
    const init_producer_id_result ok{errc::none, next.producer_id, next.producer_epoch};
    write(
        id, std::move(next), [previous](txn_entry& e) { e.previous = previous; },
        [ok, done = std::move(done)](bool durable) {
            done(durable ? ok : init_producer_id_result{errc::coordinator_not_available, {}, {}});
        });
}

txn_metadata txn_core::begin_fence_locked(txn_entry& e, int64_t now) {
    txn_metadata next = e.meta;
    // Epochs stay below INT16_MAX (see exhausted_epoch); one loaded at the maximum is kept.
    if (next.producer_epoch() < INT16_MAX) {
        next.producer_epoch =
            model::producer_epoch(static_cast<int16_t>(next.producer_epoch() + 1));
    }
    next.state = txn_state::prepare_abort;
    next.last_update_ms = now;
    e.pending = txn_state::prepare_abort;
    return next;
}

void txn_core::write_fence(const std::string& id, txn_metadata next) {
    write(
        id, std::move(next), [](txn_entry& e) { e.previous.reset(); },
        [weak = weak_from_this(), id](bool durable) {
            auto self = weak.lock();
            if (!self) return;
            if (!durable) {
                // Left Ongoing: the next timeout check or InitProducerId tries again.
                log().warn("[{}] could not write the abort of a fenced transaction", id);
                return;
            }
            self->complete(id, nullptr);
        });
}

void txn_core::complete(const std::string& id, std::function<void(errc)> done) {
    model::producer_id pid;
    model::producer_epoch epoch;
    bool commit = false;
    std::vector<model::topic_partition> partitions;
    {
        std::lock_guard lock(_mutex);
        if (_stopped) return;
        auto it = _ids.find(id);
        // Only the completion of a Prepare* state (one at a time) moves the id out of it.
        vassert(it != _ids.end() && is_prepare(it->second.meta.state),
                "[{}] completing a transaction that is not prepared", id);
        const auto& m = it->second.meta;
        pid = m.producer_id;
        epoch = m.producer_epoch;
        commit = m.state == txn_state::prepare_commit;
        partitions.assign(m.partitions.begin(), m.partitions.end());
    }
    if (partitions.empty()) return write_complete(id, std::move(done));
    _markers.write_markers(
        pid, epoch, marker_coordinator_epoch, commit, std::move(partitions),
        [weak = weak_from_this(), id, done = std::move(done)](bool ok) mutable {
            auto self = weak.lock();
            if (!self) return;
            if (ok) return self->write_complete(id, std::move(done));
            log().warn("[{}] transaction markers could not be written; retrying in {} ms", id,
                       self->_config.marker_retry_backoff.count());
            self->after(self->_config.marker_retry_backoff,
                        [id, done = std::move(done)](txn_core& core) mutable {
                            core.complete(id, std::move(done));
                        });
        });
}

void txn_core::write_complete(const std::string& id, std::function<void(errc)> done) {
    txn_metadata next;
    {
        std::lock_guard lock(_mutex);
        if (_stopped) return;
        auto it = _ids.find(id);
        vassert(it != _ids.end() && is_prepare(it->second.meta.state) && !it->second.pending,
                "[{}] completing a transaction that is not prepared", id);
        next = it->second.meta;
        next.state = next.state == txn_state::prepare_commit ? txn_state::complete_commit
                                                             : txn_state::complete_abort;
        next.partitions.clear();  // Kafka's Complete* records list no partitions
        next.last_update_ms = _now_ms();
        it->second.pending = next.state;
    }
    write(id, std::move(next), nullptr,
          [weak = weak_from_this(), id, done = std::move(done)](bool durable) {
              if (durable) {
                  if (done) done(errc::none);
                  return;
              }
              auto self = weak.lock();
              if (!self) return;
              // The markers are written; only the Complete* record is missing. The client is
              // told to retry (it will see concurrent_transactions until this succeeds).
              log().warn("[{}] could not write the end of a transaction; retrying in {} ms", id,
                         self->_config.marker_retry_backoff.count());
              if (done) done(errc::coordinator_not_available);
              self->after(self->_config.marker_retry_backoff,
                          [id](txn_core& core) { core.write_complete(id, nullptr); });
          });
}

errc txn_core::check_owner_locked(const entry_map::const_iterator& it, model::producer_id pid,
                                  model::producer_epoch epoch) const {
    if (!_loaded) return errc::coordinator_load_in_progress;
    if (it == _ids.end() || it->second.placeholder) return errc::invalid_producer_id_mapping;
    if (it->second.meta.producer_id != pid) return errc::invalid_producer_id_mapping;
    if (it->second.meta.producer_epoch != epoch) return errc::producer_fenced;
    return errc::none;
}

void txn_core::add_partitions(std::string id, model::producer_id pid, model::producer_epoch epoch,
                              std::vector<model::topic_partition> partitions,
                              std::function<void(errc)> done) {
    txn_metadata next;
    // Decided under the lock; answered after it (callbacks never run under it).
    const std::optional<errc> early = [&]() -> std::optional<errc> {
        std::lock_guard lock(_mutex);
        auto it = _ids.find(id);
        if (auto err = check_owner_locked(it, pid, epoch); err != errc::none) return err;
        auto& e = it->second;
        if (e.pending || !(is_idle(e.meta.state) || e.meta.state == txn_state::ongoing)) {
            return errc::concurrent_transactions;
        }
        const bool ongoing = e.meta.state == txn_state::ongoing;
        const bool nothing_new =
            std::all_of(partitions.begin(), partitions.end(),
                        [&](const auto& tp) { return ongoing && e.meta.partitions.contains(tp); });
        if (nothing_new) return errc::none;
        next = e.meta;
        const int64_t now = _now_ms();
        if (!ongoing) {
            next.partitions.clear();
            next.start_ms = now;
            next.state = txn_state::ongoing;
        }
        next.partitions.insert(partitions.begin(), partitions.end());
        next.last_update_ms = now;
        e.pending = txn_state::ongoing;
        return std::nullopt;
    }();
    if (early) return done(*early);
    write(id, std::move(next), nullptr, [done = std::move(done)](bool durable) {
        done(durable ? errc::none : errc::coordinator_not_available);
    });
}

void txn_core::end_transaction(std::string id, model::producer_id pid, model::producer_epoch epoch,
                               bool commit, std::function<void(errc)> done) {
    txn_metadata next;
    // Decided under the lock; answered after it (callbacks never run under it).
    const std::optional<errc> early = [&]() -> std::optional<errc> {
        std::lock_guard lock(_mutex);
        auto it = _ids.find(id);
        if (auto err = check_owner_locked(it, pid, epoch); err != errc::none) return err;
        auto& e = it->second;
        if (e.pending) return errc::concurrent_transactions;
        const txn_state same_complete =
            commit ? txn_state::complete_commit : txn_state::complete_abort;
        const txn_state same_prepare =
            commit ? txn_state::prepare_commit : txn_state::prepare_abort;
        switch (e.meta.state) {
            case txn_state::ongoing:
                break;
            case txn_state::complete_commit:
            case txn_state::complete_abort:
                return e.meta.state == same_complete ? errc::none : errc::invalid_txn_state;
            case txn_state::prepare_commit:
            case txn_state::prepare_abort:
                return e.meta.state == same_prepare ? errc::concurrent_transactions
                                                    : errc::invalid_txn_state;
            case txn_state::empty:
                return errc::invalid_txn_state;
            case txn_state::dead:
            case txn_state::prepare_epoch_fence:
                return errc::concurrent_transactions;
        }
        next = e.meta;
        next.state = same_prepare;
        next.last_update_ms = _now_ms();
        e.pending = same_prepare;
        return std::nullopt;
    }();
    if (early) return done(*early);
    write(id, std::move(next), nullptr,
          [weak = weak_from_this(), id, done = std::move(done)](bool durable) mutable {
              if (!durable) return done(errc::coordinator_not_available);
              auto self = weak.lock();
              if (!self) return;
              self->complete(id, std::move(done));
          });
}

errc txn_core::validate_transaction(std::string_view id, model::producer_id pid,
                                    model::producer_epoch epoch) const {
    std::lock_guard lock(_mutex);
    auto it = _ids.find(id);
    if (auto err = check_owner_locked(it, pid, epoch); err != errc::none) return err;
    const auto& e = it->second;
    // Partitions being added to the same transaction leave it Ongoing; any other change ends it.
    if (e.pending && *e.pending != txn_state::ongoing) return errc::concurrent_transactions;
    if (e.meta.state == txn_state::ongoing) return errc::none;
    if (is_prepare(e.meta.state)) return errc::concurrent_transactions;
    return errc::invalid_txn_state;
}

transaction_description txn_core::describe_entry(const std::string& id, const txn_entry& e) {
    transaction_description d;
    d.transactional_id = id;
    d.state = e.meta.state;
    d.producer_id = e.meta.producer_id;
    d.producer_epoch = e.meta.producer_epoch;
    d.timeout_ms = e.meta.timeout_ms;
    const bool in_progress = e.meta.state == txn_state::ongoing || is_prepare(e.meta.state);
    d.start_timestamp_ms = in_progress ? e.meta.start_ms : -1;
    d.partitions.assign(e.meta.partitions.begin(), e.meta.partitions.end());
    return d;
}

std::optional<transaction_description> txn_core::describe(std::string_view id) const {
    std::lock_guard lock(_mutex);
    auto it = _ids.find(id);
    if (it == _ids.end() || it->second.placeholder) return std::nullopt;
    return describe_entry(it->first, it->second);
}

std::vector<transaction_description> txn_core::list(
    const std::vector<txn_state>& states, const std::vector<model::producer_id>& pids) const {
    std::vector<transaction_description> out;
    std::lock_guard lock(_mutex);
    for (const auto& [id, e] : _ids) {
        if (e.placeholder) continue;
        if (!states.empty() &&
            std::find(states.begin(), states.end(), e.meta.state) == states.end()) {
            continue;
        }
        if (!pids.empty() &&
            std::find(pids.begin(), pids.end(), e.meta.producer_id) == pids.end()) {
            continue;
        }
        out.push_back(describe_entry(id, e));
    }
    return out;
}

void txn_core::abort_timed_out_transactions() {
    std::vector<std::pair<std::string, txn_metadata>> fences;
    {
        std::lock_guard lock(_mutex);
        if (!_loaded || _stopped) return;
        const int64_t now = _now_ms();
        for (auto& [id, e] : _ids) {
            if (e.meta.state != txn_state::ongoing || e.pending) continue;
            if (e.meta.start_ms + e.meta.timeout_ms >= now) continue;
            log().info("[{}] aborting a transaction past its {} ms timeout", id, e.meta.timeout_ms);
            fences.emplace_back(id, begin_fence_locked(e, now));
        }
    }
    for (auto& [id, next] : fences) write_fence(id, std::move(next));
}

void txn_core::expire_transactional_ids() {
    std::vector<std::string> expired;
    {
        std::lock_guard lock(_mutex);
        if (!_loaded || _stopped) return;
        const int64_t now = _now_ms();
        const int64_t expiration = _config.id_expiration.count();
        for (auto& [id, e] : _ids) {
            if (!is_idle(e.meta.state) || e.pending || e.placeholder) continue;
            if (now - e.meta.last_update_ms < expiration) continue;
            e.pending = txn_state::dead;
            expired.push_back(id);
        }
    }
    for (const auto& id : expired) {
        write(id, std::nullopt, nullptr, [id](bool durable) {
            if (durable) {
                log().debug("[{}] transactional id expired", id);
            } else {
                log().warn("[{}] could not write the tombstone of an expired transactional id", id);
            }
        });
    }
}

// ---- the public face: forwards to the shared core ----

struct transaction_coordinator::impl {
    std::shared_ptr<txn_core> core;
};

transaction_coordinator::transaction_coordinator(
    transaction_config config, timer_service& timers, coordinator_log& log,
    txn_marker_writer& markers, std::function<std::optional<model::producer_id>()> next_producer_id,
    std::function<int64_t()> now_ms)
    : _impl(std::make_unique<impl>()) {
    // Config validation rejects a non-positive transaction.state.log.num.partitions first;
    // partition_for_group divides by it.
    vassert(config.log_partitions > 0, "transaction log partitions must be positive, got {}",
            config.log_partitions);
    _impl->core = std::make_shared<txn_core>(config, timers, log, markers,
                                             std::move(next_producer_id), std::move(now_ms));
}

transaction_coordinator::~transaction_coordinator() {
    _impl->core->stop();
}

void transaction_coordinator::load_record(bytes_view key, const std::optional<bytes>& value) {
    _impl->core->load_record(key, value);
}

void transaction_coordinator::finish_loading() {
    _impl->core->finish_loading();
}

void transaction_coordinator::init_producer_id(
    std::string transactional_id, int32_t timeout_ms,
    std::optional<std::pair<model::producer_id, model::producer_epoch>> expected,
    std::function<void(init_producer_id_result)> done) {
    _impl->core->init_producer_id(std::move(transactional_id), timeout_ms, expected,
                                  std::move(done));
}

void transaction_coordinator::add_partitions(std::string transactional_id, model::producer_id id,
                                             model::producer_epoch epoch,
                                             std::vector<model::topic_partition> partitions,
                                             std::function<void(errc)> done) {
    _impl->core->add_partitions(std::move(transactional_id), id, epoch, std::move(partitions),
                                std::move(done));
}

void transaction_coordinator::end_transaction(std::string transactional_id, model::producer_id id,
                                              model::producer_epoch epoch, bool commit,
                                              std::function<void(errc)> done) {
    _impl->core->end_transaction(std::move(transactional_id), id, epoch, commit, std::move(done));
}

errc transaction_coordinator::validate_transaction(std::string_view transactional_id,
                                                   model::producer_id id,
                                                   model::producer_epoch epoch) const {
    return _impl->core->validate_transaction(transactional_id, id, epoch);
}

std::optional<transaction_description> transaction_coordinator::describe(
    std::string_view transactional_id) const {
    return _impl->core->describe(transactional_id);
}

std::vector<transaction_description> transaction_coordinator::list(
    const std::vector<txn_state>& states,
    const std::vector<model::producer_id>& producer_ids) const {
    return _impl->core->list(states, producer_ids);
}

int32_t transaction_coordinator::partition_for(std::string_view transactional_id) const {
    return _impl->core->partition_for(transactional_id);
}

void transaction_coordinator::abort_timed_out_transactions() {
    _impl->core->abort_timed_out_transactions();
}

void transaction_coordinator::expire_transactional_ids() {
    _impl->core->expire_transactional_ids();
}

}  // namespace fjord::coordinator
