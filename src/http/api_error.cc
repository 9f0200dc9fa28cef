#include "http/api_error.h"

#include "broker/kafka_error_name.h"

namespace fjord::http {

api_error bad_request(std::string message) {
    return {.status = 400, .code = "INVALID_REQUEST", .message = std::move(message)};
}

api_error not_found(std::string message) {
    return {.status = 404, .code = "NOT_FOUND", .message = std::move(message)};
}

namespace {

int status_of(broker::kafka_error error) {
    using broker::kafka_error;
    switch (error) {
        case kafka_error::unknown_topic_or_partition:
        case kafka_error::unknown_topic_id:
        case kafka_error::group_id_not_found:
            return 404;
        case kafka_error::topic_deletion_disabled:
            return 403;
        case kafka_error::topic_already_exists:
        case kafka_error::non_empty_group:
        case kafka_error::rebalance_in_progress:
            return 409;
        case kafka_error::message_too_large:
        case kafka_error::record_list_too_large:
            return 413;
        case kafka_error::kafka_storage_error:
        case kafka_error::unknown_server_error:
        case kafka_error::not_enough_replicas:
        case kafka_error::request_timed_out:
            return 500;
        case kafka_error::coordinator_not_available:
        case kafka_error::coordinator_load_in_progress:
        case kafka_error::leader_not_available:
            return 503;
        default:
            return 400;
    }
}

}  // namespace

api_error from_kafka_error(broker::kafka_error error, std::string message) {
    return {.status = status_of(error),
            .code = std::string(broker::kafka_error_name(error)),
            .message = std::move(message)};
}

}  // namespace fjord::http
