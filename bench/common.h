#pragma once

// What every fjord-loadgen mode shares: the clock, client settings from the flags, topic
// set-up and number formatting.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "client.h"
#include "options.h"

namespace fjord::bench {

using clock_type = std::chrono::steady_clock;

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

double seconds_between(clock_type::time_point from, clock_type::time_point to);
uint64_t micros_between(clock_type::time_point from, clock_type::time_point to);
double rate(double amount, double seconds);
// Microseconds printed as milliseconds with three decimals.
std::string millis(uint64_t micros);

}  // namespace fjord::bench
