// Compaction: latest value per key, offsets kept, tombstones, lag, compression, bounded key map,
// crash-safe swaps and reads during compaction.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "base/endian.h"
#include "protocol/record_batch.h"
#include "storage/partition_log.h"
#include "storage/segment_format.h"
#include "storage/tests/fault_file_io.h"

namespace fjord::storage {
namespace {

using model::offset;
namespace fs = std::filesystem;

constexpr model::leader_epoch epoch{3};

struct kv {
    std::optional<std::string> key;
    std::optional<std::string> value;  // nullopt: tombstone
};

bytes to_bytes(std::string_view s) {
    return bytes(s.begin(), s.end());
}

// One batch with a record per entry, all at `ts`.
bytes keyed_batch(const std::vector<kv>& kvs, int64_t ts = 1000, protocol::batch_options o = {}) {
    std::vector<protocol::record> records;
    for (size_t i = 0; i < kvs.size(); ++i) {
        protocol::record r;
        r.offset = static_cast<int64_t>(i);
        r.timestamp = ts;
        if (kvs[i].key) r.key = to_bytes(*kvs[i].key);
        if (kvs[i].value) r.value = to_bytes(*kvs[i].value);
        records.push_back(std::move(r));
    }
    o.base_offset = 0;
    return protocol::build_batch(o, records);
}

struct stored_batch {
    protocol::batch_header header;
    std::vector<protocol::record> records;
};

// offset -> "key=value" ("key=<null>" for a tombstone, "<none>=value" without a key).
using record_map = std::map<int64_t, std::string>;

class compaction_test : public ::testing::Test {
protected:
    fs::path dir() const { return _dir.path() / "c-0"; }
    std::unique_ptr<partition_log> open(file_io* io = nullptr) {
        log_config config;
        config.segment_ms = std::chrono::milliseconds(5);
        config.index_interval_bytes = 64;  // index entries in small test segments
        config.clock = [this] { return _now; };
        auto r = partition_log::open(dir(), std::move(config), io ? *io : _io);
        EXPECT_TRUE(r.has_value());
        return r ? std::move(r).value() : nullptr;
    }
    // Appends one batch; `new_segment` lets segment.ms expire first so it starts a segment.
    append_result append(partition_log& log, bytes batch, bool new_segment = false) {
        if (new_segment) _now += std::chrono::milliseconds(10);
        auto r = log.append(batch, epoch);
        EXPECT_TRUE(r.has_value());
        return r ? *r : append_result{};
    }
    // Every batch from the log start to the high watermark, decoded.
    std::vector<stored_batch> read_batches(partition_log& log) {
        std::vector<stored_batch> out;
        offset next = log.log_start_offset();
        while (next < log.high_watermark()) {
            auto r = log.read(next, 1 << 20, log.high_watermark(), true);
            EXPECT_TRUE(r.has_value());
            if (!r || r->data.view.empty()) break;
            auto headers = protocol::validate_record_set(r->data.view);
            EXPECT_TRUE(headers.has_value());
            if (!headers) break;
            size_t pos = 0;
            for (const auto& h : *headers) {
                auto records = protocol::decode_records(r->data.view.subspan(pos));
                EXPECT_TRUE(records.has_value());
                if (!records) return out;
                EXPECT_GE(h.base_offset, next());
                out.push_back({h, std::move(*records)});
                pos += h.size_bytes();
                next = offset(h.last_offset() + 1);
            }
        }
        return out;
    }
    record_map read_records(partition_log& log) {
        record_map out;
        for (const auto& b : read_batches(log)) {
            for (const auto& r : b.records) {
                std::string k = r.key ? std::string(r.key->begin(), r.key->end()) : "<none>";
                std::string v = r.value ? std::string(r.value->begin(), r.value->end()) : "<null>";
                out[r.offset] = k + "=" + v;
            }
        }
        return out;
    }
    std::vector<std::string> leftovers() const {
        std::vector<std::string> out;
        for (auto& e : fs::directory_iterator(dir())) {
            auto n = e.path().filename().string();
            if (n.ends_with(".cleaned") || n.ends_with(".swap")) out.push_back(n);
        }
        return out;
    }
    compaction_stats compact(partition_log& log, compaction_config config = {},
                             int64_t now_ms = 2000) {
        auto r = log.compact(config, now_ms);
        EXPECT_TRUE(r.has_value()) << (r ? "" : describe(r.error()));
        return r ? *r : compaction_stats{};
    }

    test::temp_dir _dir;
    test::fault_file_io _io;
    std::chrono::milliseconds _now{1'000'000};
};

TEST_F(compaction_test, keeps_the_latest_record_per_key_with_original_offsets) {
    auto log = open();
    append(*log, keyed_batch({{"a", "1"}, {"b", "1"}, {"a", "2"}}));  // 0-2
    append(*log, keyed_batch({{"c", "1"}, {"b", "2"}}));              // 3-4
    append(*log, keyed_batch({{"a", "3"}}), true);                    // 5, segment 2
    append(*log, keyed_batch({{"d", "1"}}), true);                    // 6, active
    ASSERT_TRUE(log->flush());
    ASSERT_EQ(log->segment_count(), 3u);
    uint64_t size_before = log->size_bytes();

    auto stats = compact(*log);
    EXPECT_EQ(stats.passes, 1u);
    EXPECT_EQ(stats.segments_rewritten, 1u);  // segment 2 holds a latest value only
    EXPECT_EQ(stats.records_removed, 3u);     // a=1, b=1, a=2
    EXPECT_LT(stats.bytes_after, stats.bytes_before);
    EXPECT_EQ(log->size_bytes(), size_before - (stats.bytes_before - stats.bytes_after));
    EXPECT_EQ(read_records(*log), (record_map{{3, "c=1"}, {4, "b=2"}, {5, "a=3"}, {6, "d=1"}}));
    EXPECT_EQ(log->log_end_offset(), offset(7));
    EXPECT_TRUE(leftovers().empty());

    // The first batch lost everything and was not its segment's last: gone. The second keeps
    // its offset range.
    auto batches = read_batches(*log);
    ASSERT_EQ(batches.size(), 3u);
    EXPECT_EQ(batches[0].header.base_offset, 3);
    EXPECT_EQ(batches[0].header.last_offset_delta, 1);
    // A read at a dropped offset starts at the next batch.
    auto r = log->read(offset(1), 1 << 20, log->high_watermark(), true);
    ASSERT_TRUE(r);
    EXPECT_EQ(load_be<int64_t>(r->data.view.data()), 3);
}

TEST_F(compaction_test, a_rewritten_batch_keeps_its_offset_range_and_record_deltas) {
    auto log = open();
    append(*log, keyed_batch({{"a", "1"}, {"b", "1"}, {"a", "2"}, {"c", "1"}, {"b", "2"}}));
    append(*log, keyed_batch({{"c", "2"}}), true);
    ASSERT_TRUE(log->flush());
    compact(*log);
    auto batches = read_batches(*log);
    ASSERT_EQ(batches.size(), 2u);
    EXPECT_EQ(batches[0].header.base_offset, 0);
    EXPECT_EQ(batches[0].header.last_offset_delta, 4);
    EXPECT_EQ(batches[0].header.partition_leader_epoch, 3);
    ASSERT_EQ(batches[0].records.size(), 2u);
    EXPECT_EQ(batches[0].records[0].offset, 2);
    EXPECT_EQ(batches[0].records[1].offset, 4);
}

TEST_F(compaction_test, a_newer_value_in_the_active_segment_wins) {
    auto log = open();
    append(*log, keyed_batch({{"k", "old"}}));
    append(*log, keyed_batch({{"k", "new"}}), true);
    ASSERT_TRUE(log->flush());
    auto stats = compact(*log);
    EXPECT_EQ(stats.records_removed, 1u);
    EXPECT_EQ(read_records(*log), (record_map{{1, "k=new"}}));
    EXPECT_EQ(log->segment_count(), 2u);  // the sealed segment keeps an empty batch
}

TEST_F(compaction_test, the_last_batch_of_a_segment_stays_as_an_empty_batch) {
    auto log = open();
    append(*log, keyed_batch({{"a", "1"}}), false);
    append(*log, keyed_batch({{"b", "1"}, {"c", "1"}}), false);  // 1-2
    append(*log, keyed_batch({{"a", "2"}, {"b", "2"}, {"c", "2"}}), true);
    ASSERT_TRUE(log->flush());
    compact(*log);
    auto batches = read_batches(*log);
    ASSERT_EQ(batches.size(), 2u);
    EXPECT_EQ(batches[0].header.base_offset, 1);
    EXPECT_EQ(batches[0].header.last_offset_delta, 1);
    EXPECT_EQ(batches[0].header.records_count, 0);
    EXPECT_EQ(batches[0].header.max_timestamp, 1000);  // keeps the batch's timestamp
    EXPECT_EQ(log->max_timestamp()->timestamp, model::timestamp(1000));
}

TEST_F(compaction_test, never_touches_the_active_segment) {
    auto log = open();
    append(*log, keyed_batch({{"a", "1"}, {"a", "2"}}));
    ASSERT_TRUE(log->flush());
    auto stats = compact(*log);
    EXPECT_EQ(stats.segments_rewritten, 0u);
    EXPECT_EQ(read_records(*log), (record_map{{0, "a=1"}, {1, "a=2"}}));
}

TEST_F(compaction_test, ignores_records_above_the_high_watermark) {
    auto log = open();
    append(*log, keyed_batch({{"a", "1"}}));
    append(*log, keyed_batch({{"b", "1"}}), true);
    ASSERT_TRUE(log->flush());
    append(*log, keyed_batch({{"a", "2"}}));  // not durable yet: must not supersede a=1
    auto stats = compact(*log);
    EXPECT_EQ(stats.records_removed, 0u);
    ASSERT_TRUE(log->flush());
    EXPECT_EQ(read_records(*log), (record_map{{0, "a=1"}, {1, "b=1"}, {2, "a=2"}}));
}

TEST_F(compaction_test, tombstones_stay_until_delete_retention_passes) {
    auto log = open();
    append(*log, keyed_batch({{"a", "1"}}, 1000));
    append(*log, keyed_batch({{"a", std::nullopt}}, 2000));  // tombstone at 1
    append(*log, keyed_batch({{"b", "1"}}, 3000), true);
    ASSERT_TRUE(log->flush());
    compaction_config config;
    config.delete_retention_ms = 10'000;
    auto stats = compact(*log, config, 5000);
    EXPECT_EQ(stats.records_removed, 1u);
    EXPECT_EQ(read_records(*log), (record_map{{1, "a=<null>"}, {2, "b=1"}}));
    // 2000 < 12001 - 10000: the tombstone's batch is past delete.retention.ms.
    stats = compact(*log, config, 12'001);
    EXPECT_EQ(stats.records_removed, 1u);
    EXPECT_EQ(read_records(*log), (record_map{{2, "b=1"}}));
    // The tombstone was its segment's last batch: an empty batch keeps offset 1.
    auto batches = read_batches(*log);
    ASSERT_EQ(batches.size(), 2u);
    EXPECT_EQ(batches[0].header.base_offset, 1);
    EXPECT_EQ(batches[0].header.records_count, 0);
}

TEST_F(compaction_test, a_tombstone_superseded_by_a_newer_value_goes_at_once) {
    auto log = open();
    append(*log, keyed_batch({{"a", std::nullopt}, {"a", "2"}}));
    append(*log, keyed_batch({{"b", "1"}}), true);
    ASSERT_TRUE(log->flush());
    compact(*log, {}, 2000);
    EXPECT_EQ(read_records(*log), (record_map{{1, "a=2"}, {2, "b=1"}}));
}

TEST_F(compaction_test, min_compaction_lag_protects_young_records) {
    auto log = open();
    append(*log, keyed_batch({{"a", "1"}}, 1000));
    append(*log, keyed_batch({{"a", "2"}}, 1000), true);
    ASSERT_TRUE(log->flush());
    compaction_config config;
    config.min_compaction_lag_ms = 5000;
    // a=1 (at 1000) is exactly min_compaction_lag_ms old at 6000: no longer protected.
    auto stats = compact(*log, config, 6000);
    EXPECT_EQ(stats.records_removed, 1u);
    EXPECT_EQ(read_records(*log), (record_map{{1, "a=2"}}));

    append(*log, keyed_batch({{"b", "1"}}, 9000), true);
    append(*log, keyed_batch({{"b", "2"}}, 9000), true);
    ASSERT_TRUE(log->flush());
    stats = compact(*log, config, 10'000);  // b=1 is 1 s old, younger than the lag
    EXPECT_EQ(stats.records_removed, 0u);
    EXPECT_EQ(read_records(*log).size(), 3u);
    stats = compact(*log, config, 14'001);
    EXPECT_EQ(stats.records_removed, 1u);
    EXPECT_EQ(read_records(*log), (record_map{{1, "a=2"}, {3, "b=2"}}));
}

compaction_backlog backlog(partition_log& log, compaction_config config = {},
                           int64_t now_ms = 2000) {
    auto r = log.measure_compaction_backlog(config, now_ms);
    EXPECT_TRUE(r.has_value());
    return r ? *r : compaction_backlog{};
}

TEST_F(compaction_test, the_backlog_is_what_was_sealed_since_the_last_compaction) {
    auto log = open();
    const auto first = keyed_batch({{"a", "1"}, {"b", "1"}});
    const auto second = keyed_batch({{"a", "2"}});
    const auto active = keyed_batch({{"c", "1"}});
    append(*log, first);
    append(*log, second, true);
    append(*log, active, true);
    ASSERT_TRUE(log->flush());
    // Never compacted since the log opened: every sealed segment is dirty.
    auto before = backlog(*log);
    EXPECT_EQ(before.clean_bytes, 0u);
    EXPECT_EQ(before.cleanable_bytes, first.size() + second.size());
    EXPECT_DOUBLE_EQ(before.dirty_ratio(), 1.0);

    compact(*log);
    auto after = backlog(*log);
    EXPECT_EQ(after.cleanable_bytes, 0u);
    EXPECT_EQ(after.clean_bytes, log->size_bytes() - active.size());
    EXPECT_DOUBLE_EQ(after.dirty_ratio(), 0.0);

    // A roll seals the active segment: it is the dirty part now.
    append(*log, keyed_batch({{"d", "1"}}), true);
    ASSERT_TRUE(log->flush());
    auto rolled = backlog(*log);
    EXPECT_EQ(rolled.clean_bytes, after.clean_bytes);
    EXPECT_EQ(rolled.cleanable_bytes, active.size());
    EXPECT_DOUBLE_EQ(rolled.dirty_ratio(),
                     static_cast<double>(active.size()) /
                         static_cast<double>(after.clean_bytes + active.size()));
    EXPECT_FALSE(rolled.earliest_dirty_timestamp);  // only looked up for max.compaction.lag.ms
}

TEST_F(compaction_test, the_backlog_stops_at_records_too_young) {
    auto log = open();
    const auto old_batch = keyed_batch({{"a", "1"}}, 1000);
    append(*log, old_batch);
    append(*log, keyed_batch({{"a", "2"}}, 9000), true);
    append(*log, keyed_batch({{"a", "3"}}, 1000), true);
    const auto active = keyed_batch({{"a", "4"}}, 9500);
    append(*log, active, true);
    ASSERT_TRUE(log->flush());
    compaction_config config;
    config.min_compaction_lag_ms = 5000;
    // At 10,000 the segment written at 9000 is younger than the lag: it and what follows wait.
    EXPECT_EQ(backlog(*log, config, 10'000).cleanable_bytes, old_batch.size());
    // A compaction then leaves that segment dirty, and the one after it.
    compact(*log, config, 10'000);
    auto later = backlog(*log, config, 20'000);
    EXPECT_EQ(later.clean_bytes, protocol::batch_header_size);  // a=1 left an empty batch
    EXPECT_EQ(later.cleanable_bytes, log->size_bytes() - later.clean_bytes - active.size());
}

TEST_F(compaction_test, the_backlog_leaves_out_segments_not_yet_durable) {
    auto log = open();
    append(*log, keyed_batch({{"x", "1"}}));
    append(*log, keyed_batch({{"x", "2"}}), true);
    EXPECT_EQ(backlog(*log).cleanable_bytes, 0u);
    ASSERT_TRUE(log->flush());
    EXPECT_EQ(backlog(*log).cleanable_bytes, keyed_batch({{"x", "1"}}).size());
}

TEST_F(compaction_test, the_backlog_finds_the_earliest_first_timestamp_when_max_lag_is_set) {
    auto log = open();
    append(*log, keyed_batch({{"a", "1"}}, 7000));
    append(*log, keyed_batch({{"a", "2"}}, 3000));  // CreateTime need not grow
    append(*log, keyed_batch({{"a", "3"}}, 5000), true);
    append(*log, keyed_batch({{"a", "4"}}, -1), true);
    append(*log, keyed_batch({{"a", "5"}}, 8000), true);  // active: not looked at
    ASSERT_TRUE(log->flush());
    compaction_config config;
    config.max_compaction_lag_ms = 60'000;
    // First batches: 7000, 5000 and -1 (no timestamp, ignored as Kafka does).
    EXPECT_EQ(backlog(*log, config).earliest_dirty_timestamp, 5000);
}

TEST_F(compaction_test, retention_moves_the_dirty_part_with_the_log_start) {
    auto log = open();
    for (int i = 0; i < 4; ++i) append(*log, keyed_batch({{"k", std::string(50, 'x')}}), true);
    ASSERT_TRUE(log->flush());
    compact(*log);
    const auto clean = backlog(*log).clean_bytes;
    ASSERT_TRUE(log->enforce_retention(-1, 1, 2000));  // keeps only the active segment
    auto after = backlog(*log);
    EXPECT_LT(after.clean_bytes, clean);
    EXPECT_EQ(after.cleanable_bytes, 0u);
}

TEST_F(compaction_test, compressed_batches_are_re_encoded_with_their_codec_and_producer_fields) {
    using protocol::compression_type;
    for (auto codec : {compression_type::gzip, compression_type::snappy, compression_type::lz4,
                       compression_type::zstd}) {
        SCOPED_TRACE(std::string(protocol::to_string(codec)));
        fs::remove_all(dir());
        auto log = open();
        protocol::batch_options o;
        o.compression = codec;
        o.producer_id = 42;
        o.producer_epoch = 5;
        o.base_sequence = 17;
        append(*log, keyed_batch({{"a", "1"}, {"b", std::string(500, 'v')}, {"c", "1"}}, 1000, o));
        append(*log, keyed_batch({{"a", "2"}}), true);
        ASSERT_TRUE(log->flush());
        auto stats = compact(*log);
        EXPECT_EQ(stats.records_removed, 1u);
        auto batches = read_batches(*log);
        ASSERT_EQ(batches.size(), 2u);
        const auto& h = batches[0].header;
        EXPECT_EQ(h.compression(), codec);
        EXPECT_EQ(h.producer_id, 42);
        EXPECT_EQ(h.producer_epoch, 5);
        EXPECT_EQ(h.base_sequence, 17);
        EXPECT_EQ(h.last_offset_delta, 2);
        ASSERT_EQ(batches[0].records.size(), 2u);
        EXPECT_EQ(batches[0].records[0].offset, 1);
        EXPECT_EQ(batches[0].records[0].value, to_bytes(std::string(500, 'v')));
        EXPECT_EQ(batches[0].records[1].offset, 2);
        log->close();
    }
}

TEST_F(compaction_test, headers_and_timestamps_survive_re_encoding) {
    auto log = open();
    std::vector<protocol::record> records(2);
    records[0] = {0, 1000, to_bytes("a"), to_bytes("1"), {}};
    records[1] = {1, 1500, to_bytes("b"), to_bytes("1"), {{"h", to_bytes("x")}, {"n", {}}}};
    append(*log, protocol::build_batch({}, records));
    append(*log, keyed_batch({{"a", "2"}}), true);
    ASSERT_TRUE(log->flush());
    compact(*log);
    auto batches = read_batches(*log);
    ASSERT_EQ(batches[0].records.size(), 1u);
    EXPECT_EQ(batches[0].records[0], records[1]);
}

TEST_F(compaction_test, control_transactional_and_keyless_records_are_kept) {
    auto log = open();
    protocol::batch_options txn;
    txn.transactional = true;
    txn.producer_id = 9;
    txn.producer_epoch = 0;
    txn.base_sequence = 0;
    append(*log, keyed_batch({{"a", "txn"}}, 1000, txn));  // 0
    protocol::batch_options control = txn;
    control.control = true;
    append(*log, keyed_batch({{"\x00\x00\x00\x01", "m"}}, 1000, control));  // 1: a marker
    append(*log, keyed_batch({{std::nullopt, "x"}, {"a", "1"}}));           // 2-3
    append(*log, keyed_batch({{"a", "2"}, {std::nullopt, "y"}}), true);     // 4-5
    ASSERT_TRUE(log->flush());
    auto stats = compact(*log);
    EXPECT_EQ(stats.records_removed, 1u);  // a=1 only
    auto records = read_records(*log);
    EXPECT_EQ(records.count(0), 1u);
    EXPECT_EQ(records.count(1), 1u);
    EXPECT_EQ(records.at(2), "<none>=x");
    EXPECT_EQ(records.count(3), 0u);
    EXPECT_EQ(records.at(4), "a=2");
}

TEST_F(compaction_test, a_full_key_map_compacts_in_several_passes) {
    auto log = open();
    // Keys k0..k5, each written twice across segments; only the second writes survive.
    for (int round = 0; round < 2; ++round) {
        for (int k = 0; k < 6; ++k) {
            append(*log, keyed_batch({{"k" + std::to_string(k), std::to_string(round)}}), k == 0);
        }
    }
    append(*log, keyed_batch({{"z", "0"}}), true);
    ASSERT_TRUE(log->flush());
    compaction_config config;
    config.max_map_entries = 2;
    auto stats = compact(*log, config);
    EXPECT_GE(stats.passes, 3u);
    EXPECT_EQ(stats.records_removed, 6u);
    record_map expected{{12, "z=0"}};
    for (int k = 0; k < 6; ++k) expected[6 + k] = "k" + std::to_string(k) + "=1";
    EXPECT_EQ(read_records(*log), expected);
    // The passes together went through every sealed segment.
    EXPECT_EQ(backlog(*log).cleanable_bytes, 0u);
}

TEST_F(compaction_test, bounded_and_unbounded_maps_give_the_same_log) {
    std::map<int, record_map> results;
    for (size_t entries : {size_t{1}, size_t{3}, size_t{1000}}) {
        fs::remove_all(dir());
        auto log = open();
        for (int i = 0; i < 40; ++i) {
            int k = (i * 7) % 9;
            std::optional<std::string> v = std::to_string(i);
            if (i % 11 == 0) v.reset();
            append(*log, keyed_batch({{"k" + std::to_string(k), v}, {"x", "x"}}), i % 5 == 0);
        }
        append(*log, keyed_batch({{"end", "1"}}), true);
        ASSERT_TRUE(log->flush());
        compaction_config config;
        config.max_map_entries = entries;
        compact(*log, config);
        results[static_cast<int>(entries)] = read_records(*log);
        log->close();
    }
    EXPECT_EQ(results[1], results[1000]);
    EXPECT_EQ(results[3], results[1000]);
    EXPECT_LT(results[1000].size(), 20u);
}

TEST_F(compaction_test, compacted_segments_survive_reopen) {
    record_map expected;
    {
        auto log = open();
        append(*log, keyed_batch({{"a", "1"}, {"b", "1"}}));
        for (int i = 0; i < 20; ++i) append(*log, keyed_batch({{"n" + std::to_string(i), "v"}}));
        append(*log, keyed_batch({{"a", "2"}}), true);
        ASSERT_TRUE(log->flush());
        compact(*log);
        expected = read_records(*log);
        ASSERT_EQ(expected.count(0), 0u);
    }
    auto log = open();
    EXPECT_EQ(read_records(*log), expected);
    // Lookups through the rewritten index land on the right batches.
    auto r = log->read(offset(10), 1 << 20, log->high_watermark(), true);
    ASSERT_TRUE(r);
    EXPECT_EQ(load_be<int64_t>(r->data.view.data()), 10);
}

TEST_F(compaction_test, retention_and_compaction_work_together) {
    auto log = open();
    append(*log, keyed_batch({{"a", "1"}}, 100));
    append(*log, keyed_batch({{"a", "2"}}, 5000), true);
    append(*log, keyed_batch({{"b", "1"}}, 5000), true);
    ASSERT_TRUE(log->flush());
    compact(*log, {}, 6000);
    auto deleted = log->enforce_retention(1000, -1, 6000);
    ASSERT_TRUE(deleted);
    EXPECT_EQ(*deleted, 1u);  // the first segment, now an empty batch at 100
    EXPECT_EQ(read_records(*log), (record_map{{1, "a=2"}, {2, "b=1"}}));
}

// --- Crash safety of the swap ---

TEST_F(compaction_test, leftover_cleaned_files_are_discarded_on_open) {
    record_map original;
    {
        auto log = open();
        append(*log, keyed_batch({{"a", "1"}}));
        append(*log, keyed_batch({{"a", "2"}}), true);
        ASSERT_TRUE(log->flush());
        original = read_records(*log);
    }
    for (auto kind : {".log", ".index", ".timeindex"}) {
        auto name = format::segment_file_name(offset(0), kind) + ".cleaned";
        fs::copy_file(dir() / format::segment_file_name(offset(1), kind), dir() / name);
    }
    auto log = open();
    EXPECT_TRUE(leftovers().empty());
    EXPECT_EQ(read_records(*log), original);
}

TEST_F(compaction_test, a_committed_swap_is_finished_on_open) {
    fs::path saved = _dir.path() / "saved";
    record_map compacted;
    {
        auto log = open();
        append(*log, keyed_batch({{"a", "1"}, {"b", "1"}}));
        append(*log, keyed_batch({{"a", "2"}}), true);
        ASSERT_TRUE(log->flush());
        fs::create_directories(saved);
        for (auto& e : fs::directory_iterator(dir())) {
            fs::copy_file(e.path(), saved / e.path().filename());
        }
        compact(*log);
        compacted = read_records(*log);
        ASSERT_EQ(compacted.size(), 2u);
    }
    // The crash came after the .log.swap rename, before the index files were replaced.
    auto live = [&](const char* kind) {
        return dir() / format::segment_file_name(offset(0), kind);
    };
    for (auto kind : {".log", ".index", ".timeindex"}) {
        fs::path swap = live(kind);
        swap += ".swap";
        fs::rename(live(kind), swap);
        fs::copy_file(saved / live(kind).filename(), live(kind));
    }
    auto log = open();
    EXPECT_TRUE(leftovers().empty());
    EXPECT_EQ(read_records(*log), compacted);
}

TEST_F(compaction_test, index_swap_files_without_a_log_swap_are_discarded_on_open) {
    record_map original;
    {
        auto log = open();
        append(*log, keyed_batch({{"a", "1"}}));
        append(*log, keyed_batch({{"a", "2"}}), true);
        ASSERT_TRUE(log->flush());
        original = read_records(*log);
    }
    for (auto kind : {".index", ".timeindex"}) {
        auto name = format::segment_file_name(offset(0), kind);
        fs::copy_file(dir() / format::segment_file_name(offset(1), kind), dir() / (name + ".swap"));
    }
    auto log = open();
    EXPECT_TRUE(leftovers().empty());
    EXPECT_EQ(read_records(*log), original);
}

// A rename fails at every step of the swap in turn (a crash there), then the log is reopened:
// the segment is either the old one or the compacted one, never a mix, and latest values stay.
TEST_F(compaction_test, a_crash_at_any_rename_of_the_swap_recovers_a_whole_segment) {
    constexpr int renames_in_a_swap = 6;
    for (int n = 0; n <= renames_in_a_swap; ++n) {
        SCOPED_TRACE(n);
        fs::remove_all(dir());
        test::fault_file_io io;
        record_map original;
        {
            auto log = open(&io);
            append(*log, keyed_batch({{"a", "1"}, {"b", "1"}}));
            for (int i = 0; i < 10; ++i) append(*log, keyed_batch({{"n", std::to_string(i)}}));
            append(*log, keyed_batch({{"a", "2"}}), true);
            ASSERT_TRUE(log->flush());
            original = read_records(*log);
            io.set_renames_left(n);
            auto r = log->compact({}, 2000);
            EXPECT_EQ(r.has_value(), n == renames_in_a_swap);
            io.set_renames_left(std::nullopt);
        }
        io.drop_unsynced();
        auto log = open();
        ASSERT_TRUE(log);
        EXPECT_TRUE(leftovers().empty());
        auto records = read_records(*log);
        bool committed = n >= 3;  // the third rename creates the .log.swap
        if (committed) {
            EXPECT_EQ(records, (record_map{{1, "b=1"}, {11, "n=9"}, {12, "a=2"}}));
        } else {
            EXPECT_EQ(records, original);
        }
    }
}

TEST_F(compaction_test, a_failed_write_leaves_the_old_segment_and_no_files) {
    auto log = open();
    append(*log, keyed_batch({{"a", "1"}, {"b", std::string(3000, 'b')}}));
    append(*log, keyed_batch({{"a", "2"}}), true);
    ASSERT_TRUE(log->flush());
    auto original = read_records(*log);
    _io.set_space_left(100);
    auto r = log->compact({}, 2000);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::no_space);
    _io.set_space_left(std::nullopt);
    EXPECT_TRUE(leftovers().empty());
    EXPECT_EQ(read_records(*log), original);
    // Nothing is broken: the next compaction works.
    auto stats = compact(*log);
    EXPECT_EQ(stats.records_removed, 1u);
}

TEST_F(compaction_test, closed_log_refuses_compaction) {
    auto log = open();
    log->close();
    auto r = log->compact({}, 0);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::closed);
}

// Readers and an appender run while compaction rewrites segments: every read returns whole,
// valid batches with increasing offsets, and in the end each key has its latest value.
TEST_F(compaction_test, reads_and_appends_go_on_during_compaction) {
    auto log = open();
    constexpr int keys = 20;
    std::map<std::string, std::string> latest;
    int64_t next_value = 0;
    auto write_round = [&](bool new_segment) {
        std::vector<kv> kvs;
        for (int k = 0; k < keys; ++k) {
            auto key = "k" + std::to_string(k);
            auto value = std::to_string(next_value++);
            latest[key] = value;
            kvs.push_back({key, value});
        }
        append(*log, keyed_batch(kvs), new_segment);
    };
    for (int i = 0; i < 30; ++i) write_round(i % 3 == 0);
    ASSERT_TRUE(log->flush());

    std::atomic<bool> stop{false};
    std::atomic<int> reads{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 2; ++t) {
        readers.emplace_back([&] {
            while (!stop.load()) {
                offset next = log->log_start_offset();
                while (next < log->high_watermark()) {
                    auto r = log->read(next, 4096, log->high_watermark(), true);
                    ASSERT_TRUE(r.has_value());
                    if (r->data.view.empty()) break;
                    auto headers = protocol::validate_record_set(r->data.view);
                    ASSERT_TRUE(headers.has_value());
                    for (const auto& h : *headers) {
                        ASSERT_GE(h.last_offset(), next());
                        next = offset(h.last_offset() + 1);
                    }
                }
                reads.fetch_add(1);
            }
        });
    }
    std::thread appender([&] {
        for (int i = 0; i < 20 && !stop.load(); ++i) {
            std::vector<kv> kvs{{"extra" + std::to_string(i), "v"}};
            bytes b = keyed_batch(kvs);
            ASSERT_TRUE(log->append(b, epoch));
            ASSERT_TRUE(log->flush());
        }
    });
    for (int i = 0; i < 5; ++i) {
        auto r = log->compact({}, 2000);
        ASSERT_TRUE(r.has_value());
    }
    appender.join();
    while (reads.load() < 4) std::this_thread::yield();
    stop.store(true);
    for (auto& t : readers) t.join();

    std::map<std::string, std::string> seen;
    for (const auto& [o, rec] : read_records(*log)) {
        auto eq = rec.find('=');
        seen[rec.substr(0, eq)] = rec.substr(eq + 1);
    }
    for (const auto& [k, v] : latest) EXPECT_EQ(seen[k], v) << k;
    EXPECT_EQ(seen.size(), keys + 20u);
}

}  // namespace
}  // namespace fjord::storage
