#include "base/uuid.h"

#include <random>

namespace fjord {
namespace {
constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}

uuid uuid::random() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    uuid id;
    // Kafka never hands out the zero uuid or one whose base64 form starts with '-'.
    do {
        for (size_t i = 0; i < 16; i += 8) {
            uint64_t r = engine();
            for (size_t j = 0; j < 8; ++j) id.data[i + j] = static_cast<uint8_t>(r >> (8 * j));
        }
        id.data[6] = (id.data[6] & 0x0f) | 0x40;  // version 4
        id.data[8] = (id.data[8] & 0x3f) | 0x80;  // IETF variant
    } while (id.is_zero() || id.to_string().front() == '-');
    return id;
}

bool uuid::is_zero() const {
    for (auto b : data)
        if (b != 0) return false;
    return true;
}

std::string uuid::to_string() const {
    std::string out;
    uint32_t buffer = 0;
    int bits = 0;
    for (auto b : data) {
        buffer = (buffer << 8) | b;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(alphabet[(buffer >> bits) & 0x3f]);
        }
    }
    if (bits > 0) out.push_back(alphabet[(buffer << (6 - bits)) & 0x3f]);
    return out;
}

std::optional<uuid> uuid::parse(std::string_view text) {
    if (text.size() != 22) return std::nullopt;
    uuid id;
    uint32_t buffer = 0;
    int bits = 0;
    size_t n = 0;
    for (char c : text) {
        auto pos = alphabet.find(c);
        if (pos == std::string_view::npos) return std::nullopt;
        buffer = (buffer << 6) | static_cast<uint32_t>(pos);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n < 16) id.data[n++] = static_cast<uint8_t>(buffer >> bits);
        }
    }
    return id;
}

}  // namespace fjord
