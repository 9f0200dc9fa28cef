// 128-bit identifiers (topic ids, cluster id). Printed as Kafka prints them: URL-safe base64
// without padding (22 characters).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fjord {

struct uuid {
    std::array<uint8_t, 16> data{};

    static uuid random();
    static std::optional<uuid> parse(std::string_view base64url);
    std::string to_string() const;
    bool is_zero() const;
    auto operator<=>(const uuid&) const = default;
};

}  // namespace fjord
