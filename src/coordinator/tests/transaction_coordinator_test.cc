#include "coordinator/transaction_coordinator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <thread>

#include "coordinator/manual_timer_service.h"
#include "coordinator/threaded_timer_service.h"
#include "coordinator/txn_records.h"

namespace fjord::coordinator {
namespace {

using std::chrono::milliseconds;
using txn_records::txn_value;

enum class mode { ok, fail, deferred };

// Records appends; answers inline (durable or failed) or when the test calls complete().
class fake_log : public coordinator_log {
public:
    struct call {
        int32_t partition = 0;
        std::vector<log_record> records;
        std::function<void(bool)> done;  // set only while deferred
    };
    void append(int32_t partition, std::vector<log_record> records,
                std::function<void(bool durable)> done) override {
        calls.push_back({partition, std::move(records), nullptr});
        if (m == mode::deferred) {
            calls.back().done = std::move(done);
        } else {
            done(m == mode::ok);
        }
    }
    void complete(size_t index, bool durable) {
        auto done = std::move(calls.at(index).done);
        ASSERT_TRUE(done) << "append " << index << " already completed";
        done(durable);
    }
    std::optional<txn_value> value(size_t index) const {
        const auto& r = calls.at(index).records.at(0);
        if (!r.value) return std::nullopt;
        return txn_records::decode_value(*r.value);
    }
    std::string key(size_t index) const {
        return txn_records::decode_key(calls.at(index).records.at(0).key).value_or("?");
    }
    txn_state state(size_t index) const {
        auto v = value(index);
        return v ? v->state : txn_state::dead;
    }

    mode m = mode::ok;
    std::vector<call> calls;
};

class fake_markers : public txn_marker_writer {
public:
    struct call {
        model::producer_id id;
        model::producer_epoch epoch;
        int32_t coordinator_epoch = -1;
        bool commit = false;
        std::vector<model::topic_partition> partitions;
        std::function<void(bool)> done;
    };
    void write_markers(model::producer_id id, model::producer_epoch epoch,
                       int32_t coordinator_epoch, bool commit,
                       std::vector<model::topic_partition> partitions,
                       std::function<void(bool ok)> done) override {
        calls.push_back({id, epoch, coordinator_epoch, commit, std::move(partitions), nullptr});
        if (m == mode::deferred) {
            calls.back().done = std::move(done);
        } else {
            done(m == mode::ok);
        }
    }
    void complete(size_t index, bool ok) {
        auto done = std::move(calls.at(index).done);
        ASSERT_TRUE(done) << "markers " << index << " already completed";
        done(ok);
    }
    mode m = mode::ok;
    std::vector<call> calls;
};

model::topic_partition tp(std::string topic, int32_t p) {
    return {std::move(topic), model::partition_id(p)};
}
model::producer_id pid(int64_t v) {
    return model::producer_id(v);
}
model::producer_epoch ep(int16_t v) {
    return model::producer_epoch(v);
}

bytes value_of(const txn_value& v) {
    return txn_records::encode_value(v);
}

struct txn_test : ::testing::Test {
    txn_test() {
        config.abort_check_interval = milliseconds(1000);
        config.id_expiration = milliseconds(100000);
        config.id_expiration_check_interval = milliseconds(10000);
        config.marker_retry_backoff = milliseconds(500);
    }

    transaction_coordinator& make(bool load = true) {
        c = std::make_unique<transaction_coordinator>(
            config, timers, log, markers,
            [this]() -> std::optional<model::producer_id> {
                if (pid_fail) return std::nullopt;
                return model::producer_id(next_pid++);
            },
            [this] { return now(); });
        if (load) c->finish_loading();
        return *c;
    }
    int64_t now() const { return base_ms + timers.now().count(); }
    void advance(int64_t ms) { timers.advance(milliseconds(ms)); }

    init_producer_id_result init(const std::string& id, int32_t timeout = 60000,
                                 std::optional<std::pair<model::producer_id, model::producer_epoch>>
                                     expected = std::nullopt) {
        std::optional<init_producer_id_result> out;
        c->init_producer_id(id, timeout, expected, [&](init_producer_id_result r) { out = r; });
        EXPECT_TRUE(out) << "init did not complete inline";
        return out.value_or(init_producer_id_result{errc::invalid_request, {}, {}});
    }
    errc add(const std::string& id, init_producer_id_result p,
             std::vector<model::topic_partition> parts) {
        std::optional<errc> out;
        c->add_partitions(id, p.producer_id, p.producer_epoch, std::move(parts),
                          [&](errc e) { out = e; });
        EXPECT_TRUE(out) << "add did not complete inline";
        return out.value_or(errc::invalid_request);
    }
    errc end(const std::string& id, init_producer_id_result p, bool commit) {
        std::optional<errc> out;
        c->end_transaction(id, p.producer_id, p.producer_epoch, commit, [&](errc e) { out = e; });
        EXPECT_TRUE(out) << "end did not complete inline";
        return out.value_or(errc::invalid_request);
    }
    txn_state state(const std::string& id) const {
        auto d = c->describe(id);
        return d ? d->state : txn_state::dead;
    }
    void load(const std::string& id, const txn_value& v) {
        c->load_record(txn_records::encode_key(id), value_of(v));
    }

    transaction_config config;
    manual_timer_service timers;
    fake_log log;
    fake_markers markers;
    int64_t base_ms = 1'700'000'000'000;
    int64_t next_pid = 1000;
    bool pid_fail = false;
    std::unique_ptr<transaction_coordinator> c;
};

txn_value loaded(txn_state s, int64_t producer, int16_t epoch,
                 std::vector<model::topic_partition> parts = {}, int64_t start = -1,
                 int64_t last_update = 1'700'000'000'000) {
    txn_value v;
    v.producer_id = model::producer_id(producer);
    v.producer_epoch = model::producer_epoch(epoch);
    v.timeout_ms = 60000;
    v.state = s;
    if (s != txn_state::empty) v.partitions = std::move(parts);
    v.start_timestamp_ms = start;
    v.last_update_timestamp_ms = last_update;
    return v;
}

// ---- state names ----

TEST(txn_state_names, kafka_names_round_trip) {
    EXPECT_EQ(state_name(txn_state::prepare_commit), "PrepareCommit");
    EXPECT_EQ(state_name(txn_state::complete_abort), "CompleteAbort");
    for (int s = 0; s <= 7; ++s) {
        auto st = static_cast<txn_state>(s);
        EXPECT_EQ(parse_state_name(state_name(st)), st);
    }
    EXPECT_FALSE(parse_state_name("ongoing"));
}

// ---- InitProducerId ----

TEST_F(txn_test, new_id_gets_a_fresh_producer_id_and_epoch_zero) {
    make();
    auto r = init("t1", 30000);
    EXPECT_EQ(r.error, errc::none);
    EXPECT_EQ(r.producer_id, pid(1000));
    EXPECT_EQ(r.producer_epoch, ep(0));
    ASSERT_EQ(log.calls.size(), 1u);
    EXPECT_EQ(log.calls[0].partition, c->partition_for("t1"));
    EXPECT_EQ(log.key(0), "t1");
    auto v = log.value(0);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->state, txn_state::empty);
    EXPECT_EQ(v->producer_id, pid(1000));
    EXPECT_EQ(v->timeout_ms, 30000);
    EXPECT_FALSE(v->partitions);
    EXPECT_EQ(v->start_timestamp_ms, -1);
    EXPECT_EQ(v->last_update_timestamp_ms, now());
    auto d = c->describe("t1");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->state, txn_state::empty);
    EXPECT_EQ(d->timeout_ms, 30000);
}

TEST_F(txn_test, partition_for_is_the_java_hash) {
    make();
    EXPECT_EQ(c->partition_for("app-txn"), 44);
}

TEST_F(txn_test, reinit_bumps_the_epoch) {
    make();
    auto a = init("t1");
    auto b = init("t1");
    EXPECT_EQ(b.error, errc::none);
    EXPECT_EQ(b.producer_id, a.producer_id);
    EXPECT_EQ(b.producer_epoch, ep(1));
    // The first producer is fenced.
    EXPECT_EQ(add("t1", a, {tp("x", 0)}), errc::producer_fenced);
}

TEST_F(txn_test, epoch_overflow_takes_a_new_producer_id) {
    make(false);
    load("t1", loaded(txn_state::complete_commit, 77, 32764));
    c->finish_loading();
    auto a = init("t1");
    EXPECT_EQ(a.producer_id, pid(77));
    EXPECT_EQ(a.producer_epoch, ep(32765));
    auto b = init("t1");
    EXPECT_EQ(b.error, errc::none);
    EXPECT_EQ(b.producer_id, pid(1000));
    EXPECT_EQ(b.producer_epoch, ep(0));
}

TEST_F(txn_test, invalid_timeouts_rejected) {
    config.max_timeout = milliseconds(1000);
    make();
    EXPECT_EQ(init("t1", 0).error, errc::invalid_transaction_timeout);
    EXPECT_EQ(init("t1", -5).error, errc::invalid_transaction_timeout);
    EXPECT_EQ(init("t1", 1001).error, errc::invalid_transaction_timeout);
    EXPECT_EQ(init("t1", 1000).error, errc::none);
    EXPECT_TRUE(log.calls.size() == 1u);
}

TEST_F(txn_test, producer_id_allocation_failure) {
    make();
    pid_fail = true;
    EXPECT_EQ(init("t1").error, errc::coordinator_not_available);
    EXPECT_FALSE(c->describe("t1"));
    EXPECT_TRUE(log.calls.empty());
    pid_fail = false;
    EXPECT_EQ(init("t1").error, errc::none);
}

TEST_F(txn_test, init_while_ongoing_aborts_with_a_bumped_epoch) {
    make();
    auto a = init("t1");
    ASSERT_EQ(add("t1", a, {tp("orders", 0), tp("orders", 1)}), errc::none);
    const size_t before = log.calls.size();

    EXPECT_EQ(init("t1").error, errc::concurrent_transactions);
    ASSERT_EQ(log.calls.size(), before + 2);
    EXPECT_EQ(log.state(before), txn_state::prepare_abort);
    EXPECT_EQ(log.value(before)->producer_epoch, ep(1));
    EXPECT_EQ(log.value(before)->partitions->size(), 2u);
    ASSERT_EQ(markers.calls.size(), 1u);
    EXPECT_FALSE(markers.calls[0].commit);
    EXPECT_EQ(markers.calls[0].epoch, ep(1));
    EXPECT_EQ(markers.calls[0].id, a.producer_id);
    EXPECT_EQ(markers.calls[0].coordinator_epoch, 0);
    EXPECT_EQ(log.state(before + 1), txn_state::complete_abort);
    EXPECT_EQ(state("t1"), txn_state::complete_abort);

    // The old producer is fenced; the retry gets epoch 2.
    EXPECT_EQ(add("t1", a, {tp("orders", 2)}), errc::producer_fenced);
    EXPECT_EQ(end("t1", a, true), errc::producer_fenced);
    auto b = init("t1");
    EXPECT_EQ(b.error, errc::none);
    EXPECT_EQ(b.producer_epoch, ep(2));
}

TEST_F(txn_test, init_during_prepare_is_concurrent) {
    make();
    auto a = init("t1");
    ASSERT_EQ(add("t1", a, {tp("x", 0)}), errc::none);
    markers.m = mode::deferred;
    std::optional<errc> ended;
    c->end_transaction("t1", a.producer_id, a.producer_epoch, true, [&](errc e) { ended = e; });
    EXPECT_EQ(state("t1"), txn_state::prepare_commit);
    EXPECT_EQ(init("t1").error, errc::concurrent_transactions);
    markers.complete(0, true);
    EXPECT_EQ(ended, errc::none);
    EXPECT_EQ(init("t1").producer_epoch, ep(1));
}

TEST_F(txn_test, kip360_expected_epoch) {
    make();
    auto a = init("t1");
    std::pair cur{a.producer_id, a.producer_epoch};
    // The producer bumps its own epoch.
    auto b = init("t1", 60000, cur);
    EXPECT_EQ(b.error, errc::none);
    EXPECT_EQ(b.producer_epoch, ep(1));
    // It never saw the answer and retries: same answer, no further bump.
    auto again = init("t1", 60000, cur);
    EXPECT_EQ(again.error, errc::none);
    EXPECT_EQ(again.producer_epoch, ep(1));
    // An epoch it never had, or another producer id: fenced.
    EXPECT_EQ(init("t1", 60000, std::pair{a.producer_id, ep(7)}).error, errc::producer_fenced);
    EXPECT_EQ(init("t1", 60000, std::pair{pid(5), ep(1)}).error, errc::producer_fenced);
    // A new producer takes over; the old one may not come back with its previous epoch.
    auto taken = init("t1");
    EXPECT_EQ(taken.producer_epoch, ep(2));
    EXPECT_EQ(init("t1", 60000, cur).error, errc::producer_fenced);
    EXPECT_EQ(init("t1", 60000, std::pair{b.producer_id, b.producer_epoch}).error,
              errc::producer_fenced);
}

TEST_F(txn_test, kip360_retry_after_producer_id_rotation) {
    make(false);
    load("t1", loaded(txn_state::empty, 77, 32765));
    c->finish_loading();
    std::pair old{pid(77), ep(32765)};
    auto r = init("t1", 60000, old);
    EXPECT_EQ(r.producer_id, pid(1000));
    EXPECT_EQ(r.producer_epoch, ep(0));
    auto retry = init("t1", 60000, old);
    EXPECT_EQ(retry.error, errc::none);
    EXPECT_EQ(retry.producer_id, pid(1000));
    EXPECT_EQ(retry.producer_epoch, ep(0));
}

// ---- AddPartitions ----

TEST_F(txn_test, add_partitions_checks_ownership) {
    make();
    auto a = init("t1");
    EXPECT_EQ(add("nope", a, {tp("x", 0)}), errc::invalid_producer_id_mapping);
    auto wrong_pid = a;
    wrong_pid.producer_id = pid(999);
    EXPECT_EQ(add("t1", wrong_pid, {tp("x", 0)}), errc::invalid_producer_id_mapping);
    auto old_epoch = a;
    old_epoch.producer_epoch = ep(-1);
    EXPECT_EQ(add("t1", old_epoch, {tp("x", 0)}), errc::producer_fenced);
    EXPECT_EQ(log.calls.size(), 1u);
}

TEST_F(txn_test, add_partitions_starts_the_transaction_and_is_idempotent) {
    make();
    auto a = init("t1");
    const int64_t start = now();
    ASSERT_EQ(add("t1", a, {tp("orders", 1)}), errc::none);
    ASSERT_EQ(log.calls.size(), 2u);
    auto v = log.value(1);
    EXPECT_EQ(v->state, txn_state::ongoing);
    EXPECT_EQ(v->start_timestamp_ms, start);
    EXPECT_EQ(*v->partitions, std::vector{tp("orders", 1)});

    advance(10);
    EXPECT_EQ(add("t1", a, {tp("orders", 1)}), errc::none);
    EXPECT_EQ(log.calls.size(), 2u) << "nothing new: nothing written";

    ASSERT_EQ(add("t1", a, {tp("orders", 0), tp("orders", 1), tp("a", 3)}), errc::none);
    ASSERT_EQ(log.calls.size(), 3u);
    v = log.value(2);
    EXPECT_EQ(*v->partitions, (std::vector{tp("a", 3), tp("orders", 0), tp("orders", 1)}));
    EXPECT_EQ(v->start_timestamp_ms, start);
    EXPECT_EQ(v->last_update_timestamp_ms, now());
    auto d = c->describe("t1");
    EXPECT_EQ(d->start_timestamp_ms, start);
    EXPECT_EQ(d->partitions, (std::vector{tp("a", 3), tp("orders", 0), tp("orders", 1)}));
}

// ---- EndTxn ----

TEST_F(txn_test, commit_writes_markers_then_complete_before_answering) {
    make();
    auto a = init("t1");
    ASSERT_EQ(add("t1", a, {tp("b", 0), tp("a", 1)}), errc::none);
    log.m = mode::deferred;
    markers.m = mode::deferred;
    std::optional<errc> ended;
    c->end_transaction("t1", a.producer_id, a.producer_epoch, true, [&](errc e) { ended = e; });
    ASSERT_EQ(log.calls.size(), 3u);
    EXPECT_EQ(log.state(2), txn_state::prepare_commit);
    EXPECT_EQ(log.value(2)->partitions->size(), 2u);
    EXPECT_TRUE(markers.calls.empty()) << "markers only after PrepareCommit is durable";
    EXPECT_EQ(state("t1"), txn_state::ongoing);

    log.complete(2, true);
    EXPECT_EQ(state("t1"), txn_state::prepare_commit);
    ASSERT_EQ(markers.calls.size(), 1u);
    EXPECT_TRUE(markers.calls[0].commit);
    EXPECT_EQ(markers.calls[0].id, a.producer_id);
    EXPECT_EQ(markers.calls[0].epoch, a.producer_epoch);
    EXPECT_EQ(markers.calls[0].partitions, (std::vector{tp("a", 1), tp("b", 0)}));
    EXPECT_FALSE(ended);

    markers.complete(0, true);
    ASSERT_EQ(log.calls.size(), 4u);
    EXPECT_EQ(log.state(3), txn_state::complete_commit);
    EXPECT_TRUE(log.value(3)->partitions->empty());
    EXPECT_FALSE(ended) << "answered before CompleteCommit was durable";

    log.complete(3, true);
    EXPECT_EQ(ended, errc::none);
    EXPECT_EQ(state("t1"), txn_state::complete_commit);
    EXPECT_EQ(c->describe("t1")->start_timestamp_ms, -1);
}

TEST_F(txn_test, abort_and_next_transaction) {
    make();
    auto a = init("t1");
    ASSERT_EQ(add("t1", a, {tp("x", 0)}), errc::none);
    EXPECT_EQ(end("t1", a, false), errc::none);
    ASSERT_EQ(markers.calls.size(), 1u);
    EXPECT_FALSE(markers.calls[0].commit);
    EXPECT_EQ(state("t1"), txn_state::complete_abort);
    // The next transaction starts afresh, with only its own partitions.
    advance(5);
    ASSERT_EQ(add("t1", a, {tp("y", 0)}), errc::none);
    auto d = c->describe("t1");
    EXPECT_EQ(d->state, txn_state::ongoing);
    EXPECT_EQ(d->partitions, std::vector{tp("y", 0)});
    EXPECT_EQ(d->start_timestamp_ms, now());
    EXPECT_EQ(end("t1", a, true), errc::none);
    EXPECT_EQ(markers.calls.back().partitions, std::vector{tp("y", 0)});
}

TEST_F(txn_test, end_transaction_states) {
    make();
    auto a = init("t1");
    EXPECT_EQ(end("t1", a, true), errc::invalid_txn_state) << "Empty";
    EXPECT_EQ(end("t1", a, false), errc::invalid_txn_state) << "Empty";
    ASSERT_EQ(add("t1", a, {tp("x", 0)}), errc::none);
    ASSERT_EQ(end("t1", a, true), errc::none);
    const size_t writes = log.calls.size();
    EXPECT_EQ(end("t1", a, true), errc::none) << "retry of the completed commit";
    EXPECT_EQ(end("t1", a, false), errc::invalid_txn_state);
    EXPECT_EQ(log.calls.size(), writes);
    EXPECT_EQ(markers.calls.size(), 1u);

    ASSERT_EQ(add("t1", a, {tp("x", 0)}), errc::none);
    ASSERT_EQ(end("t1", a, false), errc::none);
    EXPECT_EQ(end("t1", a, false), errc::none);
    EXPECT_EQ(end("t1", a, true), errc::invalid_txn_state);

    // Prepare states.
    ASSERT_EQ(add("t1", a, {tp("x", 0)}), errc::none);
    markers.m = mode::deferred;
    std::optional<errc> ended;
    c->end_transaction("t1", a.producer_id, a.producer_epoch, true, [&](errc e) { ended = e; });
    EXPECT_EQ(end("t1", a, true), errc::concurrent_transactions);
    EXPECT_EQ(end("t1", a, false), errc::invalid_txn_state);
    EXPECT_EQ(add("t1", a, {tp("z", 0)}), errc::concurrent_transactions);
    markers.complete(markers.calls.size() - 1, true);
    EXPECT_EQ(ended, errc::none);

    // Ownership checks.
    EXPECT_EQ(end("zz", a, true), errc::invalid_producer_id_mapping);
    auto other = a;
    other.producer_id = pid(5);
    EXPECT_EQ(end("t1", other, true), errc::invalid_producer_id_mapping);
    auto old = a;
    old.producer_epoch = ep(-1);
    EXPECT_EQ(end("t1", old, true), errc::producer_fenced);
}

TEST_F(txn_test, end_transaction_with_prepare_abort_of_other_outcome) {
    make();
    auto a = init("t1");
    ASSERT_EQ(add("t1", a, {tp("x", 0)}), errc::none);
    markers.m = mode::deferred;
    std::optional<errc> ended;
    c->end_transaction("t1", a.producer_id, a.producer_epoch, false, [&](errc e) { ended = e; });
    EXPECT_EQ(end("t1", a, false), errc::concurrent_transactions);
    EXPECT_EQ(end("t1", a, true), errc::invalid_txn_state);
    markers.complete(0, true);
    EXPECT_EQ(ended, errc::none);
}

// ---- in-flight changes and failures ----

TEST_F(txn_test, concurrent_requests_during_an_inflight_write) {
    make();
    log.m = mode::deferred;
    std::optional<init_producer_id_result> first;
    c->init_producer_id("t1", 60000, std::nullopt, [&](init_producer_id_result r) { first = r; });
    ASSERT_FALSE(first);
    // The id is not known yet to anything but InitProducerId, which sees it busy.
    EXPECT_EQ(init("t1").error, errc::concurrent_transactions);
    EXPECT_FALSE(c->describe("t1"));
    EXPECT_TRUE(c->list({}, {}).empty());
    init_producer_id_result guess{errc::none, pid(1000), ep(0)};
    EXPECT_EQ(add("t1", guess, {tp("x", 0)}), errc::invalid_producer_id_mapping);
    EXPECT_EQ(c->validate_transaction("t1", pid(1000), ep(0)), errc::invalid_producer_id_mapping);
    // Other ids are not blocked.
    std::optional<init_producer_id_result> other;
    c->init_producer_id("t2", 60000, std::nullopt, [&](init_producer_id_result r) { other = r; });
    EXPECT_EQ(log.calls.size(), 2u);

    log.complete(0, true);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->error, errc::none);

    std::optional<errc> added;
    c->add_partitions("t1", first->producer_id, first->producer_epoch, {tp("x", 0)},
                      [&](errc e) { added = e; });
    EXPECT_FALSE(added);
    EXPECT_EQ(add("t1", *first, {tp("y", 0)}), errc::concurrent_transactions);
    EXPECT_EQ(end("t1", *first, true), errc::concurrent_transactions);
    EXPECT_EQ(init("t1").error, errc::concurrent_transactions);
    log.complete(2, true);
    EXPECT_EQ(added, errc::none);
    EXPECT_EQ(state("t1"), txn_state::ongoing);
    log.complete(1, true);
    EXPECT_EQ(other->producer_id, pid(1001));
}

TEST_F(txn_test, failed_log_writes_change_nothing) {
    make();
    log.m = mode::fail;
    EXPECT_EQ(init("t1").error, errc::coordinator_not_available);
    EXPECT_FALSE(c->describe("t1"));

    log.m = mode::ok;
    auto a = init("t1");
    log.m = mode::fail;
    EXPECT_EQ(add("t1", a, {tp("x", 0)}), errc::coordinator_not_available);
    EXPECT_EQ(state("t1"), txn_state::empty);
    EXPECT_TRUE(c->describe("t1")->partitions.empty());
    EXPECT_EQ(init("t1").error, errc::coordinator_not_available);
    EXPECT_EQ(c->describe("t1")->producer_epoch, ep(0));

    log.m = mode::ok;
    ASSERT_EQ(add("t1", a, {tp("x", 0)}), errc::none);
    log.m = mode::fail;
    EXPECT_EQ(end("t1", a, true), errc::coordinator_not_available);
    EXPECT_EQ(state("t1"), txn_state::ongoing);
    EXPECT_TRUE(markers.calls.empty());

    // A failed fence leaves the transaction Ongoing; the next attempt works.
    EXPECT_EQ(init("t1").error, errc::concurrent_transactions);
    EXPECT_EQ(state("t1"), txn_state::ongoing);
    EXPECT_EQ(c->describe("t1")->producer_epoch, ep(0));
    log.m = mode::ok;
    EXPECT_EQ(init("t1").error, errc::concurrent_transactions);
    EXPECT_EQ(state("t1"), txn_state::complete_abort);
}

TEST_F(txn_test, failed_markers_are_retried_until_written) {
    make();
    auto a = init("t1");
    ASSERT_EQ(add("t1", a, {tp("x", 0), tp("y", 1)}), errc::none);
    markers.m = mode::fail;
    std::optional<errc> ended;
    c->end_transaction("t1", a.producer_id, a.producer_epoch, true, [&](errc e) { ended = e; });
    EXPECT_EQ(markers.calls.size(), 1u);
    EXPECT_FALSE(ended);
    advance(499);
    EXPECT_EQ(markers.calls.size(), 1u);
    advance(1);
    EXPECT_EQ(markers.calls.size(), 2u);
    EXPECT_EQ(markers.calls[1].partitions, markers.calls[0].partitions);
    EXPECT_FALSE(ended);
    markers.m = mode::ok;
    advance(500);
    EXPECT_EQ(markers.calls.size(), 3u);
    EXPECT_EQ(ended, errc::none);
    EXPECT_EQ(state("t1"), txn_state::complete_commit);
}

TEST_F(txn_test, failed_complete_write_answers_retriable_and_retries) {
    make();
    auto a = init("t1");
    ASSERT_EQ(add("t1", a, {tp("x", 0)}), errc::none);
    log.m = mode::deferred;
    std::optional<errc> ended;
    c->end_transaction("t1", a.producer_id, a.producer_epoch, true, [&](errc e) { ended = e; });
    log.complete(2, true);  // PrepareCommit
    ASSERT_EQ(log.calls.size(), 4u);
    log.complete(3, false);  // CompleteCommit fails
    EXPECT_EQ(ended, errc::coordinator_not_available);
    EXPECT_EQ(state("t1"), txn_state::prepare_commit);
    EXPECT_EQ(end("t1", a, true), errc::concurrent_transactions);
    advance(500);
    ASSERT_EQ(log.calls.size(), 5u);
    EXPECT_EQ(log.state(4), txn_state::complete_commit);
    EXPECT_EQ(markers.calls.size(), 1u) << "markers were durable: not rewritten";
    log.complete(4, true);
    EXPECT_EQ(state("t1"), txn_state::complete_commit);
    log.m = mode::ok;
    EXPECT_EQ(end("t1", a, true), errc::none);
}

// ---- TxnOffsetCommit check ----

TEST_F(txn_test, validate_transaction) {
    make();
    auto a = init("t1");
    EXPECT_EQ(c->validate_transaction("t1", a.producer_id, a.producer_epoch),
              errc::invalid_txn_state);
    ASSERT_EQ(add("t1", a, {tp("__consumer_offsets", 3)}), errc::none);
    EXPECT_EQ(c->validate_transaction("t1", a.producer_id, a.producer_epoch), errc::none);
    EXPECT_EQ(c->validate_transaction("t1", a.producer_id, ep(9)), errc::producer_fenced);
    EXPECT_EQ(c->validate_transaction("t1", pid(1), a.producer_epoch),
              errc::invalid_producer_id_mapping);
    EXPECT_EQ(c->validate_transaction("t9", a.producer_id, a.producer_epoch),
              errc::invalid_producer_id_mapping);
    // Adding more partitions keeps the transaction open; ending it does not.
    log.m = mode::deferred;
    c->add_partitions("t1", a.producer_id, a.producer_epoch, {tp("x", 0)}, [](errc) {});
    EXPECT_EQ(c->validate_transaction("t1", a.producer_id, a.producer_epoch), errc::none);
    log.complete(2, true);
    c->end_transaction("t1", a.producer_id, a.producer_epoch, true, [](errc) {});
    EXPECT_EQ(c->validate_transaction("t1", a.producer_id, a.producer_epoch),
              errc::concurrent_transactions);
    log.complete(3, true);
    EXPECT_EQ(c->validate_transaction("t1", a.producer_id, a.producer_epoch),
              errc::concurrent_transactions);
    log.complete(4, true);
    EXPECT_EQ(c->validate_transaction("t1", a.producer_id, a.producer_epoch),
              errc::invalid_txn_state);
}

// ---- timeouts and expiry ----

TEST_F(txn_test, timed_out_transaction_is_aborted_and_the_producer_fenced) {
    make();
    auto a = init("t1", 5000);
    ASSERT_EQ(add("t1", a, {tp("x", 0)}), errc::none);
    advance(5000);  // start + timeout == now: not yet past
    EXPECT_EQ(state("t1"), txn_state::ongoing);
    advance(1000);
    EXPECT_EQ(state("t1"), txn_state::complete_abort);
    ASSERT_EQ(markers.calls.size(), 1u);
    EXPECT_FALSE(markers.calls[0].commit);
    EXPECT_EQ(markers.calls[0].epoch, ep(1));
    EXPECT_EQ(c->describe("t1")->producer_epoch, ep(1));
    EXPECT_EQ(add("t1", a, {tp("x", 0)}), errc::producer_fenced);
    EXPECT_EQ(end("t1", a, true), errc::producer_fenced);
    EXPECT_EQ(c->validate_transaction("t1", a.producer_id, a.producer_epoch),
              errc::producer_fenced);
}

TEST_F(txn_test, abort_check_leaves_young_and_idle_transactions) {
    make();
    auto a = init("t1", 60000);
    ASSERT_EQ(add("t1", a, {tp("x", 0)}), errc::none);
    init("t2", 1);
    advance(30000);
    c->abort_timed_out_transactions();
    EXPECT_EQ(state("t1"), txn_state::ongoing);
    EXPECT_EQ(state("t2"), txn_state::empty);
    EXPECT_TRUE(markers.calls.empty());
}

TEST_F(txn_test, idle_ids_expire) {
    make();
    auto a = init("idle");
    auto b = init("busy", 900000);
    ASSERT_EQ(add("busy", b, {tp("x", 0)}), errc::none);
    auto d = init("done");
    ASSERT_EQ(add("done", d, {tp("x", 0)}), errc::none);
    ASSERT_EQ(end("done", d, true), errc::none);
    advance(50000);
    auto fresh = init("fresh");
    (void)a;
    (void)fresh;
    const size_t writes = log.calls.size();
    advance(50000);  // 100 s since idle/done were last updated; the check runs every 10 s
    EXPECT_FALSE(c->describe("idle"));
    EXPECT_FALSE(c->describe("done"));
    EXPECT_TRUE(c->describe("fresh"));
    EXPECT_EQ(state("busy"), txn_state::ongoing) << "a transaction in progress never expires";
    std::set<std::string> tombstoned;
    for (size_t i = writes; i < log.calls.size(); ++i) {
        if (!log.calls[i].records[0].value) tombstoned.insert(log.key(i));
    }
    EXPECT_EQ(tombstoned, (std::set<std::string>{"done", "idle"}));
    // An expired id starts over with a new producer id.
    auto again = init("idle");
    EXPECT_EQ(again.producer_epoch, ep(0));
    EXPECT_NE(again.producer_id, a.producer_id);
}

TEST_F(txn_test, failed_tombstone_keeps_the_id) {
    make();
    init("t1");
    log.m = mode::fail;
    advance(100000);  // the periodic check tries and fails
    c->expire_transactional_ids();
    EXPECT_TRUE(c->describe("t1"));
    EXPECT_GE(log.calls.size(), 3u);
    log.m = mode::deferred;
    c->expire_transactional_ids();
    EXPECT_EQ(init("t1").error, errc::concurrent_transactions) << "being removed";
    log.complete(log.calls.size() - 1, true);
    EXPECT_FALSE(c->describe("t1"));
}

// ---- loading ----

TEST_F(txn_test, requests_before_loading_answer_load_in_progress) {
    make(false);
    load("t1", loaded(txn_state::ongoing, 5, 0, {tp("x", 0)}, now()));
    EXPECT_EQ(init("t2").error, errc::coordinator_load_in_progress);
    init_producer_id_result p{errc::none, pid(5), ep(0)};
    EXPECT_EQ(add("t1", p, {tp("y", 0)}), errc::coordinator_load_in_progress);
    EXPECT_EQ(end("t1", p, true), errc::coordinator_load_in_progress);
    EXPECT_EQ(c->validate_transaction("t1", pid(5), ep(0)), errc::coordinator_load_in_progress);
    advance(1000000);
    EXPECT_EQ(state("t1"), txn_state::ongoing) << "no timeout checks before loading ends";
    EXPECT_TRUE(log.calls.empty());
    c->finish_loading();
    EXPECT_EQ(c->validate_transaction("t1", pid(5), ep(0)), errc::none);
}

TEST_F(txn_test, replay_of_every_state) {
    make(false);
    const int64_t t = now();
    load("empty", loaded(txn_state::empty, 1, 3));
    load("ongoing", loaded(txn_state::ongoing, 2, 0, {tp("a", 0)}, t));
    load("cc", loaded(txn_state::complete_commit, 3, 1, {}, t - 10));
    load("ca", loaded(txn_state::complete_abort, 4, 1, {}, t - 10));
    load("pc", loaded(txn_state::prepare_commit, 5, 2, {tp("a", 0), tp("b", 1)}, t));
    load("pa", loaded(txn_state::prepare_abort, 6, 4, {tp("c", 2)}, t));
    load("fence", loaded(txn_state::prepare_epoch_fence, 7, 1, {tp("d", 0)}, t));
    load("dead", loaded(txn_state::empty, 8, 0));
    load("dead", loaded(txn_state::dead, 8, 0));
    load("gone", loaded(txn_state::empty, 9, 0));
    c->load_record(txn_records::encode_key("gone"), std::nullopt);
    load("back", loaded(txn_state::empty, 10, 0));
    c->load_record(txn_records::encode_key("back"), std::nullopt);
    load("back", loaded(txn_state::empty, 10, 5));
    load("later", loaded(txn_state::empty, 11, 0));
    load("later", loaded(txn_state::ongoing, 11, 0, {tp("z", 0)}, t));

    EXPECT_EQ(state("empty"), txn_state::empty);
    EXPECT_EQ(c->describe("empty")->producer_epoch, ep(3));
    EXPECT_EQ(state("ongoing"), txn_state::ongoing);
    EXPECT_EQ(c->describe("ongoing")->start_timestamp_ms, t);
    EXPECT_EQ(state("cc"), txn_state::complete_commit);
    EXPECT_EQ(state("ca"), txn_state::complete_abort);
    EXPECT_EQ(state("pc"), txn_state::prepare_commit);
    EXPECT_EQ(state("pa"), txn_state::prepare_abort);
    EXPECT_EQ(state("fence"), txn_state::prepare_abort);
    EXPECT_FALSE(c->describe("dead"));
    EXPECT_FALSE(c->describe("gone"));
    EXPECT_EQ(c->describe("back")->producer_epoch, ep(5));
    EXPECT_EQ(state("later"), txn_state::ongoing);
    EXPECT_TRUE(markers.calls.empty());
    EXPECT_TRUE(log.calls.empty()) << "loading writes nothing";

    c->finish_loading();
    // Every Prepare* state is finished: markers with its own epoch, then Complete*.
    ASSERT_EQ(markers.calls.size(), 3u);
    std::map<int64_t, fake_markers::call> by_pid;
    for (auto& m : markers.calls) by_pid[m.id()] = m;
    EXPECT_TRUE(by_pid[5].commit);
    EXPECT_EQ(by_pid[5].epoch, ep(2));
    EXPECT_EQ(by_pid[5].partitions, (std::vector{tp("a", 0), tp("b", 1)}));
    EXPECT_FALSE(by_pid[6].commit);
    EXPECT_EQ(by_pid[6].epoch, ep(4));
    EXPECT_FALSE(by_pid[7].commit);
    EXPECT_EQ(state("pc"), txn_state::complete_commit);
    EXPECT_EQ(state("pa"), txn_state::complete_abort);
    EXPECT_EQ(state("fence"), txn_state::complete_abort);
    EXPECT_EQ(state("ongoing"), txn_state::ongoing);
    EXPECT_EQ(log.calls.size(), 3u);

    // The Ongoing one times out from its persisted start.
    advance(60000 + 1000);
    EXPECT_EQ(state("ongoing"), txn_state::complete_abort);
    EXPECT_EQ(c->describe("ongoing")->producer_epoch, ep(1));
}

TEST_F(txn_test, malformed_records_are_skipped) {
    make(false);
    load("t1", loaded(txn_state::empty, 1, 3));
    bytes bad_value = value_of(loaded(txn_state::ongoing, 1, 4, {tp("x", 0)}, now()));
    bad_value.resize(bad_value.size() - 3);
    c->load_record(txn_records::encode_key("t1"), bad_value);
    auto unknown_state = value_of(loaded(txn_state::empty, 1, 4));
    unknown_state[2 + 8 + 2 + 4] = 42;
    c->load_record(txn_records::encode_key("t1"), unknown_state);
    bytes bad_key = txn_records::encode_key("t1");
    bad_key[1] = 1;  // key version 1
    c->load_record(bad_key, value_of(loaded(txn_state::empty, 1, 9)));
    c->load_record(bytes{}, std::nullopt);
    c->load_record(bytes{0, 0, 0x7f}, std::nullopt);
    auto d = c->describe("t1");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->producer_epoch, ep(3));
    EXPECT_EQ(d->state, txn_state::empty);
}

TEST_F(txn_test, resumed_prepare_retries_failed_markers) {
    make(false);
    load("pc", loaded(txn_state::prepare_commit, 5, 2, {tp("a", 0)}, now()));
    markers.m = mode::fail;
    c->finish_loading();
    EXPECT_EQ(markers.calls.size(), 1u);
    EXPECT_EQ(state("pc"), txn_state::prepare_commit);
    markers.m = mode::ok;
    advance(500);
    EXPECT_EQ(markers.calls.size(), 2u);
    EXPECT_EQ(state("pc"), txn_state::complete_commit);
}

// ---- describe / list ----

TEST_F(txn_test, describe_and_list_filters) {
    make();
    auto b = init("b");
    ASSERT_EQ(add("b", b, {tp("x", 1), tp("x", 0)}), errc::none);
    auto a = init("a");
    auto c2 = init("c");
    ASSERT_EQ(add("c", c2, {tp("y", 0)}), errc::none);
    ASSERT_EQ(end("c", c2, true), errc::none);

    EXPECT_FALSE(c->describe("zz"));
    auto all = c->list({}, {});
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].transactional_id, "a");
    EXPECT_EQ(all[1].transactional_id, "b");
    EXPECT_EQ(all[2].transactional_id, "c");
    EXPECT_EQ(all[1].partitions, (std::vector{tp("x", 0), tp("x", 1)}));

    auto ongoing = c->list({txn_state::ongoing}, {});
    ASSERT_EQ(ongoing.size(), 1u);
    EXPECT_EQ(ongoing[0].transactional_id, "b");
    auto two = c->list({txn_state::empty, txn_state::complete_commit}, {});
    ASSERT_EQ(two.size(), 2u);
    EXPECT_EQ(two[0].transactional_id, "a");
    EXPECT_EQ(two[1].transactional_id, "c");
    auto by_pid = c->list({}, {a.producer_id, pid(424242)});
    ASSERT_EQ(by_pid.size(), 1u);
    EXPECT_EQ(by_pid[0].transactional_id, "a");
    EXPECT_TRUE(c->list({txn_state::ongoing}, {a.producer_id}).empty());
    EXPECT_TRUE(c->list({txn_state::prepare_abort}, {}).empty());
}

// Callbacks never run under the coordinator's lock, so they may call back in (a callback run
// under it would deadlock here).
TEST_F(txn_test, callbacks_may_call_back_in) {
    make();
    bool described = false;
    c->init_producer_id("t1", 60000, std::nullopt, [&](init_producer_id_result) {
        described = c->describe("t1").has_value();
    });
    EXPECT_TRUE(described);
    auto p = c->describe("t1");
    int answered = 0;
    auto reenter = [&](errc) {
        (void)c->validate_transaction("t1", p->producer_id, p->producer_epoch);
        (void)c->list({}, {});
        ++answered;
    };
    c->add_partitions("zz", p->producer_id, p->producer_epoch, {tp("x", 0)}, reenter);
    c->end_transaction("t1", p->producer_id, p->producer_epoch, true, reenter);
    c->add_partitions("t1", p->producer_id, p->producer_epoch, {tp("x", 0)}, reenter);
    c->add_partitions("t1", p->producer_id, p->producer_epoch, {tp("x", 0)}, reenter);
    c->end_transaction("t1", p->producer_id, p->producer_epoch, true, reenter);
    EXPECT_EQ(answered, 5);
    std::optional<errc> early;
    c->init_producer_id("t1", 0, std::nullopt, [&](init_producer_id_result r) {
        early = r.error;
        (void)c->list({}, {});
    });
    EXPECT_EQ(early, errc::invalid_transaction_timeout);
}

// ---- lifetime ----

TEST_F(txn_test, completions_after_destruction_are_ignored) {
    make();
    auto a = init("t1");
    ASSERT_EQ(add("t1", a, {tp("x", 0)}), errc::none);
    log.m = mode::deferred;
    markers.m = mode::deferred;
    bool called = false;
    c->end_transaction("t1", a.producer_id, a.producer_epoch, true, [&](errc) { called = true; });
    log.complete(2, true);
    ASSERT_EQ(markers.calls.size(), 1u);
    c.reset();
    markers.complete(0, true);
    EXPECT_EQ(log.calls.size(), 3u);
    EXPECT_FALSE(called);
    EXPECT_EQ(timers.pending(), 0u);
}

// ---- threads ----

// Runs queued work on its own thread, as the broker's log and marker completions do.
class async_runner {
public:
    async_runner() : _thread([this] { run(); }) {}
    ~async_runner() {
        {
            std::lock_guard l(_mutex);
            _stop = true;
        }
        _wake.notify_one();
        _thread.join();
    }
    void post(std::function<void()> fn) {
        {
            std::lock_guard l(_mutex);
            _work.push_back(std::move(fn));
        }
        _wake.notify_one();
    }

private:
    void run() {
        std::unique_lock l(_mutex);
        while (true) {
            _wake.wait(l, [this] { return _stop || !_work.empty(); });
            if (_work.empty()) return;
            auto fn = std::move(_work.front());
            _work.pop_front();
            l.unlock();
            fn();
            l.lock();
        }
    }
    std::mutex _mutex;
    std::condition_variable _wake;
    std::deque<std::function<void()>> _work;
    bool _stop = false;
    std::thread _thread;
};

class async_log : public coordinator_log {
public:
    explicit async_log(async_runner& r) : _runner(r) {}
    void append(int32_t, std::vector<log_record>, std::function<void(bool)> done) override {
        _runner.post([done = std::move(done)] { done(true); });
    }

private:
    async_runner& _runner;
};

class async_markers : public txn_marker_writer {
public:
    explicit async_markers(async_runner& r) : _runner(r) {}
    void write_markers(model::producer_id, model::producer_epoch, int32_t, bool,
                       std::vector<model::topic_partition>,
                       std::function<void(bool)> done) override {
        // Every third attempt fails, exercising the retry path.
        bool ok = (++_count % 3) != 0;
        _runner.post([done = std::move(done), ok] { done(ok); });
    }

private:
    async_runner& _runner;
    std::atomic<int> _count{0};
};

TEST(txn_threads, transactions_from_many_threads) {
    threaded_timer_service timers;
    async_runner log_thread;
    async_runner marker_thread;
    async_log log(log_thread);
    async_markers markers(marker_thread);
    transaction_config config;
    config.marker_retry_backoff = milliseconds(1);
    std::atomic<int64_t> next{1};
    auto coordinator = std::make_unique<transaction_coordinator>(
        config, timers, log, markers,
        [&]() -> std::optional<model::producer_id> { return model::producer_id(next++); },
        [] { return int64_t{1'700'000'000'000}; });
    coordinator->finish_loading();

    // Retries a request until it stops answering concurrent_transactions.
    auto until_settled = [](auto call) {
        while (true) {
            std::promise<errc> p;
            call([&](errc e) { p.set_value(e); });
            errc e = p.get_future().get();
            if (e != errc::concurrent_transactions) return e;
            std::this_thread::yield();
        }
    };
    constexpr int threads = 4;
    constexpr int rounds = 20;
    std::vector<std::thread> workers;
    std::atomic<int> committed{0};
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            // Each thread owns one id and also fights over a shared one.
            for (const std::string& id : {"own-" + std::to_string(t), std::string("shared")}) {
                for (int r = 0; r < rounds; ++r) {
                    init_producer_id_result p;
                    until_settled([&](auto done) {
                        coordinator->init_producer_id(id, 60000, std::nullopt,
                                                      [&p, done](init_producer_id_result res) {
                                                          p = res;
                                                          done(res.error);
                                                      });
                    });
                    if (p.error != errc::none) continue;
                    auto added = until_settled([&](auto done) {
                        coordinator->add_partitions(id, p.producer_id, p.producer_epoch,
                                                    {tp("t", t), tp("t", r)}, done);
                    });
                    if (added != errc::none) continue;  // fenced by another thread
                    auto ended = until_settled([&](auto done) {
                        coordinator->end_transaction(id, p.producer_id, p.producer_epoch, true,
                                                     done);
                    });
                    if (ended == errc::none) ++committed;
                }
            }
        });
    }
    for (auto& w : workers) w.join();
    EXPECT_GE(committed.load(), threads * rounds);
    for (int t = 0; t < threads; ++t) {
        auto d = coordinator->describe("own-" + std::to_string(t));
        ASSERT_TRUE(d);
        EXPECT_EQ(d->state, txn_state::complete_commit);
        EXPECT_EQ(d->producer_epoch, model::producer_epoch(rounds - 1));
    }
    auto shared = coordinator->describe("shared");
    ASSERT_TRUE(shared);
    EXPECT_NE(shared->state, txn_state::ongoing);
    coordinator.reset();  // completions still queued on the runners are ignored
}

}  // namespace
}  // namespace fjord::coordinator
