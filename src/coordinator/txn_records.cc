#include "coordinator/txn_records.h"

#include <algorithm>

#include "base/endian.h"
#include "protocol/wire.h"

namespace fjord::coordinator::txn_records {

namespace {

using protocol::reader;
using protocol::writer;

// Kafka's TransactionState numbers run 0-7 (transaction_coordinator.h).
constexpr int8_t max_state = static_cast<int8_t>(txn_state::prepare_epoch_fence);

// Version 1 tags (TransactionLogValue.json).
constexpr uint32_t tag_previous_producer_id = 0;
constexpr uint32_t tag_next_producer_id = 1;
constexpr uint32_t tag_client_transaction_version = 2;

std::optional<int16_t> version_of(bytes_view b) {
    if (b.size() < 2) return std::nullopt;
    return load_be<int16_t>(b.data());
}

// Reads a tagged-field section, keeping the tags version 1 defines and skipping the rest.
void read_value_tags(reader& r, txn_value& v) {
    uint32_t count = r.read_uvarint();
    for (uint32_t i = 0; i < count && r.ok(); ++i) {
        uint32_t tag = r.read_uvarint();
        reader payload = r.read_tagged_payload();
        switch (tag) {
            case tag_previous_producer_id:
                v.previous_producer_id = model::producer_id(payload.read_int64());
                break;
            case tag_next_producer_id:
                v.next_producer_id = model::producer_id(payload.read_int64());
                break;
            case tag_client_transaction_version:
                v.client_transaction_version = payload.read_int16();
                break;
            default:
                continue;
        }
        if (!payload.ok()) r.fail();
    }
}

void skip_tags(reader& r) {
    std::vector<protocol::tagged_field> ignored;
    r.read_tagged_fields(ignored);
}

}  // namespace

bytes encode_key(std::string_view transactional_id) {
    writer w;
    w.write_int16(key_version);
    w.write_string(transactional_id);
    return std::move(w).finish_bytes();
}

std::optional<std::string> decode_key(bytes_view b) {
    auto version = version_of(b);
    if (!version || *version != key_version) return std::nullopt;
    reader r(nullptr, b);
    r.read_int16();
    std::string id = r.read_string();
    if (!r.ok() || r.remaining() != 0) return std::nullopt;
    return id;
}

bytes encode_value(const txn_value& v) {
    writer w;
    w.write_int16(value_version);
    w.write_int64(v.producer_id());
    w.write_int16(v.producer_epoch());
    w.write_int32(v.timeout_ms);
    w.write_int8(static_cast<int8_t>(v.state));
    if (!v.partitions) {
        w.write_null_array();
    } else {
        auto sorted = *v.partitions;
        std::sort(sorted.begin(), sorted.end());
        sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
        size_t topics = 0;
        for (size_t i = 0; i < sorted.size(); ++i) {
            if (i == 0 || sorted[i].topic != sorted[i - 1].topic) ++topics;
        }
        w.write_array_length(topics);
        for (size_t i = 0; i < sorted.size();) {
            size_t end = i;
            while (end < sorted.size() && sorted[end].topic == sorted[i].topic) ++end;
            w.write_string(sorted[i].topic);
            w.write_array_length(end - i);
            for (size_t j = i; j < end; ++j) w.write_int32(sorted[j].partition());
            i = end;
        }
    }
    w.write_int64(v.last_update_timestamp_ms);
    w.write_int64(v.start_timestamp_ms);
    return std::move(w).finish_bytes();
}

std::optional<txn_value> decode_value(bytes_view b) {
    auto version = version_of(b);
    if (!version || *version < 0 || *version > value_max_version) return std::nullopt;
    const bool flexible = *version >= 1;
    reader r(nullptr, b);
    r.read_int16();
    txn_value v;
    v.producer_id = model::producer_id(r.read_int64());
    v.producer_epoch = model::producer_epoch(r.read_int16());
    v.timeout_ms = r.read_int32();
    int8_t state = r.read_int8();
    if (!r.ok() || state < 0 || state > max_state) return std::nullopt;
    v.state = static_cast<txn_state>(state);
    auto topics = flexible ? r.read_compact_array_length() : r.read_array_length();
    if (!r.ok()) return std::nullopt;
    if (topics) {
        std::vector<model::topic_partition> partitions;
        for (size_t t = 0; t < *topics && r.ok(); ++t) {
            std::string topic = flexible ? r.read_compact_string() : r.read_string();
            auto count = flexible ? r.read_compact_array_length() : r.read_array_length();
            if (!r.ok() || !count) return std::nullopt;  // partition_ids is not nullable
            for (size_t i = 0; i < *count && r.ok(); ++i) {
                partitions.push_back({topic, model::partition_id(r.read_int32())});
            }
            if (flexible) skip_tags(r);
        }
        std::sort(partitions.begin(), partitions.end());
        partitions.erase(std::unique(partitions.begin(), partitions.end()), partitions.end());
        v.partitions = std::move(partitions);
    }
    v.last_update_timestamp_ms = r.read_int64();
    v.start_timestamp_ms = r.read_int64();
    if (flexible) read_value_tags(r, v);
    if (!r.ok()) return std::nullopt;
    return v;
}

}  // namespace fjord::coordinator::txn_records
