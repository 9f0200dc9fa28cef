#include "protocol/record_batch.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "base/crc32c.h"
#include "base/endian.h"
#include "base/varint.h"
#include "base/vassert.h"

namespace fjord::protocol {

namespace {

// The smallest possible record: length, attributes, timestamp delta, offset delta, key length,
// value length, header count, one byte each. Bounds how many records a section can hold.
constexpr size_t min_record_size = 7;
// A header needs at least its key length and value length.
constexpr size_t min_header_size = 2;

int64_t wrapping_add(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t wrapping_sub(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}

// Reads the fields of v2 records. Every read checks the bytes left and fails rather than reading
// past `_end`; a failed read leaves the reader unusable (the caller gives up).
class record_reader {
public:
    record_reader(const uint8_t* begin, const uint8_t* end) : _p(begin), _end(end) {}

    size_t remaining() const { return static_cast<size_t>(_end - _p); }
    bool at_end() const { return _p == _end; }
    const uint8_t* position() const { return _p; }

    bool read_int8(int8_t& out) {
        if (_p == _end) return false;
        out = static_cast<int8_t>(*_p++);
        return true;
    }

    // A zig-zag varint that must fit an int32 (Kafka's "varint").
    bool read_varint(int32_t& out) {
        auto d = varint::decode_unsigned(_p, _end, varint::max_length_32);
        if (!d || d->value > std::numeric_limits<uint32_t>::max()) return false;
        out = static_cast<int32_t>(varint::zigzag_decode(d->value));
        _p += d->length;
        return true;
    }

    // A zig-zag varint of up to 64 bits (Kafka's "varlong").
    bool read_varlong(int64_t& out) {
        auto d = varint::decode_signed(_p, _end, varint::max_length_64);
        if (!d) return false;
        out = d->value;
        _p += d->length;
        return true;
    }

    // A varint length (-1 for null) followed by that many bytes.
    bool read_nullable_bytes(std::optional<bytes>& out) {
        int32_t length = 0;
        if (!read_varint(length) || length < -1) return false;
        if (length == -1) {
            out.reset();
            return true;
        }
        if (static_cast<size_t>(length) > remaining()) return false;
        out.emplace(_p, _p + length);
        _p += length;
        return true;
    }

    bool read_string(std::string& out) {
        int32_t length = 0;
        if (!read_varint(length) || length < 0) return false;  // header keys are not nullable
        if (static_cast<size_t>(length) > remaining()) return false;
        out.assign(reinterpret_cast<const char*>(_p), static_cast<size_t>(length));
        _p += length;
        return true;
    }

    bool skip(size_t n) {
        if (n > remaining()) return false;
        _p += n;
        return true;
    }

private:
    const uint8_t* _p;
    const uint8_t* _end;
};

bool read_record(record_reader& section, const batch_header& h, record& out) {
    int32_t length = 0;
    if (!section.read_varint(length) || length < 0) return false;
    if (static_cast<size_t>(length) > section.remaining()) return false;
    const uint8_t* begin = section.position();
    if (!section.skip(static_cast<size_t>(length))) return false;

    // Parse the record within its own length, so a field that overruns it is caught even when
    // more records follow.
    record_reader r(begin, begin + length);
    int8_t attributes = 0;  // unused by format v2
    int64_t timestamp_delta = 0;
    int32_t offset_delta = 0;
    int32_t header_count = 0;
    if (!r.read_int8(attributes) || !r.read_varlong(timestamp_delta) ||
        !r.read_varint(offset_delta) || !r.read_nullable_bytes(out.key) ||
        !r.read_nullable_bytes(out.value) || !r.read_varint(header_count)) {
        return false;
    }
    if (header_count < 0 || static_cast<size_t>(header_count) > r.remaining() / min_header_size) {
        return false;
    }
    out.headers.clear();
    out.headers.reserve(static_cast<size_t>(header_count));
    for (int32_t i = 0; i < header_count; ++i) {
        record_header header;
        if (!r.read_string(header.key) || !r.read_nullable_bytes(header.value)) return false;
        out.headers.push_back(std::move(header));
    }
    if (!r.at_end()) return false;  // the record's length must be exact

    out.offset = wrapping_add(h.base_offset, offset_delta);
    // With LogAppendTime the broker only rewrote max_timestamp; it stands for every record.
    out.timestamp =
        h.log_append_time() ? h.max_timestamp : wrapping_add(h.base_timestamp, timestamp_delta);
    return true;
}

void require_batch(bytes_view batch) {
    auto h = read_batch_header(batch);
    vassert(h.has_value(), "in-place edit of a batch that was not validated: {}",
            describe(h.error()));
}

// Appends Kafka's record encoding to `out`.
class record_writer {
public:
    explicit record_writer(bytes& out) : _out(out) {}

    void varint(int64_t v) {
        uint8_t buf[varint::max_length_64];
        size_t n = varint::encode_signed(v, buf);
        _out.insert(_out.end(), buf, buf + n);
    }
    void raw(bytes_view b) { _out.insert(_out.end(), b.begin(), b.end()); }
    void nullable_bytes(const std::optional<bytes>& b) {
        if (!b) {
            varint(-1);
            return;
        }
        varint(static_cast<int64_t>(b->size()));
        raw(*b);
    }

private:
    bytes& _out;
};

size_t nullable_size(const std::optional<bytes>& b) {
    if (!b) return varint::encoded_size_signed(-1);
    return varint::encoded_size_signed(static_cast<int64_t>(b->size())) + b->size();
}

size_t record_body_size(const record& r, int64_t timestamp_delta, int32_t offset_delta) {
    size_t size = 1 + varint::encoded_size_signed(timestamp_delta) +
                  varint::encoded_size_signed(offset_delta) + nullable_size(r.key) +
                  nullable_size(r.value) +
                  varint::encoded_size_signed(static_cast<int64_t>(r.headers.size()));
    for (const auto& h : r.headers) {
        size += varint::encoded_size_signed(static_cast<int64_t>(h.key.size())) + h.key.size();
        size += nullable_size(h.value);
    }
    return size;
}

}  // namespace

std::string_view describe(batch_errc e) {
    switch (e) {
        case batch_errc::truncated:
            return "record batch is truncated";
        case batch_errc::invalid_length:
            return "record batch length is below the minimum";
        case batch_errc::unsupported_magic:
            return "record batch magic is not 2";
        case batch_errc::crc_mismatch:
            return "record batch CRC-32C mismatch";
        case batch_errc::unknown_compression:
            return "record batch uses an unknown codec";
        case batch_errc::corrupt_records:
            return "records do not match the batch";
        case batch_errc::decompression_failed:
            return "records could not be decompressed";
    }
    return "unknown record batch error";
}

result<batch_header, batch_errc> read_batch_header(bytes_view data) {
    // batch_length and the fields before magic mean different things in older formats, so the
    // magic byte is checked before anything else is trusted.
    if (data.size() <= batch_field::magic) return fail(batch_errc::truncated);
    const uint8_t* p = data.data();
    int8_t magic = static_cast<int8_t>(p[batch_field::magic]);
    if (magic != batch_magic_v2) return fail(batch_errc::unsupported_magic);
    int32_t length = load_be<int32_t>(p + batch_field::batch_length);
    if (length < min_batch_length) return fail(batch_errc::invalid_length);
    if (static_cast<size_t>(length) > data.size() - batch_length_overhead) {
        return fail(batch_errc::truncated);
    }

    batch_header h;
    h.base_offset = load_be<int64_t>(p + batch_field::base_offset);
    h.batch_length = length;
    h.partition_leader_epoch = load_be<int32_t>(p + batch_field::partition_leader_epoch);
    h.magic = magic;
    h.crc = load_be<uint32_t>(p + batch_field::crc);
    h.attributes = load_be<int16_t>(p + batch_field::attributes);
    h.last_offset_delta = load_be<int32_t>(p + batch_field::last_offset_delta);
    h.base_timestamp = load_be<int64_t>(p + batch_field::base_timestamp);
    h.max_timestamp = load_be<int64_t>(p + batch_field::max_timestamp);
    h.producer_id = load_be<int64_t>(p + batch_field::producer_id);
    h.producer_epoch = load_be<int16_t>(p + batch_field::producer_epoch);
    h.base_sequence = load_be<int32_t>(p + batch_field::base_sequence);
    h.records_count = load_be<int32_t>(p + batch_field::records_count);
    if ((static_cast<uint16_t>(h.attributes) & batch_attribute::compression_mask) >
        max_compression_type) {
        return fail(batch_errc::unknown_compression);
    }
    return h;
}

uint32_t compute_batch_crc(bytes_view batch) {
    vassert(batch.size() >= batch_header_size, "CRC of a {}-byte batch", batch.size());
    auto length = static_cast<size_t>(load_be<int32_t>(batch.data() + batch_field::batch_length));
    vassert(length + batch_length_overhead <= batch.size(), "CRC of a batch cut short");
    return crc32c(batch.subspan(batch_field::attributes,
                                length + batch_length_overhead - batch_field::attributes));
}

result<std::vector<batch_header>, batch_errc> validate_record_set(bytes_view data) {
    if (data.empty()) return fail(batch_errc::truncated);
    std::vector<batch_header> headers;
    size_t pos = 0;
    while (pos < data.size()) {
        auto h = read_batch_header(data.subspan(pos));
        if (!h) return fail(h.error());
        if (compute_batch_crc(data.subspan(pos, h->size_bytes())) != h->crc) {
            return fail(batch_errc::crc_mismatch);
        }
        if (h->records_count < 0) return fail(batch_errc::corrupt_records);
        pos += h->size_bytes();
        headers.push_back(*h);
    }
    return headers;
}

void set_base_offset(mutable_bytes_view batch, int64_t base_offset) {
    require_batch(batch);
    store_be<int64_t>(batch.data() + batch_field::base_offset, base_offset);
}

void set_partition_leader_epoch(mutable_bytes_view batch, int32_t epoch) {
    require_batch(batch);
    store_be<int32_t>(batch.data() + batch_field::partition_leader_epoch, epoch);
}

void set_log_append_time(mutable_bytes_view batch, int64_t ts) {
    require_batch(batch);
    uint8_t* p = batch.data();
    auto attributes = static_cast<uint16_t>(load_be<int16_t>(p + batch_field::attributes));
    attributes |= batch_attribute::log_append_time;
    store_be<int16_t>(p + batch_field::attributes, static_cast<int16_t>(attributes));
    store_be<int64_t>(p + batch_field::max_timestamp, ts);
    store_be<uint32_t>(p + batch_field::crc, compute_batch_crc(batch));
}

result<std::vector<record>, batch_errc> decode_records(bytes_view batch, size_t max_decompressed) {
    auto h = read_batch_header(batch);
    if (!h) return fail(h.error());
    bytes_view whole = batch.first(h->size_bytes());
    if (compute_batch_crc(whole) != h->crc) return fail(batch_errc::crc_mismatch);
    if (h->records_count < 0) return fail(batch_errc::corrupt_records);

    bytes_view section = whole.subspan(batch_field::records);
    bytes decompressed;
    if (h->compression() != compression_type::none) {
        auto d = decompress(h->compression(), section, max_decompressed);
        if (!d) return fail(batch_errc::decompression_failed);
        decompressed = std::move(d).value();
        section = decompressed;
    }

    // records_count comes from the wire: never reserve more than the bytes could hold.
    auto count = static_cast<size_t>(h->records_count);
    if (count > section.size() / min_record_size) return fail(batch_errc::corrupt_records);
    std::vector<record> records(count);
    record_reader reader(section.data(), section.data() + section.size());
    for (auto& r : records) {
        if (!read_record(reader, *h, r)) return fail(batch_errc::corrupt_records);
    }
    if (!reader.at_end()) return fail(batch_errc::corrupt_records);
    return records;
}

bytes build_batch(const batch_options& options, std::span<const record> records) {
    vassert(records.size() <= static_cast<size_t>(std::numeric_limits<int32_t>::max()),
            "{} records do not fit a batch", records.size());
    int64_t base_timestamp = records.empty() ? no_timestamp : records.front().timestamp;
    int64_t max_timestamp = no_timestamp;

    bytes section;
    record_writer w(section);
    int64_t previous_delta = -1;
    for (const auto& r : records) {
        int64_t delta = wrapping_sub(r.offset, options.base_offset);
        vassert(delta > previous_delta && delta <= std::numeric_limits<int32_t>::max(),
                "record offset {} out of order or range for base offset {}", r.offset,
                options.base_offset);
        previous_delta = delta;
        max_timestamp = std::max(max_timestamp, r.timestamp);

        auto offset_delta = static_cast<int32_t>(delta);
        int64_t timestamp_delta = wrapping_sub(r.timestamp, base_timestamp);
        w.varint(static_cast<int64_t>(record_body_size(r, timestamp_delta, offset_delta)));
        section.push_back(0);  // record attributes: unused
        w.varint(timestamp_delta);
        w.varint(offset_delta);
        w.nullable_bytes(r.key);
        w.nullable_bytes(r.value);
        w.varint(static_cast<int64_t>(r.headers.size()));
        for (const auto& header : r.headers) {
            w.varint(static_cast<int64_t>(header.key.size()));
            w.raw(as_bytes_view(header.key));
            w.nullable_bytes(header.value);
        }
    }
    if (options.compression != compression_type::none) {
        section = compress(options.compression, section);
    }

    int32_t last_offset_delta = static_cast<int32_t>(previous_delta);
    if (options.last_offset_delta) {
        vassert(*options.last_offset_delta >= last_offset_delta,
                "last_offset_delta {} is below the last record's delta {}",
                *options.last_offset_delta, last_offset_delta);
        last_offset_delta = *options.last_offset_delta;
    }
    uint16_t attributes = static_cast<uint16_t>(options.compression);
    if (options.log_append_time) attributes |= batch_attribute::log_append_time;
    if (options.transactional) attributes |= batch_attribute::transactional;
    if (options.control) attributes |= batch_attribute::control;

    size_t total = batch_header_size + section.size();
    vassert(
        total - batch_length_overhead <= static_cast<size_t>(std::numeric_limits<int32_t>::max()),
        "a batch of {} bytes does not fit batch_length", total);
    bytes out(batch_header_size);
    out.reserve(total);
    uint8_t* p = out.data();
    store_be<int64_t>(p + batch_field::base_offset, options.base_offset);
    store_be<int32_t>(p + batch_field::batch_length,
                      static_cast<int32_t>(total - batch_length_overhead));
    store_be<int32_t>(p + batch_field::partition_leader_epoch, options.partition_leader_epoch);
    p[batch_field::magic] = static_cast<uint8_t>(batch_magic_v2);
    store_be<int16_t>(p + batch_field::attributes, static_cast<int16_t>(attributes));
    store_be<int32_t>(p + batch_field::last_offset_delta, last_offset_delta);
    store_be<int64_t>(p + batch_field::base_timestamp, base_timestamp);
    store_be<int64_t>(p + batch_field::max_timestamp, max_timestamp);
    store_be<int64_t>(p + batch_field::producer_id, options.producer_id);
    store_be<int16_t>(p + batch_field::producer_epoch, options.producer_epoch);
    store_be<int32_t>(p + batch_field::base_sequence, options.base_sequence);
    store_be<int32_t>(p + batch_field::records_count, static_cast<int32_t>(records.size()));
    out.insert(out.end(), section.begin(), section.end());
    store_be<uint32_t>(out.data() + batch_field::crc, compute_batch_crc(out));
    return out;
}

}  // namespace fjord::protocol
