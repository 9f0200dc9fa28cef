#pragma once

// What every fjord-loadgen mode shares: client settings from the flags and topic set-up. The
// clock and number formatting are in report.h, which fjord-peergen shares too.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "client.h"
#include "options.h"
#include "report.h"

namespace fjord::bench {

// Bounds each set-up request: metadata, CreateTopics, watermarks, committed offsets.
inline constexpr std::chrono::seconds admin_timeout{10};

// bootstrap.servers, client.id and debug, from the flags.
client_config common_config(const options& opts);

// The topic's partition ids, after creating it with --partitions if it is missing.
std::vector<int32_t> ensure_topic(rd_kafka_t* rk, const options& opts);

// ensure_topic with a short-lived client of its own, after checking that the broker answers.
std::vector<int32_t> set_up_topic(const options& opts);

// A consumer group id no earlier run used, so leftovers of one run never meet the next.
std::string fresh_group_id(std::string_view mode_name);

// A time point carried in a librdkafka opaque pointer, so nothing is kept per request.
void* encode_time(clock_type::time_point t);
clock_type::time_point decode_time(void* opaque);

}  // namespace fjord::bench
