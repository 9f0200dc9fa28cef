#include <gtest/gtest.h>

#include "cli/kafka_errors.h"

namespace fjord::cli {
namespace {

TEST(kafka_errors, broker_errors_use_kafka_names) {
    EXPECT_EQ(kafka_error_name(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART),
              "UNKNOWN_TOPIC_OR_PARTITION");
    EXPECT_EQ(kafka_error_name(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS), "TOPIC_ALREADY_EXISTS");
    EXPECT_EQ(kafka_error_name(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION),
              "NOT_LEADER_OR_FOLLOWER");
    EXPECT_EQ(kafka_error_name(static_cast<rd_kafka_resp_err_t>(100)), "UNKNOWN_TOPIC_ID");
}

TEST(kafka_errors, local_errors_keep_librdkafka_names) {
    EXPECT_EQ(kafka_error_name(RD_KAFKA_RESP_ERR__TIMED_OUT), "_TIMED_OUT");
}

TEST(kafka_errors, exit_codes) {
    EXPECT_EQ(kafka_failure(RD_KAFKA_RESP_ERR__TRANSPORT, "x").code, exit_code::unreachable);
    EXPECT_EQ(kafka_failure(RD_KAFKA_RESP_ERR__TIMED_OUT, "x").code, exit_code::unreachable);
    auto e = kafka_failure(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, "create topic 'a'", "exists");
    EXPECT_EQ(e.code, exit_code::failed);
    EXPECT_EQ(e.message, "create topic 'a': TOPIC_ALREADY_EXISTS: exists");
}

}  // namespace
}  // namespace fjord::cli
