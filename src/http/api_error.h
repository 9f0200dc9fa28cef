// An admin API failure: the HTTP status and the JSON error body
// `{"error": {"code": ..., "message": ...}}` (docs/http-api.md, "Conventions").
#pragma once

#include <string>

#include "broker/kafka_error.h"

namespace fjord::http {

struct api_error {
    int status = 400;
    std::string code;  // Kafka's error name, or INVALID_JSON / INVALID_REQUEST / NOT_FOUND
    std::string message;
};

api_error bad_request(std::string message);
api_error not_found(std::string message);

// A Kafka error as the API reports it: its name, with the status that fits it (404 for unknown
// topics or groups, 409 for conflicts, 413 for size limits, 500 for storage failures, else 400).
api_error from_kafka_error(broker::kafka_error error, std::string message);

}  // namespace fjord::http
