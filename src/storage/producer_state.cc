#include "storage/producer_state.h"

#include <algorithm>
#include <climits>
#include <utility>

namespace fjord::storage {

int32_t increment_sequence(int32_t seq, int32_t by) {
    if (seq > INT32_MAX - by) return by - (INT32_MAX - seq) - 1;
    return seq + by;
}

int32_t decrement_sequence(int32_t seq, int32_t by) {
    if (seq < by) return INT32_MAX - (by - seq) + 1;
    return seq - by;
}

namespace {

int32_t last_sequence_of(const protocol::batch_header& h) {
    return increment_sequence(h.base_sequence, h.last_offset_delta);
}

// Only transactional batches may join an open transaction (the producer must end it first).
result<std::optional<producer_batch>, errc> check_txn_state(const producer_entry& current,
                                                            const protocol::batch_header& h) {
    if (current.txn_first_offset && !h.is_transactional()) return fail(errc::invalid_txn_state);
    return std::optional<producer_batch>();
}

// The sequence after `last` (nothing yet in the epoch: -1, so 0 comes next).
bool in_sequence(int32_t last, int32_t next) {
    return int64_t{next} == int64_t{last} + 1 || (next == 0 && last == INT32_MAX);
}

}  // namespace

result<std::optional<producer_batch>, errc> producer_state::check(const producer_entry* current,
                                                                  const protocol::batch_header& h) {
    if (h.producer_epoch < 0) return fail(errc::invalid_batch);
    if (h.base_sequence == protocol::no_sequence && h.is_transactional()) {
        // A coordinator's own transactional batch (TxnOffsetCommit's offsets): it carries no
        // sequence, so only its epoch is checked, as in Kafka.
        if (current && h.producer_epoch < current->epoch()) {
            return fail(errc::invalid_producer_epoch);
        }
        return std::optional<producer_batch>();
    }
    if (h.base_sequence < 0) return fail(errc::invalid_batch);
    if (!current) return std::optional<producer_batch>();
    if (h.producer_epoch == current->epoch()) {
        int32_t last = last_sequence_of(h);
        for (const auto& b : current->batches) {
            if (b.first_sequence == h.base_sequence && b.last_sequence == last) {
                return std::optional<producer_batch>(b);
            }
        }
        if (!in_sequence(current->last_sequence(), h.base_sequence)) {
            return fail(errc::out_of_order_sequence);
        }
        return check_txn_state(*current, h);
    }
    if (h.producer_epoch < current->epoch()) return fail(errc::invalid_producer_epoch);
    // A newer epoch (the producer re-initialised or bumped it) starts its sequences over.
    if (h.base_sequence != 0) return fail(errc::out_of_order_sequence);
    return check_txn_state(*current, h);
}

std::optional<txn_change> producer_state::apply(producer_entry& entry,
                                                const protocol::batch_header& h,
                                                model::offset base_offset, int64_t append_ms) {
    if (entry.epoch() != h.producer_epoch) {
        entry.epoch = producer_epoch(h.producer_epoch);
        entry.batches.clear();
    }
    entry.last_append_ms = append_ms;
    if (h.base_sequence != protocol::no_sequence) {
        remember_batch(entry, h, base_offset);
    }
    if (!h.is_transactional() || entry.txn_first_offset) return std::nullopt;
    entry.txn_first_offset = base_offset;
    return txn_change{producer_id(h.producer_id), base_offset};
}

void producer_state::remember_batch(producer_entry& entry, const protocol::batch_header& h,
                                    model::offset base_offset) {
    if (entry.batches.size() == batches_retained) entry.batches.erase(entry.batches.begin());
    entry.batches.push_back({
        .first_sequence = h.base_sequence,
        .last_sequence = last_sequence_of(h),
        .base_offset = base_offset,
        .last_offset = base_offset + int64_t{h.last_offset_delta},
        .max_timestamp = model::timestamp(h.max_timestamp),
    });
}

result<void, errc> producer_state::check_marker(const producer_entry* current,
                                                const protocol::batch_header& h,
                                                const protocol::txn_marker& marker) {
    if (h.producer_epoch < 0) return fail(errc::invalid_batch);
    if (!current) return {};
    if (h.producer_epoch < current->epoch()) return fail(errc::invalid_producer_epoch);
    if (marker.coordinator_epoch < current->coordinator_epoch) {
        return fail(errc::transaction_coordinator_fenced);
    }
    return {};
}

std::optional<txn_change> producer_state::apply_marker(producer_entry& entry,
                                                       const protocol::batch_header& h,
                                                       const protocol::txn_marker& marker,
                                                       model::offset offset, int64_t append_ms) {
    if (entry.epoch() != h.producer_epoch) {
        entry.epoch = producer_epoch(h.producer_epoch);
        entry.batches.clear();
    }
    entry.coordinator_epoch = marker.coordinator_epoch;
    entry.last_append_ms = append_ms;
    auto first = std::exchange(entry.txn_first_offset, std::nullopt);
    if (!first) return std::nullopt;
    return txn_change{producer_id(h.producer_id), *first, offset,
                      marker.type == protocol::control_type::abort};
}

const producer_entry* producer_state::find(producer_id id) const {
    auto it = _entries.find(id());
    return it == _entries.end() ? nullptr : &it->second;
}

void producer_state::put(producer_id id, producer_entry entry) {
    _entries.insert_or_assign(id(), std::move(entry));
}

std::optional<txn_change> producer_state::replay(const protocol::batch_header& h,
                                                 int64_t append_ms) {
    // The produce path never stores such a batch; a log written by someone else might.
    if (h.base_sequence < 0 || h.producer_epoch < 0) return std::nullopt;
    return apply(_entries[h.producer_id], h, model::offset(h.base_offset), append_ms);
}

std::optional<txn_change> producer_state::replay_marker(const protocol::batch_header& h,
                                                        const protocol::txn_marker& marker,
                                                        int64_t append_ms) {
    if (h.producer_epoch < 0) return std::nullopt;
    return apply_marker(_entries[h.producer_id], h, marker, model::offset(h.base_offset),
                        append_ms);
}

size_t producer_state::remove_expired(int64_t now_ms, int64_t expiration_ms) {
    return std::erase_if(_entries, [&](const auto& item) {
        const producer_entry& e = item.second;
        int64_t idle;
        if (__builtin_sub_overflow(now_ms, e.last_append_ms, &idle)) return false;
        return !e.txn_first_offset && idle >= expiration_ms;
    });
}

std::vector<std::pair<producer_id, producer_entry>> producer_state::sorted() const {
    std::vector<std::pair<producer_id, producer_entry>> out;
    out.reserve(_entries.size());
    for (const auto& [id, e] : _entries) out.emplace_back(producer_id(id), e);
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
}

}  // namespace fjord::storage
