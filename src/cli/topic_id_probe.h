// A topic's id, which librdkafka 2.0.2 does not expose (its DescribeTopics arrived in 2.3): one
// Metadata v12 request on its own short-lived connection. Best effort by design: `topic describe`
// shows "-" when the probe fails, and never fails because of it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/uuid.h"

namespace fjord::cli {

// The whole request frame (size prefix included): Metadata v12 for `topic`, no auto-creation.
bytes encode_topic_metadata_request(std::string_view topic, int32_t correlation_id);

// The id of `topic` in a Metadata v12 response frame body (after the size prefix); nullopt if
// the body is malformed, answers another request, or has no such topic without error.
std::optional<uuid> decode_topic_id(bytes_view body, int32_t correlation_id,
                                    std::string_view topic);

// Asks the broker at host:port. Returns nullopt on any failure; never takes longer than
// `timeout` (connect, send and receive together).
std::optional<uuid> probe_topic_id(const std::string& host, int port, std::string_view topic,
                                   std::chrono::milliseconds timeout);

}  // namespace fjord::cli
