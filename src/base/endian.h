// Big-endian (network order) loads and stores: every fixed-width integer on Kafka's wire and in
// Fjord's on-disk formats is big-endian.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace fjord {

namespace detail {
template <typename U>
U byteswap(U v) {
    if constexpr (sizeof(U) == 2) return static_cast<U>(__builtin_bswap16(v));
    if constexpr (sizeof(U) == 4) return static_cast<U>(__builtin_bswap32(v));
    if constexpr (sizeof(U) == 8) return static_cast<U>(__builtin_bswap64(v));
    return v;
}
}  // namespace detail

template <typename T>
requires std::is_integral_v<T> T load_be(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
        v = static_cast<T>(detail::byteswap(static_cast<std::make_unsigned_t<T>>(v)));
    }
    return v;
}

template <typename T>
requires std::is_integral_v<T>
void store_be(uint8_t* p, T v) {
    if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
        v = static_cast<T>(detail::byteswap(static_cast<std::make_unsigned_t<T>>(v)));
    }
    std::memcpy(p, &v, sizeof(T));
}

}  // namespace fjord
