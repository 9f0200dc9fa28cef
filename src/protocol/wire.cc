#include "protocol/wire.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "base/endian.h"
#include "base/varint.h"

namespace fjord::protocol {

namespace {
constexpr size_t max_classic_string = std::numeric_limits<int16_t>::max();
}  // namespace

// ---- reader ----

const uint8_t* reader::take(size_t n) {
    if (_failed || n > _data.size() - _pos) {
        _failed = true;
        return nullptr;
    }
    const uint8_t* p = _data.data() + _pos;
    _pos += n;
    return p;
}

template <typename T>
T reader::read_be() {
    const uint8_t* p = take(sizeof(T));
    return p ? load_be<T>(p) : T{};
}

int8_t reader::read_int8() {
    return read_be<int8_t>();
}
int16_t reader::read_int16() {
    return read_be<int16_t>();
}
int32_t reader::read_int32() {
    return read_be<int32_t>();
}
int64_t reader::read_int64() {
    return read_be<int64_t>();
}
uint16_t reader::read_uint16() {
    return read_be<uint16_t>();
}
uint32_t reader::read_uint32() {
    return read_be<uint32_t>();
}
double reader::read_float64() {
    return std::bit_cast<double>(read_be<uint64_t>());
}
bool reader::read_bool() {
    return read_be<uint8_t>() != 0;
}

uuid reader::read_uuid() {
    uuid id;
    if (const uint8_t* p = take(id.data.size())) std::memcpy(id.data.data(), p, id.data.size());
    return id;
}

uint32_t reader::read_uvarint() {
    if (_failed) return 0;
    const uint8_t* begin = _data.data() + _pos;
    auto d = varint::decode_unsigned(begin, _data.data() + _data.size(), varint::max_length_32);
    if (!d || d->value > std::numeric_limits<uint32_t>::max()) {
        _failed = true;
        return 0;
    }
    _pos += d->length;
    return static_cast<uint32_t>(d->value);
}

std::optional<size_t> reader::compact_length() {
    uint32_t v = read_uvarint();
    if (!ok() || v == 0) return std::nullopt;
    size_t n = v - 1;
    if (n > remaining()) {
        _failed = true;
        return std::nullopt;
    }
    return n;
}

std::string reader::read_string() {
    int16_t n = read_int16();
    if (n < 0) {
        _failed = true;
        return {};
    }
    const uint8_t* p = take(static_cast<size_t>(n));
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n))
             : std::string();
}

std::optional<std::string> reader::read_nullable_string() {
    int16_t n = read_int16();
    if (!ok() || n == -1) return std::nullopt;
    if (n < 0) {
        _failed = true;
        return std::nullopt;
    }
    const uint8_t* p = take(static_cast<size_t>(n));
    if (!p) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
}

std::string reader::read_compact_string() {
    auto s = read_compact_nullable_string();
    if (!s) {
        _failed = true;
        return {};
    }
    return std::move(*s);
}

std::optional<std::string> reader::read_compact_nullable_string() {
    auto n = compact_length();
    if (!n) return std::nullopt;
    const uint8_t* p = take(*n);
    return std::string(reinterpret_cast<const char*>(p), *n);
}

bytes reader::read_bytes() {
    auto b = read_nullable_bytes();
    if (!b) {
        _failed = true;
        return {};
    }
    return std::move(*b);
}

std::optional<bytes> reader::read_nullable_bytes() {
    int32_t n = read_int32();
    if (!ok() || n == -1) return std::nullopt;
    if (n < 0 || static_cast<size_t>(n) > remaining()) {
        _failed = true;
        return std::nullopt;
    }
    return read_raw(static_cast<size_t>(n));
}

bytes reader::read_compact_bytes() {
    auto b = read_compact_nullable_bytes();
    if (!b) {
        _failed = true;
        return {};
    }
    return std::move(*b);
}

std::optional<bytes> reader::read_compact_nullable_bytes() {
    auto n = compact_length();
    if (!n) return std::nullopt;
    return read_raw(*n);
}

std::optional<shared_bytes> reader::read_records() {
    int32_t n = read_int32();
    if (!ok() || n == -1) return std::nullopt;
    if (n < 0 || static_cast<size_t>(n) > remaining()) {
        _failed = true;
        return std::nullopt;
    }
    return shared_bytes{_owner, read_view(static_cast<size_t>(n))};
}

std::optional<shared_bytes> reader::read_compact_records() {
    auto n = compact_length();
    if (!n) return std::nullopt;
    return shared_bytes{_owner, read_view(*n)};
}

std::optional<size_t> reader::read_array_length() {
    int32_t n = read_int32();
    if (!ok() || n == -1) return std::nullopt;
    if (n < 0 || static_cast<size_t>(n) > remaining()) {
        _failed = true;
        return std::nullopt;
    }
    return static_cast<size_t>(n);
}

std::optional<size_t> reader::read_compact_array_length() {
    return compact_length();
}

void reader::read_tagged_fields(std::vector<tagged_field>& out) {
    uint32_t count = read_uvarint();
    // Each field takes at least two bytes (tag and size), which bounds the loop on garbage.
    if (count > remaining()) {
        _failed = true;
        return;
    }
    for (uint32_t i = 0; i < count && ok(); ++i) {
        uint32_t tag = read_uvarint();
        reader payload = read_tagged_payload();
        if (!ok()) return;
        out.push_back(tagged_field{tag, payload.read_raw(payload.remaining())});
    }
}

reader reader::read_tagged_payload() {
    uint32_t n = read_uvarint();
    bytes_view v = read_view(n);
    reader sub(_owner, v);
    if (!ok()) sub.fail();
    return sub;
}

bytes reader::read_raw(size_t n) {
    bytes_view v = read_view(n);
    return bytes(v.begin(), v.end());
}

bytes_view reader::read_view(size_t n) {
    const uint8_t* p = take(n);
    return p ? bytes_view(p, n) : bytes_view();
}

// ---- writer ----

namespace {
template <typename T>
void append_be(bytes& out, T v) {
    uint8_t buf[sizeof(T)];
    store_be<T>(buf, v);
    out.insert(out.end(), buf, buf + sizeof(T));
}
}  // namespace

void writer::write_int8(int8_t v) {
    _current.push_back(static_cast<uint8_t>(v));
}
void writer::write_int16(int16_t v) {
    append_be(_current, v);
}
void writer::write_int32(int32_t v) {
    append_be(_current, v);
}
void writer::write_int64(int64_t v) {
    append_be(_current, v);
}
void writer::write_uint16(uint16_t v) {
    append_be(_current, v);
}
void writer::write_uint32(uint32_t v) {
    append_be(_current, v);
}
void writer::write_float64(double v) {
    append_be(_current, std::bit_cast<uint64_t>(v));
}
void writer::write_bool(bool v) {
    _current.push_back(v ? 1 : 0);
}
void writer::write_uuid(const uuid& v) {
    write_raw(v.data);
}

void writer::write_uvarint(uint32_t v) {
    uint8_t buf[varint::max_length_64];
    size_t n = varint::encode_unsigned(v, buf);
    _current.insert(_current.end(), buf, buf + n);
}

void writer::write_string(std::string_view s) {
    s = s.substr(0, std::min(s.size(), max_classic_string));
    write_int16(static_cast<int16_t>(s.size()));
    write_raw(as_bytes_view(s));
}

void writer::write_nullable_string(const std::optional<std::string>& s) {
    if (!s) {
        write_int16(-1);
    } else {
        write_string(*s);
    }
}

void writer::write_compact_string(std::string_view s) {
    write_uvarint(static_cast<uint32_t>(s.size() + 1));
    write_raw(as_bytes_view(s));
}

void writer::write_compact_nullable_string(const std::optional<std::string>& s) {
    if (!s) {
        write_uvarint(0);
    } else {
        write_compact_string(*s);
    }
}

void writer::write_bytes(bytes_view b) {
    write_int32(static_cast<int32_t>(b.size()));
    write_raw(b);
}

void writer::write_nullable_bytes(const std::optional<bytes>& b) {
    if (!b) {
        write_int32(-1);
    } else {
        write_bytes(*b);
    }
}

void writer::write_compact_bytes(bytes_view b) {
    write_uvarint(static_cast<uint32_t>(b.size() + 1));
    write_raw(b);
}

void writer::write_compact_nullable_bytes(const std::optional<bytes>& b) {
    if (!b) {
        write_uvarint(0);
    } else {
        write_compact_bytes(*b);
    }
}

void writer::write_records(const shared_bytes& records) {
    write_int32(static_cast<int32_t>(records.size()));
    flush();
    _done.append(records);
}

void writer::write_records(const std::optional<shared_bytes>& records) {
    if (!records) {
        write_int32(-1);
    } else {
        write_records(*records);
    }
}

void writer::write_compact_records(const shared_bytes& records) {
    write_uvarint(static_cast<uint32_t>(records.size() + 1));
    flush();
    _done.append(records);
}

void writer::write_compact_records(const std::optional<shared_bytes>& records) {
    if (!records) {
        write_uvarint(0);
    } else {
        write_compact_records(*records);
    }
}

void writer::write_array_length(size_t n) {
    write_int32(static_cast<int32_t>(n));
}
void writer::write_null_array() {
    write_int32(-1);
}
void writer::write_compact_array_length(size_t n) {
    write_uvarint(static_cast<uint32_t>(n + 1));
}
void writer::write_compact_null_array() {
    write_uvarint(0);
}

void writer::write_tagged_fields(const std::vector<tagged_field>& unknown) {
    write_tagged_fields({}, unknown);
}

void writer::write_tagged_fields(std::vector<tagged_field>&& known,
                                 const std::vector<tagged_field>& unknown) {
    if (known.empty() && unknown.empty()) {
        write_uvarint(0);
        return;
    }
    // Sections are tiny; a sorted list of pointers keeps the merge simple. Tags must be strictly
    // increasing on the wire, so a duplicate tag is written once (known fields first).
    std::vector<const tagged_field*> all;
    all.reserve(known.size() + unknown.size());
    for (const auto& f : known) all.push_back(&f);
    for (const auto& f : unknown) all.push_back(&f);
    std::stable_sort(all.begin(), all.end(),
                     [](const tagged_field* a, const tagged_field* b) { return a->tag < b->tag; });
    all.erase(
        std::unique(all.begin(), all.end(),
                    [](const tagged_field* a, const tagged_field* b) { return a->tag == b->tag; }),
        all.end());
    write_uvarint(static_cast<uint32_t>(all.size()));
    for (const tagged_field* f : all) {
        write_uvarint(f->tag);
        write_uvarint(static_cast<uint32_t>(f->data.size()));
        write_raw(f->data);
    }
}

void writer::write_raw(bytes_view b) {
    _current.insert(_current.end(), b.begin(), b.end());
}

void writer::flush() {
    if (!_current.empty()) {
        _done.append(std::move(_current));
        _current = bytes();
    }
}

iobuf writer::finish() && {
    flush();
    return std::move(_done);
}

bytes writer::finish_bytes() && {
    if (_done.empty()) return std::move(_current);
    flush();
    return _done.linearize();
}

}  // namespace fjord::protocol
