#include "broker/internal_topic.h"

#include <chrono>

#include "base/logger.h"
#include "protocol/control_record.h"
#include "protocol/record_batch.h"

namespace fjord::broker {
namespace {

auto& logger() {
    static auto l = module_logger("coordinator");
    return l;
}

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Replay reads this much at a time; a batch larger than this is still read whole.
constexpr size_t replay_read_bytes = 1 << 20;

}  // namespace

bool is_internal_topic(std::string_view name) {
    return name == offsets_topic_name || name == transaction_state_topic_name;
}

internal_topic::internal_topic(std::string_view name, int32_t partitions, topic_table& topics,
                               storage::flush_scheduler& flusher)
    : _name(name), _partitions(partitions), _topics(topics), _flusher(flusher) {
    if (auto existing = _topics.find(_name);
        existing && existing->metadata.partition_count != partitions) {
        logger()->warn("{} has {} partitions; the configured {} is ignored", _name,
                       existing->metadata.partition_count, partitions);
    }
}

int32_t internal_topic::partition_count() const {
    auto existing = _topics.find(_name);
    return existing ? existing->metadata.partition_count : _partitions;
}

result<void, std::string> internal_topic::ensure_created() {
    std::lock_guard lock(_create_mutex);
    if (exists()) return {};
    logger()->info("creating {} with {} partitions", _name, _partitions);
    auto created = _topics.create(new_topic{.name = _name,
                                            .partitions = _partitions,
                                            .replication_factor = 1,
                                            .configs = {{"cleanup.policy", "compact"}}},
                                  /*validate_only=*/false);
    if (!created) return fail(created.error().message);
    return {};
}

result<void, std::string> internal_topic::replay(const replay_visitor& visitor) const {
    auto topic = _topics.find(_name);
    if (!topic) return {};
    size_t records = 0;
    for (const auto& p : topic->partitions) {
        auto& log = p->log();
        model::offset next = log.log_start_offset();
        model::offset end = log.high_watermark();
        while (next < end) {
            auto read = log.read(next, replay_read_bytes, end, /*min_one_batch=*/true);
            if (!read) {
                return fail(
                    fmt::format("cannot read {}: {}", p->id(), storage::describe(read.error())));
            }
            bytes_view data = read->data.view;
            if (data.empty()) break;
            while (!data.empty()) {
                auto header = protocol::read_batch_header(data);
                if (!header) {
                    return fail(fmt::format("{}: unreadable batch at offset {}: {}", p->id(), next,
                                            protocol::describe(header.error())));
                }
                auto batch = data.subspan(0, header->size_bytes());
                auto decoded = protocol::decode_records(batch);
                if (!decoded) {
                    return fail(fmt::format("{}: undecodable batch at offset {}: {}", p->id(),
                                            header->base_offset,
                                            protocol::describe(decoded.error())));
                }
                model::producer_id producer(header->producer_id);
                if (header->is_control()) {
                    auto marker = protocol::decode_marker(batch);
                    if (marker && visitor.marker) {
                        visitor.marker(p->id().partition(), producer,
                                       marker->type == protocol::control_type::commit);
                    }
                } else {
                    for (const auto& r : *decoded) {
                        if (!r.key) continue;  // not a coordinator record
                        if (!header->is_transactional()) {
                            if (visitor.record) visitor.record(*r.key, r.value);
                        } else if (visitor.transactional_record) {
                            visitor.transactional_record(producer, *r.key, r.value);
                        }
                        ++records;
                    }
                }
                next = model::offset(header->last_offset() + 1);
                data = data.subspan(header->size_bytes());
            }
        }
    }
    logger()->info("replayed {} records from {}", records, _name);
    return {};
}

void internal_topic::append(int32_t partition, std::vector<coordinator::log_record> records,
                            std::function<void(bool durable)> done) {
    append_batch(partition, std::move(records), std::nullopt, std::move(done));
}

void internal_topic::append_transactional(int32_t partition, model::producer_id id,
                                          model::producer_epoch epoch,
                                          std::vector<coordinator::log_record> records,
                                          std::function<void(bool durable)> done) {
    append_batch(partition, std::move(records), std::pair(id, epoch), std::move(done));
}

void internal_topic::append_batch(
    int32_t partition, std::vector<coordinator::log_record> records,
    std::optional<std::pair<model::producer_id, model::producer_epoch>> producer,
    std::function<void(bool durable)> done) {
    auto topic = _topics.find(_name);
    auto target = topic ? topic->find_partition(partition) : nullptr;
    if (!target || records.empty()) {
        done(target != nullptr);
        return;
    }
    int64_t timestamp = now_ms();
    std::vector<protocol::record> batch_records;
    batch_records.reserve(records.size());
    for (size_t i = 0; i < records.size(); ++i) {
        batch_records.push_back({.offset = static_cast<int64_t>(i),
                                 .timestamp = timestamp,
                                 .key = std::move(records[i].key),
                                 .value = std::move(records[i].value)});
    }
    protocol::batch_options options;
    if (producer) {
        // A coordinator's transactional batch carries no sequence numbers (Kafka's too): the
        // log checks its epoch only.
        options.producer_id = producer->first();
        options.producer_epoch = producer->second();
        options.transactional = true;
    }
    bytes batch = protocol::build_batch(options, batch_records);
    auto appended = target->log().append(batch, model::leader_epoch(0));
    if (!appended) {
        logger()->error("[{}] cannot append coordinator records: {}", target->id(),
                        storage::describe(appended.error()));
        done(false);
        return;
    }
    _flusher.schedule(target->log_ptr());
    target->when_durable(appended->last_offset, [done = std::move(done)](durability d) {
        done(d == durability::durable);
    });
}

}  // namespace fjord::broker
