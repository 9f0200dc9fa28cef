// Zero-fill ahead (docs/formats/segment-files.md §2, log_config::preallocate_bytes): small
// flushes leave zeros past the data so the next appends overwrite allocated blocks; large ones
// leave the file alone; sealed and closed segments end at their last batch; recovery cuts the
// zeros a crash left; a failed zero-fill costs nothing but the speed-up.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "storage/batch_scanner.h"
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

constexpr uint64_t run = 64 * 1024;

class zero_fill_test : public ::testing::Test {
protected:
    zero_fill_test() { _config.preallocate_bytes = run; }

    fs::path dir() const { return _dir.path() / "t-0"; }
    fs::path log_file(int64_t base = 0) const {
        return dir() / format::segment_file_name(offset(base), format::log_suffix);
    }
    std::unique_ptr<partition_log> open() {
        auto r = partition_log::open(dir(), _config, _io);
        EXPECT_TRUE(r.has_value()) << (r ? "" : describe(r.error()));
        return r ? std::move(r).value() : nullptr;
    }
    // One batch of about 270 bytes, appended and not flushed; its bytes go into _written.
    void append(partition_log& log) {
        bytes b = make_batch(std::vector<int64_t>{1000 + _appended++}, 200);
        auto r = log.append(b, model::leader_epoch(1));
        ASSERT_TRUE(r);
        _written.insert(_written.end(), b.begin(), b.end());
    }
    void append_and_flush(partition_log& log) {
        append(log);
        ASSERT_TRUE(log.flush());
    }
    static bytes read_file(const fs::path& p) {
        std::ifstream f(p, std::ios::binary);
        return bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    }
    static bool zeros_from(const bytes& data, uint64_t from) {
        return std::all_of(data.begin() + static_cast<std::ptrdiff_t>(from), data.end(),
                           [](uint8_t b) { return b == 0; });
    }
    // Whether the file is whole batches, ending with the last one (what recovery trusts a sealed
    // segment to be).
    static bool ends_at_last_batch(const fs::path& p) {
        auto f = default_file_io().open(p, open_mode::existing);
        auto size = (*f)->size();
        batch_scanner scanner(**f, 0, *size);
        while (true) {
            auto st = scanner.next(scan_mode::verified);
            if (!st || *st != scan_status::batch) return st && *st == scan_status::end;
        }
    }
    // Lets go of the log without a final flush making anything durable.
    void close_without_flush(std::unique_ptr<partition_log>& log) {
        _io.set_fail_fsync(true);
        log.reset();
        _io.set_fail_fsync(false);
    }
    // The process dies without a final flush; the page cache keeps what was written. (Closing
    // would cut the zeros: the directory is copied as it is while the log is open.)
    void kill(std::unique_ptr<partition_log>& log) {
        auto copy = _dir.path() / "copy";
        fs::copy(dir(), copy);
        close_without_flush(log);
        fs::remove_all(dir());
        fs::rename(copy, dir());
    }

    test::temp_dir _dir;
    test::fault_file_io _io;
    log_config _config;
    int _appended = 0;
    bytes _written;
};

TEST_F(zero_fill_test, a_small_flush_writes_zeros_past_the_data) {
    auto log = open();
    append_and_flush(*log);
    auto file = read_file(log_file());
    ASSERT_EQ(file.size(), log->size_bytes() + run);
    EXPECT_TRUE(zeros_from(file, log->size_bytes()));
    EXPECT_EQ(read_everything(*log), _written);

    // The next appends land in the zeros: the file does not grow.
    append_and_flush(*log);
    append_and_flush(*log);
    EXPECT_EQ(fs::file_size(log_file()), file.size());
    EXPECT_EQ(read_everything(*log), _written);
}

TEST_F(zero_fill_test, zeros_are_added_once_less_than_half_a_run_is_left) {
    auto log = open();
    for (int i = 0; i < 1000; ++i) {
        append_and_flush(*log);
        uint64_t ahead = fs::file_size(log_file()) - log->size_bytes();
        ASSERT_GE(ahead, run / 2) << "after " << i + 1 << " flushes";
        ASSERT_LT(ahead, run + run / 2) << "after " << i + 1 << " flushes";
    }
    EXPECT_TRUE(zeros_from(read_file(log_file()), log->size_bytes()));
    EXPECT_EQ(read_everything(*log), _written);
}

TEST_F(zero_fill_test, a_large_flush_lets_the_file_grow_as_written) {
    auto log = open();
    while (_written.size() <= run / 4) append(*log);
    ASSERT_TRUE(log->flush());
    EXPECT_EQ(fs::file_size(log_file()), log->size_bytes());
}

TEST_F(zero_fill_test, zero_means_never) {
    _config.preallocate_bytes = 0;
    auto log = open();
    for (int i = 0; i < 10; ++i) append_and_flush(*log);
    EXPECT_EQ(fs::file_size(log_file()), log->size_bytes());
}

TEST_F(zero_fill_test, zeros_stop_at_the_segment_size_and_a_roll_cuts_them_off) {
    _config.segment_bytes = 100 * 1024;
    auto log = open();
    while (log->segment_count() == 1) {
        append_and_flush(*log);
        ASSERT_LE(fs::file_size(log_file()), _config.segment_bytes);
    }
    // The flush after the roll sealed segment 0: its file is its batches, nothing after.
    EXPECT_TRUE(ends_at_last_batch(log_file()));
    EXPECT_EQ(read_everything(*log), _written);
    log->close();
    log = open();
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(read_everything(*log), _written);
}

TEST_F(zero_fill_test, close_cuts_the_zeros_off_the_active_segment) {
    auto log = open();
    append_and_flush(*log);
    append_and_flush(*log);
    ASSERT_GT(fs::file_size(log_file()), log->size_bytes());
    log->close();
    EXPECT_EQ(fs::file_size(log_file()), _written.size());
    EXPECT_TRUE(ends_at_last_batch(log_file()));
    log = open();
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->log_end_offset(), offset(_appended));
    EXPECT_EQ(read_everything(*log), _written);
}

TEST_F(zero_fill_test, recovery_cuts_the_zeros_a_crash_left_behind) {
    auto log = open();
    for (int i = 0; i < 5; ++i) append_and_flush(*log);
    append(*log);  // not flushed: the page cache keeps it, over the zeros
    kill(log);
    ASSERT_GT(fs::file_size(log_file()), _written.size());

    log = open();
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->log_end_offset(), offset(_appended));
    EXPECT_EQ(fs::file_size(log_file()), _written.size());
    EXPECT_EQ(read_everything(*log), _written);
    append_and_flush(*log);
    EXPECT_EQ(read_everything(*log), _written);
}

TEST_F(zero_fill_test, power_loss_forgets_what_was_written_over_the_zeros) {
    auto log = open();
    for (int i = 0; i < 5; ++i) append_and_flush(*log);
    auto durable = _written;
    int durable_count = _appended;
    append(*log);
    append(*log);
    close_without_flush(log);
    _io.drop_unsynced();

    log = open();
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->log_end_offset(), offset(durable_count));
    EXPECT_EQ(read_everything(*log), durable);
}

TEST_F(zero_fill_test, a_failed_zero_fill_loses_nothing_and_is_not_retried) {
    auto log = open();
    append(*log);
    _io.set_space_left(run / 4);  // the data fits; the zeros do not
    ASSERT_TRUE(log->flush());
    _io.set_space_left(std::nullopt);
    EXPECT_EQ(read_everything(*log), _written);

    // The partial zeros get overwritten; after them the file grows as written.
    while (_written.size() < run / 2) append_and_flush(*log);
    EXPECT_EQ(fs::file_size(log_file()), log->size_bytes());
    log->close();
    log = open();
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(read_everything(*log), _written);
}

}  // namespace
}  // namespace fjord::storage
