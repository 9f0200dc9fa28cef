// Retention (time, size), DeleteRecords and the log start offset.
#include <gtest/gtest.h>

#include "storage/partition_log.h"
#include "storage/segment_format.h"
#include "storage/tests/fault_file_io.h"
#include "storage/tests/test_batches.h"

namespace fjord::storage {
namespace {

using model::offset;
using test::make_batch;

constexpr model::leader_epoch epoch{1};
constexpr int64_t off = -1;  // retention setting disabled

class retention_test : public ::testing::Test {
protected:
    std::filesystem::path dir() const { return _dir.path() / "t-0"; }
    // Every single-record batch below fills a segment of its own.
    log_config small_segments() {
        log_config c;
        c.segment_bytes = 100;
        return c;
    }
    std::unique_ptr<partition_log> open(log_config config) {
        config.clock = [this] { return _now; };
        auto r = partition_log::open(dir(), std::move(config), _io);
        EXPECT_TRUE(r.has_value());
        return r ? std::move(r).value() : nullptr;
    }
    // One single-record batch per timestamp, then a flush (retention only deletes below the
    // high watermark).
    void append_each(partition_log& log, const std::vector<int64_t>& timestamps) {
        for (int64_t ts : timestamps) {
            bytes b = make_batch(1, ts, 20);
            ASSERT_TRUE(log.append(b, epoch));
        }
        ASSERT_TRUE(log.flush());
    }
    bool segment_file_exists(int64_t base) const {
        return std::filesystem::exists(dir() / format::segment_file_name(offset(base), ".log"));
    }

    test::temp_dir _dir;
    test::fault_file_io _io;
    std::chrono::milliseconds _now{1'000'000};
};

TEST_F(retention_test, time_retention_deletes_segments_older_than_the_limit) {
    auto log = open(small_segments());
    append_each(*log, {1000, 2000, 3000, 4000});
    ASSERT_EQ(log->segment_count(), 4u);
    // Horizon 4000 - 1500 = 2500: the segments whose largest timestamp is 1000 and 2000 go.
    auto r = log->enforce_retention(1500, off, 4000);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 2u);
    EXPECT_EQ(log->segment_count(), 2u);
    EXPECT_EQ(log->log_start_offset(), offset(2));
    EXPECT_FALSE(segment_file_exists(0));
    EXPECT_FALSE(segment_file_exists(1));
    EXPECT_TRUE(segment_file_exists(2));
}

TEST_F(retention_test, time_retention_stops_at_the_first_segment_within_the_limit) {
    auto log = open(small_segments());
    append_each(*log, {1000, 9000, 1000, 9500});
    auto r = log->enforce_retention(1000, off, 9600);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 1u);  // the third segment is old too, but the second stops the walk
    EXPECT_EQ(log->log_start_offset(), offset(1));
}

TEST_F(retention_test, size_retention_keeps_at_least_retention_bytes) {
    auto log = open(small_segments());
    append_each(*log, {1, 2, 3, 4, 5});
    uint64_t one = log->size_bytes() / 5;
    // 5 segments of `one` bytes; keeping >= 2 * one + 1 bytes leaves three segments.
    auto r = log->enforce_retention(off, static_cast<int64_t>(2 * one + 1), 0);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 2u);
    EXPECT_EQ(log->size_bytes(), 3 * one);
    EXPECT_EQ(log->log_start_offset(), offset(2));
    // Exactly the limit: one more segment may go.
    r = log->enforce_retention(off, static_cast<int64_t>(2 * one), 0);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 1u);
    EXPECT_EQ(log->size_bytes(), 2 * one);
}

TEST_F(retention_test, disabled_settings_delete_nothing) {
    auto log = open(small_segments());
    append_each(*log, {1, 2, 3});
    auto r = log->enforce_retention(off, off, 1'000'000'000);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 0u);
    EXPECT_EQ(log->segment_count(), 3u);
}

TEST_F(retention_test, never_deletes_the_active_segment) {
    auto log = open(small_segments());
    append_each(*log, {1, 2, 3});
    // Size 0 would want everything gone; the active segment (not expired) stays.
    auto r = log->enforce_retention(off, 0, 0);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 2u);
    EXPECT_EQ(log->segment_count(), 1u);
    EXPECT_EQ(log->log_start_offset(), offset(2));
    EXPECT_EQ(log->log_end_offset(), offset(3));
    auto read = log->read(offset(2), 1 << 20, log->high_watermark(), true);
    ASSERT_TRUE(read);
    EXPECT_FALSE(read->data.view.empty());
}

TEST_F(retention_test, rolls_and_deletes_an_expired_active_segment) {
    auto log = open({});
    append_each(*log, {1000, 1001});
    ASSERT_EQ(log->segment_count(), 1u);
    auto r = log->enforce_retention(500, off, 2000);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 1u);
    EXPECT_EQ(log->segment_count(), 1u);
    EXPECT_EQ(log->log_start_offset(), offset(2));
    EXPECT_EQ(log->log_end_offset(), offset(2));
    EXPECT_EQ(log->size_bytes(), 0u);
    EXPECT_FALSE(segment_file_exists(0));
    EXPECT_TRUE(segment_file_exists(2));
    bytes b = make_batch(1, 3000);
    auto a = log->append(b, epoch);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->base_offset, offset(2));
}

TEST_F(retention_test, an_active_segment_within_the_limit_is_not_rolled) {
    auto log = open({});
    append_each(*log, {1000, 1900});
    auto r = log->enforce_retention(500, off, 2000);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 0u);
    EXPECT_EQ(log->segment_count(), 1u);
    EXPECT_EQ(log->log_start_offset(), offset(0));
}

TEST_F(retention_test, expired_active_segment_above_the_high_watermark_is_rolled_not_deleted) {
    auto log = open({});
    bytes b = make_batch(1, 1000);
    ASSERT_TRUE(log->append(b, epoch));  // not flushed
    auto r = log->enforce_retention(500, off, 2000);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 0u);
    EXPECT_EQ(log->segment_count(), 2u);
    ASSERT_TRUE(log->flush());
    r = log->enforce_retention(500, off, 2000);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 1u);
    EXPECT_EQ(log->log_start_offset(), offset(1));
}

TEST_F(retention_test, never_deletes_above_the_high_watermark) {
    auto log = open(small_segments());
    for (int64_t ts : {1, 2, 3}) {
        bytes b = make_batch(1, ts, 20);
        ASSERT_TRUE(log->append(b, epoch));
    }
    EXPECT_EQ(log->high_watermark(), offset(0));
    auto r = log->enforce_retention(off, 0, 0);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 0u);
    EXPECT_EQ(log->log_start_offset(), offset(0));
}

TEST_F(retention_test, log_start_survives_reopen) {
    {
        auto log = open(small_segments());
        append_each(*log, {1, 2, 3, 4});
        ASSERT_TRUE(log->enforce_retention(off, 0, 0));
        EXPECT_EQ(log->log_start_offset(), offset(3));
    }
    auto log = open(small_segments());
    EXPECT_EQ(log->log_start_offset(), offset(3));
    EXPECT_EQ(log->log_end_offset(), offset(4));
    EXPECT_EQ(log->segment_count(), 1u);
}

TEST_F(retention_test, reads_below_the_log_start_are_out_of_range) {
    auto log = open(small_segments());
    append_each(*log, {1, 2, 3});
    ASSERT_TRUE(log->enforce_retention(off, 0, 0));
    auto r = log->read(offset(1), 1 << 20, log->high_watermark(), true);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::offset_out_of_range);
    EXPECT_TRUE(log->read(offset(2), 1 << 20, log->high_watermark(), true));
}

TEST_F(retention_test, delete_records_mid_segment_moves_the_start_and_keeps_the_segment) {
    auto log = open({});
    bytes b = make_batch(5, 1000);
    ASSERT_TRUE(log->append(b, epoch));
    ASSERT_TRUE(log->flush());
    auto r = log->delete_records_before(offset(3));
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, offset(3));
    EXPECT_EQ(log->log_start_offset(), offset(3));
    EXPECT_EQ(log->segment_count(), 1u);
    EXPECT_TRUE(segment_file_exists(0));
    auto below = log->read(offset(2), 1 << 20, log->high_watermark(), true);
    ASSERT_FALSE(below);
    EXPECT_EQ(below.error(), errc::offset_out_of_range);
    // The batch holding offset 3 is returned whole, as Kafka does; consumers skip offsets 0-2.
    auto at = log->read(offset(3), 1 << 20, log->high_watermark(), true);
    ASSERT_TRUE(at);
    EXPECT_EQ(test::base_offsets(at->data.view), std::vector<int64_t>{0});
}

TEST_F(retention_test, delete_records_deletes_whole_segments_below_the_offset) {
    auto log = open(small_segments());
    append_each(*log, {1, 2, 3, 4});
    auto r = log->delete_records_before(offset(2));
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, offset(2));
    EXPECT_EQ(log->segment_count(), 2u);
    EXPECT_FALSE(segment_file_exists(0));
    EXPECT_FALSE(segment_file_exists(1));
    EXPECT_TRUE(segment_file_exists(2));
}

TEST_F(retention_test, delete_records_up_to_the_high_watermark_keeps_the_active_segment) {
    auto log = open(small_segments());
    append_each(*log, {1, 2, 3});
    auto r = log->delete_records_before(offset(3));
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, offset(3));
    EXPECT_EQ(log->segment_count(), 1u);  // the active one, now entirely below the start
    EXPECT_EQ(log->log_end_offset(), offset(3));
    auto read = log->read(offset(3), 1 << 20, log->high_watermark(), true);
    ASSERT_TRUE(read);
    EXPECT_TRUE(read->data.view.empty());
}

TEST_F(retention_test, delete_records_above_the_high_watermark_is_out_of_range) {
    auto log = open({});
    bytes b = make_batch(3, 1000);
    ASSERT_TRUE(log->append(b, epoch));  // not flushed: high watermark 0
    auto r = log->delete_records_before(offset(1));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::offset_out_of_range);
    EXPECT_EQ(log->log_start_offset(), offset(0));
}

TEST_F(retention_test, delete_records_below_the_start_changes_nothing) {
    auto log = open({});
    bytes b = make_batch(5, 1000);
    ASSERT_TRUE(log->append(b, epoch));
    ASSERT_TRUE(log->flush());
    ASSERT_TRUE(log->delete_records_before(offset(3)));
    auto r = log->delete_records_before(offset(1));
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, offset(3));
}

TEST_F(retention_test, delete_records_start_survives_reopen) {
    {
        auto log = open({});
        bytes b = make_batch(5, 1000);
        ASSERT_TRUE(log->append(b, epoch));
        ASSERT_TRUE(log->flush());
        ASSERT_TRUE(log->delete_records_before(offset(4)));
    }
    auto log = open({});
    EXPECT_EQ(log->log_start_offset(), offset(4));
    auto r = log->read(offset(3), 1 << 20, log->high_watermark(), true);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::offset_out_of_range);
}

TEST_F(retention_test, retention_removes_segments_left_below_the_log_start) {
    namespace fs = std::filesystem;
    fs::path saved = _dir.path() / "saved";
    fs::create_directories(saved);
    {
        auto log = open(small_segments());
        append_each(*log, {1, 2, 3, 4});
        for (auto suffix : {".log", ".index", ".timeindex"}) {
            for (int64_t base : {0, 1}) {
                auto name = format::segment_file_name(offset(base), suffix);
                fs::copy_file(dir() / name, saved / name);
            }
        }
        ASSERT_TRUE(log->delete_records_before(offset(2)));
    }
    // As if the unlinks had been lost while the checkpoint was written.
    for (auto& e : fs::directory_iterator(saved))
        fs::copy_file(e.path(), dir() / e.path().filename());
    auto log = open(small_segments());
    EXPECT_EQ(log->log_start_offset(), offset(2));
    EXPECT_EQ(log->segment_count(), 4u);
    auto r = log->enforce_retention(off, off, 0);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 2u);
    EXPECT_EQ(log->segment_count(), 2u);
    EXPECT_FALSE(segment_file_exists(0));
}

TEST_F(retention_test, timestamp_lookup_never_answers_below_the_log_start) {
    auto log = open({});
    bytes b = make_batch(std::vector<int64_t>{100, 200, 300, 400});
    ASSERT_TRUE(log->append(b, epoch));
    ASSERT_TRUE(log->flush());
    ASSERT_TRUE(log->delete_records_before(offset(2)));
    auto r = log->find_offset_by_timestamp(model::timestamp(150));
    ASSERT_TRUE(r);
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ((*r)->offset, offset(2));
}

TEST_F(retention_test, update_config_takes_effect_at_the_next_roll_decision) {
    auto log = open({});
    append_each(*log, {1, 2});
    EXPECT_EQ(log->segment_count(), 1u);
    log->update_config(small_segments());
    append_each(*log, {3});
    EXPECT_EQ(log->segment_count(), 2u);
    append_each(*log, {4});
    EXPECT_EQ(log->segment_count(), 3u);
    // The clock stays the one given at open: segment.ms measured with it.
    log_config by_time;
    by_time.segment_ms = std::chrono::milliseconds(10);
    log->update_config(by_time);
    append_each(*log, {5});
    EXPECT_EQ(log->segment_count(), 3u);
    _now += std::chrono::milliseconds(11);
    append_each(*log, {6});
    EXPECT_EQ(log->segment_count(), 4u);
}

TEST_F(retention_test, closed_log_refuses_retention) {
    auto log = open({});
    log->close();
    auto r = log->enforce_retention(0, 0, 0);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::closed);
    auto d = log->delete_records_before(offset(0));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error(), errc::closed);
}

}  // namespace
}  // namespace fjord::storage
