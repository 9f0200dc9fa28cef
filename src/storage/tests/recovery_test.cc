// Recovery on open (docs/formats/segment-files.md §6): files are cut, flipped and deleted on
// purpose, then the log is reopened.
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

class recovery_test : public ::testing::Test {
protected:
    fs::path dir() const { return _dir.path() / "t-0"; }
    fs::path file(int64_t base, std::string_view suffix) const {
        return dir() / format::segment_file_name(offset(base), suffix);
    }
    result<std::unique_ptr<partition_log>, errc> try_open() {
        return partition_log::open(dir(), _config);
    }
    std::unique_ptr<partition_log> open() {
        auto r = try_open();
        EXPECT_TRUE(r.has_value()) << (r ? "" : describe(r.error()));
        return r ? std::move(r).value() : nullptr;
    }
    // Appends `n` two-record batches (timestamps 10i, 10i+1) and closes cleanly; returns the
    // batches as stored.
    std::vector<bytes> fill(int n) {
        auto log = open();
        std::vector<bytes> out;
        for (int i = 0; i < n; ++i) {
            bytes b = make_batch(std::vector<int64_t>{10 * i, 10 * i + 1});
            EXPECT_TRUE(log->append(b, model::leader_epoch(1)));
            out.push_back(std::move(b));
        }
        log->close();
        return out;
    }
    bytes read_file(const fs::path& p) const {
        std::ifstream f(p, std::ios::binary);
        return bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    }
    void write_file(const fs::path& p, const bytes& data) const {
        std::ofstream f(p, std::ios::binary | std::ios::trunc);
        f.write(reinterpret_cast<const char*>(data.data()),
                static_cast<std::streamsize>(data.size()));
    }
    void flip_byte(const fs::path& p, uint64_t pos) const {
        bytes data = read_file(p);
        data.at(pos) ^= 0x5a;
        write_file(p, data);
    }
    static bytes join(const std::vector<bytes>& parts, size_t count) {
        bytes out;
        for (size_t i = 0; i < count; ++i) out.insert(out.end(), parts[i].begin(), parts[i].end());
        return out;
    }

    test::temp_dir _dir;
    log_config _config;
};

TEST_F(recovery_test, truncated_tail_is_cut_to_the_last_whole_batch) {
    auto batches = fill(3);
    auto size = fs::file_size(file(0, ".log"));
    fs::resize_file(file(0, ".log"), size - 10);  // cut inside the third batch

    auto log = open();
    EXPECT_EQ(log->log_end_offset(), offset(4));
    EXPECT_EQ(log->high_watermark(), offset(4));
    EXPECT_EQ(fs::file_size(file(0, ".log")), batches[0].size() + batches[1].size());
    EXPECT_EQ(read_everything(*log), join(batches, 2));
    bytes next = make_batch(1);
    auto r = log->append(next, model::leader_epoch(1));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->base_offset, offset(4));
}

TEST_F(recovery_test, tail_cut_inside_the_header_is_cut_too) {
    auto batches = fill(2);
    fs::resize_file(file(0, ".log"), batches[0].size() + 20);
    auto log = open();
    EXPECT_EQ(log->log_end_offset(), offset(2));
    EXPECT_EQ(fs::file_size(file(0, ".log")), batches[0].size());
}

TEST_F(recovery_test, flipped_byte_in_last_batch_fails_crc_and_is_cut) {
    auto batches = fill(3);
    auto size = fs::file_size(file(0, ".log"));
    flip_byte(file(0, ".log"), size - 3);  // inside the records of the last batch

    auto log = open();
    EXPECT_EQ(log->log_end_offset(), offset(4));
    EXPECT_EQ(read_everything(*log), join(batches, 2));
}

TEST_F(recovery_test, bad_magic_in_last_batch_is_cut) {
    auto batches = fill(3);
    flip_byte(file(0, ".log"), batches[0].size() + batches[1].size() + 16);
    auto log = open();
    EXPECT_EQ(log->log_end_offset(), offset(4));
}

TEST_F(recovery_test, absurd_batch_length_is_cut) {
    auto batches = fill(2);
    bytes data = read_file(file(0, ".log"));
    store_be<int32_t>(data.data() + batches[0].size() + 8, 0x7fffffff);
    write_file(file(0, ".log"), data);
    auto log = open();
    EXPECT_EQ(log->log_end_offset(), offset(2));
    EXPECT_EQ(fs::file_size(file(0, ".log")), batches[0].size());
}

TEST_F(recovery_test, batch_length_below_header_size_is_cut) {
    auto batches = fill(2);
    bytes data = read_file(file(0, ".log"));
    store_be<int32_t>(data.data() + batches[0].size() + 8, 10);
    write_file(file(0, ".log"), data);
    auto log = open();
    EXPECT_EQ(log->log_end_offset(), offset(2));
}

TEST_F(recovery_test, zeros_after_the_last_batch_are_cut) {
    auto batches = fill(2);
    bytes data = read_file(file(0, ".log"));
    data.resize(data.size() + 4096, 0);  // a preallocated or torn page
    write_file(file(0, ".log"), data);
    auto log = open();
    EXPECT_EQ(log->log_end_offset(), offset(4));
    EXPECT_EQ(fs::file_size(file(0, ".log")), batches[0].size() + batches[1].size());
}

TEST_F(recovery_test, offsets_going_backwards_are_cut) {
    auto batches = fill(3);
    bytes data = read_file(file(0, ".log"));
    // The third batch claims offset 1: already used. baseOffset is outside the CRC.
    store_be<int64_t>(data.data() + batches[0].size() + batches[1].size(), 1);
    write_file(file(0, ".log"), data);
    auto log = open();
    EXPECT_EQ(log->log_end_offset(), offset(4));
}

TEST_F(recovery_test, corrupt_first_batch_leaves_an_empty_log) {
    fill(2);
    flip_byte(file(0, ".log"), 30);
    auto log = open();
    EXPECT_EQ(log->log_end_offset(), offset(0));
    EXPECT_EQ(fs::file_size(file(0, ".log")), 0u);
    EXPECT_FALSE(log->max_timestamp());
}

TEST_F(recovery_test, truncating_a_sealed_segment_deletes_the_later_ones) {
    // No clean close: the checkpoint's recovery point stays at 0, so segment 0 is re-validated.
    _config.segment_bytes = 200;  // two 91-byte batches per segment
    test::fault_file_io io;
    {
        auto log = partition_log::open(dir(), _config, io);
        ASSERT_TRUE(log);
        for (int i = 0; i < 5; ++i) {
            bytes b = make_batch(2);
            ASSERT_TRUE((*log)->append(b, model::leader_epoch(1)));
        }
        ASSERT_EQ((*log)->segment_count(), 3u);
        io.set_fail_fsync(true);  // crash: close cannot flush
    }
    auto size = fs::file_size(file(0, ".log"));
    fs::resize_file(file(0, ".log"), size - 1);
    auto log = open();
    EXPECT_EQ(log->log_end_offset(), offset(2));
    EXPECT_EQ(log->segment_count(), 1u);
    EXPECT_FALSE(fs::exists(file(4, ".log")));
    EXPECT_FALSE(fs::exists(file(8, ".index")));
}

TEST_F(recovery_test, missing_index_of_sealed_segment_is_rebuilt_identically) {
    _config.segment_bytes = 500;
    _config.index_interval_bytes = 100;
    auto batches = fill(20);  // 5 batches of 91 bytes per segment
    bytes index = read_file(file(10, ".index"));
    bytes timeindex = read_file(file(10, ".timeindex"));
    ASSERT_FALSE(index.empty());
    fs::remove(file(10, ".index"));

    auto log = open();
    EXPECT_EQ(read_file(file(10, ".index")), index);
    EXPECT_EQ(read_file(file(10, ".timeindex")), timeindex);
    EXPECT_EQ(read_everything(*log), join(batches, 20));
    EXPECT_EQ(log->log_end_offset(), offset(40));
}

TEST_F(recovery_test, missing_timeindex_is_rebuilt) {
    _config.segment_bytes = 500;
    _config.index_interval_bytes = 100;
    fill(20);
    bytes timeindex = read_file(file(0, ".timeindex"));
    fs::remove(file(0, ".timeindex"));
    auto log = open();
    EXPECT_EQ(read_file(file(0, ".timeindex")), timeindex);
    auto r = log->find_offset_by_timestamp(model::timestamp(31));
    ASSERT_TRUE(r && *r);
    EXPECT_EQ((*r)->offset, offset(7));
}

TEST_F(recovery_test, garbage_index_is_rebuilt) {
    _config.segment_bytes = 500;
    _config.index_interval_bytes = 100;
    auto batches = fill(20);
    bytes index = read_file(file(0, ".index"));
    bytes garbage(index.size(), 0);
    for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<uint8_t>(i * 37 + 11);
    write_file(file(0, ".index"), garbage);
    auto log = open();
    EXPECT_EQ(read_file(file(0, ".index")), index);
    EXPECT_EQ(read_everything(*log), join(batches, 20));
}

TEST_F(recovery_test, index_with_partial_entry_is_rebuilt) {
    _config.segment_bytes = 500;
    _config.index_interval_bytes = 100;
    fill(20);
    bytes index = read_file(file(0, ".index"));
    bytes partial = index;
    partial.resize(partial.size() - 3);
    write_file(file(0, ".index"), partial);
    auto log = open();
    EXPECT_EQ(read_file(file(0, ".index")), index);
}

TEST_F(recovery_test, index_entry_past_the_log_is_rebuilt) {
    _config.segment_bytes = 500;
    _config.index_interval_bytes = 100;
    fill(20);
    bytes index = read_file(file(0, ".index"));
    bytes bad = index;
    store_be<int32_t>(bad.data() + bad.size() - 4, 100000);  // position past the end
    write_file(file(0, ".index"), bad);
    auto log = open();
    EXPECT_EQ(read_file(file(0, ".index")), index);
}

TEST_F(recovery_test, index_entry_pointing_inside_a_batch_is_rebuilt) {
    _config.segment_bytes = 500;
    _config.index_interval_bytes = 100;
    auto batches = fill(20);
    bytes index = read_file(file(0, ".index"));
    bytes bad = index;
    store_be<int32_t>(bad.data() + bad.size() - 4,
                      load_be<int32_t>(bad.data() + bad.size() - 4) + 5);
    write_file(file(0, ".index"), bad);
    auto log = open();
    EXPECT_EQ(read_file(file(0, ".index")), index);
    EXPECT_EQ(read_everything(*log), join(batches, 20));
}

TEST_F(recovery_test, corruption_below_the_recovery_point_refuses_to_open) {
    _config.segment_bytes = 500;
    _config.index_interval_bytes = 100;
    fill(20);
    // The tail of a trusted segment is checked; its CRC fails, and that data had been fsynced.
    auto size = fs::file_size(file(0, ".log"));
    flip_byte(file(0, ".log"), size - 2);
    auto r = try_open();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::corrupt_log);
    // Nothing was deleted.
    EXPECT_EQ(fs::file_size(file(0, ".log")), size);
}

TEST_F(recovery_test, damaged_checkpoint_is_ignored_and_everything_revalidated) {
    _config.segment_bytes = 500;
    auto batches = fill(20);
    flip_byte(dir() / "partition.checkpoint", 12);
    auto log = open();
    EXPECT_EQ(log->log_end_offset(), offset(40));
    EXPECT_EQ(read_everything(*log), join(batches, 20));
    // ...and rewritten.
    auto d = format::decode_checkpoint(read_file(dir() / "partition.checkpoint"));
    EXPECT_EQ(d.status, format::checkpoint_status::ok);
    EXPECT_EQ(d.value.recovery_point, offset(30));
}

TEST_F(recovery_test, checkpoint_of_a_newer_version_refuses_to_open) {
    fill(1);
    bytes data = read_file(dir() / "partition.checkpoint");
    store_be<uint16_t>(data.data() + 4, 2);
    store_be<uint32_t>(data.data() + 24, crc32c(bytes_view(data).first(24)));
    write_file(dir() / "partition.checkpoint", data);
    auto r = try_open();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::corrupt_log);
}

TEST_F(recovery_test, log_start_offset_comes_from_the_checkpoint) {
    fill(3);
    write_file(dir() / "partition.checkpoint", format::encode_checkpoint({offset(2), offset(0)}));
    auto log = open();
    EXPECT_EQ(log->log_start_offset(), offset(2));
    EXPECT_EQ(log->read(offset(1), 100, log->high_watermark(), true).error(),
              errc::offset_out_of_range);
    EXPECT_TRUE(log->read(offset(2), 100, log->high_watermark(), true));
}

TEST_F(recovery_test, empty_directory_with_checkpoint_starts_at_its_log_start) {
    fs::create_directories(dir());
    write_file(dir() / "partition.checkpoint", format::encode_checkpoint({offset(100), offset(0)}));
    auto log = open();
    EXPECT_EQ(log->log_start_offset(), offset(100));
    EXPECT_EQ(log->log_end_offset(), offset(100));
    EXPECT_TRUE(fs::exists(file(100, ".log")));
}

TEST_F(recovery_test, leftover_tmp_and_orphan_index_files_are_removed) {
    fill(1);
    write_file(dir() / "partition.checkpoint.tmp", bytes{1, 2, 3});
    write_file(file(500, ".index"), bytes(8, 0));
    write_file(dir() / "notes.txt", bytes{1});
    auto log = open();
    EXPECT_FALSE(fs::exists(dir() / "partition.checkpoint.tmp"));
    EXPECT_FALSE(fs::exists(file(500, ".index")));
    EXPECT_TRUE(fs::exists(dir() / "notes.txt"));  // not ours: left alone
    EXPECT_EQ(log->segment_count(), 1u);
}

TEST_F(recovery_test, overlapping_segments_refuse_to_open) {
    _config.segment_bytes = 200;
    fill(4);  // segments at 0, 4
    // A stray segment whose base lies inside segment 0's offsets.
    bytes b = make_batch(1);
    store_be<int64_t>(b.data(), 1);
    write_file(file(1, ".log"), b);
    auto r = try_open();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::corrupt_log);
}

}  // namespace
}  // namespace fjord::storage
