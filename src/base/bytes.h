// Byte buffers shared by every layer.
//
// `bytes` owns memory; `bytes_view` borrows it. `iobuf` is a chain of fragments that a response
// is assembled from without copying large payloads (record sets read from a segment file are
// appended as their own fragment and leave through one scatter/gather write).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace fjord {

using bytes = std::vector<uint8_t>;
using bytes_view = std::span<const uint8_t>;
using mutable_bytes_view = std::span<uint8_t>;

inline bytes_view as_bytes_view(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_string_view(bytes_view b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// A buffer that keeps its owner alive: a view into memory owned by `owner`.
struct shared_bytes {
    std::shared_ptr<const void> owner;
    bytes_view view;

    static shared_bytes from(bytes&& b) {
        auto owned = std::make_shared<const bytes>(std::move(b));
        return {owned, bytes_view(*owned)};
    }
    size_t size() const { return view.size(); }
    bool empty() const { return view.empty(); }
};

// A fixed-size, writable byte buffer with shared ownership: copies share the same bytes (like a
// shared_ptr, constness is shallow). Allocated in one piece without zeroing, for memory that is
// overwritten right away (a request frame read from a socket). Default-constructed: empty, owns
// nothing.
class shared_buffer {
public:
    shared_buffer() = default;

    // `n` bytes of indeterminate value.
    static shared_buffer for_overwrite(size_t n) {
        return shared_buffer(std::make_shared_for_overwrite<uint8_t[]>(n), n);
    }
    static shared_buffer copy_of(bytes_view b) {
        auto out = for_overwrite(b.size());
        if (!b.empty()) std::memcpy(out.data(), b.data(), b.size());
        return out;
    }

    uint8_t* data() const { return _data.get(); }
    size_t size() const { return _size; }
    bytes_view view() const { return {_data.get(), _size}; }
    mutable_bytes_view mutable_view() const { return {_data.get(), _size}; }
    // The owner to give views into this buffer (shared_bytes, protocol::reader).
    std::shared_ptr<const void> owner() const { return _data; }
    explicit operator bool() const { return _data != nullptr; }

private:
    shared_buffer(std::shared_ptr<uint8_t[]> data, size_t size)
        : _data(std::move(data)), _size(size) {}

    std::shared_ptr<uint8_t[]> _data;
    size_t _size = 0;
};

// An ordered chain of fragments. Appending a fragment never copies it.
class iobuf {
public:
    void append(shared_bytes fragment) {
        if (!fragment.empty()) {
            _size += fragment.size();
            _fragments.push_back(std::move(fragment));
        }
    }
    void append(bytes&& b) { append(shared_bytes::from(std::move(b))); }
    void append(iobuf&& other) {
        for (auto& f : other._fragments) append(std::move(f));
        other._fragments.clear();
        other._size = 0;
    }

    size_t size() const { return _size; }
    bool empty() const { return _size == 0; }
    const std::vector<shared_bytes>& fragments() const { return _fragments; }

    // Copies everything into one contiguous buffer (tests, small messages).
    bytes linearize() const {
        bytes out;
        out.reserve(_size);
        for (const auto& f : _fragments) out.insert(out.end(), f.view.begin(), f.view.end());
        return out;
    }

private:
    std::vector<shared_bytes> _fragments;
    size_t _size = 0;
};

}  // namespace fjord
