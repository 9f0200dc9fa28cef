#include "broker/topic_table.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "broker/log_cleaner.h"
#include "cluster/embedded_metadata_store.h"
#include "protocol/record_batch.h"

namespace fjord::broker {
namespace {

class topic_table_test : public ::testing::Test {
protected:
    void SetUp() override {
        _config.data_dir = std::filesystem::temp_directory_path() /
                           ("fjord-topics-" + std::to_string(::getpid()) + "-" +
                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(_config.data_dir);
        open();
    }
    void TearDown() override {
        close();
        std::filesystem::remove_all(_config.data_dir);
    }
    void open() {
        auto store = cluster::embedded_metadata_store::open(_config.data_dir);
        ASSERT_TRUE(store);
        _store = std::move(store).value();
        _topics = std::make_unique<topic_table>(_config, *_store);
        ASSERT_TRUE(_topics->load(false));
    }
    void close() {
        if (_topics) _topics->close();
        _topics.reset();
        _store.reset();
    }
    std::shared_ptr<const topic_state> create(const std::string& name, int32_t partitions,
                                              config_overrides configs = {}) {
        auto created = _topics->create(
            new_topic{.name = name, .partitions = partitions, .configs = std::move(configs)},
            /*validate_only=*/false);
        EXPECT_TRUE(created) << (created ? "" : created.error().message);
        return created ? *created : nullptr;
    }
    // Appends one batch of `records` (key, value; nullopt value = tombstone) with timestamp
    // `ts` and makes it durable.
    void append(partition& p,
                const std::vector<std::pair<std::string, std::optional<std::string>>>& kvs,
                int64_t ts) {
        std::vector<protocol::record> records;
        for (size_t i = 0; i < kvs.size(); ++i) {
            const auto& [k, v] = kvs[i];
            std::optional<bytes> value;
            if (v) value = bytes(v->begin(), v->end());
            records.push_back({.offset = static_cast<int64_t>(i),
                               .timestamp = ts,
                               .key = bytes(k.begin(), k.end()),
                               .value = std::move(value)});
        }
        bytes batch = protocol::build_batch({}, records);
        ASSERT_TRUE(p.log().append(batch, model::leader_epoch(0)));
        ASSERT_TRUE(p.log().flush());
    }

    broker_config _config;
    std::unique_ptr<cluster::embedded_metadata_store> _store;
    std::unique_ptr<topic_table> _topics;
};

TEST_F(topic_table_test, add_partitions_grows_the_topic_durably) {
    auto before = create("grow", 2);
    auto grown = _topics->add_partitions("grow", 5, /*validate_only=*/false);
    ASSERT_TRUE(grown) << grown.error().message;
    EXPECT_EQ((*grown)->partitions.size(), 5u);
    EXPECT_EQ((*grown)->metadata.partition_count, 5);
    // The old partitions are the same objects; the old snapshot is untouched.
    EXPECT_EQ((*grown)->partitions[0], before->partitions[0]);
    EXPECT_EQ(before->partitions.size(), 2u);
    EXPECT_EQ(_topics->find("grow")->partitions.size(), 5u);
    EXPECT_NE(_topics->partition_of((*grown)->partitions[4]->log()), nullptr);
    EXPECT_EQ(_store->find_topic("grow")->partition_count, 5);
    close();
    open();
    EXPECT_EQ(_topics->find("grow")->partitions.size(), 5u);
}

TEST_F(topic_table_test, add_partitions_refuses_to_shrink_or_stay) {
    create("fixed", 3);
    for (int32_t count : {3, 2, 0, -1}) {
        auto r = _topics->add_partitions("fixed", count, /*validate_only=*/false);
        ASSERT_FALSE(r) << count;
        EXPECT_EQ(r.error().code, kafka_error::invalid_partitions);
    }
    auto unknown = _topics->add_partitions("nope", 3, /*validate_only=*/false);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, kafka_error::unknown_topic_or_partition);
}

TEST_F(topic_table_test, add_partitions_validate_only_changes_nothing) {
    create("check", 1);
    auto r = _topics->add_partitions("check", 4, /*validate_only=*/true);
    ASSERT_TRUE(r);
    EXPECT_EQ(_topics->find("check")->partitions.size(), 1u);
    EXPECT_EQ(_store->find_topic("check")->partition_count, 1);
    EXPECT_FALSE(std::filesystem::exists(_config.data_dir / "check-1"));
}

TEST_F(topic_table_test, alter_config_publishes_a_new_effective_config) {
    auto before = create("cfg", 1, {{"retention.ms", "1000"}});
    auto altered = _topics->alter_config(
        "cfg",
        [](const config_overrides& current) -> result<config_overrides, topic_error> {
            EXPECT_EQ(current.at("retention.ms"), "1000");
            return config_overrides{{"max.message.bytes", "100"}};
        },
        /*validate_only=*/false);
    ASSERT_TRUE(altered) << altered.error().message;
    auto now = _topics->find("cfg");
    EXPECT_EQ(now->config.max_message_bytes, 100);
    EXPECT_EQ(now->config.retention_ms, _config.log_retention_ms);
    EXPECT_EQ(now->partitions[0], before->partitions[0]);
    EXPECT_EQ(before->config.retention_ms, 1000);  // a published state never changes
    EXPECT_EQ(_store->find_topic("cfg")->configs, (config_overrides{{"max.message.bytes", "100"}}));
    close();
    open();
    EXPECT_EQ(_topics->find("cfg")->config.max_message_bytes, 100);
}

TEST_F(topic_table_test, alter_config_validate_only_and_errors_change_nothing) {
    create("keep", 1, {{"retention.ms", "1000"}});
    auto set = [](config_overrides next) {
        return [next](const config_overrides&) -> result<config_overrides, topic_error> {
            return next;
        };
    };
    ASSERT_TRUE(
        _topics->alter_config("keep", set({{"retention.ms", "5"}}), /*validate_only=*/true));
    auto bad = _topics->alter_config("keep", set({{"retention.ms", "x"}}), false);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, kafka_error::invalid_config);
    auto refused = _topics->alter_config(
        "keep",
        [](const config_overrides&) -> result<config_overrides, topic_error> {
            return fail(topic_error{kafka_error::invalid_request, "no"});
        },
        false);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, kafka_error::invalid_request);
    EXPECT_EQ(_topics->find("keep")->config.retention_ms, 1000);
    EXPECT_EQ(_store->find_topic("keep")->configs.at("retention.ms"), "1000");
    auto unknown = _topics->alter_config("nope", set({}), false);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, kafka_error::unknown_topic_or_partition);
}

TEST_F(topic_table_test, lowering_segment_bytes_rolls_segments_from_then_on) {
    auto topic = create("roll", 1);
    auto& p = *topic->partitions[0];
    append(p, {{"k", "v"}}, 1000);
    append(p, {{"k", "v"}}, 1000);
    EXPECT_EQ(p.log().segment_count(), 1u);
    ASSERT_TRUE(_topics->alter_config(
        "roll",
        [](const config_overrides&) -> result<config_overrides, topic_error> {
            return config_overrides{{"segment.bytes", "150"}};
        },
        false));
    append(p, {{"k", std::string(40, 'x')}}, 1000);
    append(p, {{"k", std::string(40, 'x')}}, 1000);
    EXPECT_GE(p.log().segment_count(), 3u);
}

TEST_F(topic_table_test, delete_topic_enable_false_refuses_removal) {
    create("kept", 1);
    _config.delete_topic_enable = false;
    auto r = _topics->remove("kept");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, kafka_error::topic_deletion_disabled);
    EXPECT_NE(_topics->find("kept"), nullptr);
    _config.delete_topic_enable = true;
    EXPECT_TRUE(_topics->remove("kept"));
}

class log_cleaner_test : public topic_table_test {
protected:
    // Eight segments of one unique key each, then k0 again in the active segment: the first
    // pass finds the whole log dirty (nothing was compacted since it opened) and drops the old
    // k0.
    void fill_with_unique_keys(partition& p) {
        for (int i = 0; i < 8; ++i) {
            append(p, {{"k" + std::to_string(i), std::string(20, 'x')}}, 1000);
        }
        append(p, {{"k0", std::string(20, 'y')}}, 1000);
    }
};

TEST_F(log_cleaner_test, retention_bytes_deletes_old_segments) {
    auto topic = create("bounded", 1, {{"segment.bytes", "200"}, {"retention.bytes", "400"}});
    auto& p = *topic->partitions[0];
    for (int i = 0; i < 10; ++i) append(p, {{"k", std::string(60, 'x')}}, 1000);
    ASSERT_GE(p.log().segment_count(), 5u);
    int64_t now = 2000;
    log_cleaner cleaner(*_topics, std::chrono::hours(1), [&] { return now; });
    auto stats = cleaner.run_once();
    EXPECT_GT(stats.segments_deleted, 0u);
    EXPECT_EQ(stats.errors, 0u);
    EXPECT_GT(p.log().log_start_offset(), model::offset(0));
    EXPECT_LE(p.log().size_bytes(), 400u + 200u);
}

TEST_F(log_cleaner_test, retention_ms_deletes_segments_older_than_it) {
    auto topic = create("aging", 1, {{"segment.bytes", "200"}, {"retention.ms", "1000"}});
    auto& p = *topic->partitions[0];
    for (int i = 0; i < 4; ++i) append(p, {{"k", std::string(60, 'x')}}, 1000);
    int64_t now = 1500;
    log_cleaner cleaner(*_topics, std::chrono::hours(1), [&] { return now; });
    cleaner.run_once();
    EXPECT_EQ(p.log().log_start_offset(), model::offset(0));
    now = 10000;
    cleaner.run_once();
    EXPECT_EQ(p.log().log_start_offset(), model::offset(4));
}

TEST_F(log_cleaner_test, compaction_runs_for_compacted_topics_only) {
    auto compacted =
        create("compacted", 1, {{"segment.bytes", "100"}, {"cleanup.policy", "compact"}});
    auto deleting = create("plain", 1, {{"segment.bytes", "100"}});
    for (auto* t : {compacted.get(), deleting.get()}) {
        auto& p = *t->partitions[0];
        for (int i = 0; i < 6; ++i) append(p, {{"a", "1"}, {"b", "2"}}, 1000);
    }
    int64_t now = 5000;
    log_cleaner cleaner(*_topics, std::chrono::hours(1), [&] { return now; });
    auto stats = cleaner.run_once();
    EXPECT_GT(stats.records_compacted, 0u);
    EXPECT_LT(compacted->partitions[0]->log().size_bytes(),
              deleting->partitions[0]->log().size_bytes());
    // Offsets never change.
    EXPECT_EQ(compacted->partitions[0]->log().log_end_offset(), model::offset(12));
}

TEST(compaction_due, when_the_dirty_ratio_is_above_the_minimum) {
    const storage::compaction_backlog backlog{.clean_bytes = 600, .cleanable_bytes = 400};
    EXPECT_TRUE(compaction_due(backlog, 0.3, INT64_MAX, 0));
    EXPECT_FALSE(compaction_due(backlog, 0.4, INT64_MAX, 0));  // strictly above, as in Kafka
    EXPECT_FALSE(compaction_due({}, 0.0, INT64_MAX, 0));       // an empty log
}

TEST(compaction_due, when_a_dirty_segment_is_older_than_max_compaction_lag) {
    storage::compaction_backlog backlog{
        .clean_bytes = 900, .cleanable_bytes = 100, .earliest_dirty_timestamp = 1000};
    EXPECT_TRUE(compaction_due(backlog, 0.5, 5000, 6001));
    EXPECT_FALSE(compaction_due(backlog, 0.5, 5000, 6000));
    EXPECT_FALSE(compaction_due(backlog, 0.5, INT64_MAX, -10));  // no overflow
    backlog.cleanable_bytes = 0;                                 // dirty, but nothing cleanable yet
    EXPECT_FALSE(compaction_due(backlog, 0.5, 5000, 60'000));
}

TEST_F(log_cleaner_test, compacts_a_log_once_its_dirty_ratio_is_above_the_minimum) {
    auto topic = create("ratio", 1, {{"segment.bytes", "150"}, {"cleanup.policy", "compact"}});
    auto& p = *topic->partitions[0];
    fill_with_unique_keys(p);
    int64_t now = 5000;
    log_cleaner cleaner(*_topics, std::chrono::hours(1), [&] { return now; });
    auto first = cleaner.run_once();
    EXPECT_EQ(first.logs_compacted, 1u);
    EXPECT_EQ(first.records_compacted, 1u);

    // k0's new value is sealed: one dirty segment against eight clean ones, below 0.5.
    append(p, {{"k1", std::string(20, 'y')}}, 1000);
    auto second = cleaner.run_once();
    EXPECT_EQ(second.logs_compacted, 0u);
    EXPECT_EQ(second.logs_left_dirty, 1u);
    EXPECT_EQ(second.records_compacted, 0u);

    ASSERT_TRUE(_topics->alter_config(
        "ratio",
        [](const config_overrides& c) -> result<config_overrides, topic_error> {
            auto next = c;
            next["min.cleanable.dirty.ratio"] = "0.05";
            return next;
        },
        false));
    auto third = cleaner.run_once();
    EXPECT_EQ(third.logs_compacted, 1u);
    EXPECT_EQ(third.records_compacted, 1u);  // the old k1
}

TEST_F(log_cleaner_test, max_compaction_lag_compacts_a_log_below_the_dirty_ratio) {
    auto topic = create("lagged", 1,
                        {{"segment.bytes", "150"},
                         {"cleanup.policy", "compact"},
                         {"min.cleanable.dirty.ratio", "0.9"},
                         {"max.compaction.lag.ms", "10000"}});
    auto& p = *topic->partitions[0];
    fill_with_unique_keys(p);
    int64_t now = 5000;
    log_cleaner cleaner(*_topics, std::chrono::hours(1), [&] { return now; });
    EXPECT_EQ(cleaner.run_once().logs_compacted, 1u);

    // Seals a segment whose first batch is at 1000.
    append(p, {{"k1", std::string(20, 'y')}}, 1000);
    EXPECT_EQ(cleaner.run_once().logs_left_dirty, 1u);
    now = 11'001;
    auto late = cleaner.run_once();
    EXPECT_EQ(late.logs_compacted, 1u);
    EXPECT_EQ(late.records_compacted, 1u);
}

TEST_F(log_cleaner_test, log_cleaner_enable_false_compacts_nothing_but_retention_goes_on) {
    auto compacted =
        create("compacted", 1, {{"segment.bytes", "100"}, {"cleanup.policy", "compact"}});
    auto bounded = create("bounded", 1, {{"segment.bytes", "200"}, {"retention.bytes", "400"}});
    for (int i = 0; i < 6; ++i) append(*compacted->partitions[0], {{"a", "1"}, {"b", "2"}}, 1000);
    for (int i = 0; i < 10; ++i)
        append(*bounded->partitions[0], {{"k", std::string(60, 'x')}}, 1000);
    int64_t now = 5000;
    log_cleaner cleaner(
        *_topics, std::chrono::hours(1), [&] { return now; },
        broker_config{}.producer_id_expiration_ms, /*compaction=*/false);
    auto stats = cleaner.run_once();
    EXPECT_EQ(stats.logs_compacted, 0u);
    EXPECT_EQ(stats.records_compacted, 0u);
    EXPECT_GT(stats.segments_deleted, 0u);
}

TEST_F(log_cleaner_test, the_thread_runs_passes_until_stopped) {
    auto topic = create("threaded", 1, {{"segment.bytes", "200"}, {"retention.bytes", "0"}});
    auto& p = *topic->partitions[0];
    for (int i = 0; i < 4; ++i) append(p, {{"k", std::string(60, 'x')}}, 1000);
    log_cleaner cleaner(*_topics, std::chrono::milliseconds(10));
    cleaner.start();
    for (int i = 0; i < 500 && p.log().log_start_offset() == model::offset(0); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    cleaner.stop();
    EXPECT_GT(p.log().log_start_offset(), model::offset(0));
}

}  // namespace
}  // namespace fjord::broker
