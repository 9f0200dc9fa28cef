#include "protocol/control_record.h"

#include "base/endian.h"
#include "protocol/record_batch.h"

namespace fjord::protocol {

bytes build_marker_batch(int64_t producer_id, int16_t producer_epoch, control_type type,
                         int32_t coordinator_epoch, int64_t timestamp_ms) {
    bytes key(control_key_size);
    store_be<int16_t>(key.data(), control_key_version);
    store_be<int16_t>(key.data() + 2, static_cast<int16_t>(type));
    bytes value(end_txn_marker_value_size);
    store_be<int16_t>(value.data(), end_txn_marker_version);
    store_be<int32_t>(value.data() + 2, coordinator_epoch);

    batch_options o;
    o.producer_id = producer_id;
    o.producer_epoch = producer_epoch;
    o.base_sequence = no_sequence;
    o.transactional = true;
    o.control = true;
    record r{0, timestamp_ms, std::move(key), std::move(value), {}};
    return build_batch(o, std::span<const record>(&r, 1));
}

std::optional<txn_marker> decode_marker(bytes_view batch) {
    auto h = read_batch_header(batch);
    if (!h || !h->is_control()) return std::nullopt;
    // Markers are tiny: a limit well above one keeps a hostile compressed batch cheap.
    auto records = decode_records(batch, 64 * 1024);
    if (!records || records->empty()) return std::nullopt;
    const record& r = records->front();
    if (!r.key || r.key->size() < control_key_size) return std::nullopt;
    if (load_be<int16_t>(r.key->data()) < 0) return std::nullopt;
    int16_t type = load_be<int16_t>(r.key->data() + 2);
    if (type != static_cast<int16_t>(control_type::abort) &&
        type != static_cast<int16_t>(control_type::commit)) {
        return std::nullopt;
    }
    if (!r.value || r.value->size() < end_txn_marker_value_size) return std::nullopt;
    if (load_be<int16_t>(r.value->data()) < 0) return std::nullopt;
    return txn_marker{static_cast<control_type>(type), load_be<int32_t>(r.value->data() + 2)};
}

}  // namespace fjord::protocol
