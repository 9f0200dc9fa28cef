// Disk full, failing fsyncs and power loss, through the fault_file_io seam.
#include <gtest/gtest.h>

#include "storage/partition_log.h"
#include "storage/segment_format.h"
#include "storage/tests/fault_file_io.h"
#include "storage/tests/producer_batches.h"
#include "storage/tests/test_batches.h"

namespace fjord::storage {
namespace {

using model::offset;
using test::make_batch;

namespace fs = std::filesystem;

class fault_test : public ::testing::Test {
protected:
    fs::path dir() const { return _dir.path() / "f-0"; }
    std::unique_ptr<partition_log> open() {
        auto r = partition_log::open(dir(), _config, _io);
        EXPECT_TRUE(r.has_value());
        return r ? std::move(r).value() : nullptr;
    }
    result<append_result, errc> append(partition_log& log, bytes b) {
        return log.append(b, model::leader_epoch(3));
    }
    // The process dies: nothing more reaches the disk, then the power goes and the disk keeps
    // only what was fsynced.
    void crash_and_lose_unsynced(std::unique_ptr<partition_log>& log) {
        _io.set_fail_fsync(true);
        log.reset();
        _io.set_fail_fsync(false);
        _io.drop_unsynced();
    }

    test::temp_dir _dir;
    test::fault_file_io _io;
    log_config _config;
};

TEST_F(fault_test, enospc_mid_write_truncates_the_partial_batch) {
    auto log = open();
    bytes first = make_batch(2);
    ASSERT_TRUE(log->append(first, model::leader_epoch(3)));
    auto size = fs::file_size(dir() / "00000000000000000000.log");

    _io.set_space_left(30);  // the next batch lands partly
    auto r = append(*log, make_batch(3));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::no_space);
    EXPECT_EQ(fs::file_size(dir() / "00000000000000000000.log"), size);
    EXPECT_EQ(log->log_end_offset(), offset(2));
    EXPECT_EQ(log->size_bytes(), size);

    // Space comes back: the next append takes the same offsets, on a clean boundary.
    _io.set_space_left(std::nullopt);
    bytes again = make_batch(3);
    auto ok = log->append(again, model::leader_epoch(3));
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->base_offset, offset(2));
    ASSERT_TRUE(log->flush());
    auto read = log->read(offset(0), 1 << 20, log->high_watermark(), true);
    ASSERT_TRUE(read);
    EXPECT_EQ(bytes(read->data.view.begin(), read->data.view.end()), test::concat({first, again}));

    log->close();
    log = open();
    EXPECT_EQ(log->log_end_offset(), offset(5));
}

TEST_F(fault_test, enospc_on_empty_disk_leaves_the_log_empty_and_usable) {
    auto log = open();
    _io.set_space_left(0);
    EXPECT_EQ(append(*log, make_batch(1)).error(), errc::no_space);
    EXPECT_EQ(log->log_end_offset(), offset(0));
    EXPECT_FALSE(log->has_unflushed_data());
    _io.set_space_left(std::nullopt);
    EXPECT_TRUE(append(*log, make_batch(1)));
}

TEST_F(fault_test, enospc_writing_indexes_does_not_hold_back_durable_data_and_is_retried) {
    _config.index_interval_bytes = 1;
    _config.index_write_interval_bytes = 0;  // the active segment's entries at every flush
    auto log = open();
    ASSERT_TRUE(append(*log, make_batch(1)));
    ASSERT_TRUE(append(*log, make_batch(1)));  // indexed
    _io.set_space_left(0);                     // the .log is written; its index is not
    std::optional<offset> seen;
    auto hw = log->flush([&](offset durable) { seen = durable; });
    ASSERT_TRUE(hw);
    EXPECT_EQ(*hw, offset(2));
    EXPECT_EQ(seen, offset(2));
    EXPECT_EQ(fs::file_size(dir() / "00000000000000000000.index"), 0u);
    _io.set_space_left(std::nullopt);
    hw = log->flush();
    ASSERT_TRUE(hw);
    EXPECT_EQ(*hw, offset(2));
    EXPECT_EQ(fs::file_size(dir() / "00000000000000000000.index"), format::offset_entry_size);
}

// The checkpoint lets recovery skip the sealed segments, so it moves only once their indexes are
// durable: not in a flush whose index writes failed, but in the next one, which retries them.
TEST_F(fault_test, index_failure_after_a_roll_leaves_the_checkpoint_to_the_next_flush) {
    _config.segment_bytes = 200;
    _config.index_interval_bytes = 1;
    auto log = open();
    auto recovery_point = [&] {
        auto d = format::decode_checkpoint(test::read_whole_file(dir() / "partition.checkpoint"));
        EXPECT_EQ(d.status, format::checkpoint_status::ok);
        return d.value.recovery_point;
    };
    ASSERT_TRUE(append(*log, make_batch(2)));
    ASSERT_TRUE(log->flush());
    EXPECT_EQ(recovery_point(), offset(0));
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(append(*log, make_batch(2)));
    ASSERT_GT(log->segment_count(), 1u);
    _io.set_space_left(0);
    auto hw = log->flush();
    ASSERT_TRUE(hw);
    EXPECT_EQ(*hw, offset(8));
    EXPECT_EQ(recovery_point(), offset(0));
    _io.set_space_left(std::nullopt);
    ASSERT_TRUE(log->flush());
    EXPECT_GT(recovery_point(), offset(0));
}

TEST_F(fault_test, failed_fsync_refuses_further_writes_until_reopened) {
    auto log = open();
    ASSERT_TRUE(append(*log, make_batch(2)));
    _io.set_fail_fsync(true);
    auto r = log->flush();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::io_error);
    EXPECT_EQ(log->high_watermark(), offset(0));
    _io.set_fail_fsync(false);
    // The kernel may have dropped the dirty pages: no more appends or flushes on this instance.
    EXPECT_EQ(append(*log, make_batch(1)).error(), errc::io_error);
    EXPECT_EQ(log->flush().error(), errc::io_error);
    log.reset();
    log = open();  // recovery decides what is on disk
    EXPECT_EQ(log->log_end_offset(), offset(2));
    EXPECT_EQ(log->high_watermark(), offset(2));
}

TEST_F(fault_test, power_loss_keeps_everything_below_the_high_watermark) {
    auto log = open();
    bytes durable = make_batch(3);
    ASSERT_TRUE(log->append(durable, model::leader_epoch(3)));
    auto hw = log->flush();
    ASSERT_TRUE(hw);
    ASSERT_EQ(*hw, offset(3));
    ASSERT_TRUE(append(*log, make_batch(4)));  // never flushed
    ASSERT_TRUE(append(*log, make_batch(1)));

    crash_and_lose_unsynced(log);
    log = open();
    EXPECT_EQ(log->log_end_offset(), offset(3));
    EXPECT_EQ(log->high_watermark(), offset(3));
    auto read = log->read(offset(0), 1 << 20, log->high_watermark(), true);
    ASSERT_TRUE(read);
    EXPECT_EQ(bytes(read->data.view.begin(), read->data.view.end()), durable);
    // The log continues from what survived.
    auto next = append(*log, make_batch(1));
    ASSERT_TRUE(next);
    EXPECT_EQ(next->base_offset, offset(3));
}

TEST_F(fault_test, power_loss_after_a_roll_keeps_the_flushed_prefix) {
    _config.segment_bytes = 200;  // two 91-byte batches per segment
    auto log = open();
    ASSERT_TRUE(append(*log, make_batch(2)));
    ASSERT_TRUE(log->flush());
    // Fill the segment and roll twice without a flush: the sealed segment's tail and the new
    // segment files are all unsynced.
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(append(*log, make_batch(2)));
    ASSERT_EQ(log->segment_count(), 3u);

    crash_and_lose_unsynced(log);
    log = open();
    EXPECT_EQ(log->log_end_offset(), offset(2));
    EXPECT_EQ(log->segment_count(), 1u);
}

TEST_F(fault_test, power_loss_after_flushed_roll_keeps_all_segments) {
    _config.segment_bytes = 200;
    _config.index_interval_bytes = 1;
    auto log = open();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(append(*log, make_batch(2)));
    ASSERT_TRUE(log->flush());
    ASSERT_TRUE(append(*log, make_batch(2)));  // lost
    crash_and_lose_unsynced(log);
    log = open();
    EXPECT_EQ(log->log_end_offset(), offset(10));
    EXPECT_EQ(log->segment_count(), 3u);
    for (int64_t o = 0; o < 10; ++o) {
        auto r = log->read(offset(o), 1, log->high_watermark(), true);
        ASSERT_TRUE(r);
        EXPECT_EQ(test::base_offset_of(r->data.view), o - o % 2);
    }
}

// The active segment's indexes are written but not fsynced by a flush (only its data is):
// after a power loss recovery rebuilds them from the data, which was durable.
TEST_F(fault_test, flush_fsyncs_only_the_data_of_the_active_segment) {
    _config.index_interval_bytes = 1;
    auto log = open();
    ASSERT_TRUE(append(*log, make_batch(2)));
    ASSERT_TRUE(log->flush());
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(append(*log, make_batch(2)));
    uint64_t before = _io.fsync_count();
    ASSERT_TRUE(log->flush());
    EXPECT_EQ(_io.fsync_count() - before, 1u);

    crash_and_lose_unsynced(log);
    log = open();
    EXPECT_EQ(log->log_end_offset(), offset(10));
    for (int64_t o = 0; o < 10; ++o) {
        auto r = log->read(offset(o), 1, log->high_watermark(), true);
        ASSERT_TRUE(r);
        EXPECT_EQ(test::base_offset_of(r->data.view), o - o % 2);
    }
}

}  // namespace
}  // namespace fjord::storage
