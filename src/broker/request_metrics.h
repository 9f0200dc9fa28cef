// Per-API request metrics (docs/metrics.md, "Requests"): kafka_network_requests_total,
// kafka_network_request_errors_total and kafka_network_request_duration_seconds. Every API of
// the handler registry gets its children once; a request finds them by API key with an array
// index, and an error counter is looked up in the registry only the first time its (API, code)
// pair occurs, so counting is lock-free on the request path.
#pragma once

#include <cstdint>

#include "base/metrics.h"

namespace fjord::broker {

struct api_metrics {
    metrics::counter* requests;
    metrics::histogram* duration;
};

// Registers the families and the children of every API (kafka_server does it when constructed,
// so they are on /metrics from start-up). Idempotent and thread-safe.
void register_request_metrics();

// The metrics of `api_key`; nullptr for an API the broker does not serve.
const api_metrics* metrics_of_api(int16_t api_key);

// Counts `error_code` as an error the broker answered `api_key` with. 0 (NONE) and APIs the
// broker does not serve are ignored. Thread-safe.
void count_request_error(int16_t api_key, int16_t error_code);

}  // namespace fjord::broker
