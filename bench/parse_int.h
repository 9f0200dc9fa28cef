// Flag values of the benchmark tools: a whole decimal integer within [min, max], or nothing.
#pragma once

#include <charconv>
#include <optional>
#include <string_view>

namespace fjord::bench {

template <typename T>
std::optional<T> parse_int(std::string_view text, T min, T max) {
    T value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
        return std::nullopt;
    }
    return value;
}

}  // namespace fjord::bench
