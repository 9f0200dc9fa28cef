// Kafka request framing: every request is an int32 big-endian size followed by that many bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fjord::net {

inline constexpr size_t frame_prefix_bytes = 4;
// api_key (int16) + api_version (int16) + correlation_id (int32): the least a request header holds.
inline constexpr int32_t min_request_frame_bytes = 8;

enum class frame_size_error { none, negative, too_small, too_large };

// Judges a request size prefix before anything is allocated for the frame.
constexpr frame_size_error check_request_frame_size(int32_t size, size_t max_request_bytes) {
    if (size < 0) return frame_size_error::negative;
    if (size < min_request_frame_bytes) return frame_size_error::too_small;
    if (static_cast<size_t>(size) > max_request_bytes) return frame_size_error::too_large;
    return frame_size_error::none;
}

constexpr std::string_view to_string(frame_size_error e) {
    switch (e) {
        case frame_size_error::none:
            return "ok";
        case frame_size_error::negative:
            return "negative frame size";
        case frame_size_error::too_small:
            return "frame smaller than a request header";
        case frame_size_error::too_large:
            return "frame larger than socket.request.max.bytes";
    }
    return "unknown";
}

}  // namespace fjord::net
