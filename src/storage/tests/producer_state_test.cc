// The producer state rules (docs/formats/producer-state.md §1) and the snapshot codec (§3),
// one named test per edge case.
#include "storage/producer_state.h"

#include <gtest/gtest.h>

#include <climits>

#include "base/crc32c.h"
#include "base/endian.h"
#include "storage/producer_snapshot.h"

namespace fjord::storage {
namespace {

using model::offset;

protocol::batch_header batch(int64_t pid, int16_t epoch, int32_t seq, int32_t records = 1,
                             int64_t max_ts = 1000) {
    protocol::batch_header h;
    h.producer_id = pid;
    h.producer_epoch = epoch;
    h.base_sequence = seq;
    h.last_offset_delta = records - 1;
    h.records_count = records;
    h.max_timestamp = max_ts;
    return h;
}

// Applies `h` at `base` to `state` after check() accepted it as new.
void append(producer_state& state, const protocol::batch_header& h, int64_t base,
            int64_t now = 5000) {
    producer_id id(h.producer_id);
    const producer_entry* current = state.find(id);
    auto verdict = producer_state::check(current, h);
    ASSERT_TRUE(verdict.has_value()) << describe(verdict.error());
    ASSERT_FALSE(verdict->has_value()) << "unexpected duplicate";
    producer_entry e = current ? *current : producer_entry{};
    producer_state::apply(e, h, offset(base), now);
    state.put(id, std::move(e));
}

result<std::optional<producer_batch>, errc> check(const producer_state& state,
                                                  const protocol::batch_header& h) {
    return producer_state::check(state.find(producer_id(h.producer_id)), h);
}

TEST(sequence_arithmetic, increments_and_wraps_at_int32_max) {
    EXPECT_EQ(increment_sequence(0, 4), 4);
    EXPECT_EQ(increment_sequence(INT32_MAX - 1, 1), INT32_MAX);
    EXPECT_EQ(increment_sequence(INT32_MAX, 1), 0);
    EXPECT_EQ(increment_sequence(INT32_MAX - 1, 3), 1);
    EXPECT_EQ(decrement_sequence(4, 4), 0);
    EXPECT_EQ(decrement_sequence(0, 1), INT32_MAX);
    EXPECT_EQ(decrement_sequence(1, 3), INT32_MAX - 1);
}

TEST(producer_state, unknown_producer_may_start_at_any_sequence) {
    producer_state state;
    auto r = check(state, batch(7, 0, 42));
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->has_value());
}

TEST(producer_state, next_batch_must_follow_the_last_sequence) {
    producer_state state;
    append(state, batch(7, 0, 0, 3), 0);  // sequences 0-2
    append(state, batch(7, 0, 3, 2), 3);  // 3-4
    auto gap = check(state, batch(7, 0, 6));
    ASSERT_FALSE(gap);
    EXPECT_EQ(gap.error(), errc::out_of_order_sequence);
    auto repeat_inside = check(state, batch(7, 0, 4));  // overlaps, matches no batch
    ASSERT_FALSE(repeat_inside);
    EXPECT_EQ(repeat_inside.error(), errc::out_of_order_sequence);
    auto next = check(state, batch(7, 0, 5));
    ASSERT_TRUE(next);
    EXPECT_FALSE(next->has_value());
}

TEST(producer_state, retry_of_each_of_the_last_five_batches_is_a_duplicate) {
    producer_state state;
    for (int i = 0; i < 7; ++i) append(state, batch(7, 0, 2 * i, 2), 100 + 2 * i);
    ASSERT_EQ(state.find(producer_id(7))->batches.size(), producer_state::batches_retained);
    for (int i = 2; i < 7; ++i) {
        auto r = check(state, batch(7, 0, 2 * i, 2));
        ASSERT_TRUE(r);
        ASSERT_TRUE(r->has_value()) << "batch " << i;
        EXPECT_EQ((*r)->base_offset, offset(100 + 2 * i));
        EXPECT_EQ((*r)->last_offset, offset(101 + 2 * i));
    }
    // The sixth-newest is forgotten: its retry is just out of order.
    auto old = check(state, batch(7, 0, 2, 2));
    ASSERT_FALSE(old);
    EXPECT_EQ(old.error(), errc::out_of_order_sequence);
}

TEST(producer_state, same_first_sequence_with_another_length_is_not_a_duplicate) {
    producer_state state;
    append(state, batch(7, 0, 0, 3), 0);
    auto r = check(state, batch(7, 0, 0, 2));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::out_of_order_sequence);
}

TEST(producer_state, older_epoch_is_refused) {
    producer_state state;
    append(state, batch(7, 3, 0), 0);
    auto r = check(state, batch(7, 2, 1));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::invalid_producer_epoch);
    // Even a retry of what the old epoch wrote: the producer was fenced.
    auto dup = check(state, batch(7, 2, 0));
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error(), errc::invalid_producer_epoch);
}

TEST(producer_state, new_epoch_must_start_at_sequence_zero_and_forgets_the_old_batches) {
    producer_state state;
    append(state, batch(7, 0, 0, 5), 0);
    auto bad = check(state, batch(7, 1, 5));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error(), errc::out_of_order_sequence);
    append(state, batch(7, 1, 0), 5);
    const producer_entry* e = state.find(producer_id(7));
    EXPECT_EQ(e->epoch, producer_epoch(1));
    ASSERT_EQ(e->batches.size(), 1u);
    EXPECT_EQ(e->batches[0].base_offset, offset(5));
    auto old = check(state, batch(7, 0, 0, 5));
    ASSERT_FALSE(old);
    EXPECT_EQ(old.error(), errc::invalid_producer_epoch);
}

TEST(producer_state, sequence_wraps_from_int32_max_to_zero) {
    producer_state state;
    append(state, batch(7, 0, INT32_MAX - 1, 2), 0);  // ends at INT32_MAX
    append(state, batch(7, 0, 0, 1), 2);
    EXPECT_EQ(state.find(producer_id(7))->last_sequence(), 0);
    // A batch that spans the wrap: INT32_MAX, 0, 1.
    producer_state spanning;
    append(spanning, batch(8, 0, INT32_MAX, 3), 0);
    EXPECT_EQ(spanning.find(producer_id(8))->last_sequence(), 1);
    auto dup = check(spanning, batch(8, 0, INT32_MAX, 3));
    ASSERT_TRUE(dup);
    EXPECT_TRUE(dup->has_value());
    auto next = check(spanning, batch(8, 0, 2));
    ASSERT_TRUE(next);
    EXPECT_FALSE(next->has_value());
}

TEST(producer_state, negative_sequence_or_epoch_is_not_an_idempotent_batch) {
    producer_state state;
    auto seq = check(state, batch(7, 0, -1));
    ASSERT_FALSE(seq);
    EXPECT_EQ(seq.error(), errc::invalid_batch);
    auto epoch = check(state, batch(7, -1, 0));
    ASSERT_FALSE(epoch);
    EXPECT_EQ(epoch.error(), errc::invalid_batch);
}

TEST(producer_state, producers_are_independent) {
    producer_state state;
    append(state, batch(1, 0, 0), 0);
    append(state, batch(2, 0, 10), 1);
    append(state, batch(1, 0, 1), 2);
    EXPECT_EQ(state.size(), 2u);
    EXPECT_EQ(state.find(producer_id(2))->last_sequence(), 10);
}

TEST(producer_state, idle_producers_expire_unless_a_transaction_is_open) {
    producer_state state;
    append(state, batch(1, 0, 0), 0, /*now=*/1000);
    append(state, batch(2, 0, 0), 1, /*now=*/5000);
    append(state, batch(3, 0, 0), 2, /*now=*/1000);
    producer_entry open_txn = *state.find(producer_id(3));
    open_txn.txn_first_offset = offset(2);
    state.put(producer_id(3), open_txn);
    EXPECT_EQ(state.remove_expired(/*now=*/10999, /*expiration=*/10000), 0u);
    EXPECT_EQ(state.remove_expired(/*now=*/11000, /*expiration=*/10000), 1u);
    EXPECT_EQ(state.find(producer_id(1)), nullptr);
    EXPECT_NE(state.find(producer_id(2)), nullptr);
    EXPECT_NE(state.find(producer_id(3)), nullptr);
}

TEST(producer_state, replay_takes_the_log_as_it_is) {
    producer_state state;
    auto h = batch(9, 2, 40, 3);
    h.base_offset = 17;
    state.replay(h, 1234);
    const producer_entry* e = state.find(producer_id(9));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->epoch, producer_epoch(2));
    EXPECT_EQ(e->last_append_ms, 1234);
    EXPECT_EQ(e->batches.back(),
              (producer_batch{40, 42, offset(17), offset(19), model::timestamp(1000)}));
    auto bad = batch(10, 0, -1);
    state.replay(bad, 1);
    EXPECT_EQ(state.find(producer_id(10)), nullptr);
}

// ---- snapshots

producer_state sample_state() {
    producer_state state;
    for (int i = 0; i < 6; ++i) append(state, batch(5, 1, 3 * i, 3, 2000 + i), 10 + 3 * i, 7000);
    append(state, batch(2, 0, 0), 40, 8000);
    producer_entry txn = *state.find(producer_id(2));
    txn.coordinator_epoch = 4;
    txn.txn_first_offset = offset(40);
    state.put(producer_id(2), txn);
    return state;
}

TEST(producer_snapshot, round_trip_keeps_every_field) {
    producer_state state = sample_state();
    bytes data = format::encode_producer_snapshot(offset(41), state);
    auto decoded = format::decode_producer_snapshot(data);
    ASSERT_EQ(decoded.status, format::snapshot_status::ok);
    EXPECT_EQ(decoded.offset, offset(41));
    EXPECT_EQ(decoded.state.sorted(), state.sorted());
    EXPECT_EQ(decoded.state.find(producer_id(5))->batches.size(), 5u);
}

TEST(producer_snapshot, empty_state_round_trips) {
    bytes data = format::encode_producer_snapshot(offset(0), producer_state{});
    EXPECT_EQ(data.size(), format::snapshot_header_size + format::snapshot_trailer_size);
    auto decoded = format::decode_producer_snapshot(data);
    ASSERT_EQ(decoded.status, format::snapshot_status::ok);
    EXPECT_TRUE(decoded.state.empty());
}

TEST(producer_snapshot, every_flipped_byte_is_detected) {
    bytes data = format::encode_producer_snapshot(offset(41), sample_state());
    for (size_t i = 0; i < data.size(); ++i) {
        bytes bad = data;
        bad[i] ^= 0x20;
        EXPECT_EQ(format::decode_producer_snapshot(bad).status, format::snapshot_status::damaged)
            << "byte " << i;
    }
}

TEST(producer_snapshot, truncated_or_extended_file_is_damaged) {
    bytes data = format::encode_producer_snapshot(offset(41), sample_state());
    for (size_t n : {size_t{0}, size_t{10}, data.size() - 1}) {
        EXPECT_EQ(format::decode_producer_snapshot(bytes_view(data).first(n)).status,
                  format::snapshot_status::damaged)
            << n << " bytes";
    }
    bytes longer = data;
    longer.push_back(0);
    EXPECT_EQ(format::decode_producer_snapshot(longer).status, format::snapshot_status::damaged);
}

// Rewrites a field and fixes the CRC, so only the field's own rule can catch it.
bytes with_field(bytes data, size_t pos, auto value) {
    store_be(data.data() + pos, value);
    size_t body = data.size() - format::snapshot_trailer_size;
    store_be<uint32_t>(data.data() + body, crc32c(bytes_view(data).first(body)));
    return data;
}

TEST(producer_snapshot, newer_version_is_reported_as_such) {
    bytes data = format::encode_producer_snapshot(offset(41), sample_state());
    EXPECT_EQ(format::decode_producer_snapshot(with_field(data, 4, uint16_t{2})).status,
              format::snapshot_status::unknown_version);
}

TEST(producer_snapshot, fields_breaking_the_rules_are_damaged_even_with_a_good_crc) {
    bytes data = format::encode_producer_snapshot(offset(41), sample_state());
    const size_t first = format::snapshot_header_size;  // producer 2 (ids ascending)
    const size_t second = first + format::snapshot_producer_size + format::snapshot_batch_size;
    auto damaged = [](const bytes& d) {
        return format::decode_producer_snapshot(d).status == format::snapshot_status::damaged;
    };
    EXPECT_TRUE(damaged(with_field(data, 6, uint16_t{1})));                // unknown flag
    EXPECT_TRUE(damaged(with_field(data, 8, int64_t{40})));                // batch at 40 >= offset
    EXPECT_TRUE(damaged(with_field(data, 16, uint32_t{3})));               // count vs size
    EXPECT_TRUE(damaged(with_field(data, second, int64_t{2})));            // ids not ascending
    EXPECT_TRUE(damaged(with_field(data, first + 8, int16_t{-1})));        // negative epoch
    EXPECT_TRUE(damaged(with_field(data, first + 30, uint8_t{6})));        // too many batches
    EXPECT_TRUE(damaged(with_field(data, first + 31, int32_t{-5})));       // negative sequence
    EXPECT_TRUE(damaged(with_field(data, first + 31 + 16, int64_t{39})));  // last < base
}

TEST(producer_snapshot, file_names_are_twenty_digit_offsets) {
    EXPECT_EQ(format::snapshot_file_name(offset(52310)), "00000000000000052310.snapshot");
    EXPECT_EQ(format::parse_snapshot_file_name("00000000000000052310.snapshot"), offset(52310));
    EXPECT_FALSE(format::parse_snapshot_file_name("00000000000000052310.log"));
    EXPECT_FALSE(format::parse_snapshot_file_name("0000000000000052310.snapshot"));
    EXPECT_FALSE(format::parse_snapshot_file_name("0000000000000005231x.snapshot"));
    EXPECT_FALSE(format::parse_snapshot_file_name("00000000000000052310.snapshot.tmp"));
}

// The worked example of docs/formats/producer-state.md §5, byte for byte.
TEST(producer_snapshot, worked_example_matches_the_format_doc) {
    producer_state state;
    producer_entry e;
    e.epoch = producer_epoch(0);
    e.last_append_ms = 1700000000000;
    e.batches.push_back({0, 2, offset(0), offset(2), model::timestamp(1700000000000)});
    e.batches.push_back({3, 3, offset(3), offset(3), model::timestamp(1700000000005)});
    state.put(producer_id(1000), e);
    bytes data = format::encode_producer_snapshot(offset(4), state);
    const uint8_t expected[] = {
        0x46, 0x4a, 0x50, 0x53, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01,  // header
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, 0x02,  // producer 1000
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x02, 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,  // batch 1
        0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x03, 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x05,  // batch 2
    };
    ASSERT_EQ(data.size(), sizeof(expected) + 4);
    EXPECT_TRUE(std::equal(std::begin(expected), std::end(expected), data.begin()));
    EXPECT_EQ(load_be<uint32_t>(data.data() + sizeof(expected)), 0x44831557u);
}

}  // namespace
}  // namespace fjord::storage
