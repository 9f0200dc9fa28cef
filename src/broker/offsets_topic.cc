#include "broker/offsets_topic.h"

#include <chrono>

#include "base/logger.h"
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
    return name == offsets_topic_name;
}

offsets_topic::offsets_topic(topic_table& topics, storage::flush_scheduler& flusher)
    : _topics(topics), _flusher(flusher) {}

result<void, std::string> offsets_topic::ensure_created(int32_t partitions) {
    if (auto existing = _topics.find(offsets_topic_name)) {
        if (existing->metadata.partition_count != partitions) {
            logger()->warn("{} has {} partitions; offsets.topic.num.partitions={} is ignored",
                           offsets_topic_name, existing->metadata.partition_count, partitions);
        }
        return {};
    }
    auto created = _topics.create(new_topic{.name = std::string(offsets_topic_name),
                                            .partitions = partitions,
                                            .replication_factor = 1,
                                            .configs = {{"cleanup.policy", "compact"}}},
                                  /*validate_only=*/false);
    if (!created) return fail(created.error().message);
    return {};
}

result<void, std::string> offsets_topic::replay(const record_visitor& apply) const {
    auto topic = _topics.find(offsets_topic_name);
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
                for (const auto& r : *decoded) {
                    if (!r.key) continue;  // not a coordinator record
                    apply(*r.key, r.value);
                    ++records;
                }
                next = model::offset(header->last_offset() + 1);
                data = data.subspan(header->size_bytes());
            }
        }
    }
    logger()->info("replayed {} records from {}", records, offsets_topic_name);
    return {};
}

void offsets_topic::append(int32_t partition, std::vector<coordinator::log_record> records,
                           std::function<void(bool durable)> done) {
    auto topic = _topics.find(offsets_topic_name);
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
    bytes batch = protocol::build_batch({}, batch_records);
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
