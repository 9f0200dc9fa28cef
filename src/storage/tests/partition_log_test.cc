// Appends, reads, rolls, lookups and flushing of a healthy partition log.
#include "storage/partition_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "storage/batch_scanner.h"
#include "storage/segment_format.h"
#include "storage/tests/fault_file_io.h"
#include "storage/tests/test_batches.h"

namespace fjord::storage {
namespace {

using model::offset;
using test::base_offsets;
using test::make_batch;

constexpr model::leader_epoch epoch{7};

class partition_log_test : public ::testing::Test {
protected:
    std::unique_ptr<partition_log> open(log_config config = {}) {
        config.clock = [this] { return _now; };
        auto r = partition_log::open(_dir.path() / "topic-0", std::move(config), _io);
        EXPECT_TRUE(r.has_value());
        return std::move(r).value();
    }
    // Rewrites `batches` in place, as the log does with the caller's buffer.
    append_result append(partition_log& log, bytes& batches) {
        auto r = log.append(batches, epoch);
        EXPECT_TRUE(r.has_value());
        return r.has_value() ? r.value() : append_result{};
    }
    append_result append(partition_log& log, bytes&& batches) { return append(log, batches); }
    bytes read_all(partition_log& log, offset start, size_t max_bytes = 1 << 20) {
        auto r = log.read(start, max_bytes, log.high_watermark(), true);
        EXPECT_TRUE(r.has_value());
        if (!r) return {};
        return bytes(r->data.view.begin(), r->data.view.end());
    }
    std::vector<std::string> files() {
        std::vector<std::string> names;
        for (auto& e : std::filesystem::directory_iterator(_dir.path() / "topic-0")) {
            names.push_back(e.path().filename().string());
        }
        std::sort(names.begin(), names.end());
        return names;
    }

    test::temp_dir _dir;
    test::fault_file_io _io;
    std::chrono::milliseconds _now{1'000'000};
};

TEST_F(partition_log_test, empty_log_starts_at_zero_with_one_segment) {
    auto log = open();
    EXPECT_EQ(log->log_start_offset(), offset(0));
    EXPECT_EQ(log->log_end_offset(), offset(0));
    EXPECT_EQ(log->high_watermark(), offset(0));
    EXPECT_EQ(log->segment_count(), 1u);
    EXPECT_FALSE(log->has_unflushed_data());
    EXPECT_FALSE(log->max_timestamp());
    EXPECT_EQ(files(),
              (std::vector<std::string>{"00000000000000000000.index", "00000000000000000000.log",
                                        "00000000000000000000.timeindex"}));
}

TEST_F(partition_log_test, append_assigns_offsets_and_stamps_epoch_in_place) {
    auto log = open();
    bytes b = make_batch(3);
    auto r = log->append(b, epoch);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->base_offset, offset(0));
    EXPECT_EQ(r->last_offset, offset(2));
    EXPECT_EQ(test::base_offset_of(b), 0);
    EXPECT_EQ(test::leader_epoch_of(b), 7);

    bytes b2 = make_batch(2);
    r = log->append(b2, epoch);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->base_offset, offset(3));
    EXPECT_EQ(r->last_offset, offset(4));
    EXPECT_EQ(test::base_offset_of(b2), 3);
    EXPECT_EQ(log->log_end_offset(), offset(5));
    EXPECT_EQ(log->size_bytes(), b.size() + b2.size());
}

TEST_F(partition_log_test, offsets_assigned_across_batches_of_one_append) {
    auto log = open();
    bytes set = test::concat({make_batch(2), make_batch(1), make_batch(5)});
    auto r = append(*log, set);
    EXPECT_EQ(r.base_offset, offset(0));
    EXPECT_EQ(r.last_offset, offset(7));
    EXPECT_EQ(base_offsets(set), (std::vector<int64_t>{0, 2, 3}));
    ASSERT_TRUE(log->flush());
    EXPECT_EQ(read_all(*log, offset(0)), set);
}

TEST_F(partition_log_test, read_returns_bytes_exactly_as_appended) {
    auto log = open();
    bytes a = make_batch(2);
    bytes b = make_batch(3);
    append(*log, a);
    append(*log, b);
    ASSERT_TRUE(log->flush());
    EXPECT_EQ(read_all(*log, offset(0)), test::concat({a, b}));
    // A start inside a batch returns that whole batch.
    EXPECT_EQ(read_all(*log, offset(3)), b);
    EXPECT_EQ(read_all(*log, offset(4)), b);
}

TEST_F(partition_log_test, read_at_end_is_empty_and_past_end_is_out_of_range) {
    auto log = open();
    append(*log, make_batch(2));
    ASSERT_TRUE(log->flush());
    auto at_end = log->read(offset(2), 1000, log->high_watermark(), true);
    ASSERT_TRUE(at_end);
    EXPECT_TRUE(at_end->data.empty());
    auto past = log->read(offset(3), 1000, log->high_watermark(), true);
    ASSERT_FALSE(past);
    EXPECT_EQ(past.error(), errc::offset_out_of_range);
    auto negative = log->read(offset(-1), 1000, log->high_watermark(), true);
    ASSERT_FALSE(negative);
    EXPECT_EQ(negative.error(), errc::offset_out_of_range);
}

TEST_F(partition_log_test, read_stops_at_max_bytes_on_a_batch_boundary) {
    auto log = open();
    bytes a = make_batch(1, 1000, 100);
    bytes b = make_batch(1, 1000, 100);
    append(*log, a);
    append(*log, b);
    ASSERT_TRUE(log->flush());
    EXPECT_EQ(read_all(*log, offset(0), a.size() + b.size() - 1), a);
    EXPECT_EQ(read_all(*log, offset(0), a.size() + b.size()), test::concat({a, b}));
}

TEST_F(partition_log_test, read_returns_one_oversized_batch_only_with_min_one_batch) {
    auto log = open();
    bytes a = make_batch(1, 1000, 500);
    append(*log, a);
    ASSERT_TRUE(log->flush());
    auto one = log->read(offset(0), 10, log->high_watermark(), true);
    ASSERT_TRUE(one);
    EXPECT_EQ(bytes(one->data.view.begin(), one->data.view.end()), a);
    auto none = log->read(offset(0), 10, log->high_watermark(), false);
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->data.empty());
}

TEST_F(partition_log_test, read_stops_before_upper) {
    auto log = open();
    bytes a = make_batch(2);
    bytes b = make_batch(2);
    append(*log, a);
    append(*log, b);
    auto r = log->read(offset(0), 1 << 20, offset(2), true);
    ASSERT_TRUE(r);
    EXPECT_EQ(bytes(r->data.view.begin(), r->data.view.end()), a);
    auto at_upper = log->read(offset(2), 1 << 20, offset(2), true);
    ASSERT_TRUE(at_upper);
    EXPECT_TRUE(at_upper->data.empty());
}

TEST_F(partition_log_test, high_watermark_covers_only_flushed_data) {
    auto log = open();
    append(*log, make_batch(2));
    EXPECT_EQ(log->high_watermark(), offset(0));
    EXPECT_TRUE(log->has_unflushed_data());
    // Readers bounded by the high watermark see nothing yet.
    auto r = log->read(offset(0), 1 << 20, log->high_watermark(), true);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->data.empty());

    auto hw = log->flush();
    ASSERT_TRUE(hw);
    EXPECT_EQ(*hw, offset(2));
    EXPECT_EQ(log->high_watermark(), offset(2));
    EXPECT_FALSE(log->has_unflushed_data());
    append(*log, make_batch(1));
    EXPECT_EQ(log->high_watermark(), offset(2));
    EXPECT_EQ(*log->flush(), offset(3));
}

TEST_F(partition_log_test, flush_with_nothing_new_does_not_fsync) {
    auto log = open();
    append(*log, make_batch(1));
    ASSERT_TRUE(log->flush());
    auto before = _io.fsync_count();
    EXPECT_EQ(*log->flush(), offset(1));
    EXPECT_EQ(_io.fsync_count(), before);
}

TEST_F(partition_log_test, rolls_when_segment_bytes_would_be_exceeded) {
    log_config config;
    bytes probe = make_batch(1, 1000, 100);
    config.segment_bytes = probe.size() * 3;
    auto log = open(config);
    for (int i = 0; i < 7; ++i) append(*log, make_batch(1, 1000, 100));
    EXPECT_EQ(log->segment_count(), 3u);  // 3 + 3 + 1 batches
    ASSERT_TRUE(log->flush());
    auto names = files();
    EXPECT_NE(std::find(names.begin(), names.end(), "00000000000000000003.log"), names.end());
    EXPECT_NE(std::find(names.begin(), names.end(), "00000000000000000006.log"), names.end());
    // Reads return one segment at a time and continue in the next.
    auto r = log->read(offset(0), 1 << 20, log->high_watermark(), true);
    ASSERT_TRUE(r);
    EXPECT_EQ(base_offsets(r->data.view), (std::vector<int64_t>{0, 1, 2}));
    r = log->read(offset(3), 1 << 20, log->high_watermark(), true);
    ASSERT_TRUE(r);
    EXPECT_EQ(base_offsets(r->data.view), (std::vector<int64_t>{3, 4, 5}));
}

TEST_F(partition_log_test, append_larger_than_a_segment_is_rejected) {
    log_config config;
    config.segment_bytes = 200;
    auto log = open(config);
    bytes big = make_batch(1, 1000, 300);
    auto r = log->append(big, epoch);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::record_set_too_large);
    EXPECT_EQ(log->log_end_offset(), offset(0));
}

TEST_F(partition_log_test, rolls_when_segment_ms_passed_since_first_append) {
    log_config config;
    config.segment_ms = std::chrono::milliseconds(1000);
    auto log = open(config);
    _now += std::chrono::milliseconds(5000);  // an idle empty segment does not age
    append(*log, make_batch(1));
    _now += std::chrono::milliseconds(1000);
    append(*log, make_batch(1));
    EXPECT_EQ(log->segment_count(), 1u);
    _now += std::chrono::milliseconds(1);
    append(*log, make_batch(1));
    EXPECT_EQ(log->segment_count(), 2u);
    append(*log, make_batch(1));
    EXPECT_EQ(log->segment_count(), 2u);
}

TEST_F(partition_log_test, rolls_when_the_index_is_full) {
    log_config config;
    config.index_interval_bytes = 1;  // an entry for every batch but the first
    config.segment_index_bytes = 3 * format::time_entry_size;  // 4 offset entries, 2 time slots
    auto log = open(config);
    for (int i = 0; i < 3; ++i) append(*log, make_batch(std::vector<int64_t>{1000 + i}));
    EXPECT_EQ(log->segment_count(), 1u);
    // Timestamps grow with each batch, so the time index (2 usable slots of 3) fills first.
    append(*log, make_batch(std::vector<int64_t>{2000}));
    EXPECT_EQ(log->segment_count(), 2u);
}

TEST_F(partition_log_test, offset_lookup_uses_sparse_index_across_segments) {
    log_config config;
    config.index_interval_bytes = 256;
    config.segment_bytes = 4096;
    auto log = open(config);
    std::vector<bytes> batches;
    for (int i = 0; i < 100; ++i) {
        batches.push_back(make_batch(1 + i % 3, 1000 + i, 40));
        append(*log, batches.back());
    }
    ASSERT_GT(log->segment_count(), 3u);
    ASSERT_TRUE(log->flush());
    // Every offset maps to the batch that holds it.
    int64_t o = 0;
    for (auto& b : batches) {
        int64_t count = test::offset_count_of(b);
        for (int64_t k = 0; k < count; ++k) {
            auto r = log->read(offset(o + k), 1, log->high_watermark(), true);
            ASSERT_TRUE(r);
            ASSERT_EQ(bytes(r->data.view.begin(), r->data.view.end()), b) << "offset " << o + k;
        }
        o += count;
    }
}

TEST_F(partition_log_test, timestamp_lookup_finds_first_record_at_or_after) {
    log_config config;
    config.index_interval_bytes = 100;
    config.segment_bytes = 1000;
    auto log = open(config);
    // Batch i holds records at 10i, 10i+2, 10i+4 (offsets 3i..3i+2); batch 5 goes back in time.
    for (int i = 0; i < 30; ++i) {
        int64_t t = i == 5 ? 1 : 10 * i;
        append(*log, make_batch(std::vector<int64_t>{t, t + 2, t + 4}));
    }
    ASSERT_GT(log->segment_count(), 2u);
    auto find = [&](int64_t ts) { return log->find_offset_by_timestamp(model::timestamp(ts)); };
    auto r = find(0);
    ASSERT_TRUE(r && *r);
    EXPECT_EQ(**r, (timestamp_offset{model::timestamp(0), offset(0)}));
    r = find(3);  // the first record >= 3 is 4 (offset 2)
    ASSERT_TRUE(r && *r);
    EXPECT_EQ(**r, (timestamp_offset{model::timestamp(4), offset(2)}));
    r = find(123);  // batch 12: records 120, 122, 124 -> 124 at offset 38
    ASSERT_TRUE(r && *r);
    EXPECT_EQ(**r, (timestamp_offset{model::timestamp(124), offset(38)}));
    r = find(294);
    ASSERT_TRUE(r && *r);
    EXPECT_EQ(**r, (timestamp_offset{model::timestamp(294), offset(89)}));
    r = find(295);
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r);
}

TEST_F(partition_log_test, timestamp_lookup_in_compressed_batch_answers_the_batch) {
    auto log = open();
    append(*log, make_batch(std::vector<int64_t>{100, 200}, 8, /*gzip*/ 1));
    auto r = log->find_offset_by_timestamp(model::timestamp(150));
    ASSERT_TRUE(r && *r);
    EXPECT_EQ(**r, (timestamp_offset{model::timestamp(200), offset(0)}));
}

TEST_F(partition_log_test, max_timestamp_names_the_first_batch_carrying_it) {
    log_config config;
    config.segment_bytes = 300;
    auto log = open(config);
    append(*log, make_batch(std::vector<int64_t>{50, 70}));
    append(*log, make_batch(std::vector<int64_t>{90}));  // offset 2
    append(*log, make_batch(std::vector<int64_t>{10}));
    append(*log, make_batch(std::vector<int64_t>{90}));  // same max, later
    ASSERT_GT(log->segment_count(), 1u);
    auto m = log->max_timestamp();
    ASSERT_TRUE(m);
    EXPECT_EQ(*m, (timestamp_offset{model::timestamp(90), offset(2)}));
}

TEST_F(partition_log_test, invalid_batches_are_rejected_without_rewriting) {
    auto log = open();
    bytes b = make_batch(2);
    bytes cut(b.begin(), b.end() - 1);
    auto r = log->append(cut, epoch);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::invalid_batch);
    bytes bad_magic = b;
    bad_magic[16] = 1;
    EXPECT_EQ(log->append(bad_magic, epoch).error(), errc::invalid_batch);
    bytes trailing = test::concat({b, bytes{1, 2, 3}});
    EXPECT_EQ(log->append(trailing, epoch).error(), errc::invalid_batch);
    EXPECT_EQ(test::leader_epoch_of(trailing), -1);
    EXPECT_EQ(log->append(mutable_bytes_view(), epoch).error(), errc::invalid_batch);
    EXPECT_EQ(log->log_end_offset(), offset(0));
}

TEST_F(partition_log_test, reopen_after_clean_close_keeps_everything) {
    log_config config;
    config.segment_bytes = 500;
    config.index_interval_bytes = 100;
    bytes all;
    std::optional<timestamp_offset> max;
    {
        auto log = open(config);
        for (int i = 0; i < 20; ++i) {
            bytes b = make_batch(std::vector<int64_t>{i * 10, i * 10 + 1});
            append(*log, b);
            all.insert(all.end(), b.begin(), b.end());
        }
        max = log->max_timestamp();
        log->close();
        bytes late = make_batch(1);
        auto r = log->append(late, epoch);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error(), errc::closed);
    }
    auto log = open(config);
    EXPECT_EQ(log->log_end_offset(), offset(40));
    EXPECT_EQ(log->high_watermark(), offset(40));
    EXPECT_EQ(log->max_timestamp(), max);
    bytes seen;
    for (offset o(0); o < log->log_end_offset();) {
        auto r = log->read(o, 1 << 20, log->high_watermark(), true);
        ASSERT_TRUE(r);
        ASSERT_FALSE(r->data.empty());
        seen.insert(seen.end(), r->data.view.begin(), r->data.view.end());
        auto offs = base_offsets(r->data.view);
        o = offset(offs.back() + 2);
    }
    EXPECT_EQ(seen, all);
    auto r = log->find_offset_by_timestamp(model::timestamp(55));
    ASSERT_TRUE(r && *r);
    EXPECT_EQ((*r)->offset, offset(12));
    // Appends continue where the log ended.
    EXPECT_EQ(append(*log, make_batch(1)).base_offset, offset(40));
}

TEST_F(partition_log_test, remove_deletes_the_directory) {
    auto log = open();
    append(*log, make_batch(1));
    ASSERT_TRUE(log->remove());
    EXPECT_FALSE(std::filesystem::exists(_dir.path() / "topic-0"));
    EXPECT_EQ(log->read(offset(0), 10, offset(1), true).error(), errc::closed);
}

TEST_F(partition_log_test, read_result_owns_its_bytes_after_remove) {
    auto log = open();
    bytes b = make_batch(3);
    append(*log, b);
    ASSERT_TRUE(log->flush());
    auto r = log->read(offset(0), 1 << 20, log->high_watermark(), true);
    ASSERT_TRUE(log->remove());
    ASSERT_TRUE(r);
    EXPECT_EQ(bytes(r->data.view.begin(), r->data.view.end()), b);
}

TEST_F(partition_log_test, concurrent_reads_see_whole_batches_below_the_high_watermark) {
    log_config config;
    config.segment_bytes = 4096;
    config.index_interval_bytes = 300;
    auto log = open(config);
    std::atomic<bool> done{false};
    std::thread writer([&] {
        for (int i = 0; i < 400; ++i) {
            bytes b = make_batch(1 + i % 4, 1000 + i, 20);
            ASSERT_TRUE(log->append(b, epoch));
            if (i % 7 == 0) {
                ASSERT_TRUE(log->flush());
            }
        }
        ASSERT_TRUE(log->flush());
        done = true;
    });
    size_t reads = 0;
    while (!done.load() || reads == 0) {
        auto hw = log->high_watermark();
        offset start(hw() == 0 ? 0
                               : static_cast<int64_t>(reads * 7919 % static_cast<size_t>(hw())));
        auto r = log->read(start, 2000, hw, true);
        ASSERT_TRUE(r);
        ++reads;
        // Whole, valid batches, contiguous, the first holding `start`, all below hw.
        int64_t expected = -1;
        for (size_t pos = 0; pos < r->data.size();) {
            auto rest = r->data.view.subspan(pos);
            ASSERT_EQ(check_batch(rest, scan_mode::verified), scan_status::batch);
            int64_t base = test::base_offset_of(rest);
            int64_t last = base + test::offset_count_of(rest) - 1;
            if (expected < 0) {
                EXPECT_LE(base, start());
                EXPECT_GE(last, start());
            } else {
                EXPECT_EQ(base, expected);
            }
            EXPECT_LT(last, hw());
            expected = last + 1;
            pos += static_cast<size_t>(load_be<int32_t>(rest.data() + 8)) + 12;
        }
    }
    writer.join();
    EXPECT_GT(log->segment_count(), 3u);
}

}  // namespace
}  // namespace fjord::storage
