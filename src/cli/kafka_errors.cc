#include "cli/kafka_errors.h"

#include <fmt/format.h>

namespace fjord::cli {
namespace {

// The codes whose Kafka name differs from librdkafka's (Kafka's protocol error table). Codes past
// librdkafka 2.0.2's own table are listed too, as it names them "ERR_<n>?".
std::string_view kafka_name_override(int code) {
    switch (code) {
        case -1:
            return "UNKNOWN_SERVER_ERROR";
        case 0:
            return "NONE";
        case 2:
            return "CORRUPT_MESSAGE";
        case 3:
            return "UNKNOWN_TOPIC_OR_PARTITION";
        case 4:
            return "INVALID_FETCH_SIZE";
        case 6:
            return "NOT_LEADER_OR_FOLLOWER";
        case 10:
            return "MESSAGE_TOO_LARGE";
        case 11:
            return "STALE_CONTROLLER_EPOCH";
        case 17:
            return "INVALID_TOPIC_EXCEPTION";
        case 98:
            return "SNAPSHOT_NOT_FOUND";
        case 99:
            return "POSITION_OUT_OF_RANGE";
        case 100:
            return "UNKNOWN_TOPIC_ID";
        case 101:
            return "DUPLICATE_BROKER_REGISTRATION";
        case 102:
            return "BROKER_ID_NOT_REGISTERED";
        case 103:
            return "INCONSISTENT_TOPIC_ID";
        case 104:
            return "INCONSISTENT_CLUSTER_ID";
        case 105:
            return "TRANSACTIONAL_ID_NOT_FOUND";
        case 106:
            return "FETCH_SESSION_TOPIC_ID_ERROR";
        case 107:
            return "INELIGIBLE_REPLICA";
        case 108:
            return "NEW_LEADER_ELECTED";
        case 109:
            return "OFFSET_MOVED_TO_TIERED_STORAGE";
        case 110:
            return "FENCED_MEMBER_EPOCH";
        case 111:
            return "UNRELEASED_INSTANCE_ID";
        case 112:
            return "UNSUPPORTED_ASSIGNOR";
        case 113:
            return "STALE_MEMBER_EPOCH";
        default:
            return {};
    }
}

}  // namespace

std::string kafka_error_name(rd_kafka_resp_err_t err) {
    if (auto name = kafka_name_override(err); !name.empty()) return std::string(name);
    std::string name = rd_kafka_err2name(err);
    // librdkafka's local errors are negative and their names start with '_'; keep that marker so
    // they are not mistaken for broker errors.
    return name;
}

bool is_unreachable_error(rd_kafka_resp_err_t err) {
    switch (err) {
        case RD_KAFKA_RESP_ERR__TRANSPORT:
        case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
        case RD_KAFKA_RESP_ERR__TIMED_OUT:
        case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
        case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
        case RD_KAFKA_RESP_ERR__RESOLVE:
        case RD_KAFKA_RESP_ERR__WAIT_COORD:
        case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
            return true;
        default:
            return false;
    }
}

cli_error kafka_failure(rd_kafka_resp_err_t err, std::string_view what, std::string_view detail) {
    std::string text = detail.empty() ? std::string(rd_kafka_err2str(err)) : std::string(detail);
    exit_code code = is_unreachable_error(err) ? exit_code::unreachable : exit_code::failed;
    return cli_error{code, fmt::format("{}: {}: {}", what, kafka_error_name(err), text)};
}

}  // namespace fjord::cli
