#include "broker/record_append.h"

#include <fmt/format.h>

#include <chrono>

#include "broker/error_mapping.h"
#include "broker/internal_topic.h"
#include "storage/flush_scheduler.h"
#include "storage/partition_log.h"

namespace fjord::broker {

std::optional<protocol::compression_type> topic_compression_codec(std::string_view setting) {
    using protocol::compression_type;
    if (setting == "uncompressed") return compression_type::none;
    if (setting == "gzip") return compression_type::gzip;
    if (setting == "snappy") return compression_type::snappy;
    if (setting == "lz4") return compression_type::lz4;
    if (setting == "zstd") return compression_type::zstd;
    return std::nullopt;
}

void append_records(broker_services& services, const topic_state& topic,
                    std::shared_ptr<partition> target, std::vector<protocol::record> records,
                    std::function<void(result<appended_records, topic_error>)> done) {
    if (is_internal_topic(topic.metadata.name)) {
        done(fail(topic_error{kafka_error::invalid_topic_exception,
                              "cannot produce to an internal topic"}));
        return;
    }
    if (records.empty()) {
        done(fail(topic_error{kafka_error::invalid_record, "no records to append"}));
        return;
    }
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    bool log_append_time = topic.config.log_append_time;
    for (size_t i = 0; i < records.size(); ++i) {
        records[i].offset = static_cast<int64_t>(i);
        if (log_append_time || records[i].timestamp < 0) records[i].timestamp = now;
    }
    protocol::batch_options options{
        .compression = topic_compression_codec(topic.config.compression_type)
                           .value_or(protocol::compression_type::none),
        .log_append_time = log_append_time,
    };
    bytes batch = protocol::build_batch(options, records);
    if (batch.size() > static_cast<size_t>(topic.config.max_message_bytes)) {
        done(fail(topic_error{kafka_error::message_too_large,
                              fmt::format("a batch of {} bytes exceeds max.message.bytes {}",
                                          batch.size(), topic.config.max_message_bytes)}));
        return;
    }
    auto appended = target->log().append(mutable_bytes_view(batch), model::leader_epoch(0));
    if (!appended) {
        auto error = to_kafka_error(appended.error());
        done(fail(topic_error{error, std::string(storage::describe(appended.error()))}));
        return;
    }
    services.flusher.schedule(target->log_ptr());
    if (topic.metrics) {
        topic.metrics->bytes_in->inc(batch.size());
        topic.metrics->messages_in->inc(records.size());
    }
    appended_records out{.base_offset = appended->base_offset(),
                         .timestamp = records.front().timestamp};
    target->when_durable(appended->last_offset, [out, done = std::move(done)](durability d) {
        if (d == durability::durable) {
            done(out);
        } else {
            done(fail(topic_error{kafka_error::kafka_storage_error,
                                  "the record could not be made durable"}));
        }
    });
}

}  // namespace fjord::broker
