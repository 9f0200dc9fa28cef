#include "broker/clean_shutdown.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace fjord::broker {
namespace {

class clean_shutdown_test : public ::testing::Test {
protected:
    void SetUp() override {
        _dir = std::filesystem::temp_directory_path() /
               ("fjord-clean-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(_dir);
        std::filesystem::create_directories(_dir);
    }
    void TearDown() override { std::filesystem::remove_all(_dir); }

    std::filesystem::path _dir;
};

TEST_F(clean_shutdown_test, a_directory_without_the_marker_was_not_closed_cleanly) {
    auto taken = take_clean_shutdown_marker(_dir);
    ASSERT_TRUE(taken);
    EXPECT_FALSE(*taken);
}

TEST_F(clean_shutdown_test, the_marker_counts_once) {
    leave_clean_shutdown_marker(_dir);
    EXPECT_TRUE(std::filesystem::exists(_dir / ".clean-shutdown"));
    auto first = take_clean_shutdown_marker(_dir);
    ASSERT_TRUE(first);
    EXPECT_TRUE(*first);
    // Taken away at start-up: a crash of this run must not look clean to the next one.
    EXPECT_FALSE(std::filesystem::exists(_dir / ".clean-shutdown"));
    auto second = take_clean_shutdown_marker(_dir);
    ASSERT_TRUE(second);
    EXPECT_FALSE(*second);
}

TEST_F(clean_shutdown_test, a_marker_that_cannot_be_removed_stops_the_start) {
    // A directory by that name cannot be removed with remove(): it is not empty.
    std::filesystem::create_directories(_dir / ".clean-shutdown" / "x");
    auto taken = take_clean_shutdown_marker(_dir);
    ASSERT_FALSE(taken);
    EXPECT_NE(taken.error().find(".clean-shutdown"), std::string::npos);
}

}  // namespace
}  // namespace fjord::broker
