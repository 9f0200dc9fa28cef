#include "broker/error_mapping.h"

namespace fjord::broker {

kafka_error to_kafka_error(storage::errc e) {
    switch (e) {
        case storage::errc::offset_out_of_range:
            return kafka_error::offset_out_of_range;
        case storage::errc::record_set_too_large:
            return kafka_error::record_list_too_large;
        case storage::errc::invalid_batch:
            return kafka_error::corrupt_message;
        case storage::errc::out_of_order_sequence:
            return kafka_error::out_of_order_sequence_number;
        case storage::errc::invalid_producer_epoch:
            return kafka_error::invalid_producer_epoch;
        case storage::errc::invalid_txn_state:
            return kafka_error::invalid_txn_state;
        case storage::errc::transaction_coordinator_fenced:
            return kafka_error::transaction_coordinator_fenced;
        case storage::errc::io_error:
        case storage::errc::no_space:
        case storage::errc::corrupt_log:
        case storage::errc::closed:
            return kafka_error::kafka_storage_error;
    }
    return kafka_error::unknown_server_error;
}

kafka_error to_kafka_error(protocol::batch_errc e) {
    switch (e) {
        // Produce v3+ may carry magic 2 only; Kafka calls anything else an invalid record.
        case protocol::batch_errc::unsupported_magic:
            return kafka_error::invalid_record;
        case protocol::batch_errc::unknown_compression:
            return kafka_error::unsupported_compression_type;
        case protocol::batch_errc::truncated:
        case protocol::batch_errc::invalid_length:
        case protocol::batch_errc::crc_mismatch:
        case protocol::batch_errc::corrupt_records:
        case protocol::batch_errc::decompression_failed:
            return kafka_error::corrupt_message;
    }
    return kafka_error::unknown_server_error;
}

kafka_error to_kafka_error(coordinator::errc e) {
    using coordinator::errc;
    switch (e) {
        case errc::none:
            return kafka_error::none;
        case errc::coordinator_load_in_progress:
            return kafka_error::coordinator_load_in_progress;
        case errc::invalid_group_id:
            return kafka_error::invalid_group_id;
        case errc::group_id_not_found:
            return kafka_error::group_id_not_found;
        case errc::unknown_member_id:
            return kafka_error::unknown_member_id;
        case errc::member_id_required:
            return kafka_error::member_id_required;
        case errc::illegal_generation:
            return kafka_error::illegal_generation;
        case errc::rebalance_in_progress:
            return kafka_error::rebalance_in_progress;
        case errc::inconsistent_group_protocol:
            return kafka_error::inconsistent_group_protocol;
        case errc::invalid_session_timeout:
            return kafka_error::invalid_session_timeout;
        case errc::fenced_instance_id:
            return kafka_error::fenced_instance_id;
        case errc::group_max_size_reached:
            return kafka_error::group_max_size_reached;
        case errc::non_empty_group:
            return kafka_error::non_empty_group;
        case errc::unknown_topic_or_partition:
            return kafka_error::unknown_topic_or_partition;
        case errc::offset_metadata_too_large:
            return kafka_error::offset_metadata_too_large;
        case errc::coordinator_not_available:
            return kafka_error::coordinator_not_available;
        case errc::group_subscribed_to_topic:
            return kafka_error::group_subscribed_to_topic;
        case errc::invalid_request:
            return kafka_error::invalid_request;
        case errc::producer_fenced:
            return kafka_error::producer_fenced;
        case errc::invalid_producer_epoch:
            return kafka_error::invalid_producer_epoch;
        case errc::invalid_producer_id_mapping:
            return kafka_error::invalid_producer_id_mapping;
        case errc::invalid_txn_state:
            return kafka_error::invalid_txn_state;
        case errc::concurrent_transactions:
            return kafka_error::concurrent_transactions;
        case errc::invalid_transaction_timeout:
            return kafka_error::invalid_transaction_timeout;
        case errc::transactional_id_not_found:
            return kafka_error::transactional_id_not_found;
    }
    return kafka_error::unknown_server_error;
}

kafka_error to_kafka_error(coordinator::errc e, int16_t version,
                           int16_t first_producer_fenced_version) {
    if (e == coordinator::errc::producer_fenced && version < first_producer_fenced_version) {
        return kafka_error::invalid_producer_epoch;
    }
    return to_kafka_error(e);
}

kafka_error to_kafka_error(config_errc e) {
    switch (e) {
        case config_errc::invalid_config:
            return kafka_error::invalid_config;
        case config_errc::invalid_request:
            return kafka_error::invalid_request;
    }
    return kafka_error::unknown_server_error;
}

}  // namespace fjord::broker
