#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "coordinator/manual_timer_service.h"
#include "coordinator/threaded_timer_service.h"

namespace fjord::coordinator {
namespace {

using namespace std::chrono_literals;

TEST(manual_timer_service, runs_due_timers_in_deadline_order) {
    manual_timer_service timers;
    std::vector<int> ran;
    timers.schedule(30ms, [&] { ran.push_back(3); });
    timers.schedule(10ms, [&] { ran.push_back(1); });
    timers.schedule(20ms, [&] { ran.push_back(2); });
    timers.advance(15ms);
    EXPECT_EQ(ran, (std::vector<int>{1}));
    timers.advance(15ms);
    EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(timers.now(), 30ms);
}

TEST(manual_timer_service, equal_deadlines_run_in_scheduling_order) {
    manual_timer_service timers;
    std::vector<int> ran;
    timers.schedule(5ms, [&] { ran.push_back(1); });
    timers.schedule(5ms, [&] { ran.push_back(2); });
    timers.advance(5ms);
    EXPECT_EQ(ran, (std::vector<int>{1, 2}));
}

TEST(manual_timer_service, cancelled_timer_does_not_run) {
    manual_timer_service timers;
    bool ran = false;
    auto id = timers.schedule(5ms, [&] { ran = true; });
    timers.cancel(id);
    timers.cancel(12345);  // unknown ids are ignored
    timers.advance(10ms);
    EXPECT_FALSE(ran);
    EXPECT_EQ(timers.pending(), 0u);
}

TEST(manual_timer_service, timers_scheduled_by_timers_run_within_the_same_advance) {
    manual_timer_service timers;
    std::vector<std::chrono::milliseconds> at;
    timers.schedule(10ms, [&] {
        at.push_back(timers.now());
        timers.schedule(10ms, [&] { at.push_back(timers.now()); });
    });
    timers.advance(25ms);
    EXPECT_EQ(at, (std::vector<std::chrono::milliseconds>{10ms, 20ms}));
}

// Waits (bounded) until `pred` holds; the timer thread signals through `cv`.
template <typename Pred>
bool wait_for(std::mutex& mu, std::condition_variable& cv, Pred pred) {
    std::unique_lock l(mu);
    return cv.wait_for(l, 5s, pred);
}

TEST(threaded_timer_service, runs_timers_in_deadline_order) {
    threaded_timer_service timers;
    std::mutex mu;
    std::condition_variable cv;
    std::vector<int> ran;
    auto record = [&](int v) {
        return [&, v] {
            std::lock_guard l(mu);
            ran.push_back(v);
            cv.notify_all();
        };
    };
    timers.schedule(60ms, record(3));
    timers.schedule(20ms, record(1));
    timers.schedule(40ms, record(2));
    ASSERT_TRUE(wait_for(mu, cv, [&] { return ran.size() == 3; }));
    EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
}

TEST(threaded_timer_service, cancel_prevents_a_timer) {
    threaded_timer_service timers;
    std::mutex mu;
    std::condition_variable cv;
    bool cancelled_ran = false;
    bool later_ran = false;
    auto id = timers.schedule(10ms, [&] { cancelled_ran = true; });
    timers.cancel(id);
    timers.schedule(30ms, [&] {
        std::lock_guard l(mu);
        later_ran = true;
        cv.notify_all();
    });
    ASSERT_TRUE(wait_for(mu, cv, [&] { return later_ran; }));
    EXPECT_FALSE(cancelled_ran);
}

TEST(threaded_timer_service, a_timer_may_schedule_another) {
    threaded_timer_service timers;
    std::mutex mu;
    std::condition_variable cv;
    bool second = false;
    timers.schedule(1ms, [&] {
        timers.schedule(1ms, [&] {
            std::lock_guard l(mu);
            second = true;
            cv.notify_all();
        });
    });
    ASSERT_TRUE(wait_for(mu, cv, [&] { return second; }));
}

TEST(threaded_timer_service, stop_drops_pending_timers_and_is_idempotent) {
    std::atomic<bool> ran{false};
    threaded_timer_service timers;
    timers.schedule(1h, [&] { ran = true; });
    timers.stop();
    timers.stop();
    timers.schedule(0ms, [&] { ran = true; });  // ignored after stop
    EXPECT_FALSE(ran);
}

TEST(threaded_timer_service, now_is_monotonic) {
    threaded_timer_service timers;
    auto a = timers.now();
    auto b = timers.now();
    EXPECT_LE(a, b);
}

}  // namespace
}  // namespace fjord::coordinator
