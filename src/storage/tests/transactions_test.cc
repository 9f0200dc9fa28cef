// Transactions in the partition log: opening and ending them, the last stable offset, the aborted
// transactions Fetch reports, the .txnindex files (segment-files.md §11) through reopen, crash,
// damage, retention and compaction, and the refusals (producer-state.md §1).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "protocol/control_record.h"
#include "protocol/record_batch.h"
#include "storage/partition_log.h"
#include "storage/segment_format.h"
#include "storage/tests/fault_file_io.h"
#include "storage/tests/producer_batches.h"

namespace fjord::storage {
namespace {

using model::offset;
using protocol::control_type;
using test::make_batch;
using test::make_producer_batch;
namespace fs = std::filesystem;

constexpr model::leader_epoch leader{1};
constexpr int64_t p1 = 100;
constexpr int64_t p2 = 200;
constexpr int64_t p3 = 300;

bytes txn_batch(int count, int64_t producer, int16_t epoch, int32_t seq, int64_t ts = 1000) {
    bytes b = make_producer_batch(count, producer, epoch, seq, ts);
    store_be<int16_t>(b.data() + 21, protocol::batch_attribute::transactional);
    store_be<uint32_t>(b.data() + 17, crc32c(bytes_view(b).subspan(21)));
    return b;
}

aborted_transaction aborted(int64_t producer, int64_t first, int64_t last) {
    return {producer_id(producer), offset(first), offset(last)};
}

class transactions_test : public ::testing::Test {
protected:
    fs::path dir() const { return _dir.path() / "t-0"; }
    fs::path txnindex(int64_t base) const {
        return dir() / format::segment_file_name(offset(base), format::txnindex_suffix);
    }
    std::unique_ptr<partition_log> open() {
        log_config config = _config;
        config.clock = [this] { return _now; };
        config.wall_clock = [] { return std::chrono::milliseconds(1'700'000'000'000); };
        auto r = partition_log::open(dir(), config, _io);
        EXPECT_TRUE(r.has_value()) << (r ? "" : describe(r.error()));
        return r ? std::move(r).value() : nullptr;
    }
    // Next transactional batch of `producer` (sequences counted per producer and epoch).
    result<append_result, errc> data(partition_log& log, int64_t producer, int count = 1,
                                     int16_t epoch = 0) {
        auto& seq = _seq[{producer, epoch}];
        bytes b = txn_batch(count, producer, epoch, seq);
        auto r = log.append(b, leader);
        if (r) seq += count;
        return r;
    }
    result<append_result, errc> marker(partition_log& log, int64_t producer, control_type type,
                                       int16_t epoch = 0, int32_t coordinator_epoch = 0) {
        bytes b = protocol::build_marker_batch(producer, epoch, type, coordinator_epoch, 2000);
        return log.append(b, leader);
    }
    void roll_next_append() { _now += std::chrono::milliseconds(10); }
    // A crash: the flush on destruction fails, so nothing more reaches the disk (the page cache
    // survives, as when only the process dies).
    void crash(std::unique_ptr<partition_log>& log) {
        _io.set_fail_fsync(true);
        log.reset();
        _io.set_fail_fsync(false);
    }

    test::temp_dir _dir;
    test::fault_file_io _io;
    log_config _config{.segment_ms = std::chrono::milliseconds(5)};
    std::chrono::milliseconds _now{0};
    std::map<std::pair<int64_t, int16_t>, int32_t> _seq;
};

TEST_F(transactions_test, interleaved_producers_commit_and_abort) {
    auto log = open();
    ASSERT_TRUE(data(*log, p1, 2));  // 0-1
    ASSERT_TRUE(data(*log, p2));     // 2
    ASSERT_TRUE(data(*log, p1));     // 3: joins p1's open transaction
    EXPECT_EQ(log->producer(producer_id(p1))->txn_first_offset, offset(0));
    EXPECT_EQ(log->producer(producer_id(p2))->txn_first_offset, offset(2));
    ASSERT_TRUE(marker(*log, p2, control_type::commit));  // 4
    ASSERT_TRUE(marker(*log, p1, control_type::abort));   // 5
    ASSERT_TRUE(data(*log, p2));                          // 6: p2's next transaction
    EXPECT_FALSE(log->producer(producer_id(p1))->txn_first_offset);
    EXPECT_EQ(log->producer(producer_id(p2))->txn_first_offset, offset(6));
    EXPECT_EQ(log->aborted_transactions(offset(0), offset(100)),
              std::vector<aborted_transaction>{aborted(p1, 0, 5)});
    EXPECT_TRUE(fs::exists(txnindex(0)));
}

TEST_F(transactions_test, lso_waits_for_open_transactions_and_durable_markers) {
    auto log = open();
    bytes plain = make_batch(2);
    ASSERT_TRUE(log->append(plain, leader));          // 0-1
    ASSERT_TRUE(data(*log, p1));                      // 2
    ASSERT_TRUE(data(*log, p2));                      // 3
    EXPECT_EQ(log->last_stable_offset(), offset(0));  // nothing durable yet
    ASSERT_TRUE(log->flush());
    EXPECT_EQ(log->high_watermark(), offset(4));
    EXPECT_EQ(log->last_stable_offset(), offset(2));
    ASSERT_TRUE(marker(*log, p1, control_type::commit));  // 4
    // The marker is not durable: a consumer could not learn the outcome yet.
    EXPECT_EQ(log->last_stable_offset(), offset(2));
    ASSERT_TRUE(log->flush());
    EXPECT_EQ(log->last_stable_offset(), offset(3));     // p2 is still open
    ASSERT_TRUE(marker(*log, p2, control_type::abort));  // 5
    EXPECT_EQ(log->last_stable_offset(), offset(3));
    ASSERT_TRUE(log->flush());
    EXPECT_EQ(log->last_stable_offset(), offset(6));
    EXPECT_EQ(log->last_stable_offset(), log->high_watermark());
}

TEST_F(transactions_test, non_transactional_batch_during_a_transaction_is_refused) {
    auto log = open();
    ASSERT_TRUE(data(*log, p1));
    bytes idempotent = make_producer_batch(1, p1, 0, 1);
    auto r = log->append(idempotent, leader);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::invalid_txn_state);
    EXPECT_EQ(log->log_end_offset(), offset(1));
    // Other producers are not affected, and after the marker p1 may go on without one.
    bytes plain = make_batch(1);
    ASSERT_TRUE(log->append(plain, leader));
    ASSERT_TRUE(marker(*log, p1, control_type::commit));
    EXPECT_TRUE(log->append(idempotent, leader));
}

// TxnOffsetCommit's offsets reach __consumer_offsets as the coordinator's transactional batches,
// which carry no sequence numbers: only the epoch is checked, and each opens the transaction.
TEST_F(transactions_test, coordinator_batch_without_sequence_checks_only_the_epoch) {
    auto log = open();
    bytes first = txn_batch(1, p1, 3, protocol::no_sequence);
    ASSERT_TRUE(log->append(first, leader));
    bytes again = txn_batch(1, p1, 3, protocol::no_sequence);
    auto second = log->append(again, leader);
    ASSERT_TRUE(second);
    EXPECT_FALSE(second->duplicate);
    EXPECT_EQ(log->producer(producer_id(p1))->txn_first_offset, offset(0));
    EXPECT_TRUE(log->producer(producer_id(p1))->batches.empty());
    bytes stale = txn_batch(1, p1, 2, protocol::no_sequence);
    auto r = log->append(stale, leader);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::invalid_producer_epoch);
    ASSERT_TRUE(marker(*log, p1, control_type::commit, /*epoch=*/3));
    EXPECT_EQ(log->log_end_offset(), offset(3));
}

TEST_F(transactions_test, marker_from_an_older_producer_epoch_is_fenced) {
    auto log = open();
    ASSERT_TRUE(data(*log, p1, 1, /*epoch=*/2));
    auto r = marker(*log, p1, control_type::abort, /*epoch=*/1);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::invalid_producer_epoch);
    EXPECT_EQ(log->log_end_offset(), offset(1));
    EXPECT_EQ(log->producer(producer_id(p1))->txn_first_offset, offset(0));
}

TEST_F(transactions_test, marker_from_an_older_coordinator_epoch_is_fenced) {
    auto log = open();
    ASSERT_TRUE(data(*log, p1));
    ASSERT_TRUE(marker(*log, p1, control_type::commit, 0, /*coordinator_epoch=*/5));
    EXPECT_EQ(log->producer(producer_id(p1))->coordinator_epoch, 5);
    ASSERT_TRUE(data(*log, p1));
    auto r = marker(*log, p1, control_type::abort, 0, 4);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::transaction_coordinator_fenced);
    EXPECT_EQ(log->producer(producer_id(p1))->txn_first_offset, offset(2));
    ASSERT_TRUE(marker(*log, p1, control_type::abort, 0, 5));
    EXPECT_FALSE(log->producer(producer_id(p1))->txn_first_offset);
}

TEST_F(transactions_test, marker_with_a_newer_epoch_fences_the_producer) {
    auto log = open();
    ASSERT_TRUE(data(*log, p1, 2));  // 0-1, epoch 0
    ASSERT_TRUE(marker(*log, p1, control_type::abort, /*epoch=*/1));
    auto e = log->producer(producer_id(p1));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->epoch, producer_epoch(1));
    EXPECT_TRUE(e->batches.empty());
    EXPECT_FALSE(e->txn_first_offset);
    EXPECT_EQ(log->aborted_transactions(offset(0), offset(3)),
              std::vector<aborted_transaction>{aborted(p1, 0, 2)});
    // The zombie of epoch 0 is refused; epoch 1 starts at sequence 0.
    bytes zombie = txn_batch(1, p1, 0, 2);
    auto z = log->append(zombie, leader);
    ASSERT_FALSE(z);
    EXPECT_EQ(z.error(), errc::invalid_producer_epoch);
    bytes fresh = txn_batch(1, p1, 1, 0);
    EXPECT_TRUE(log->append(fresh, leader));
}

TEST_F(transactions_test, marker_without_an_open_transaction_is_harmless) {
    auto log = open();
    ASSERT_TRUE(marker(*log, p3, control_type::abort, 3, 7));  // unknown producer
    auto e = log->producer(producer_id(p3));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->epoch, producer_epoch(3));
    EXPECT_EQ(e->coordinator_epoch, 7);
    EXPECT_TRUE(e->batches.empty());
    ASSERT_TRUE(marker(*log, p3, control_type::abort, 3, 7));  // a retry
    EXPECT_EQ(log->log_end_offset(), offset(2));
    EXPECT_TRUE(log->aborted_transactions(offset(0), offset(10)).empty());
    EXPECT_FALSE(fs::exists(txnindex(0)));
    ASSERT_TRUE(log->flush());
    EXPECT_EQ(log->last_stable_offset(), offset(2));
}

TEST_F(transactions_test, unknown_control_type_is_stored_and_ignored) {
    auto log = open();
    ASSERT_TRUE(data(*log, p1));
    bytes odd = protocol::build_marker_batch(p1, 0, control_type::abort, 0, 5);
    // Key type 5 (unknown): Kafka skips such control records.
    protocol::batch_options o;
    o.producer_id = p1;
    o.producer_epoch = 0;
    o.transactional = true;
    o.control = true;
    protocol::record rec{0, 5, bytes{0, 0, 0, 5}, bytes{0, 0, 0, 0, 0, 0}, {}};
    odd = protocol::build_batch(o, std::span(&rec, 1));
    ASSERT_TRUE(log->append(odd, leader));
    EXPECT_EQ(log->producer(producer_id(p1))->txn_first_offset, offset(0));
}

TEST_F(transactions_test, aborted_entries_record_the_lso_of_their_abort) {
    auto log = open();
    ASSERT_TRUE(data(*log, p1));                         // 0
    ASSERT_TRUE(data(*log, p2));                         // 1
    ASSERT_TRUE(marker(*log, p2, control_type::abort));  // 2: p1 still open from 0
    ASSERT_TRUE(marker(*log, p1, control_type::abort));  // 3: nothing open
    log->close();
    auto entries = format::decode_txn_index(test::read_whole_file(txnindex(0)));
    ASSERT_TRUE(entries);
    std::vector<format::txn_index_entry> expected{
        {producer_id(p2), offset(1), offset(2), offset(0)},
        {producer_id(p1), offset(0), offset(3), offset(4)},
    };
    EXPECT_EQ(*entries, expected);
}

TEST_F(transactions_test, aborted_transactions_follow_kafkas_range_rule) {
    _config.segment_bytes = 400;  // a few batches a segment
    auto log = open();
    // p1: [0 .. abort 3]; p2: [1 .. abort 6]; p3 commits [4 .. 7]; p1 again: [8 .. abort 10].
    ASSERT_TRUE(data(*log, p1));                          // 0
    ASSERT_TRUE(data(*log, p2));                          // 1
    ASSERT_TRUE(data(*log, p1));                          // 2
    ASSERT_TRUE(marker(*log, p1, control_type::abort));   // 3
    ASSERT_TRUE(data(*log, p3));                          // 4
    ASSERT_TRUE(data(*log, p2));                          // 5
    ASSERT_TRUE(marker(*log, p2, control_type::abort));   // 6
    ASSERT_TRUE(marker(*log, p3, control_type::commit));  // 7
    ASSERT_TRUE(data(*log, p1));                          // 8
    bytes plain = make_batch(1);
    ASSERT_TRUE(log->append(plain, leader));             // 9
    ASSERT_TRUE(marker(*log, p1, control_type::abort));  // 10
    ASSERT_GT(log->segment_count(), 2u);

    auto all = log->aborted_transactions(offset(0), offset(11));
    std::vector<aborted_transaction> expected{aborted(p1, 0, 3), aborted(p2, 1, 6),
                                              aborted(p1, 8, 10)};
    EXPECT_EQ(all, expected);
    // last_offset >= start
    EXPECT_EQ(log->aborted_transactions(offset(4), offset(11)),
              (std::vector<aborted_transaction>{aborted(p2, 1, 6), aborted(p1, 8, 10)}));
    EXPECT_EQ(log->aborted_transactions(offset(7), offset(11)),
              std::vector<aborted_transaction>{aborted(p1, 8, 10)});
    // first_offset < upper
    EXPECT_EQ(log->aborted_transactions(offset(0), offset(1)),
              std::vector<aborted_transaction>{aborted(p1, 0, 3)});
    EXPECT_EQ(log->aborted_transactions(offset(0), offset(8)),
              (std::vector<aborted_transaction>{aborted(p1, 0, 3), aborted(p2, 1, 6)}));
    EXPECT_EQ(log->aborted_transactions(offset(9), offset(10)),
              std::vector<aborted_transaction>{aborted(p1, 8, 10)});
    EXPECT_TRUE(log->aborted_transactions(offset(11), offset(20)).empty());
}

TEST_F(transactions_test, entry_lives_in_the_segment_of_its_marker) {
    auto log = open();
    ASSERT_TRUE(data(*log, p1, 3));  // 0-2 in segment 0
    roll_next_append();
    ASSERT_TRUE(marker(*log, p1, control_type::abort));  // 3 in segment 3
    ASSERT_EQ(log->segment_count(), 2u);
    EXPECT_FALSE(fs::exists(txnindex(0)));
    EXPECT_EQ(fs::file_size(txnindex(3)), format::txn_entry_size);
    EXPECT_EQ(log->aborted_transactions(offset(0), offset(1)),
              std::vector<aborted_transaction>{aborted(p1, 0, 3)});
    EXPECT_EQ(log->aborted_transactions(offset(3), offset(4)),
              std::vector<aborted_transaction>{aborted(p1, 0, 3)});
}

TEST_F(transactions_test, open_and_aborted_transactions_survive_a_clean_reopen) {
    auto log = open();
    ASSERT_TRUE(data(*log, p1));                         // 0
    ASSERT_TRUE(marker(*log, p1, control_type::abort));  // 1
    roll_next_append();
    ASSERT_TRUE(data(*log, p2));  // 2: open across the reopen
    ASSERT_TRUE(data(*log, p1));  // 3: open across the reopen
    log->close();
    log = open();
    EXPECT_EQ(log->producer(producer_id(p2))->txn_first_offset, offset(2));
    EXPECT_EQ(log->producer(producer_id(p1))->txn_first_offset, offset(3));
    EXPECT_EQ(log->high_watermark(), offset(4));
    EXPECT_EQ(log->last_stable_offset(), offset(2));
    EXPECT_EQ(log->aborted_transactions(offset(0), offset(4)),
              std::vector<aborted_transaction>{aborted(p1, 0, 1)});
    // The transactions go on where they were.
    ASSERT_TRUE(marker(*log, p2, control_type::abort));   // 4
    ASSERT_TRUE(marker(*log, p1, control_type::commit));  // 5
    ASSERT_TRUE(log->flush());
    EXPECT_EQ(log->last_stable_offset(), offset(6));
    EXPECT_EQ(log->aborted_transactions(offset(0), offset(6)),
              (std::vector<aborted_transaction>{aborted(p1, 0, 1), aborted(p2, 2, 4)}));
}

TEST_F(transactions_test, crash_replays_markers_and_transactional_batches) {
    auto log = open();
    ASSERT_TRUE(data(*log, p1));                         // 0
    ASSERT_TRUE(marker(*log, p1, control_type::abort));  // 1
    roll_next_append();
    ASSERT_TRUE(data(*log, p2));                         // 2: the roll snapshots p1
    ASSERT_TRUE(data(*log, p1));                         // 3
    ASSERT_TRUE(marker(*log, p1, control_type::abort));  // 4
    ASSERT_TRUE(data(*log, p3));                         // 5
    ASSERT_TRUE(log->flush());
    crash(log);  // no close snapshot: the replay covers offsets 2-5
    log = open();
    EXPECT_EQ(log->producer(producer_id(p2))->txn_first_offset, offset(2));
    EXPECT_FALSE(log->producer(producer_id(p1))->txn_first_offset);
    EXPECT_EQ(log->producer(producer_id(p3))->txn_first_offset, offset(5));
    EXPECT_EQ(log->last_stable_offset(), offset(2));
    std::vector<aborted_transaction> expected{aborted(p1, 0, 1), aborted(p1, 3, 4)};
    EXPECT_EQ(log->aborted_transactions(offset(0), offset(6)), expected);
    auto entries = format::decode_txn_index(test::read_whole_file(txnindex(2)));
    ASSERT_TRUE(entries);
    ASSERT_EQ(entries->size(), 1u);
    EXPECT_EQ((*entries)[0].last_stable_offset, offset(2));  // p2 was open
}

TEST_F(transactions_test, power_loss_forgets_an_unflushed_abort) {
    auto log = open();
    ASSERT_TRUE(data(*log, p1));  // 0
    ASSERT_TRUE(log->flush());
    ASSERT_TRUE(marker(*log, p1, control_type::abort));  // 1, never flushed
    EXPECT_EQ(log->aborted_transactions(offset(0), offset(2)).size(), 1u);
    crash(log);
    _io.drop_unsynced();
    log = open();
    EXPECT_EQ(log->log_end_offset(), offset(1));
    EXPECT_EQ(log->producer(producer_id(p1))->txn_first_offset, offset(0));
    EXPECT_TRUE(log->aborted_transactions(offset(0), offset(2)).empty());
    EXPECT_EQ(log->last_stable_offset(), offset(0));
    EXPECT_FALSE(fs::exists(txnindex(0)) && fs::file_size(txnindex(0)) > 0);
}

TEST_F(transactions_test, crash_with_an_unflushed_abort_in_the_page_cache_keeps_it) {
    auto log = open();
    ASSERT_TRUE(data(*log, p1));                         // 0
    ASSERT_TRUE(marker(*log, p1, control_type::abort));  // 1
    crash(log);  // the page cache survives: recovery keeps both batches
    log = open();
    EXPECT_EQ(log->aborted_transactions(offset(0), offset(2)),
              std::vector<aborted_transaction>{aborted(p1, 0, 1)});
    EXPECT_EQ(log->last_stable_offset(), offset(2));
    EXPECT_EQ(fs::file_size(txnindex(0)), format::txn_entry_size);
}

class damaged_txnindex_test : public transactions_test,
                              public ::testing::WithParamInterface<int> {};

TEST_P(damaged_txnindex_test, is_rebuilt_from_the_log) {
    auto log = open();
    ASSERT_TRUE(data(*log, p1));  // 0
    roll_next_append();
    ASSERT_TRUE(data(*log, p2));                          // 1 in segment 1
    ASSERT_TRUE(marker(*log, p2, control_type::abort));   // 2
    ASSERT_TRUE(data(*log, p3));                          // 3
    ASSERT_TRUE(marker(*log, p1, control_type::abort));   // 4: first offset in segment 0
    ASSERT_TRUE(marker(*log, p3, control_type::commit));  // 5
    roll_next_append();
    bytes plain = make_batch(1);
    ASSERT_TRUE(log->append(plain, leader));  // 6 in segment 6
    log->close();  // a snapshot at the log end: no replay covers segment 1
    bytes original = test::read_whole_file(txnindex(1));
    ASSERT_EQ(original.size(), 2 * format::txn_entry_size);

    bytes broken = original;
    switch (GetParam()) {
        case 0:
            broken.resize(broken.size() - 5);  // torn
            break;
        case 1:
            broken[format::txn_entry_size + 1] = 1;  // version 1
            break;
        case 2:
            broken.resize(0 + format::txn_entry_size);  // lost an entry: cannot tell; stays
            break;
        case 3:
            store_be<int64_t>(broken.data() + 18, 40);  // marker past the next segment
            break;
    }
    test::write_whole_file(txnindex(1), broken);
    log = open();
    if (GetParam() == 2) {
        // A whole missing entry looks valid; this case documents that only damage is repaired.
        EXPECT_EQ(test::read_whole_file(txnindex(1)), broken);
        return;
    }
    EXPECT_EQ(test::read_whole_file(txnindex(1)), original);
    std::vector<aborted_transaction> expected{aborted(p1, 0, 4), aborted(p2, 1, 2)};
    EXPECT_EQ(log->aborted_transactions(offset(0), offset(7)), expected);
}

INSTANTIATE_TEST_SUITE_P(cases, damaged_txnindex_test, ::testing::Values(0, 1, 2, 3));

TEST_F(transactions_test, rebuilding_one_txnindex_leaves_the_others_alone) {
    auto log = open();
    ASSERT_TRUE(data(*log, p1));                         // 0
    ASSERT_TRUE(marker(*log, p1, control_type::abort));  // 1
    roll_next_append();
    ASSERT_TRUE(data(*log, p2));                         // 2
    ASSERT_TRUE(marker(*log, p2, control_type::abort));  // 3
    roll_next_append();
    ASSERT_TRUE(data(*log, p1));                         // 4
    ASSERT_TRUE(marker(*log, p1, control_type::abort));  // 5
    log->close();
    bytes first = test::read_whole_file(txnindex(0));
    bytes second = test::read_whole_file(txnindex(2));
    test::write_whole_file(txnindex(2), bytes(7, 0xff));
    log = open();
    EXPECT_EQ(test::read_whole_file(txnindex(0)), first);
    EXPECT_EQ(test::read_whole_file(txnindex(2)), second);
    std::vector<aborted_transaction> expected{aborted(p1, 0, 1), aborted(p2, 2, 3),
                                              aborted(p1, 4, 5)};
    EXPECT_EQ(log->aborted_transactions(offset(0), offset(6)), expected);
}

TEST_F(transactions_test, entries_past_a_truncated_tail_are_dropped) {
    auto log = open();
    ASSERT_TRUE(data(*log, p1));                         // 0
    ASSERT_TRUE(marker(*log, p1, control_type::abort));  // 1
    log->close();
    // Cut the marker batch off the .log: the entry describes a marker that is gone.
    auto log_path = dir() / format::segment_file_name(offset(0), format::log_suffix);
    bytes content = test::read_whole_file(log_path);
    content.resize(content.size() - 10);
    test::write_whole_file(log_path, content);
    for (auto& e : fs::directory_iterator(dir())) {
        if (e.path().extension() == ".snapshot") fs::remove(e.path());
    }
    log = open();
    EXPECT_EQ(log->log_end_offset(), offset(1));
    EXPECT_TRUE(log->aborted_transactions(offset(0), offset(2)).empty());
    EXPECT_EQ(log->producer(producer_id(p1))->txn_first_offset, offset(0));
    EXPECT_FALSE(fs::exists(txnindex(0)));
}

TEST_F(transactions_test, failed_txnindex_write_undoes_the_marker) {
    auto log = open();
    ASSERT_TRUE(data(*log, p1));  // 0
    bytes m = protocol::build_marker_batch(p1, 0, control_type::abort, 0, 2000);
    auto size = log->size_bytes();
    _io.set_space_left(m.size() + 10);  // the .log write fits, the 34-byte entry does not
    auto r = log->append(m, leader);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::no_space);
    EXPECT_EQ(log->log_end_offset(), offset(1));
    EXPECT_EQ(log->size_bytes(), size);
    EXPECT_EQ(log->producer(producer_id(p1))->txn_first_offset, offset(0));
    EXPECT_TRUE(log->aborted_transactions(offset(0), offset(2)).empty());
    _io.set_space_left(std::nullopt);
    ASSERT_TRUE(marker(*log, p1, control_type::abort));
    EXPECT_EQ(fs::file_size(txnindex(0)), format::txn_entry_size);
    log->close();
    log = open();
    EXPECT_EQ(log->aborted_transactions(offset(0), offset(2)),
              std::vector<aborted_transaction>{aborted(p1, 0, 1)});
}

TEST_F(transactions_test, retention_deletes_the_txnindex_with_its_segment) {
    auto log = open();
    ASSERT_TRUE(data(*log, p1));                         // 0
    ASSERT_TRUE(marker(*log, p1, control_type::abort));  // 1
    roll_next_append();
    bytes plain = make_batch(1, 5000);
    ASSERT_TRUE(log->append(plain, leader));  // 2
    ASSERT_TRUE(log->flush());
    ASSERT_TRUE(fs::exists(txnindex(0)));
    auto r = log->enforce_retention(1000, -1, 3500);  // segment 0's timestamps are 1000/2000
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 1u);
    EXPECT_FALSE(fs::exists(txnindex(0)));
    EXPECT_TRUE(log->aborted_transactions(offset(0), offset(3)).empty());
}

TEST_F(transactions_test, compaction_keeps_the_txnindex) {
    _config.index_interval_bytes = 64;
    auto log = open();
    auto keyed = [](const char* value) {
        protocol::record r{0, 1000, bytes{'k'}, bytes(value, value + 1), {}};
        return protocol::build_batch({}, std::span(&r, 1));
    };
    bytes k1 = keyed("a");
    ASSERT_TRUE(log->append(k1, leader));                // 0
    ASSERT_TRUE(data(*log, p1));                         // 1
    ASSERT_TRUE(marker(*log, p1, control_type::abort));  // 2
    roll_next_append();
    bytes k2 = keyed("b");
    ASSERT_TRUE(log->append(k2, leader));  // 3: supersedes offset 0
    ASSERT_TRUE(log->flush());
    bytes before = test::read_whole_file(txnindex(0));
    auto stats = log->compact({}, 10'000);
    ASSERT_TRUE(stats);
    EXPECT_EQ(stats->segments_rewritten, 1u);
    EXPECT_EQ(test::read_whole_file(txnindex(0)), before);
    EXPECT_EQ(log->aborted_transactions(offset(0), offset(4)),
              std::vector<aborted_transaction>{aborted(p1, 1, 2)});
    log->close();
    log = open();
    EXPECT_EQ(log->aborted_transactions(offset(0), offset(4)),
              std::vector<aborted_transaction>{aborted(p1, 1, 2)});
}

TEST_F(transactions_test, producer_with_an_open_transaction_never_expires) {
    auto log = open();
    ASSERT_TRUE(data(*log, p1));
    bytes idem = make_producer_batch(1, p2, 0, 0);
    ASSERT_TRUE(log->append(idem, leader));
    EXPECT_EQ(log->remove_expired_producers(1, 1'800'000'000'000), 1u);
    EXPECT_TRUE(log->producer(producer_id(p1)));
    EXPECT_FALSE(log->producer(producer_id(p2)));
}

TEST_F(transactions_test, lso_is_never_below_the_log_start) {
    auto log = open();
    ASSERT_TRUE(data(*log, p1));  // 0: stays open
    roll_next_append();
    bytes plain = make_batch(1);
    ASSERT_TRUE(log->append(plain, leader));  // 1
    ASSERT_TRUE(log->flush());
    ASSERT_TRUE(log->delete_records_before(offset(1)));
    EXPECT_EQ(log->last_stable_offset(), offset(1));
}

// Hex bytes of the code block following `title` in `doc` (offset column and comments skipped).
bytes doc_block(const std::string& doc, const std::string& title) {
    auto at = doc.find(title);
    EXPECT_NE(at, std::string::npos) << title;
    if (at == std::string::npos) return {};
    auto block = doc.find("```\n", at);
    auto block_end = doc.find("```", block + 4);
    std::istringstream lines(doc.substr(block + 4, block_end - block - 4));
    static const std::regex hex2("^[0-9a-f]{2}$");
    bytes out;
    for (std::string l; std::getline(lines, l);) {
        std::istringstream in(l);
        std::string tok;
        in >> tok;  // offset column
        for (int n = 0; n < 16 && in >> tok && std::regex_match(tok, hex2); ++n) {
            out.push_back(static_cast<uint8_t>(std::stoi(tok, nullptr, 16)));
        }
    }
    return out;
}

TEST_F(transactions_test, worked_example_of_the_format_page_matches_the_code) {
    std::ifstream in(std::string(FJORD_SOURCE_DIR) + "/docs/formats/segment-files.md");
    ASSERT_TRUE(in);
    std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    bytes expected = doc_block(doc, "`00000000000000000000.txnindex` (68 bytes):");
    ASSERT_EQ(expected.size(), 68u);

    auto log = open();
    ASSERT_TRUE(data(*log, 7));                         // 0
    ASSERT_TRUE(data(*log, 8));                         // 1
    ASSERT_TRUE(marker(*log, 7, control_type::abort));  // 2
    ASSERT_TRUE(marker(*log, 8, control_type::abort));  // 3
    log->close();
    EXPECT_EQ(test::read_whole_file(txnindex(0)), expected);
    auto decoded = format::decode_txn_index(expected);
    ASSERT_TRUE(decoded);
    ASSERT_EQ(decoded->size(), 2u);
    EXPECT_EQ((*decoded)[0],
              (format::txn_index_entry{producer_id(7), offset(0), offset(2), offset(1)}));
}

TEST(txn_index_format, decode_rejects_damage) {
    std::vector<format::txn_index_entry> entries{
        {producer_id(1), offset(0), offset(5), offset(6)},
        {producer_id(2), offset(3), offset(9), offset(10)},
    };
    bytes good = format::encode_txn_entries(entries);
    EXPECT_EQ(format::decode_txn_index(good), entries);
    EXPECT_EQ(format::decode_txn_index({}), std::vector<format::txn_index_entry>{});
    EXPECT_FALSE(format::decode_txn_index(bytes_view(good).first(33)));
    auto with = [&](size_t pos, int64_t v) {
        bytes b = good;
        store_be<int64_t>(b.data() + pos, v);
        return format::decode_txn_index(b);
    };
    EXPECT_FALSE(with(2, -1));       // negative producer id
    EXPECT_FALSE(with(10, 6));       // first offset after last offset
    EXPECT_FALSE(with(34 + 18, 5));  // last offsets not increasing
    EXPECT_FALSE(with(26, -3));      // negative LSO
    bytes version = good;
    version[34 + 1] = 1;
    EXPECT_FALSE(format::decode_txn_index(version));
}

}  // namespace
}  // namespace fjord::storage
