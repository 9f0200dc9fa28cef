// The partition log's producer state: duplicates, refusals, snapshots at rolls and on close,
// rebuilding after a crash, damaged snapshots, retention and expiry
// (docs/formats/producer-state.md).
#include <gtest/gtest.h>

#include <fstream>

#include "storage/partition_log.h"
#include "storage/producer_snapshot.h"
#include "storage/segment_format.h"
#include "storage/tests/fault_file_io.h"
#include "storage/tests/producer_batches.h"

namespace fjord::storage {
namespace {

using model::offset;
using test::make_batch;
using test::make_producer_batch;

namespace fs = std::filesystem;

constexpr model::leader_epoch leader{1};
constexpr int64_t pid = 4000;

class log_producers_test : public ::testing::Test {
protected:
    fs::path dir() const { return _dir.path() / "t-0"; }
    std::unique_ptr<partition_log> open() {
        log_config config = _config;
        config.wall_clock = [this] { return std::chrono::milliseconds(_wall_ms); };
        auto r = partition_log::open(dir(), config, _io);
        EXPECT_TRUE(r.has_value()) << (r ? "" : describe(r.error()));
        return r ? std::move(r).value() : nullptr;
    }
    result<append_result, errc> produce(partition_log& log, int count, int32_t seq,
                                        int16_t epoch = 0, int64_t producer = pid) {
        bytes b = make_producer_batch(count, producer, epoch, seq);
        return log.append(b, leader);
    }
    std::vector<int64_t> snapshot_offsets() const {
        std::vector<int64_t> out;
        for (auto& e : fs::directory_iterator(dir())) {
            if (auto o = format::parse_snapshot_file_name(e.path().filename().string())) {
                out.push_back((*o)());
            }
        }
        std::sort(out.begin(), out.end());
        return out;
    }
    fs::path snapshot_path(int64_t o) const {
        return dir() / format::snapshot_file_name(offset(o));
    }
    // A crash: the flush on destruction fails, so nothing more reaches the disk (the page cache
    // survives, as when only the process dies).
    void crash(std::unique_ptr<partition_log>& log) {
        _io.set_fail_fsync(true);
        log.reset();
        _io.set_fail_fsync(false);
    }

    test::temp_dir _dir;
    test::fault_file_io _io;
    log_config _config;
    int64_t _wall_ms = 1'700'000'000'000;
};

TEST_F(log_producers_test, retry_answers_with_the_original_offsets_and_appends_nothing) {
    auto log = open();
    ASSERT_TRUE(produce(*log, 3, 0));
    bytes plain = make_batch(2);
    ASSERT_TRUE(log->append(plain, leader));  // someone else, offsets 3-4
    auto first = produce(*log, 2, 3);         // offsets 5-6
    ASSERT_TRUE(first);
    EXPECT_FALSE(first->duplicate);
    auto size = log->size_bytes();

    auto retry = produce(*log, 2, 3);
    ASSERT_TRUE(retry);
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->base_offset, offset(5));
    EXPECT_EQ(retry->last_offset, offset(6));
    EXPECT_EQ(retry->max_timestamp, model::timestamp(1000));
    auto older = produce(*log, 3, 0);
    ASSERT_TRUE(older);
    EXPECT_TRUE(older->duplicate);
    EXPECT_EQ(older->base_offset, offset(0));
    EXPECT_EQ(log->log_end_offset(), offset(7));
    EXPECT_EQ(log->size_bytes(), size);
}

TEST_F(log_producers_test, duplicate_of_an_unflushed_batch_is_above_the_high_watermark) {
    auto log = open();
    ASSERT_TRUE(produce(*log, 1, 0));
    ASSERT_TRUE(log->flush());
    ASSERT_TRUE(produce(*log, 1, 1));
    auto retry = produce(*log, 1, 1);
    ASSERT_TRUE(retry);
    EXPECT_TRUE(retry->duplicate);
    // The caller must wait for durability as it did for the original.
    EXPECT_GE(retry->last_offset, log->high_watermark());
}

TEST_F(log_producers_test, gap_and_stale_epoch_append_nothing) {
    auto log = open();
    ASSERT_TRUE(produce(*log, 1, 0, /*epoch=*/2));
    auto gap = produce(*log, 1, 5, 2);
    ASSERT_FALSE(gap);
    EXPECT_EQ(gap.error(), errc::out_of_order_sequence);
    auto stale = produce(*log, 1, 1, 1);
    ASSERT_FALSE(stale);
    EXPECT_EQ(stale.error(), errc::invalid_producer_epoch);
    EXPECT_EQ(log->log_end_offset(), offset(1));
    auto fenced_by = produce(*log, 1, 0, 3);  // a bumped epoch starts over at 0
    ASSERT_TRUE(fenced_by);
    EXPECT_FALSE(fenced_by->duplicate);
    auto zombie = produce(*log, 1, 1, 2);
    ASSERT_FALSE(zombie);
    EXPECT_EQ(zombie.error(), errc::invalid_producer_epoch);
}

TEST_F(log_producers_test, one_append_may_carry_consecutive_batches_of_a_producer) {
    auto log = open();
    bytes set = test::concat({make_producer_batch(2, pid, 0, 0), make_producer_batch(1, pid, 0, 2),
                              make_producer_batch(1, pid + 1, 0, 9)});
    auto r = log->append(set, leader);
    ASSERT_TRUE(r);
    EXPECT_EQ(log->producer(producer_id(pid))->last_sequence(), 2);
    EXPECT_EQ(log->producer(producer_id(pid))->batches.size(), 2u);
    // A set whose second batch skips a sequence is refused whole.
    bytes bad =
        test::concat({make_producer_batch(1, pid, 0, 3), make_producer_batch(1, pid, 0, 5)});
    auto refused = log->append(bad, leader);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error(), errc::out_of_order_sequence);
    EXPECT_EQ(log->producer(producer_id(pid))->last_sequence(), 2);
    EXPECT_EQ(log->log_end_offset(), offset(4));
}

TEST_F(log_producers_test, failed_write_leaves_the_state_unchanged) {
    auto log = open();
    ASSERT_TRUE(produce(*log, 1, 0));
    _io.set_space_left(10);
    ASSERT_FALSE(produce(*log, 1, 1));
    _io.set_space_left(std::nullopt);
    EXPECT_EQ(log->producer(producer_id(pid))->last_sequence(), 0);
    auto again = produce(*log, 1, 1);
    ASSERT_TRUE(again);
    EXPECT_FALSE(again->duplicate);
}

TEST_F(log_producers_test, clean_close_leaves_a_snapshot_at_the_log_end) {
    {
        auto log = open();
        ASSERT_TRUE(produce(*log, 2, 0));
        ASSERT_TRUE(produce(*log, 2, 2));
        log->close();
    }
    EXPECT_EQ(snapshot_offsets(), (std::vector<int64_t>{4}));
    auto log = open();
    auto retry = produce(*log, 2, 2);
    ASSERT_TRUE(retry);
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->base_offset, offset(2));
    EXPECT_EQ(log->producer(producer_id(pid))->last_append_ms, _wall_ms);
    // Nothing appended since: closing again writes no new snapshot.
    log->close();
    EXPECT_EQ(snapshot_offsets(), (std::vector<int64_t>{4}));
}

TEST_F(log_producers_test, empty_log_writes_no_snapshot) {
    auto log = open();
    log->close();
    EXPECT_TRUE(snapshot_offsets().empty());
}

TEST_F(log_producers_test, rolls_take_snapshots_and_only_the_newest_three_stay) {
    _config.segment_bytes = 200;  // two 78-byte batches per segment
    auto log = open();
    for (int i = 0; i < 12; ++i) ASSERT_TRUE(produce(*log, 1, i));
    ASSERT_TRUE(log->flush());
    EXPECT_EQ(log->segment_count(), 6u);
    EXPECT_EQ(snapshot_offsets(), (std::vector<int64_t>{6, 8, 10}));
    auto data = test::read_whole_file(snapshot_path(8));
    auto decoded = format::decode_producer_snapshot(data);
    ASSERT_EQ(decoded.status, format::snapshot_status::ok);
    EXPECT_EQ(decoded.state.find(producer_id(pid))->last_sequence(), 7);
}

TEST_F(log_producers_test, durability_is_reported_before_the_snapshot_is_written) {
    _config.segment_bytes = 200;
    auto log = open();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(produce(*log, 1, i));  // roll at 2
    std::optional<offset> reported;
    std::vector<int64_t> snapshots_then{-1};
    auto hw = log->flush([&](offset durable) {
        reported = durable;
        snapshots_then = snapshot_offsets();
    });
    ASSERT_TRUE(hw);
    EXPECT_EQ(reported, offset(3));
    EXPECT_TRUE(snapshots_then.empty());
    EXPECT_EQ(snapshot_offsets(), (std::vector<int64_t>{2}));
}

TEST_F(log_producers_test, crash_rebuilds_the_state_from_the_last_snapshot_and_the_log) {
    _config.segment_bytes = 200;
    auto log = open();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(produce(*log, 1, i));  // roll at 2 and 4
    ASSERT_TRUE(log->flush());
    ASSERT_TRUE(produce(*log, 1, 5, 0, pid + 1));  // after the last snapshot
    crash(log);
    EXPECT_EQ(snapshot_offsets(), (std::vector<int64_t>{2, 4}));
    _wall_ms += 1000;
    log = open();
    EXPECT_EQ(log->producer_count(), 2u);
    auto retry = produce(*log, 1, 4);
    ASSERT_TRUE(retry);
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->base_offset, offset(4));
    auto other = produce(*log, 1, 5, 0, pid + 1);
    ASSERT_TRUE(other);
    EXPECT_TRUE(other->duplicate);
    // Replayed batches stand in their timestamp for the append time.
    EXPECT_EQ(log->producer(producer_id(pid + 1))->last_append_ms, 1000);
}

TEST_F(log_producers_test, long_segment_takes_snapshots_between_rolls) {
    _config.snapshot_interval_bytes = 200;  // after every third 78-byte batch
    auto log = open();
    for (int i = 0; i < 8; ++i) ASSERT_TRUE(produce(*log, 1, i));
    ASSERT_TRUE(log->flush());
    EXPECT_EQ(log->segment_count(), 1u);
    EXPECT_EQ(snapshot_offsets(), (std::vector<int64_t>{3, 6}));
    auto decoded = format::decode_producer_snapshot(test::read_whole_file(snapshot_path(6)));
    ASSERT_EQ(decoded.status, format::snapshot_status::ok);
    EXPECT_EQ(decoded.state.find(producer_id(pid))->last_sequence(), 5);
}

TEST_F(log_producers_test, crash_replays_only_what_follows_the_newest_snapshot) {
    _config.snapshot_interval_bytes = 200;
    _config.index_interval_bytes = 100;  // the replay starts at the index entry before 39
    auto log = open();
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(produce(*log, 1, i));
    ASSERT_TRUE(log->flush());
    crash(log);
    EXPECT_EQ(snapshot_offsets(), (std::vector<int64_t>{33, 36, 39}));
    uint64_t before = _io.bytes_read();
    log = open();
    uint64_t with_snapshot = _io.bytes_read() - before;
    // The last five batches (sequences 35-39): four from the snapshot, one replayed.
    auto retry = produce(*log, 1, 35);
    ASSERT_TRUE(retry);
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->base_offset, offset(35));
    retry = produce(*log, 1, 39);
    ASSERT_TRUE(retry);
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->base_offset, offset(39));
    EXPECT_FALSE(produce(*log, 1, 34).has_value());  // older than the last five
    crash(log);

    for (int64_t o : snapshot_offsets()) fs::remove(snapshot_path(o));
    before = _io.bytes_read();
    log = open();
    uint64_t without = _io.bytes_read() - before;
    // Both opens read the same indexes and re-validate the same tail; the replay reads a
    // batch or two instead of forty.
    EXPECT_LT(with_snapshot + 30 * 78, without);
    EXPECT_EQ(log->producer(producer_id(pid))->last_sequence(), 39);
}

TEST_F(log_producers_test, reopening_counts_the_replayed_bytes_towards_the_next_snapshot) {
    _config.snapshot_interval_bytes = 200;
    _config.index_interval_bytes = 1;  // the replay starts exactly at the snapshot's batch
    auto log = open();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(produce(*log, 1, i));  // snapshot at 3
    ASSERT_TRUE(log->flush());
    crash(log);  // 2 batches after the snapshot
    log = open();
    ASSERT_TRUE(produce(*log, 1, 5));  // the third: 234 bytes since the snapshot
    ASSERT_TRUE(log->flush());
    EXPECT_EQ(snapshot_offsets(), (std::vector<int64_t>{3, 6}));
}

TEST_F(log_producers_test, power_loss_forgets_batches_that_never_reached_the_disk) {
    auto log = open();
    ASSERT_TRUE(produce(*log, 1, 0));
    ASSERT_TRUE(log->flush());
    ASSERT_TRUE(produce(*log, 1, 1));  // never fsynced
    crash(log);
    _io.drop_unsynced();
    log = open();
    EXPECT_EQ(log->log_end_offset(), offset(1));
    // The lost batch is not a duplicate: its retry is appended again.
    auto retry = produce(*log, 1, 1);
    ASSERT_TRUE(retry);
    EXPECT_FALSE(retry->duplicate);
    EXPECT_EQ(retry->base_offset, offset(1));
}

TEST_F(log_producers_test, snapshot_past_the_log_end_is_deleted) {
    {
        auto log = open();
        ASSERT_TRUE(produce(*log, 1, 0));
        ASSERT_TRUE(produce(*log, 1, 1));
        log->close();  // snapshot at 2
    }
    // The log lost its last batch (say, a torn write): the snapshot remembers too much.
    auto log_file = dir() / format::segment_file_name(offset(0), format::log_suffix);
    fs::resize_file(log_file, fs::file_size(log_file) - 1);
    auto log = open();
    EXPECT_EQ(log->log_end_offset(), offset(1));
    EXPECT_TRUE(snapshot_offsets().empty());
    auto retry = produce(*log, 1, 1);
    ASSERT_TRUE(retry);
    EXPECT_FALSE(retry->duplicate);
}

TEST_F(log_producers_test, damaged_snapshot_falls_back_to_an_older_one) {
    _config.segment_bytes = 200;
    {
        auto log = open();
        for (int i = 0; i < 5; ++i) ASSERT_TRUE(produce(*log, 1, i));
        log->close();  // snapshots at 2, 4 (rolls) and 5 (close)
    }
    ASSERT_EQ(snapshot_offsets(), (std::vector<int64_t>{2, 4, 5}));
    auto data = test::read_whole_file(snapshot_path(5));
    data[25] ^= 1;
    test::write_whole_file(snapshot_path(5), data);
    auto log = open();
    EXPECT_EQ(snapshot_offsets(), (std::vector<int64_t>{2, 4}));
    auto retry = produce(*log, 1, 4);
    ASSERT_TRUE(retry);
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->base_offset, offset(4));
}

TEST_F(log_producers_test, no_usable_snapshot_means_a_full_scan) {
    _config.segment_bytes = 200;
    {
        auto log = open();
        for (int i = 0; i < 5; ++i) ASSERT_TRUE(produce(*log, 1, i));
        log->close();
    }
    for (int64_t o : snapshot_offsets()) test::write_whole_file(snapshot_path(o), bytes{1, 2, 3});
    auto log = open();
    EXPECT_TRUE(snapshot_offsets().empty());
    auto entry = log->producer(producer_id(pid));
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->batches.size(), 5u);
    EXPECT_EQ(entry->batches.front().base_offset, offset(0));
}

TEST_F(log_producers_test, retention_deletes_snapshots_with_their_segments_but_keeps_producers) {
    _config.segment_bytes = 200;
    auto log = open();
    for (int i = 0; i < 7; ++i) ASSERT_TRUE(produce(*log, 1, i));  // segments 0, 2, 4, 6
    ASSERT_TRUE(log->flush());
    ASSERT_EQ(snapshot_offsets(), (std::vector<int64_t>{2, 4, 6}));
    auto deleted = log->delete_records_before(offset(5));
    ASSERT_TRUE(deleted);
    EXPECT_EQ(log->segment_count(), 2u);
    EXPECT_EQ(snapshot_offsets(), (std::vector<int64_t>{4, 6}));
    // The producer is still known, even for batches whose records are gone.
    auto retry = produce(*log, 1, 3);
    ASSERT_TRUE(retry);
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->base_offset, offset(3));
    log->close();
    log = open();
    EXPECT_EQ(log->producer(producer_id(pid))->last_sequence(), 6);
}

TEST_F(log_producers_test, idle_producers_expire) {
    auto log = open();
    ASSERT_TRUE(produce(*log, 1, 0, 0, pid));
    _wall_ms += 60'000;
    ASSERT_TRUE(produce(*log, 1, 0, 0, pid + 1));
    EXPECT_EQ(log->remove_expired_producers(60'000, _wall_ms), 1u);
    EXPECT_FALSE(log->producer(producer_id(pid)));
    EXPECT_TRUE(log->producer(producer_id(pid + 1)));
    // Unknown again: any sequence is accepted (KIP-360).
    auto r = produce(*log, 1, 17, 0, pid);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->duplicate);
}

TEST_F(log_producers_test, control_and_plain_batches_skip_the_producer_state) {
    auto log = open();
    bytes plain = make_batch(3);
    ASSERT_TRUE(log->append(plain, leader));
    bytes control = make_producer_batch(1, pid, 0, -1);
    store_be<int16_t>(control.data() + 21, 0x20 | 0x10);  // control, transactional
    store_be<uint32_t>(control.data() + 17, crc32c(bytes_view(control).subspan(21)));
    ASSERT_TRUE(log->append(control, leader));
    EXPECT_EQ(log->producer_count(), 0u);
}

}  // namespace
}  // namespace fjord::storage
