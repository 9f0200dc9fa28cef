#include "storage/segment_format.h"

#include <fmt/format.h>

#include <charconv>

#include "base/crc32c.h"
#include "base/endian.h"

namespace fjord::storage::format {

std::string segment_file_name(model::offset base, std::string_view suffix) {
    return fmt::format("{:020d}{}", base(), suffix);
}

std::optional<segment_file> parse_segment_file_name(std::string_view name) {
    if (name.size() <= base_offset_digits) return std::nullopt;
    auto digits = name.substr(0, base_offset_digits);
    auto suffix = name.substr(base_offset_digits);
    file_kind kind;
    if (suffix == log_suffix) {
        kind = file_kind::log;
    } else if (suffix == index_suffix) {
        kind = file_kind::index;
    } else if (suffix == timeindex_suffix) {
        kind = file_kind::timeindex;
    } else if (suffix == txnindex_suffix) {
        kind = file_kind::txnindex;
    } else {
        return std::nullopt;
    }
    int64_t base = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), base);
    if (ec != std::errc() || end != digits.data() + digits.size() || base < 0) return std::nullopt;
    return segment_file{model::offset(base), kind};
}

protocol::batch_header read_header(bytes_view h) {
    namespace f = protocol::batch_field;
    const uint8_t* p = h.data();
    protocol::batch_header out;
    out.base_offset = load_be<int64_t>(p + f::base_offset);
    out.batch_length = load_be<int32_t>(p + f::batch_length);
    out.partition_leader_epoch = load_be<int32_t>(p + f::partition_leader_epoch);
    out.magic = static_cast<int8_t>(p[f::magic]);
    out.crc = load_be<uint32_t>(p + f::crc);
    out.attributes = load_be<int16_t>(p + f::attributes);
    out.last_offset_delta = load_be<int32_t>(p + f::last_offset_delta);
    out.base_timestamp = load_be<int64_t>(p + f::base_timestamp);
    out.max_timestamp = load_be<int64_t>(p + f::max_timestamp);
    out.producer_id = load_be<int64_t>(p + f::producer_id);
    out.producer_epoch = load_be<int16_t>(p + f::producer_epoch);
    out.base_sequence = load_be<int32_t>(p + f::base_sequence);
    out.records_count = load_be<int32_t>(p + f::records_count);
    return out;
}

bytes encode_checkpoint(const checkpoint& c) {
    bytes out(checkpoint_size);
    store_be<uint32_t>(out.data(), checkpoint_magic);
    store_be<uint16_t>(out.data() + 4, checkpoint_version);
    store_be<uint16_t>(out.data() + 6, 0);
    store_be<int64_t>(out.data() + 8, c.log_start());
    store_be<int64_t>(out.data() + 16, c.recovery_point());
    store_be<uint32_t>(out.data() + 24, crc32c(bytes_view(out).first(24)));
    return out;
}

decoded_checkpoint decode_checkpoint(bytes_view data) {
    decoded_checkpoint d{checkpoint_status::damaged, {}};
    if (data.size() != checkpoint_size) return d;
    if (load_be<uint32_t>(data.data()) != checkpoint_magic) return d;
    if (load_be<uint32_t>(data.data() + 24) != crc32c(data.first(24))) return d;
    if (load_be<uint16_t>(data.data() + 4) != checkpoint_version) {
        d.status = checkpoint_status::unknown_version;
        return d;
    }
    int64_t start = load_be<int64_t>(data.data() + 8);
    int64_t recovery = load_be<int64_t>(data.data() + 16);
    if (start < 0 || recovery < 0) return d;
    d.status = checkpoint_status::ok;
    d.value = {model::offset(start), model::offset(recovery)};
    return d;
}

bytes encode_txn_entries(std::span<const txn_index_entry> entries) {
    bytes out(entries.size() * txn_entry_size);
    uint8_t* p = out.data();
    for (const auto& e : entries) {
        store_be<int16_t>(p, txn_entry_version);
        store_be<int64_t>(p + 2, e.producer_id());
        store_be<int64_t>(p + 10, e.first_offset());
        store_be<int64_t>(p + 18, e.last_offset());
        store_be<int64_t>(p + 26, e.last_stable_offset());
        p += txn_entry_size;
    }
    return out;
}

std::optional<std::vector<txn_index_entry>> decode_txn_index(bytes_view data) {
    if (data.size() % txn_entry_size != 0) return std::nullopt;
    std::vector<txn_index_entry> out;
    out.reserve(data.size() / txn_entry_size);
    int64_t previous_last = -1;
    for (const uint8_t* p = data.data(); p != data.data() + data.size(); p += txn_entry_size) {
        if (load_be<int16_t>(p) != txn_entry_version) return std::nullopt;
        txn_index_entry e{
            model::producer_id(load_be<int64_t>(p + 2)), model::offset(load_be<int64_t>(p + 10)),
            model::offset(load_be<int64_t>(p + 18)), model::offset(load_be<int64_t>(p + 26))};
        if (e.producer_id() < 0 || e.first_offset() < 0 || e.first_offset > e.last_offset ||
            e.last_offset() <= previous_last || e.last_stable_offset() < 0) {
            return std::nullopt;
        }
        previous_last = e.last_offset();
        out.push_back(e);
    }
    return out;
}

}  // namespace fjord::storage::format
