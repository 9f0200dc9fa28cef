#include "broker/partition.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "protocol/record_batch.h"

namespace fjord::broker {
namespace {

class counting_waiter final : public data_waiter {
public:
    void wake() override { ++woken; }
    int woken = 0;
};

class partition_test : public ::testing::Test {
protected:
    void SetUp() override {
        _dir = std::filesystem::temp_directory_path() /
               ("fjord-partition-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(_dir);
        auto log = storage::partition_log::open(_dir, storage::log_config{});
        ASSERT_TRUE(log);
        _partition = std::make_unique<partition>(
            model::topic_partition{"t", model::partition_id(0)},
            std::shared_ptr<storage::partition_log>(std::move(log).value()));
    }
    void TearDown() override {
        _partition.reset();
        std::filesystem::remove_all(_dir);
    }

    // Appends one record; returns its offset.
    model::offset append_one() {
        protocol::record r{.offset = 0, .timestamp = 1000, .key = std::nullopt, .value = bytes{1}};
        bytes batch = protocol::build_batch({}, std::span(&r, 1));
        auto appended = _partition->log().append(batch, model::leader_epoch(0));
        EXPECT_TRUE(appended);
        return appended->last_offset;
    }

    std::filesystem::path _dir;
    std::unique_ptr<partition> _partition;
};

TEST_F(partition_test, durable_waiter_runs_once_the_watermark_passes_its_offset) {
    auto last = append_one();
    std::optional<durability> outcome;
    _partition->when_durable(last, [&](durability d) { outcome = d; });
    EXPECT_FALSE(outcome);
    auto hw = _partition->log().flush();
    ASSERT_TRUE(hw);
    _partition->on_high_watermark(*hw);
    ASSERT_TRUE(outcome);
    EXPECT_EQ(*outcome, durability::durable);
}

TEST_F(partition_test, durable_waiter_runs_at_once_when_already_durable) {
    auto last = append_one();
    _partition->on_high_watermark(*_partition->log().flush());
    bool ran = false;
    _partition->when_durable(last, [&](durability d) { ran = d == durability::durable; });
    EXPECT_TRUE(ran);
}

TEST_F(partition_test, waiters_past_the_watermark_keep_waiting) {
    auto first = append_one();
    _partition->on_high_watermark(*_partition->log().flush());
    auto second = append_one();
    bool ran = false;
    _partition->when_durable(second, [&](durability) { ran = true; });
    _partition->on_high_watermark(first + 1);  // an old watermark moves nothing
    EXPECT_FALSE(ran);
}

TEST_F(partition_test, data_waiter_is_woken_once_per_registration) {
    auto waiter = std::make_shared<counting_waiter>();
    _partition->add_data_waiter(waiter);
    append_one();
    _partition->on_high_watermark(*_partition->log().flush());
    append_one();
    _partition->on_high_watermark(*_partition->log().flush());
    EXPECT_EQ(waiter->woken, 1);
}

TEST_F(partition_test, expired_data_waiters_are_harmless) {
    for (int i = 0; i < 1000; ++i) {
        auto gone = std::make_shared<counting_waiter>();
        _partition->add_data_waiter(gone);
    }
    auto live = std::make_shared<counting_waiter>();
    _partition->add_data_waiter(live);
    append_one();
    _partition->on_high_watermark(*_partition->log().flush());
    EXPECT_EQ(live->woken, 1);
}

TEST_F(partition_test, closing_fails_pending_durable_waiters) {
    auto last = append_one();
    std::optional<durability> outcome;
    _partition->when_durable(last, [&](durability d) { outcome = d; });
    _partition->close_waiters();
    ASSERT_TRUE(outcome);
    EXPECT_EQ(*outcome, durability::failed);
    bool late = false;
    _partition->when_durable(last, [&](durability d) { late = d == durability::failed; });
    EXPECT_TRUE(late);
}

}  // namespace
}  // namespace fjord::broker
