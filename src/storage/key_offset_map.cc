#include "storage/key_offset_map.h"

#include <bit>
#include <random>

#include "base/vassert.h"

namespace fjord::storage {
namespace {

constexpr size_t initial_slots = 64;

uint64_t rotl(uint64_t x, int b) {
    return (x << b) | (x >> (64 - b));
}

uint64_t load_le64(const uint8_t* p, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
    return v;
}

struct sip_state {
    uint64_t v0, v1, v2, v3;

    void round() {
        v0 += v1;
        v1 = rotl(v1, 13);
        v1 ^= v0;
        v0 = rotl(v0, 32);
        v2 += v3;
        v3 = rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = rotl(v1, 17);
        v1 ^= v2;
        v2 = rotl(v2, 32);
    }
    void absorb(uint64_t m) {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
    uint64_t squeeze() {
        for (int i = 0; i < 4; ++i) round();
        return v0 ^ v1 ^ v2 ^ v3;
    }
};

}  // namespace

key_offset_map::key_offset_map(size_t max_entries) : _max(max_entries) {
    vassert(max_entries >= 1, "a key map must hold at least one key to make progress");
    std::random_device rd;
    _k0 = (uint64_t{rd()} << 32) | rd();
    _k1 = (uint64_t{rd()} << 32) | rd();
    _slots.assign(std::min(initial_slots, std::bit_ceil(2 * _max)), slot{0, 0, -1});
}

key_offset_map::digest key_offset_map::hash(bytes_view key) const {
    // SipHash-2-4, 128-bit output variant.
    sip_state s{_k0 ^ 0x736f6d6570736575ULL, _k1 ^ 0x646f72616e646f6dULL ^ 0xee,
                _k0 ^ 0x6c7967656e657261ULL, _k1 ^ 0x7465646279746573ULL};
    size_t full = key.size() / 8 * 8;
    for (size_t i = 0; i < full; i += 8) s.absorb(load_le64(key.data() + i, 8));
    s.absorb((uint64_t{key.size() & 0xff} << 56) | load_le64(key.data() + full, key.size() - full));
    s.v2 ^= 0xee;
    uint64_t h0 = s.squeeze();
    s.v1 ^= 0xdd;
    uint64_t h1 = s.squeeze();
    return {h0, h1};
}

size_t key_offset_map::find(const digest& d) const {
    size_t mask = _slots.size() - 1;
    for (size_t i = d.h0 & mask;; i = (i + 1) & mask) {
        const slot& s = _slots[i];
        if (s.offset < 0 || (s.h0 == d.h0 && s.h1 == d.h1)) return i;
    }
}

void key_offset_map::grow() {
    std::vector<slot> old(_slots.size() * 2, slot{0, 0, -1});
    old.swap(_slots);
    for (const slot& s : old) {
        if (s.offset >= 0) _slots[find({s.h0, s.h1})] = s;
    }
}

bool key_offset_map::put(bytes_view key, int64_t offset) {
    auto d = hash(key);
    size_t i = find(d);
    if (_slots[i].offset >= 0) {
        _slots[i].offset = std::max(_slots[i].offset, offset);
        return true;
    }
    if (_size >= _max) return false;
    // At most half full, so probes stay short and find() always meets an empty slot.
    if (2 * (_size + 1) > _slots.size()) {
        grow();
        i = find(d);
    }
    _slots[i] = slot{d.h0, d.h1, offset};
    ++_size;
    return true;
}

std::optional<int64_t> key_offset_map::get(bytes_view key) const {
    const slot& s = _slots[find(hash(key))];
    if (s.offset < 0) return std::nullopt;
    return s.offset;
}

void key_offset_map::clear() {
    std::fill(_slots.begin(), _slots.end(), slot{0, 0, -1});
    _size = 0;
}

}  // namespace fjord::storage
