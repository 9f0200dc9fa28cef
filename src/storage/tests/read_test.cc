// partition_log::read: the batches it returns (checked against a reference walk of what was
// appended) and the preads it costs. A read normally finds its first batch and its data with one
// pread from the index position; these tests put that first batch at the edges of that window.
#include <gtest/gtest.h>

#include <random>

#include "storage/partition_log.h"
#include "storage/segment_format.h"
#include "storage/tests/fault_file_io.h"
#include "storage/tests/test_batches.h"

namespace fjord::storage {
namespace {

using model::offset;
using test::make_batch;

// A batch as the log stored it.
struct stored_batch {
    int64_t base;
    int64_t last;
    size_t segment;  // index in the log's segment list
    bytes data;
};

class read_test : public ::testing::Test {
protected:
    void open(log_config config) {
        auto r = partition_log::open(_dir.path() / "topic-0", std::move(config), _io);
        ASSERT_TRUE(r.has_value());
        _log = std::move(r).value();
    }
    // Appends one batch of `records` records with values of `value_size` bytes.
    void append(int records, size_t value_size) {
        bytes b = make_batch(records, 1000, value_size);
        auto r = _log->append(b, model::leader_epoch(1));
        ASSERT_TRUE(r.has_value());
        _batches.push_back({r->base_offset(), r->last_offset(), _log->segment_count() - 1, b});
    }
    void flush() { ASSERT_TRUE(_log->flush()); }

    // What read() must return, from the batches as appended: from the first batch whose last
    // offset is >= start, whole batches of its segment below `upper`, within max_bytes (the first
    // one even past it with min_one_batch).
    bytes expected(int64_t start, size_t max_bytes, int64_t upper, bool min_one_batch) const {
        size_t i = 0;
        while (i < _batches.size() && _batches[i].last < start) ++i;
        if (i == _batches.size() || _batches[i].last >= upper) return {};
        if (_batches[i].data.size() > max_bytes) {
            return min_one_batch ? _batches[i].data : bytes{};
        }
        bytes out;
        for (size_t j = i;
             j < _batches.size() && _batches[j].segment == _batches[i].segment &&
             _batches[j].last < upper && out.size() + _batches[j].data.size() <= max_bytes;
             ++j) {
            out.insert(out.end(), _batches[j].data.begin(), _batches[j].data.end());
        }
        return out;
    }
    // Reads, checks the answer against expected() and returns the preads it took.
    uint64_t read_and_check(int64_t start, size_t max_bytes, int64_t upper, bool min_one_batch) {
        uint64_t before = _io.log_preads();
        auto r = _log->read(offset(start), max_bytes, offset(upper), min_one_batch);
        uint64_t preads = _io.log_preads() - before;
        EXPECT_TRUE(r.has_value());
        if (!r) return preads;
        EXPECT_EQ(bytes(r->data.view.begin(), r->data.view.end()),
                  expected(start, max_bytes, upper, min_one_batch))
            << "start " << start << " max_bytes " << max_bytes << " upper " << upper
            << " min_one_batch " << min_one_batch;
        return preads;
    }
    int64_t hw() const { return _log->high_watermark()(); }
    // The file position of batch `i` in its segment.
    uint64_t position_of(size_t i) const {
        uint64_t pos = 0;
        for (size_t j = 0; j < i; ++j) {
            if (_batches[j].segment == _batches[i].segment) pos += _batches[j].data.size();
        }
        return pos;
    }

    test::temp_dir _dir;
    test::fault_file_io _io;  // counts the preads of .log files
    std::unique_ptr<partition_log> _log;
    std::vector<stored_batch> _batches;
};

// Every batch indexed (each is larger than the interval): a read at a batch's base offset starts
// exactly at its index entry.
TEST_F(read_test, read_at_an_indexed_batch_costs_one_pread) {
    log_config config;
    config.index_interval_bytes = 512;
    open(config);
    for (int i = 0; i < 20; ++i) append(4, 1000);
    flush();
    for (const auto& b : _batches) {
        EXPECT_EQ(read_and_check(b.base, 10'000, hw(), true), 1u) << b.base;
        EXPECT_EQ(read_and_check(b.base, 1 << 20, hw(), true), 1u) << b.base;
    }
}

// Small batches between index entries: the first pread covers them and the data.
TEST_F(read_test, read_in_the_middle_of_a_batch_between_index_entries_costs_one_pread) {
    log_config config;
    config.index_interval_bytes = 4096;
    open(config);
    for (int i = 0; i < 200; ++i) append(3, 50);
    flush();
    for (int64_t o = 0; o < hw(); ++o) {
        EXPECT_EQ(read_and_check(o, 2000, hw(), true), 1u) << o;
    }
}

// No index entries at all (a huge interval): the first batch lies further from the index
// position than the first pread reaches; the rest of the way is walked header by header.
TEST_F(read_test, first_batch_beyond_the_first_window_is_still_found) {
    log_config config;
    config.index_interval_bytes = 1 << 30;
    open(config);
    for (int i = 0; i < 100; ++i) append(1, 1000);  // ~1 KiB each, ~100 KiB in all
    flush();
    ASSERT_GT(position_of(90), 64u * 1024);
    for (int64_t o : {0, 1, 15, 16, 17, 40, 90, 99}) {
        for (size_t max_bytes : {size_t{0}, size_t{100}, size_t{2000}, size_t{1} << 20}) {
            read_and_check(o, max_bytes, hw(), true);
            read_and_check(o, max_bytes, hw(), false);
        }
    }
    EXPECT_GE(read_and_check(90, 2000, hw(), true), 2u);
}

// The first batch starts inside the first window but ends past it: the rest is read behind the
// part already in memory.
TEST_F(read_test, first_batch_straddling_the_end_of_the_window) {
    log_config config;
    config.index_interval_bytes = 1 << 30;
    open(config);
    for (int i = 0; i < 40; ++i) append(1, 1000);
    flush();
    // No index: the window covers 16 KiB (the most it reads ahead to find the first batch) plus
    // max_bytes from position 0.
    constexpr uint64_t slack = 16 * 1024;
    constexpr size_t max_bytes = 2000;
    size_t straddling = 0;
    while (position_of(straddling + 1) <= slack + max_bytes) ++straddling;
    ASSERT_LT(position_of(straddling) + format::batch_header_size, slack + max_bytes);
    ASSERT_GT(position_of(straddling) + _batches[straddling].data.size(), slack + max_bytes);
    EXPECT_EQ(read_and_check(_batches[straddling].base, max_bytes, hw(), true), 2u);
    // A batch that starts within the slack has max_bytes behind it in the window.
    size_t within = 0;
    while (position_of(within + 1) <= slack) ++within;
    EXPECT_EQ(read_and_check(_batches[within].base, max_bytes, hw(), true), 1u);
    EXPECT_EQ(read_and_check(_batches[within + 1].base, max_bytes, hw(), true), 2u);
}

// A batch larger than max_bytes and than the whole first window: with min_one_batch it comes
// back whole (a second pread for what the window missed), without it nothing does.
TEST_F(read_test, batch_larger_than_max_bytes) {
    open(log_config{});
    append(1, 100);
    append(40, 2000);  // ~80 KiB
    append(1, 100);
    flush();
    EXPECT_EQ(read_and_check(1, 1000, hw(), true), 2u);
    read_and_check(1, 1000, hw(), false);
    read_and_check(20, 1000, hw(), true);  // in the middle of the large batch
    read_and_check(0, 1000, hw(), true);   // the small one before it only
    read_and_check(0, 1000, hw(), false);
    EXPECT_EQ(read_and_check(1, 1 << 20, hw(), true), 1u);
    read_and_check(41, 1000, hw(), true);
}

TEST_F(read_test, upper_bound_inside_the_window) {
    log_config config;
    config.index_interval_bytes = 256;
    open(config);
    for (int i = 0; i < 30; ++i) append(2, 100);
    flush();
    for (int64_t upper : {1, 2, 3, 10, 31, 59, 60}) {
        for (int64_t start = 0; start < upper; ++start) {
            EXPECT_EQ(read_and_check(start, 1 << 20, upper, true), 1u);
        }
    }
}

// One read returns batches of one segment only; the next read picks up the next segment.
TEST_F(read_test, reads_across_a_segment_boundary) {
    log_config config;
    config.index_interval_bytes = 256;
    config.segment_bytes = 8 * 1024;
    open(config);
    for (int i = 0; i < 40; ++i) append(2, 500);
    flush();
    ASSERT_GT(_log->segment_count(), 2u);
    for (size_t i = 1; i < _batches.size(); ++i) {
        if (_batches[i].segment == _batches[i - 1].segment) continue;
        // The last batch of a segment, then the first of the next.
        EXPECT_EQ(read_and_check(_batches[i - 1].base, 1 << 20, hw(), true), 1u);
        EXPECT_EQ(read_and_check(_batches[i - 1].last, 1 << 20, hw(), true), 1u);
        EXPECT_EQ(read_and_check(_batches[i].base, 1 << 20, hw(), true), 1u);
        EXPECT_EQ(read_and_check(_batches[i].last, 1 << 20, hw(), true), 1u);
    }
}

// Every start offset, with batch sizes, index intervals, limits and upper bounds drawn at random,
// against the reference walk.
TEST_F(read_test, random_layouts_match_the_reference) {
    std::mt19937 rng(20261122);
    log_config config;
    config.index_interval_bytes = 2048;
    config.segment_bytes = 96 * 1024;
    open(config);
    std::uniform_int_distribution<int> kind(0, 9);
    for (int i = 0; i < 150; ++i) {
        int k = kind(rng);
        if (k == 0) {
            append(20, 1500);  // ~30 KiB: more than the slack
        } else if (k < 4) {
            append(1 + k, 400);
        } else {
            append(1, 20 + 10 * k);
        }
    }
    flush();
    ASSERT_GT(_log->segment_count(), 2u);
    std::uniform_int_distribution<int64_t> pick_upper(1, hw());
    const size_t limits[] = {0, 1, 200, 3000, 20'000, 100'000};
    for (int64_t start = 0; start < hw(); ++start) {
        int64_t upper = std::max(start + 1, pick_upper(rng));
        for (size_t max_bytes : limits) {
            for (bool min_one : {true, false}) {
                uint64_t preads = read_and_check(start, max_bytes, upper, min_one);
                EXPECT_LE(preads, 3u);
            }
        }
    }
}

}  // namespace
}  // namespace fjord::storage
