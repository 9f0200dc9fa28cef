#include "broker/admin_executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace fjord::broker {
namespace {

TEST(admin_executor, runs_tasks_in_order_off_the_calling_thread) {
    admin_executor executor;
    std::vector<int> order;  // written by the executor thread only
    std::atomic<bool> other_thread{true};
    auto caller = std::this_thread::get_id();
    for (int i = 0; i < 100; ++i) {
        executor.submit([&, i] {
            if (std::this_thread::get_id() == caller) other_thread = false;
            order.push_back(i);
        });
    }
    executor.stop();  // runs what is queued first
    ASSERT_EQ(order.size(), 100u);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(order[static_cast<size_t>(i)], i);
    EXPECT_TRUE(other_thread);
}

TEST(admin_executor, drops_tasks_submitted_after_stop) {
    admin_executor executor;
    executor.stop();
    bool ran = false;
    executor.submit([&] { ran = true; });
    executor.stop();  // idempotent
    EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace fjord::broker
