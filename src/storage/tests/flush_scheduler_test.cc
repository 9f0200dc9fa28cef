// Group commit: a few flusher threads, many appends per fsync, waiters completed by high watermark.
#include "storage/flush_scheduler.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <thread>

#include "storage/partition_log.h"
#include "storage/tests/fault_file_io.h"
#include "storage/tests/test_batches.h"

namespace fjord::storage {
namespace {

using model::offset;
using test::make_batch;

std::shared_ptr<partition_log> open_log(const std::filesystem::path& dir, file_io& io,
                                        log_config config = {}) {
    auto r = partition_log::open(dir, config, io);
    EXPECT_TRUE(r.has_value());
    return r ? std::shared_ptr<partition_log>(std::move(r).value()) : nullptr;
}

// What the broker does with acks=all: park a request until the high watermark passes its last
// offset, complete it from the flush callback.
class waiters {
public:
    void add(partition_log* log, offset last) {
        std::lock_guard lock(_mutex);
        _waiting[log].push_back(last);
        ++_added;
    }
    // An acks=all produce: appends a batch of `records` and parks a waiter for its last offset.
    bool produce(partition_log& log, int records = 1) {
        bytes b = make_batch(records);
        auto r = log.append(b, model::leader_epoch(1));
        if (!r) return false;
        add(&log, r->last_offset);
        return true;
    }
    void on_flushed(partition_log& log, result<model::offset, errc> hw) {
        std::lock_guard lock(_mutex);
        ++_callbacks;
        if (!hw) {
            ++_errors;
            return;
        }
        auto& w = _waiting[&log];
        auto done = std::partition(w.begin(), w.end(), [&](offset o) { return o >= *hw; });
        _completed += static_cast<size_t>(w.end() - done);
        w.erase(done, w.end());
        _cv.notify_all();
    }
    bool wait_all(std::chrono::seconds timeout) {
        std::unique_lock lock(_mutex);
        return _cv.wait_for(lock, timeout, [&] { return _completed == _added; });
    }
    size_t completed() const {
        std::lock_guard lock(_mutex);
        return _completed;
    }
    size_t callbacks() const {
        std::lock_guard lock(_mutex);
        return _callbacks;
    }
    size_t errors() const {
        std::lock_guard lock(_mutex);
        return _errors;
    }

private:
    mutable std::mutex _mutex;
    std::condition_variable _cv;
    std::map<partition_log*, std::vector<offset>> _waiting;
    size_t _added = 0;
    size_t _completed = 0;
    size_t _callbacks = 0;
    size_t _errors = 0;
};

TEST(flush_scheduler, completes_every_waiter_once_durable) {
    test::temp_dir dir;
    test::fault_file_io io;
    std::vector<std::shared_ptr<partition_log>> logs;
    for (int p = 0; p < 3; ++p) logs.push_back(open_log(dir.path() / std::to_string(p), io));
    waiters w;
    flush_scheduler flusher;
    flusher.set_on_flushed([&](partition_log& l, auto hw) { w.on_flushed(l, std::move(hw)); });
    flusher.start();

    constexpr int per_thread = 200;
    std::vector<std::thread> producers;
    for (int t = 0; t < 4; ++t) {
        producers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                auto& log = logs[static_cast<size_t>(t + i) % logs.size()];
                ASSERT_TRUE(w.produce(*log, 2));
                flusher.schedule(log);
            }
        });
    }
    for (auto& t : producers) t.join();
    ASSERT_TRUE(w.wait_all(std::chrono::seconds(30)));
    EXPECT_EQ(w.completed(), 4u * per_thread);
    int64_t total = 0;
    for (auto& log : logs) {
        EXPECT_EQ(log->high_watermark(), log->log_end_offset());
        total += log->log_end_offset()();
    }
    EXPECT_EQ(total, 2 * 4 * per_thread);
    flusher.stop();
    EXPECT_EQ(w.errors(), 0u);
}

TEST(flush_scheduler, one_flush_covers_many_appends) {
    test::temp_dir dir;
    test::fault_file_io io;
    auto log = open_log(dir.path() / "p", io);
    waiters w;
    flush_scheduler flusher;
    flusher.set_on_flushed([&](partition_log& l, auto hw) { w.on_flushed(l, std::move(hw)); });
    // Scheduled before the flusher runs, as if appends arrived during an fsync.
    for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE(w.produce(*log));
        flusher.schedule(log);
    }
    auto fsyncs_before = io.fsync_count();
    flusher.start();
    ASSERT_TRUE(w.wait_all(std::chrono::seconds(30)));
    flusher.stop();
    EXPECT_EQ(flusher.flushes(), 1u);
    EXPECT_EQ(w.callbacks(), 1u);
    // One fsync of the .log for 50 appends; this first flush of a new log also makes its
    // directory durable and writes its checkpoint (file, then directory).
    EXPECT_EQ(io.fsync_count() - fsyncs_before, 4u);
    EXPECT_EQ(log->high_watermark(), offset(50));
}

TEST(flush_scheduler, stop_flushes_what_is_pending) {
    test::temp_dir dir;
    test::fault_file_io io;
    auto log = open_log(dir.path() / "p", io);
    flush_scheduler flusher;
    std::atomic<int> calls{0};
    flusher.set_on_flushed([&](partition_log&, auto) { ++calls; });
    flusher.start();
    bytes b = make_batch(3);
    ASSERT_TRUE(log->append(b, model::leader_epoch(1)));
    flusher.schedule(log);
    flusher.stop();
    EXPECT_EQ(log->high_watermark(), offset(3));
    EXPECT_GE(calls.load(), 1);
}

TEST(flush_scheduler, reports_flush_errors_to_the_callback) {
    test::temp_dir dir;
    test::fault_file_io io;
    auto log = open_log(dir.path() / "p", io);
    waiters w;
    flush_scheduler flusher;
    flusher.set_on_flushed([&](partition_log& l, auto hw) { w.on_flushed(l, std::move(hw)); });
    bytes b = make_batch(1);
    ASSERT_TRUE(log->append(b, model::leader_epoch(1)));
    io.set_fail_fsync(true);
    flusher.schedule(log);
    flusher.start();
    flusher.stop();
    io.set_fail_fsync(false);
    EXPECT_EQ(w.errors(), 1u);
    EXPECT_EQ(w.callbacks(), 1u);
    EXPECT_EQ(log->high_watermark(), offset(0));
}

// Index entries only shorten the next open: failing to write them must not fail the waiters of
// data that is durable.
TEST(flush_scheduler, index_write_failure_after_the_fsync_completes_the_waiters) {
    test::temp_dir dir;
    test::fault_file_io io;
    log_config config;
    config.index_interval_bytes = 1;  // every batch has an index entry to write
    auto log = open_log(dir.path() / "p", io, config);
    waiters w;
    flush_scheduler flusher;
    flusher.set_on_flushed([&](partition_log& l, auto hw) { w.on_flushed(l, std::move(hw)); });
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(w.produce(*log));
    io.set_space_left(0);
    flusher.schedule(log);
    flusher.start();
    ASSERT_TRUE(w.wait_all(std::chrono::seconds(30)));
    flusher.stop();
    io.set_space_left(std::nullopt);
    EXPECT_EQ(w.errors(), 0u);
    EXPECT_EQ(w.callbacks(), 1u);
    EXPECT_EQ(log->high_watermark(), offset(2));
}

}  // namespace
}  // namespace fjord::storage
