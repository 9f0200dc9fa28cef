// Kafka's names for its error codes ("UNKNOWN_TOPIC_OR_PARTITION"), as the Java client and the
// documentation spell them: for people (the admin API, metrics labels), never on the wire.
#pragma once

#include <string_view>

#include "broker/kafka_error.h"

namespace fjord::broker {

std::string_view kafka_error_name(kafka_error e);

}  // namespace fjord::broker
