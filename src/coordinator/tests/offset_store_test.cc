#include "coordinator/offset_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <thread>

#include "coordinator/records.h"

namespace fjord::coordinator {
namespace {

// Records appends. Depending on `mode` it answers inline (durable or failed) or holds the answer
// until the test calls complete(), in any order it likes.
class fake_log : public coordinator_log {
public:
    enum class mode { durable, fail, deferred };
    struct call {
        int32_t partition = 0;
        std::vector<log_record> records;
        std::function<void(bool)> done;  // set only in deferred mode, until completed
    };

    void append(int32_t partition, std::vector<log_record> records,
                std::function<void(bool durable)> done) override {
        calls.push_back({partition, std::move(records), nullptr});
        switch (m) {
            case mode::durable:
                done(true);
                break;
            case mode::fail:
                done(false);
                break;
            case mode::deferred:
                calls.back().done = std::move(done);
                break;
        }
    }
    void append_transactional(int32_t partition, model::producer_id id,
                              model::producer_epoch epoch, std::vector<log_record> records,
                              std::function<void(bool durable)> done) override {
        transactional.emplace_back(id, epoch);
        append(partition, std::move(records), std::move(done));
    }
    void complete(size_t index, bool durable) {
        auto done = std::move(calls.at(index).done);
        ASSERT_TRUE(done) << "append " << index << " already completed";
        done(durable);
    }

    mode m = mode::durable;
    std::vector<call> calls;
    // Producer of every transactional append, in order.
    std::vector<std::pair<model::producer_id, model::producer_epoch>> transactional;
};

struct store_test : ::testing::Test {
    offset_store make(offset_config config = {}) {
        return offset_store(config, log, [this] { return now; });
    }
    std::vector<errc> commit_sync(offset_store& s, std::string_view group,
                                  std::vector<offset_commit_entry> entries) {
        std::optional<std::vector<errc>> out;
        s.commit(group, std::move(entries), [&](std::vector<errc> r) { out = std::move(r); });
        EXPECT_TRUE(out.has_value()) << "commit did not complete inline";
        return out.value_or(std::vector<errc>{});
    }

    fake_log log;
    int64_t now = 1'000'000;
};

offset_commit_entry entry(std::string topic, int32_t partition, int64_t offset,
                          std::optional<std::string> metadata = std::nullopt,
                          int32_t leader_epoch = -1) {
    return {std::move(topic), partition, offset, leader_epoch, std::move(metadata)};
}

bytes offset_record_key(std::string group, std::string topic, int32_t partition) {
    return records::encode_offset_key({std::move(group), std::move(topic), partition});
}

// ---- transactional commits (TxnOffsetCommit) ----

struct txn_store_test : store_test {
    std::vector<errc> commit_txn(offset_store& s, std::string_view group, int64_t producer,
                                 std::vector<offset_commit_entry> entries) {
        std::optional<std::vector<errc>> out;
        s.commit_transactional(group, model::producer_id(producer), model::producer_epoch(2),
                               std::move(entries),
                               [&](std::vector<errc> r) { out = std::move(r); });
        EXPECT_TRUE(out.has_value()) << "commit did not complete inline";
        return out.value_or(std::vector<errc>{});
    }
};

TEST_F(txn_store_test, transactional_offsets_wait_for_the_commit_marker) {
    auto s = make();
    ASSERT_EQ(commit_sync(s, "g", {entry("t", 0, 5)}), std::vector<errc>{errc::none});
    ASSERT_EQ(commit_txn(s, "g", 7, {entry("t", 0, 10), entry("t", 1, 20)}),
              (std::vector<errc>{errc::none, errc::none}));
    ASSERT_EQ(log.transactional.size(), 1u);
    EXPECT_EQ(log.transactional[0].first, model::producer_id(7));
    EXPECT_EQ(log.transactional[0].second, model::producer_epoch(2));
    // Pending: invisible, but reported to RequireStable fetches.
    EXPECT_EQ(s.fetch("g", "t", 0)->offset, 5);
    EXPECT_FALSE(s.fetch("g", "t", 1));
    EXPECT_TRUE(s.has_pending_transactional("g", "t", 0));
    EXPECT_FALSE(s.has_pending_transactional("g", "t", 2));

    // A marker in another partition, or of another producer, changes nothing.
    int32_t partition = partition_for_group("g", default_offsets_partitions);
    s.complete_transaction(partition + 1, model::producer_id(7), true);
    s.complete_transaction(partition, model::producer_id(8), true);
    EXPECT_EQ(s.fetch("g", "t", 0)->offset, 5);

    s.complete_transaction(partition, model::producer_id(7), true);
    EXPECT_EQ(s.fetch("g", "t", 0)->offset, 10);
    EXPECT_EQ(s.fetch("g", "t", 1)->offset, 20);
    EXPECT_FALSE(s.has_pending_transactional("g", "t", 0));
}

TEST_F(txn_store_test, abort_marker_drops_transactional_offsets) {
    auto s = make();
    ASSERT_EQ(commit_txn(s, "g", 7, {entry("t", 0, 10)}), std::vector<errc>{errc::none});
    s.complete_transaction(partition_for_group("g", default_offsets_partitions),
                           model::producer_id(7), false);
    EXPECT_FALSE(s.fetch("g", "t", 0));
    EXPECT_FALSE(s.has_pending_transactional("g", "t", 0));
    EXPECT_TRUE(s.groups().empty());
}

TEST_F(txn_store_test, failed_transactional_write_leaves_nothing_pending) {
    auto s = make();
    log.m = fake_log::mode::fail;
    EXPECT_EQ(commit_txn(s, "g", 7, {entry("t", 0, 10)}),
              std::vector<errc>{errc::coordinator_not_available});
    EXPECT_FALSE(s.has_pending_transactional("g", "t", 0));
}

TEST_F(txn_store_test, replay_applies_transactional_records_at_their_marker) {
    auto s = make();
    auto value = records::encode_offset_value({.offset = 42, .commit_timestamp = 5});
    s.load_transactional_record(model::producer_id(7), offset_record_key("g", "t", 0), value);
    s.load_transactional_record(model::producer_id(8), offset_record_key("g", "t", 1), value);
    EXPECT_FALSE(s.fetch("g", "t", 0));
    int32_t partition = partition_for_group("g", default_offsets_partitions);
    s.complete_transaction(partition, model::producer_id(7), true);
    s.complete_transaction(partition, model::producer_id(8), false);
    EXPECT_EQ(s.fetch("g", "t", 0)->offset, 42);
    EXPECT_FALSE(s.fetch("g", "t", 1));
    // Undecodable records are skipped.
    s.load_transactional_record(model::producer_id(9), bytes{0, 1}, value);
    EXPECT_FALSE(s.has_pending_transactional("g", "t", 0));
}

// ---- commit and fetch ----

TEST_F(store_test, commit_then_fetch) {
    auto s = make();
    auto r = commit_sync(s, "g", {entry("t", 0, 10, "meta", 4), entry("t", 1, 20)});
    EXPECT_EQ(r, (std::vector<errc>{errc::none, errc::none}));
    EXPECT_EQ(s.fetch("g", "t", 0), (committed_offset{10, 4, "meta", now}));
    EXPECT_EQ(s.fetch("g", "t", 1), (committed_offset{20, -1, "", now}));
    EXPECT_FALSE(s.fetch("g", "t", 2));
    EXPECT_FALSE(s.fetch("other", "t", 0));
}

TEST_F(store_test, commit_writes_one_batch_to_the_groups_partition) {
    auto s = make();
    commit_sync(s, "my-group", {entry("t", 0, 10, "m", 2), entry("u", 3, 30)});
    ASSERT_EQ(log.calls.size(), 1u);
    EXPECT_EQ(log.calls[0].partition, partition_for_group("my-group", default_offsets_partitions));
    ASSERT_EQ(log.calls[0].records.size(), 2u);
    const auto& first = log.calls[0].records[0];
    EXPECT_EQ(first.key, offset_record_key("my-group", "t", 0));
    ASSERT_TRUE(first.value.has_value());
    EXPECT_EQ(records::decode_offset_value(*first.value),
              (records::offset_value{10, 2, "m", now, -1}));
    EXPECT_EQ(log.calls[0].records[1].key, offset_record_key("my-group", "u", 3));
}

TEST_F(store_test, worked_example_partition_from_the_format_page) {
    EXPECT_EQ(partition_for_group("grp", default_offsets_partitions), 29);
}

TEST_F(store_test, later_commit_overwrites) {
    auto s = make();
    commit_sync(s, "g", {entry("t", 0, 10)});
    now += 5;
    commit_sync(s, "g", {entry("t", 0, 11, "again")});
    EXPECT_EQ(s.fetch("g", "t", 0), (committed_offset{11, -1, "again", now}));
}

TEST_F(store_test, commit_is_invisible_until_durable) {
    log.m = fake_log::mode::deferred;
    auto s = make();
    std::optional<std::vector<errc>> result;
    s.commit("g", {entry("t", 0, 10)}, [&](std::vector<errc> r) { result = r; });
    EXPECT_FALSE(result);
    EXPECT_FALSE(s.fetch("g", "t", 0));
    EXPECT_FALSE(s.has_offsets("g"));
    log.complete(0, true);
    EXPECT_EQ(result, (std::vector<errc>{errc::none}));
    EXPECT_EQ(s.fetch("g", "t", 0)->offset, 10);
}

TEST_F(store_test, metadata_too_large_fails_that_entry_only) {
    offset_config config;
    config.max_metadata_bytes = 8;
    auto s = make(config);
    auto r = commit_sync(s, "g",
                         {entry("t", 0, 10, std::string(9, 'x')), entry("t", 1, 20, "12345678")});
    EXPECT_EQ(r, (std::vector<errc>{errc::offset_metadata_too_large, errc::none}));
    EXPECT_FALSE(s.fetch("g", "t", 0));
    EXPECT_EQ(s.fetch("g", "t", 1)->metadata, "12345678");
    ASSERT_EQ(log.calls.size(), 1u);
    EXPECT_EQ(log.calls[0].records.size(), 1u);
}

TEST_F(store_test, metadata_beyond_the_record_format_is_too_large_whatever_the_config) {
    offset_config config;
    config.max_metadata_bytes = 1 << 20;
    auto s = make(config);
    auto r = commit_sync(s, "g", {entry("t", 0, 1, std::string(40000, 'x'))});
    EXPECT_EQ(r, (std::vector<errc>{errc::offset_metadata_too_large}));
}

TEST_F(store_test, all_invalid_completes_without_writing) {
    offset_config config;
    config.max_metadata_bytes = 0;
    auto s = make(config);
    auto r = commit_sync(s, "g", {entry("t", 0, 10, "x")});
    EXPECT_EQ(r, (std::vector<errc>{errc::offset_metadata_too_large}));
    EXPECT_TRUE(log.calls.empty());
    EXPECT_EQ(commit_sync(s, "g", {}), std::vector<errc>{});
    EXPECT_TRUE(log.calls.empty());
}

TEST_F(store_test, failed_write_applies_nothing) {
    offset_config config;
    config.max_metadata_bytes = 1;
    auto s = make(config);
    commit_sync(s, "g", {entry("t", 0, 5)});
    log.m = fake_log::mode::fail;
    auto r = commit_sync(s, "g", {entry("t", 0, 10), entry("t", 1, 20), entry("t", 2, 1, "xx")});
    EXPECT_EQ(r,
              (std::vector<errc>{errc::coordinator_not_available, errc::coordinator_not_available,
                                 errc::offset_metadata_too_large}));
    EXPECT_EQ(s.fetch("g", "t", 0)->offset, 5);
    EXPECT_FALSE(s.fetch("g", "t", 1));
}

TEST_F(store_test, failed_first_commit_leaves_no_group) {
    log.m = fake_log::mode::fail;
    auto s = make();
    commit_sync(s, "g", {entry("t", 0, 10)});
    EXPECT_FALSE(s.has_offsets("g"));
    EXPECT_TRUE(s.groups().empty());
}

TEST_F(store_test, completions_out_of_order_apply_in_log_order) {
    log.m = fake_log::mode::deferred;
    auto s = make();
    std::vector<int> finished;
    s.commit("g", {entry("t", 0, 1)}, [&](std::vector<errc>) { finished.push_back(1); });
    s.commit("g", {entry("t", 0, 2)}, [&](std::vector<errc>) { finished.push_back(2); });
    ASSERT_EQ(log.calls.size(), 2u);
    // The log answers the second append first: it must wait for the first.
    log.complete(1, true);
    EXPECT_TRUE(finished.empty());
    EXPECT_FALSE(s.fetch("g", "t", 0));
    log.complete(0, true);
    EXPECT_EQ(finished, (std::vector<int>{1, 2}));
    EXPECT_EQ(s.fetch("g", "t", 0)->offset, 2);
}

TEST_F(store_test, writes_to_other_partitions_do_not_wait) {
    log.m = fake_log::mode::deferred;
    auto s = make();
    // Two groups on different __consumer_offsets partitions.
    std::string a = "a", b = "b";
    ASSERT_NE(partition_for_group(a, default_offsets_partitions),
              partition_for_group(b, default_offsets_partitions));
    bool b_done = false;
    s.commit(a, {entry("t", 0, 1)}, [](std::vector<errc>) {});
    s.commit(b, {entry("t", 0, 1)}, [&](std::vector<errc>) { b_done = true; });
    log.complete(1, true);
    EXPECT_TRUE(b_done);
    EXPECT_TRUE(s.has_offsets(b));
    EXPECT_FALSE(s.has_offsets(a));
    log.complete(0, true);
    EXPECT_TRUE(s.has_offsets(a));
}

TEST_F(store_test, callbacks_may_call_back_into_the_store) {
    auto s = make();
    bool nested = false;
    s.commit("g", {entry("t", 0, 1)}, [&](std::vector<errc>) {
        EXPECT_EQ(s.fetch("g", "t", 0)->offset, 1);
        s.commit("g", {entry("t", 0, 2)}, [&](std::vector<errc>) { nested = true; });
    });
    EXPECT_TRUE(nested);
    EXPECT_EQ(s.fetch("g", "t", 0)->offset, 2);
}

TEST_F(store_test, fetch_all_is_sorted_by_topic_then_partition) {
    auto s = make();
    commit_sync(s, "g", {entry("b", 1, 4), entry("a", 10, 3), entry("b", 0, 2), entry("a", 2, 1)});
    auto all = s.fetch_all("g");
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all[0].first, (topic_partition_ref{"a", 2}));
    EXPECT_EQ(all[1].first, (topic_partition_ref{"a", 10}));
    EXPECT_EQ(all[2].first, (topic_partition_ref{"b", 0}));
    EXPECT_EQ(all[3].first, (topic_partition_ref{"b", 1}));
    EXPECT_EQ(all[3].second.offset, 4);
    EXPECT_TRUE(s.fetch_all("none").empty());
}

TEST_F(store_test, groups_lists_groups_with_offsets) {
    auto s = make();
    EXPECT_TRUE(s.groups().empty());
    commit_sync(s, "zeta", {entry("t", 0, 1)});
    commit_sync(s, "alpha", {entry("t", 0, 1)});
    EXPECT_EQ(s.groups(), (std::vector<std::string>{"alpha", "zeta"}));
    EXPECT_TRUE(s.has_offsets("alpha"));
    EXPECT_FALSE(s.has_offsets("beta"));
}

// ---- deletion ----

TEST_F(store_test, delete_offsets_writes_tombstones_for_existing_partitions) {
    auto s = make();
    commit_sync(s, "g", {entry("t", 0, 1), entry("t", 1, 2)});
    std::optional<std::vector<errc>> result;
    s.delete_offsets("g", {{"t", 0}, {"t", 7}}, [&](std::vector<errc> r) { result = r; });
    EXPECT_EQ(result, (std::vector<errc>{errc::none, errc::none}));
    ASSERT_EQ(log.calls.size(), 2u);
    ASSERT_EQ(log.calls[1].records.size(), 1u);
    EXPECT_EQ(log.calls[1].records[0].key, offset_record_key("g", "t", 0));
    EXPECT_FALSE(log.calls[1].records[0].value.has_value());
    EXPECT_FALSE(s.fetch("g", "t", 0));
    EXPECT_TRUE(s.fetch("g", "t", 1));
}

TEST_F(store_test, delete_offsets_with_nothing_to_delete_writes_nothing) {
    auto s = make();
    std::optional<std::vector<errc>> result;
    s.delete_offsets("g", {{"t", 0}}, [&](std::vector<errc> r) { result = r; });
    EXPECT_EQ(result, (std::vector<errc>{errc::none}));
    EXPECT_TRUE(log.calls.empty());
}

TEST_F(store_test, delete_offsets_failure_keeps_offsets) {
    auto s = make();
    commit_sync(s, "g", {entry("t", 0, 1)});
    log.m = fake_log::mode::fail;
    std::optional<std::vector<errc>> result;
    s.delete_offsets("g", {{"t", 0}, {"t", 1}}, [&](std::vector<errc> r) { result = r; });
    EXPECT_EQ(result, (std::vector<errc>{errc::coordinator_not_available,
                                         errc::coordinator_not_available}));
    EXPECT_TRUE(s.fetch("g", "t", 0));
}

TEST_F(store_test, delete_group_tombstones_every_offset) {
    auto s = make();
    commit_sync(s, "g", {entry("t", 0, 1), entry("u", 2, 2)});
    commit_sync(s, "other", {entry("t", 0, 1)});
    std::optional<errc> result;
    s.delete_group("g", [&](errc e) { result = e; });
    EXPECT_EQ(result, errc::none);
    const auto& batch = log.calls.back();
    EXPECT_EQ(batch.partition, partition_for_group("g", default_offsets_partitions));
    ASSERT_EQ(batch.records.size(), 2u);
    for (const auto& r : batch.records) EXPECT_FALSE(r.value.has_value());
    EXPECT_EQ(batch.records[0].key, offset_record_key("g", "t", 0));
    EXPECT_EQ(batch.records[1].key, offset_record_key("g", "u", 2));
    EXPECT_FALSE(s.has_offsets("g"));
    EXPECT_EQ(s.groups(), std::vector<std::string>{"other"});
}

TEST_F(store_test, delete_group_without_offsets_succeeds_without_writing) {
    auto s = make();
    std::optional<errc> result;
    s.delete_group("g", [&](errc e) { result = e; });
    EXPECT_EQ(result, errc::none);
    EXPECT_TRUE(log.calls.empty());
}

TEST_F(store_test, delete_group_failure_reports_and_keeps) {
    auto s = make();
    commit_sync(s, "g", {entry("t", 0, 1)});
    log.m = fake_log::mode::fail;
    std::optional<errc> result;
    s.delete_group("g", [&](errc e) { result = e; });
    EXPECT_EQ(result, errc::coordinator_not_available);
    EXPECT_TRUE(s.has_offsets("g"));
}

TEST_F(store_test, delete_group_covers_commits_in_flight) {
    log.m = fake_log::mode::deferred;
    auto s = make();
    s.commit("g", {entry("t", 0, 1)}, [](std::vector<errc>) {});
    std::optional<errc> result;
    s.delete_group("g", [&](errc e) { result = e; });
    ASSERT_EQ(log.calls.size(), 2u);
    ASSERT_EQ(log.calls[1].records.size(), 1u);
    EXPECT_FALSE(log.calls[1].records[0].value.has_value());
    log.complete(1, true);
    log.complete(0, true);
    EXPECT_EQ(result, errc::none);
    EXPECT_FALSE(s.has_offsets("g"));
}

TEST_F(store_test, remove_topic_drops_it_from_every_group) {
    auto s = make();
    commit_sync(s, "g1", {entry("gone", 0, 1), entry("gone", 1, 1), entry("kept", 0, 1)});
    commit_sync(s, "g2", {entry("gone", 3, 1)});
    commit_sync(s, "g3", {entry("kept", 0, 1)});
    commit_sync(s, "g4", {entry("gone2", 0, 1), entry("gon", 0, 1)});
    log.calls.clear();
    s.remove_topic("gone");
    ASSERT_EQ(log.calls.size(), 2u);  // g1 and g2 only
    size_t tombstones = 0;
    for (const auto& c : log.calls) {
        for (const auto& r : c.records) {
            EXPECT_FALSE(r.value.has_value());
            EXPECT_EQ(records::decode_offset_key(r.key)->topic, "gone");
            ++tombstones;
        }
    }
    EXPECT_EQ(tombstones, 3u);
    EXPECT_EQ(s.fetch_all("g1").size(), 1u);
    EXPECT_FALSE(s.has_offsets("g2"));
    EXPECT_TRUE(s.has_offsets("g3"));
    EXPECT_EQ(s.fetch_all("g4").size(), 2u);
}

// ---- load ----

TEST_F(store_test, load_record_replays_in_order) {
    auto s = make();
    auto key = offset_record_key("g", "t", 0);
    s.load_record(key, records::encode_offset_value({1, -1, "first", 100, -1}));
    s.load_record(key, records::encode_offset_value({2, 7, "second", 200, -1}));
    EXPECT_EQ(s.fetch("g", "t", 0), (committed_offset{2, 7, "second", 200}));
    s.load_record(key, std::nullopt);
    EXPECT_FALSE(s.fetch("g", "t", 0));
    EXPECT_FALSE(s.has_offsets("g"));
    s.load_record(key, records::encode_offset_value({3, -1, "", 300, -1}));
    EXPECT_EQ(s.fetch("g", "t", 0)->offset, 3);
    EXPECT_TRUE(log.calls.empty());  // loading writes nothing
}

TEST_F(store_test, load_record_accepts_key_version_zero) {
    auto s = make();
    bytes key = offset_record_key("g", "t", 4);
    key[1] = 0;  // version 0 has the same layout
    s.load_record(key, records::encode_offset_value({9, -1, "", 1, -1}));
    EXPECT_EQ(s.fetch("g", "t", 4)->offset, 9);
}

TEST_F(store_test, load_record_ignores_other_kinds_and_garbage) {
    auto s = make();
    s.load_record(records::encode_group_metadata_key("g"),
                  records::encode_group_metadata_value({"consumer", 1, {}, {}, -1, {}}));
    s.load_record(bytes{0, 9, 1, 2}, bytes{1, 2, 3});
    s.load_record(bytes{0, 1, 0xff}, bytes{0, 3});
    s.load_record(offset_record_key("g", "t", 0), bytes{0, 3, 1});
    s.load_record(bytes{}, std::nullopt);
    s.load_record(offset_record_key("never", "t", 0), std::nullopt);
    EXPECT_TRUE(s.groups().empty());
}

TEST_F(store_test, load_record_garbage_value_keeps_the_previous_offset) {
    auto s = make();
    auto key = offset_record_key("g", "t", 0);
    s.load_record(key, records::encode_offset_value({1, -1, "", 100, -1}));
    s.load_record(key, bytes{0, 3});
    EXPECT_EQ(s.fetch("g", "t", 0)->offset, 1);
}

// ---- expiry ----

TEST_F(store_test, expire_only_empty_groups_and_only_old_offsets) {
    offset_config config;
    config.retention = std::chrono::minutes(1);
    auto s = make(config);
    commit_sync(s, "empty", {entry("t", 0, 1)});
    commit_sync(s, "active", {entry("t", 0, 1)});
    now += 30'000;
    commit_sync(s, "empty", {entry("t", 1, 1)});
    now += 30'000;  // t/0 is exactly one minute old, t/1 half a minute
    log.calls.clear();
    std::vector<std::string> asked;
    s.expire([&](std::string_view g) {
        asked.emplace_back(g);
        return g == "empty";
    });
    EXPECT_EQ(asked, (std::vector<std::string>{"active", "empty"}));
    EXPECT_FALSE(s.fetch("empty", "t", 0));
    EXPECT_TRUE(s.fetch("empty", "t", 1));
    EXPECT_TRUE(s.fetch("active", "t", 0));
    ASSERT_EQ(log.calls.size(), 1u);
    ASSERT_EQ(log.calls[0].records.size(), 1u);
    EXPECT_EQ(log.calls[0].records[0].key, offset_record_key("empty", "t", 0));
    EXPECT_FALSE(log.calls[0].records[0].value.has_value());
}

TEST_F(store_test, expire_writes_nothing_when_nothing_is_old) {
    auto s = make();
    commit_sync(s, "g", {entry("t", 0, 1)});
    log.calls.clear();
    now += 60'000;
    s.expire([](std::string_view) { return true; });
    EXPECT_TRUE(log.calls.empty());
    EXPECT_TRUE(s.has_offsets("g"));
}

TEST_F(store_test, expire_honours_a_legacy_expire_timestamp) {
    auto s = make();  // 7-day retention: only the explicit timestamp can expire it
    s.load_record(offset_record_key("g", "t", 0),
                  records::encode_offset_value({1, -1, "", now - 10, now + 100}));
    s.expire([](std::string_view) { return true; });
    EXPECT_TRUE(s.fetch("g", "t", 0));
    now += 100;
    s.expire([](std::string_view) { return true; });
    EXPECT_FALSE(s.fetch("g", "t", 0));
}

TEST_F(store_test, expire_skips_offsets_being_recommitted) {
    offset_config config;
    config.retention = std::chrono::minutes(1);
    auto s = make(config);
    commit_sync(s, "g", {entry("t", 0, 1)});
    now += 120'000;
    log.m = fake_log::mode::deferred;
    s.commit("g", {entry("t", 0, 2)}, [](std::vector<errc>) {});
    s.expire([](std::string_view) { return true; });
    EXPECT_EQ(log.calls.size(), 2u);  // the initial commit and the recommit; no tombstone
    log.complete(1, true);
    EXPECT_EQ(s.fetch("g", "t", 0)->offset, 2);
}

TEST_F(store_test, expire_failure_keeps_offsets) {
    offset_config config;
    config.retention = std::chrono::minutes(1);
    auto s = make(config);
    commit_sync(s, "g", {entry("t", 0, 1)});
    now += 120'000;
    log.m = fake_log::mode::fail;
    s.expire([](std::string_view) { return true; });
    EXPECT_TRUE(s.has_offsets("g"));
}

TEST_F(store_test, is_empty_may_call_back_into_the_store) {
    auto s = make();
    commit_sync(s, "g", {entry("t", 0, 1)});
    s.expire([&](std::string_view g) { return !s.has_offsets(g); });
    EXPECT_TRUE(s.has_offsets("g"));
}

// ---- threads ----

// A log that answers from its own thread, in order, like the broker's.
class threaded_log : public coordinator_log {
public:
    threaded_log() : _worker([this] { run(); }) {}
    ~threaded_log() override {
        {
            std::lock_guard lock(_mutex);
            _stop = true;
        }
        _cv.notify_one();
        _worker.join();
    }
    void append(int32_t, std::vector<log_record>, std::function<void(bool)> done) override {
        {
            std::lock_guard lock(_mutex);
            _queue.push_back(std::move(done));
        }
        _cv.notify_one();
    }

private:
    void run() {
        std::unique_lock lock(_mutex);
        for (;;) {
            _cv.wait(lock, [&] { return _stop || !_queue.empty(); });
            if (_queue.empty()) return;
            auto done = std::move(_queue.front());
            _queue.pop_front();
            lock.unlock();
            done(true);
            lock.lock();
        }
    }
    std::mutex _mutex;
    std::condition_variable _cv;
    std::deque<std::function<void(bool)>> _queue;
    bool _stop = false;
    std::thread _worker;
};

TEST(store_threads, concurrent_commits_end_with_the_last_offset) {
    threaded_log log;
    offset_store s({}, log);
    constexpr int threads = 4;
    constexpr int commits = 200;
    std::atomic<int> finished{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            std::string group = "g" + std::to_string(t);
            for (int i = 1; i <= commits; ++i) {
                s.commit(group, {entry("t", 0, i)}, [&](std::vector<errc> r) {
                    EXPECT_EQ(r, std::vector<errc>{errc::none});
                    finished.fetch_add(1);
                });
                (void)s.fetch(group, "t", 0);
            }
        });
    }
    for (auto& w : workers) w.join();
    while (finished.load() < threads * commits) std::this_thread::yield();
    for (int t = 0; t < threads; ++t) {
        EXPECT_EQ(s.fetch("g" + std::to_string(t), "t", 0)->offset, commits);
    }
}

}  // namespace
}  // namespace fjord::coordinator
