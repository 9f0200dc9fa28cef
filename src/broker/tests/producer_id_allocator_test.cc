#include "broker/producer_id_allocator.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <thread>

#include "cluster/embedded_metadata_store.h"

namespace fjord::broker {
namespace {

class producer_id_allocator_test : public ::testing::Test {
protected:
    void SetUp() override {
        _dir = std::filesystem::temp_directory_path() /
               ("fjord-pid-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(_dir);
    }
    void TearDown() override { std::filesystem::remove_all(_dir); }
    std::unique_ptr<cluster::embedded_metadata_store> open_store() {
        auto s = cluster::embedded_metadata_store::open(_dir);
        EXPECT_TRUE(s);
        return std::move(s).value();
    }

    std::filesystem::path _dir;
};

TEST_F(producer_id_allocator_test, try_next_needs_a_reserved_block) {
    auto store = open_store();
    producer_id_allocator ids(*store);
    EXPECT_FALSE(ids.try_next());
    auto first = ids.next();
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, model::producer_id(0));
    EXPECT_EQ(ids.try_next(), model::producer_id(1));
}

TEST_F(producer_id_allocator_test, ids_never_repeat_across_blocks_and_restarts) {
    std::set<int64_t> seen;
    for (int restart = 0; restart < 3; ++restart) {
        auto store = open_store();
        producer_id_allocator ids(*store);
        // A block and a half, then a "restart": the rest of the block is never used.
        for (int64_t i = 0; i < producer_id_allocator::block_size * 3 / 2; ++i) {
            auto id = ids.next();
            ASSERT_TRUE(id);
            ASSERT_TRUE(seen.insert((*id)()).second) << (*id)();
        }
    }
    EXPECT_EQ(*seen.rbegin(), 5 * producer_id_allocator::block_size + 499);
}

TEST_F(producer_id_allocator_test, concurrent_callers_get_distinct_ids) {
    auto store = open_store();
    producer_id_allocator ids(*store);
    constexpr int threads = 4;
    constexpr int per_thread = 1500;
    std::vector<std::vector<int64_t>> got(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                auto id = (i % 2) ? ids.try_next() : std::optional<model::producer_id>();
                if (!id) {
                    auto blocking = ids.next();
                    ASSERT_TRUE(blocking);
                    id = *blocking;
                }
                got[t].push_back((*id)());
            }
        });
    }
    for (auto& w : workers) w.join();
    std::set<int64_t> all;
    for (auto& g : got) all.insert(g.begin(), g.end());
    EXPECT_EQ(all.size(), size_t{threads * per_thread});
}

}  // namespace
}  // namespace fjord::broker
