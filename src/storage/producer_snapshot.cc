#include "storage/producer_snapshot.h"

#include <fmt/format.h>

#include <charconv>

#include "base/crc32c.h"
#include "base/endian.h"
#include "storage/segment_format.h"

namespace fjord::storage::format {
namespace {

class writer {
public:
    explicit writer(size_t size) : _out(size) {}
    template <typename T>
    void put(T v) {
        store_be<T>(_out.data() + _pos, v);
        _pos += sizeof(T);
    }
    bytes finish() {
        put<uint32_t>(crc32c(bytes_view(_out).first(_pos)));
        return std::move(_out);
    }

private:
    bytes _out;
    size_t _pos = 0;
};

// Reads fields the caller has checked are there.
class reader {
public:
    explicit reader(bytes_view data) : _data(data) {}
    template <typename T>
    T get() {
        T v = load_be<T>(_data.data() + _pos);
        _pos += sizeof(T);
        return v;
    }
    size_t left() const { return _data.size() - _pos; }

private:
    bytes_view _data;
    size_t _pos = 0;
};

}  // namespace

std::string snapshot_file_name(model::offset offset) {
    return segment_file_name(offset, snapshot_suffix);
}

std::optional<model::offset> parse_snapshot_file_name(std::string_view name) {
    if (name.size() != base_offset_digits + snapshot_suffix.size() ||
        !name.ends_with(snapshot_suffix)) {
        return std::nullopt;
    }
    int64_t offset = 0;
    auto digits = name.substr(0, base_offset_digits);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), offset);
    if (ec != std::errc() || end != digits.data() + digits.size() || offset < 0) {
        return std::nullopt;
    }
    return model::offset(offset);
}

bytes encode_producer_snapshot(model::offset offset, const producer_state& state) {
    auto producers = state.sorted();
    size_t size = snapshot_header_size + snapshot_trailer_size;
    for (const auto& [_, e] : producers) {
        size += snapshot_producer_size + e.batches.size() * snapshot_batch_size;
    }
    writer w(size);
    w.put<uint32_t>(snapshot_magic);
    w.put<uint16_t>(snapshot_version);
    w.put<uint16_t>(0);
    w.put<int64_t>(offset());
    w.put<uint32_t>(static_cast<uint32_t>(producers.size()));
    for (const auto& [id, e] : producers) {
        w.put<int64_t>(id());
        w.put<int16_t>(e.epoch());
        w.put<int32_t>(e.coordinator_epoch);
        w.put<int64_t>(e.txn_first_offset ? (*e.txn_first_offset)() : -1);
        w.put<int64_t>(e.last_append_ms);
        w.put<uint8_t>(static_cast<uint8_t>(e.batches.size()));
        for (const auto& b : e.batches) {
            w.put<int32_t>(b.first_sequence);
            w.put<int32_t>(b.last_sequence);
            w.put<int64_t>(b.base_offset());
            w.put<int64_t>(b.last_offset());
            w.put<int64_t>(b.max_timestamp());
        }
    }
    return w.finish();
}

decoded_producer_snapshot decode_producer_snapshot(bytes_view data) {
    decoded_producer_snapshot out;
    if (data.size() < snapshot_header_size + snapshot_trailer_size) return out;
    size_t body = data.size() - snapshot_trailer_size;
    if (load_be<uint32_t>(data.data()) != snapshot_magic) return out;
    if (load_be<uint32_t>(data.data() + body) != crc32c(data.first(body))) return out;
    reader r(data.first(body));
    r.get<uint32_t>();
    if (r.get<uint16_t>() != snapshot_version) {
        out.status = snapshot_status::unknown_version;
        return out;
    }
    if (r.get<uint16_t>() != 0) return out;  // flags: none defined
    int64_t offset = r.get<int64_t>();
    uint32_t count = r.get<uint32_t>();
    if (offset < 0) return out;

    producer_state state;
    int64_t previous_id = -1;
    for (uint32_t i = 0; i < count; ++i) {
        if (r.left() < snapshot_producer_size) return out;
        int64_t id = r.get<int64_t>();
        producer_entry e;
        e.epoch = producer_epoch(r.get<int16_t>());
        e.coordinator_epoch = r.get<int32_t>();
        int64_t txn_first = r.get<int64_t>();
        e.last_append_ms = r.get<int64_t>();
        auto batches = r.get<uint8_t>();
        if (id <= previous_id || e.epoch() < 0 || e.coordinator_epoch < -1 || txn_first < -1 ||
            txn_first >= offset || batches > producer_state::batches_retained ||
            r.left() < batches * snapshot_batch_size) {
            return out;
        }
        if (txn_first >= 0) e.txn_first_offset = model::offset(txn_first);
        int64_t previous_last = -1;
        for (uint8_t b = 0; b < batches; ++b) {
            producer_batch pb;
            pb.first_sequence = r.get<int32_t>();
            pb.last_sequence = r.get<int32_t>();
            pb.base_offset = model::offset(r.get<int64_t>());
            pb.last_offset = model::offset(r.get<int64_t>());
            pb.max_timestamp = model::timestamp(r.get<int64_t>());
            if (pb.first_sequence < 0 || pb.last_sequence < 0 ||
                pb.base_offset() <= previous_last || pb.last_offset < pb.base_offset ||
                pb.last_offset() >= offset) {
                return out;
            }
            previous_last = pb.last_offset();
            e.batches.push_back(pb);
        }
        state.put(producer_id(id), std::move(e));
        previous_id = id;
    }
    if (r.left() != 0) return out;
    out.status = snapshot_status::ok;
    out.offset = model::offset(offset);
    out.state = std::move(state);
    return out;
}

}  // namespace fjord::storage::format
