// The one place where the errors of the layers below become Kafka error codes. Each switch is
// exhaustive with no default, so a new error in a lower layer fails the build until mapped.
#pragma once

#include "broker/config_ops.h"
#include "broker/kafka_error.h"
#include "coordinator/errc.h"
#include "protocol/record_batch.h"
#include "storage/errc.h"

namespace fjord::broker {

kafka_error to_kafka_error(storage::errc e);
kafka_error to_kafka_error(protocol::batch_errc e);
kafka_error to_kafka_error(coordinator::errc e);
kafka_error to_kafka_error(config_errc e);
// For transaction APIs: PRODUCER_FENCED exists from `first_producer_fenced_version` of the API
// (KIP-588); older versions get INVALID_PRODUCER_EPOCH for it, as Kafka answers them.
kafka_error to_kafka_error(coordinator::errc e, int16_t version,
                           int16_t first_producer_fenced_version);

// The error code as the wire carries it.
inline int16_t error_code_of(coordinator::errc e) {
    return code(to_kafka_error(e));
}

}  // namespace fjord::broker
