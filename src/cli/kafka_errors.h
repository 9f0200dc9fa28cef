// Names and exit-code classes for librdkafka error codes. Broker errors are shown with Kafka's
// own names (UNKNOWN_TOPIC_OR_PARTITION, not librdkafka's UNKNOWN_TOPIC_OR_PART) so an operator
// can look them up in Kafka's documentation.
#pragma once

#include <librdkafka/rdkafka.h>

#include <string>
#include <string_view>

#include "cli/error.h"

namespace fjord::cli {

// Kafka's name for a broker error code; librdkafka's name (with its leading '_') for a local one.
std::string kafka_error_name(rd_kafka_resp_err_t err);

// True for the local errors that mean "no broker answered in time": exit code 3, not 1.
bool is_unreachable_error(rd_kafka_resp_err_t err);

// "<what>: NAME: detail" (detail defaults to librdkafka's description of the code), with the exit
// code that `err` calls for.
cli_error kafka_failure(rd_kafka_resp_err_t err, std::string_view what,
                        std::string_view detail = {});

}  // namespace fjord::cli
