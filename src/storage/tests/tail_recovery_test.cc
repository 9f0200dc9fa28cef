// Recovery of the segments past the recovery point re-validates only their tail, from the index
// entries already on disk (docs/formats/segment-files.md §6 step 3). These tests check that it
// reads little, that it builds the same indexes a full scan builds, and that every way the
// index files can disagree with the log falls back to the full scan.
#include <gtest/gtest.h>

#include <fstream>

#include "base/endian.h"
#include "storage/partition_log.h"
#include "storage/segment_format.h"
#include "storage/tests/fault_file_io.h"
#include "storage/tests/read_everything.h"
#include "storage/tests/test_batches.h"

namespace fjord::storage {
namespace {

using model::offset;
using test::make_batch;
using test::read_everything;

namespace fs = std::filesystem;

constexpr int batch_count = 2000;
constexpr size_t value_size = 200;  // batches of about 270 bytes

class tail_recovery_test : public ::testing::Test {
protected:
    tail_recovery_test() { _config.index_interval_bytes = 512; }

    fs::path dir() const { return _dir.path() / "t-0"; }
    fs::path file(std::string_view suffix) const {
        return dir() / format::segment_file_name(offset(0), suffix);
    }
    std::unique_ptr<partition_log> open() {
        auto r = partition_log::open(dir(), _config, _io);
        EXPECT_TRUE(r.has_value()) << (r ? "" : describe(r.error()));
        return r ? std::move(r).value() : nullptr;
    }
    static bytes batch(int i) { return make_batch(std::vector<int64_t>{1000 + i}, value_size); }
    void append(partition_log& log, int from, int to) {
        for (int i = from; i < to; ++i) {
            bytes b = batch(i);
            ASSERT_TRUE(log.append(b, model::leader_epoch(1)));
        }
    }
    // `batch_count` batches in one segment, closed cleanly.
    void fill() {
        auto log = open();
        append(*log, 0, batch_count);
        log->close();
    }
    // The process dies without a final flush; the page cache keeps what was written.
    void kill(std::unique_ptr<partition_log>& log) {
        _io.set_fail_fsync(true);
        log.reset();
        _io.set_fail_fsync(false);
    }
    static bytes read_file(const fs::path& p) {
        std::ifstream f(p, std::ios::binary);
        return bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    }
    static void write_file(const fs::path& p, const bytes& data) {
        std::ofstream f(p, std::ios::binary | std::ios::trunc);
        f.write(reinterpret_cast<const char*>(data.data()),
                static_cast<std::streamsize>(data.size()));
    }
    struct index_files {
        bytes offsets;
        bytes times;
        bool operator==(const index_files&) const = default;
    };
    index_files indexes() const {
        return {read_file(file(".index")), read_file(file(".timeindex"))};
    }
    // The indexes a full scan builds: both files deleted, reopened and closed.
    index_files rebuilt_indexes() {
        auto saved = indexes();
        fs::remove(file(".index"));
        fs::remove(file(".timeindex"));
        open()->close();
        auto rebuilt = indexes();
        write_file(file(".index"), saved.offsets);
        write_file(file(".timeindex"), saved.times);
        return rebuilt;
    }
    static bytes expected(int count) {
        bytes out;
        for (int i = 0; i < count; ++i) {
            bytes b = batch(i);
            store_be<int64_t>(b.data(), i);       // the offset the log assigned
            store_be<int32_t>(b.data() + 12, 1);  // and its leader epoch; the CRC skips both
            out.insert(out.end(), b.begin(), b.end());
        }
        return out;
    }

    test::temp_dir _dir;
    test::fault_file_io _io;
    log_config _config;
};

TEST_F(tail_recovery_test, reopening_reads_the_index_files_and_the_tail_only) {
    fill();
    auto log_size = fs::file_size(file(".log"));
    auto before = _io.bytes_read();
    auto log = open();
    uint64_t read = _io.bytes_read() - before;
    EXPECT_EQ(log->log_end_offset(), offset(batch_count));
    EXPECT_EQ(log->high_watermark(), offset(batch_count));
    // The index files (about 20 KB here) and one read-ahead window (64 KiB) of the tail.
    EXPECT_LT(read, 100u * 1024);
    EXPECT_GT(log_size, 5 * read);
    EXPECT_EQ(read_everything(*log), expected(batch_count));
}

TEST_F(tail_recovery_test, the_indexes_are_the_ones_a_full_scan_builds) {
    fill();
    auto written = indexes();
    ASSERT_GT(written.offsets.size(), 100 * format::offset_entry_size);
    open()->close();
    EXPECT_EQ(indexes(), written);  // a clean reopen changes nothing
    EXPECT_EQ(rebuilt_indexes(), written);
}

TEST_F(tail_recovery_test, batches_written_after_the_last_flush_survive_a_kill) {
    auto log = open();
    append(*log, 0, batch_count / 2);
    ASSERT_TRUE(log->flush());
    append(*log, batch_count / 2, batch_count);  // in the page cache only
    kill(log);

    auto reopened = open();
    EXPECT_EQ(reopened->log_end_offset(), offset(batch_count));
    EXPECT_EQ(read_everything(*reopened), expected(batch_count));
    reopened->close();
    EXPECT_EQ(indexes(), rebuilt_indexes());
}

TEST_F(tail_recovery_test, index_entries_the_files_lost_are_added_back) {
    fill();
    auto written = indexes();
    // Power loss took the last half of both files' entries.
    fs::resize_file(file(".index"), (written.offsets.size() / format::offset_entry_size / 2) *
                                        format::offset_entry_size);
    fs::resize_file(file(".timeindex"),
                    (written.times.size() / format::time_entry_size / 2) * format::time_entry_size);
    auto log = open();
    EXPECT_EQ(log->log_end_offset(), offset(batch_count));
    log->close();
    EXPECT_EQ(indexes(), written);
}

TEST_F(tail_recovery_test, time_entries_lost_alone_are_found_again) {
    fill();
    auto written = indexes();
    fs::resize_file(file(".timeindex"), 3 * format::time_entry_size);
    auto log = open();
    auto max = log->max_timestamp();
    ASSERT_TRUE(max);
    EXPECT_EQ(max->timestamp, model::timestamp(1000 + batch_count - 1));
    EXPECT_EQ(max->offset, offset(batch_count - 1));
    auto found = log->find_offset_by_timestamp(model::timestamp(1000 + batch_count - 5));
    ASSERT_TRUE(found && *found);
    EXPECT_EQ((*found)->offset, offset(batch_count - 5));
    log->close();
    EXPECT_EQ(indexes(), written);
}

TEST_F(tail_recovery_test, a_torn_batch_after_the_last_entry_is_cut) {
    fill();
    fs::resize_file(file(".log"), fs::file_size(file(".log")) - 10);
    auto log = open();
    EXPECT_EQ(log->log_end_offset(), offset(batch_count - 1));
    EXPECT_EQ(read_everything(*log), expected(batch_count - 1));
    log->close();
    EXPECT_EQ(indexes(), rebuilt_indexes());
}

TEST_F(tail_recovery_test, an_entry_inside_a_batch_makes_the_whole_segment_re_validated) {
    fill();
    auto written = indexes();
    // The last entry now points 8 bytes into its batch: still inside the file, still
    // increasing, but it names no batch.
    bytes offsets = written.offsets;
    uint8_t* last = offsets.data() + offsets.size() - format::offset_entry_size;
    store_be<int32_t>(last + 4, load_be<int32_t>(last + 4) + 8);
    write_file(file(".index"), offsets);

    auto before = _io.bytes_read();
    auto log = open();
    EXPECT_GE(_io.bytes_read() - before, fs::file_size(file(".log")));
    EXPECT_EQ(log->log_end_offset(), offset(batch_count));
    EXPECT_EQ(read_everything(*log), expected(batch_count));
    log->close();
    EXPECT_EQ(indexes(), written);
}

TEST_F(tail_recovery_test, a_time_entry_past_the_surviving_log_makes_it_re_validated) {
    fill();
    auto written = indexes();
    // The newest time entry names an offset past the end of the log (an index file from an
    // older life of the segment).
    auto times = written.times;
    uint8_t* last = times.data() + times.size() - format::time_entry_size;
    store_be<int32_t>(last + 8, batch_count + 5);
    store_be<int64_t>(last, 1000 + batch_count + 5);
    write_file(file(".timeindex"), times);

    auto log = open();
    EXPECT_EQ(log->log_end_offset(), offset(batch_count));
    auto max = log->max_timestamp();
    ASSERT_TRUE(max);
    EXPECT_EQ(max->timestamp, model::timestamp(1000 + batch_count - 1));
    log->close();
    EXPECT_EQ(indexes(), written);
}

// Group commit flushes a few records at a time; the active segment's index files are written
// once their entries cover log_config::index_write_interval_bytes, not at each of those flushes.
TEST_F(tail_recovery_test, the_active_segments_entries_reach_the_files_once_due) {
    _config.index_write_interval_bytes = 64 * 1024;
    auto log = open();
    int appended = 0;
    while (log->size_bytes() < 60 * 1024) {
        append(*log, appended, appended + 1);
        ++appended;
        ASSERT_TRUE(log->flush());
    }
    EXPECT_EQ(fs::file_size(file(".index")), 0u);
    EXPECT_EQ(fs::file_size(file(".timeindex")), 0u);
    while (fs::file_size(file(".index")) == 0) {
        ASSERT_LT(appended, batch_count);
        append(*log, appended, appended + 1);
        ++appended;
        ASSERT_TRUE(log->flush());
    }
    // The first write came with the first entry at or past the interval.
    EXPECT_GE(log->size_bytes(), 64u * 1024);
    EXPECT_LT(log->size_bytes(), 66u * 1024);
    EXPECT_GT(fs::file_size(file(".timeindex")), 0u);
    log->close();
    EXPECT_EQ(indexes(), rebuilt_indexes());
}

TEST_F(tail_recovery_test, close_writes_the_entries_held_back_though_nothing_is_new) {
    _config.index_write_interval_bytes = 1 << 30;
    auto log = open();
    append(*log, 0, batch_count / 2);
    ASSERT_TRUE(log->flush());
    EXPECT_EQ(fs::file_size(file(".index")), 0u);
    log->close();
    auto written = indexes();
    EXPECT_GT(written.offsets.size(), 100 * format::offset_entry_size);
    EXPECT_EQ(written, rebuilt_indexes());
}

// The checkpoint passes a sealed segment only with its indexes durable, so the flush after a
// roll writes whatever the segment held back while it was active.
TEST_F(tail_recovery_test, the_flush_after_a_roll_writes_the_entries_held_back) {
    _config.segment_bytes = 200 * 1024;
    _config.index_write_interval_bytes = 1 << 30;  // never due while active
    auto log = open();
    int appended = 0;
    while (log->segment_count() < 2) {
        append(*log, appended, appended + 1);
        ++appended;
        if (log->segment_count() < 2) {
            ASSERT_TRUE(log->flush());
        }
    }
    EXPECT_EQ(fs::file_size(file(".index")), 0u);
    ASSERT_TRUE(log->flush());
    auto after_flush = indexes();  // the first segment's
    EXPECT_GT(after_flush.offsets.size(), 100 * format::offset_entry_size);
    kill(log);
    open()->close();
    EXPECT_EQ(indexes(), after_flush);  // trusted as they were: nothing rebuilt
    EXPECT_EQ(rebuilt_indexes(), after_flush);
}

// What the files lack after a kill is at most the interval's worth of entries: recovery
// re-validates from the last entry written, not from the start of the segment.
TEST_F(tail_recovery_test, a_kill_re_validates_about_the_write_interval) {
    _config.index_write_interval_bytes = 64 * 1024;
    _config.snapshot_interval_bytes = 16 * 1024;  // so the producer state replay reads little
    auto log = open();
    for (int i = 0; i < batch_count; ++i) {
        append(*log, i, i + 1);
        ASSERT_TRUE(log->flush());
    }
    auto log_size = fs::file_size(file(".log"));
    kill(log);
    auto before = _io.bytes_read();
    auto reopened = open();
    uint64_t read = _io.bytes_read() - before;
    // The index files (about 20 KB here), at most the interval and one read-ahead window, and
    // the replay of the producer state from its last snapshot.
    EXPECT_LT(read, (20 + 64 + 64 + 16 + 16) * 1024u);
    EXPECT_GT(log_size, 3 * read);
    EXPECT_EQ(reopened->log_end_offset(), offset(batch_count));
    EXPECT_EQ(read_everything(*reopened), expected(batch_count));
    reopened->close();
    EXPECT_EQ(indexes(), rebuilt_indexes());
}

TEST_F(tail_recovery_test, the_segments_before_the_active_one_use_their_indexes_too) {
    _config.segment_bytes = 200 * 1024;  // three segments
    fill();
    uint64_t total = 0;
    for (const auto& entry : fs::directory_iterator(dir())) {
        if (entry.path().extension() == ".log") total += entry.file_size();
    }
    // The checkpoint is lost: every segment is past the recovery point.
    fs::remove(dir() / format::checkpoint_name);
    auto before = _io.bytes_read();
    auto log = open();
    EXPECT_LT(_io.bytes_read() - before, total / 2);
    EXPECT_EQ(log->log_end_offset(), offset(batch_count));
    EXPECT_EQ(read_everything(*log), expected(batch_count));
}

}  // namespace
}  // namespace fjord::storage
