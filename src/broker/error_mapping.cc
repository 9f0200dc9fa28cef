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

}  // namespace fjord::broker
