#include "cluster/embedded_metadata_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fjord::cluster {
namespace {

class metadata_store_test : public ::testing::Test {
protected:
    void SetUp() override {
        _dir = std::filesystem::temp_directory_path() /
               ("fjord-meta-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(_dir);
    }
    void TearDown() override { std::filesystem::remove_all(_dir); }

    topic_metadata topic(std::string name, int32_t partitions) {
        return {.name = std::move(name), .id = uuid::random(), .partition_count = partitions};
    }

    std::filesystem::path _dir;
};

TEST_F(metadata_store_test, new_store_has_a_cluster_id_and_no_topics) {
    auto store = embedded_metadata_store::open(_dir);
    ASSERT_TRUE(store);
    EXPECT_FALSE((*store)->cluster_id().is_zero());
    EXPECT_TRUE((*store)->topics().empty());
}

TEST_F(metadata_store_test, topics_survive_reopen) {
    auto t = topic("payments", 3);
    t.configs["retention.ms"] = "1000";
    uuid cluster;
    {
        auto store = embedded_metadata_store::open(_dir);
        ASSERT_TRUE(store);
        cluster = (*store)->cluster_id();
        ASSERT_TRUE((*store)->create_topic(t));
        ASSERT_TRUE((*store)->create_topic(topic("other", 1)));
        ASSERT_TRUE((*store)->delete_topic("other"));
    }
    auto store = embedded_metadata_store::open(_dir);
    ASSERT_TRUE(store);
    EXPECT_EQ((*store)->cluster_id(), cluster);
    auto found = (*store)->find_topic("payments");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, t.id);
    EXPECT_EQ(found->partition_count, 3);
    EXPECT_EQ(found->configs.at("retention.ms"), "1000");
    EXPECT_FALSE((*store)->find_topic("other"));
}

TEST_F(metadata_store_test, duplicate_and_unknown_topics_are_errors) {
    auto store = embedded_metadata_store::open(_dir);
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->create_topic(topic("a", 1)));
    auto dup = (*store)->create_topic(topic("a", 2));
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error(), errc::topic_already_exists);
    auto missing = (*store)->delete_topic("b");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error(), errc::unknown_topic);
}

TEST_F(metadata_store_test, corrupt_file_is_refused) {
    std::filesystem::create_directories(_dir);
    std::ofstream(_dir / embedded_metadata_store::file_name) << "{ not json";
    auto store = embedded_metadata_store::open(_dir);
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error(), errc::corrupt_metadata);
}

TEST_F(metadata_store_test, invalid_topic_entry_is_refused) {
    std::filesystem::create_directories(_dir);
    std::ofstream(_dir / embedded_metadata_store::file_name)
        << R"({"version":1,"cluster_id":"AAAAAAAAAAAAAAAAAAAAAA","topics":[{"name":"x"}]})";
    auto store = embedded_metadata_store::open(_dir);
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error(), errc::corrupt_metadata);
}

TEST_F(metadata_store_test, producer_id_blocks_never_overlap_across_restarts) {
    {
        auto store = embedded_metadata_store::open(_dir);
        ASSERT_TRUE(store);
        auto a = (*store)->allocate_producer_ids(1000);
        ASSERT_TRUE(a);
        EXPECT_EQ(*a, (producer_id_block{0, 1000}));
        auto b = (*store)->allocate_producer_ids(10);
        ASSERT_TRUE(b);
        EXPECT_EQ(*b, (producer_id_block{1000, 10}));
        // A topic change keeps the reservation.
        ASSERT_TRUE((*store)->create_topic(topic("t", 1)));
    }
    auto store = embedded_metadata_store::open(_dir);
    ASSERT_TRUE(store);
    auto c = (*store)->allocate_producer_ids(1000);
    ASSERT_TRUE(c);
    EXPECT_EQ(*c, (producer_id_block{1010, 1000}));
}

TEST_F(metadata_store_test, file_without_next_producer_id_starts_at_zero) {
    std::filesystem::create_directories(_dir);
    std::ofstream(_dir / embedded_metadata_store::file_name)
        << R"({"version":1,"cluster_id":"AAAAAAAAAAAAAAAAAAAAAA","topics":[]})";
    auto store = embedded_metadata_store::open(_dir);
    ASSERT_TRUE(store);
    auto block = (*store)->allocate_producer_ids(5);
    ASSERT_TRUE(block);
    EXPECT_EQ(block->first, 0);
}

TEST_F(metadata_store_test, invalid_next_producer_id_is_refused) {
    std::filesystem::create_directories(_dir);
    for (const char* bad : {"-1", "\"7\"", "1.5"}) {
        std::ofstream(_dir / embedded_metadata_store::file_name)
            << R"({"version":1,"cluster_id":"AAAAAAAAAAAAAAAAAAAAAA","next_producer_id":)" << bad
            << R"(,"topics":[]})";
        auto store = embedded_metadata_store::open(_dir);
        ASSERT_FALSE(store) << bad;
        EXPECT_EQ(store.error(), errc::corrupt_metadata);
    }
}

TEST_F(metadata_store_test, producer_ids_run_out_at_int64_max) {
    std::filesystem::create_directories(_dir);
    std::ofstream(_dir / embedded_metadata_store::file_name)
        << R"({"version":1,"cluster_id":"AAAAAAAAAAAAAAAAAAAAAA","next_producer_id":)"
        << (INT64_MAX - 10) << R"(,"topics":[]})";
    auto store = embedded_metadata_store::open(_dir);
    ASSERT_TRUE(store);
    auto last = (*store)->allocate_producer_ids(10);
    ASSERT_TRUE(last);
    EXPECT_EQ(last->first, INT64_MAX - 10);
    auto none = (*store)->allocate_producer_ids(1);
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error(), errc::producer_ids_exhausted);
}

}  // namespace
}  // namespace fjord::cluster
