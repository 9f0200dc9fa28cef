#include "broker/topic_table.h"

#include <fmt/format.h>

#include "base/logger.h"
#include "storage/file_io.h"

namespace fjord::broker {
namespace {

auto& logger() {
    static auto l = module_logger("broker");
    return l;
}

constexpr size_t max_topic_name_length = 249;

// Kafka refuses topics whose names differ only by '.' versus '_': their metric names collide.
std::string collision_key(std::string_view name) {
    std::string key(name);
    for (auto& c : key)
        if (c == '.') c = '_';
    return key;
}

storage::log_config log_config_for(const topic_config& c) {
    storage::log_config lc;
    lc.segment_bytes = static_cast<uint64_t>(c.segment_bytes);
    lc.segment_ms = std::chrono::milliseconds(roll_ms(c));
    lc.index_interval_bytes = static_cast<uint32_t>(c.index_interval_bytes);
    lc.segment_index_bytes = static_cast<uint32_t>(c.segment_index_bytes);
    return lc;
}

std::string describe_overrides(const config_overrides& overrides) {
    std::string out;
    for (const auto& [k, v] : overrides) {
        if (!out.empty()) out += ", ";
        out += fmt::format("{}={}", k, v);
    }
    return out;
}

}  // namespace

result<void, std::string> validate_topic_name(std::string_view name) {
    if (name.empty()) return fail(std::string("topic name is empty"));
    if (name == "." || name == "..")
        return fail(fmt::format("topic name '{}' is not allowed", name));
    if (name.size() > max_topic_name_length) {
        return fail(fmt::format("topic name is {} characters long; the limit is {}", name.size(),
                                max_topic_name_length));
    }
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok) {
            return fail(fmt::format(
                "topic name '{}' has an illegal character; use only ASCII letters, digits, '.', "
                "'_' and '-'",
                name));
        }
    }
    return {};
}

topic_table::topic_table(const broker_config& config, cluster::metadata_store& metadata)
    : _config(config), _metadata(metadata) {}

std::filesystem::path topic_table::partition_dir(std::string_view topic, int32_t index) const {
    return _config.data_dir / fmt::format("{}-{}", topic, index);
}

void topic_table::remove_partition_dirs(std::string_view topic, int32_t from, int32_t to) const {
    for (int32_t i = from; i < to; ++i) {
        std::error_code ec;
        std::filesystem::remove_all(partition_dir(topic, i), ec);
    }
}

// New partitions' directories are entries of the data directory: durable before the metadata
// names them. Their own files become durable at their first flush.
result<void, std::string> topic_table::sync_data_dir() const {
    if (auto r = storage::default_file_io().fsync_directory(_config.data_dir); !r) {
        return fail(fmt::format("cannot fsync {}: {}", _config.data_dir.string(),
                                storage::describe(r.error())));
    }
    return {};
}

result<void, std::string> topic_table::open_partitions(topic_state& state, int32_t from,
                                                       bool closed_cleanly) {
    const auto& metadata = state.metadata;
    std::vector<std::shared_ptr<partition>> opened;
    for (int32_t i = from; i < metadata.partition_count; ++i) {
        auto config = log_config_for(state.config);
        config.closed_cleanly = closed_cleanly;
        auto log = storage::partition_log::open(partition_dir(metadata.name, i), config);
        if (!log) {
            for (auto& p : opened) p->log().close();
            return fail(fmt::format("cannot open {}-{}: {}", metadata.name, i,
                                    storage::describe(log.error())));
        }
        std::shared_ptr<storage::partition_log> shared(std::move(log).value());
        opened.push_back(std::make_shared<partition>(
            model::topic_partition{metadata.name, model::partition_id(i)}, std::move(shared)));
    }
    state.partitions.insert(state.partitions.end(), opened.begin(), opened.end());
    return {};
}

result<std::shared_ptr<topic_state>, std::string> topic_table::open_topic(
    const cluster::topic_metadata& metadata, bool closed_cleanly) {
    auto state = std::make_shared<topic_state>();
    state->metadata = metadata;
    state->config = effective_topic_config(_config, metadata.configs);
    if (auto r = open_partitions(*state, 0, closed_cleanly); !r) return fail(r.error());
    state->metrics = std::make_shared<topic_metrics>(metadata.name);
    return state;
}

void topic_table::publish(std::shared_ptr<const topic_state> state) {
    std::unique_lock lock(_mutex);
    for (auto& p : state->partitions) _by_log[&p->log()] = p;
    _by_name[state->metadata.name] = std::move(state);
}

result<void, std::string> topic_table::load(bool closed_cleanly) {
    for (const auto& metadata : _metadata.topics()) {
        auto state = open_topic(metadata, closed_cleanly);
        if (!state) return fail(state.error());
        publish(std::move(state).value());
    }
    logger()->info("loaded {} topics", _by_name.size());
    return {};
}

bool topic_table::close() {
    decltype(_by_name) topics;
    {
        // Not held while the logs close: a flush holding a log's lock may be waiting for it
        // (partition_of in the flush callback).
        std::unique_lock lock(_mutex);
        topics.swap(_by_name);
        _by_log.clear();
    }
    bool durable = true;
    for (auto& [_, topic] : topics) {
        for (auto& p : topic->partitions) {
            p->close_waiters();
            durable = p->log().close() && durable;
        }
    }
    return durable;
}

std::shared_ptr<const topic_state> topic_table::find(std::string_view name) const {
    std::shared_lock lock(_mutex);
    auto it = _by_name.find(std::string(name));
    return it == _by_name.end() ? nullptr : it->second;
}

std::shared_ptr<const topic_state> topic_table::find(const uuid& id) const {
    std::shared_lock lock(_mutex);
    for (const auto& [_, topic] : _by_name)
        if (topic->metadata.id == id) return topic;
    return nullptr;
}

std::vector<std::shared_ptr<const topic_state>> topic_table::all() const {
    std::shared_lock lock(_mutex);
    std::vector<std::shared_ptr<const topic_state>> out;
    out.reserve(_by_name.size());
    for (const auto& [_, topic] : _by_name) out.push_back(topic);
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a->metadata.name < b->metadata.name; });
    return out;
}

std::shared_ptr<partition> topic_table::partition_of(const storage::partition_log& log) const {
    std::shared_lock lock(_mutex);
    auto it = _by_log.find(&log);
    return it == _by_log.end() ? nullptr : it->second.lock();
}

result<std::shared_ptr<const topic_state>, topic_error> topic_table::create(
    const new_topic& request, bool validate_only) {
    if (auto r = validate_topic_name(request.name); !r) {
        return fail(topic_error{kafka_error::invalid_topic_exception, r.error()});
    }
    int32_t partitions = request.partitions == -1 ? _config.num_partitions : request.partitions;
    if (partitions <= 0) {
        return fail(topic_error{
            kafka_error::invalid_partitions,
            fmt::format("number of partitions must be larger than 0, got {}", request.partitions)});
    }
    int16_t replication_factor = request.replication_factor == -1
                                     ? _config.default_replication_factor
                                     : request.replication_factor;
    if (replication_factor != 1) {
        return fail(
            topic_error{kafka_error::invalid_replication_factor,
                        fmt::format("replication factor {} is larger than the 1 available broker",
                                    replication_factor)});
    }
    for (const auto& [name, value] : request.configs) {
        if (auto r = validate_topic_override(name, value); !r) {
            return fail(topic_error{kafka_error::invalid_config, r.error()});
        }
    }
    if (auto r = validate_topic_config(effective_topic_config(_config, request.configs)); !r) {
        return fail(topic_error{kafka_error::invalid_config, r.error()});
    }

    std::lock_guard admin(_admin_mutex);
    {
        std::shared_lock lock(_mutex);
        if (_by_name.contains(request.name)) {
            return fail(topic_error{kafka_error::topic_already_exists,
                                    fmt::format("topic '{}' already exists", request.name)});
        }
        auto key = collision_key(request.name);
        for (const auto& [name, _] : _by_name) {
            if (collision_key(name) == key) {
                return fail(topic_error{kafka_error::invalid_topic_exception,
                                        fmt::format("topic '{}' collides with existing topic '{}'",
                                                    request.name, name)});
            }
        }
    }
    cluster::topic_metadata metadata{.name = request.name,
                                     .id = uuid::random(),
                                     .partition_count = partitions,
                                     .replication_factor = replication_factor,
                                     .configs = request.configs};
    if (validate_only) {
        auto state = std::make_shared<topic_state>();
        state->metadata = metadata;
        state->config = effective_topic_config(_config, metadata.configs);
        return std::shared_ptr<const topic_state>(std::move(state));
    }
    // Leftovers of a topic that was deleted in a crash would otherwise be adopted as its data.
    remove_partition_dirs(request.name, 0, partitions);
    auto state = open_topic(metadata, false);
    if (!state) {
        logger()->error("create topic {}: {}", request.name, state.error());
        remove_partition_dirs(request.name, 0, partitions);
        return fail(topic_error{kafka_error::kafka_storage_error, state.error()});
    }
    if (auto r = sync_data_dir(); !r) {
        for (auto& p : (*state)->partitions) (void)p->log().remove();
        return fail(topic_error{kafka_error::kafka_storage_error, r.error()});
    }
    if (auto r = _metadata.create_topic(metadata); !r) {
        for (auto& p : (*state)->partitions) (void)p->log().remove();
        topic_metrics::remove(request.name);
        return fail(topic_error{kafka_error::kafka_storage_error,
                                std::string(cluster::describe(r.error()))});
    }
    std::shared_ptr<const topic_state> created = std::move(state).value();
    publish(created);
    logger()->info("created topic {} ({} partitions, id {})", request.name, partitions,
                   metadata.id.to_string());
    return created;
}

result<void, topic_error> topic_table::remove(std::string_view name) {
    if (!_config.delete_topic_enable) {
        return fail(topic_error{kafka_error::topic_deletion_disabled,
                                "topic deletion is disabled (delete.topic.enable=false)"});
    }
    std::lock_guard admin(_admin_mutex);
    std::shared_ptr<const topic_state> topic = find(name);
    if (!topic) {
        return fail(topic_error{kafka_error::unknown_topic_or_partition,
                                fmt::format("topic '{}' does not exist", name)});
    }
    if (auto r = _metadata.delete_topic(name); !r) {
        return fail(topic_error{kafka_error::kafka_storage_error,
                                std::string(cluster::describe(r.error()))});
    }
    {
        std::unique_lock lock(_mutex);
        _by_name.erase(std::string(name));
        for (auto& p : topic->partitions) _by_log.erase(&p->log());
    }
    topic_metrics::remove(name);
    for (auto& p : topic->partitions) {
        p->close_waiters();
        if (auto r = p->log().remove(); !r) {
            logger()->warn("delete topic {}: cannot remove {}: {}", name, p->id(),
                           storage::describe(r.error()));
        }
    }
    logger()->info("deleted topic {}", name);
    return {};
}

result<std::shared_ptr<const topic_state>, topic_error> topic_table::add_partitions(
    std::string_view name, int32_t count, bool validate_only) {
    std::lock_guard admin(_admin_mutex);
    std::shared_ptr<const topic_state> topic = find(name);
    if (!topic) {
        return fail(topic_error{kafka_error::unknown_topic_or_partition,
                                fmt::format("topic '{}' does not exist", name)});
    }
    int32_t current = topic->metadata.partition_count;
    if (count < current) {
        return fail(topic_error{
            kafka_error::invalid_partitions,
            fmt::format("topic '{}' has {} partitions, more than the requested {}; the partition "
                        "count can only grow",
                        name, current, count)});
    }
    if (count == current) {
        return fail(
            topic_error{kafka_error::invalid_partitions,
                        fmt::format("topic '{}' already has {} partitions", name, current)});
    }
    auto state = std::make_shared<topic_state>(*topic);
    state->metadata.partition_count = count;
    if (validate_only) return std::shared_ptr<const topic_state>(std::move(state));
    // Leftovers of a partition of an earlier topic by this name would otherwise be adopted.
    remove_partition_dirs(name, current, count);
    if (auto r = open_partitions(*state, current, false); !r) {
        logger()->error("add partitions to {}: {}", name, r.error());
        remove_partition_dirs(name, current, count);
        return fail(topic_error{kafka_error::kafka_storage_error, r.error()});
    }
    auto persisted = sync_data_dir();
    if (persisted) {
        if (auto r = _metadata.update_topic(state->metadata); !r) {
            persisted = fail(std::string(cluster::describe(r.error())));
        }
    }
    if (!persisted) {
        for (int32_t i = current; i < count; ++i) {
            (void)state->partitions[static_cast<size_t>(i)]->log().remove();
        }
        return fail(topic_error{kafka_error::kafka_storage_error, persisted.error()});
    }
    publish(state);
    logger()->info("topic {} grew from {} to {} partitions", name, current, count);
    return std::shared_ptr<const topic_state>(std::move(state));
}

result<std::shared_ptr<const topic_state>, topic_error> topic_table::alter_config(
    std::string_view name, const config_change_fn& change, bool validate_only) {
    std::lock_guard admin(_admin_mutex);
    std::shared_ptr<const topic_state> topic = find(name);
    if (!topic) {
        return fail(topic_error{kafka_error::unknown_topic_or_partition,
                                fmt::format("topic '{}' does not exist", name)});
    }
    auto overrides = change(topic->metadata.configs);
    if (!overrides) return fail(overrides.error());
    for (const auto& [key, value] : *overrides) {
        if (auto r = validate_topic_override(key, value); !r) {
            return fail(topic_error{kafka_error::invalid_config, r.error()});
        }
    }
    auto state = std::make_shared<topic_state>(*topic);
    state->metadata.configs = std::move(overrides).value();
    state->config = effective_topic_config(_config, state->metadata.configs);
    if (auto r = validate_topic_config(state->config); !r) {
        return fail(topic_error{kafka_error::invalid_config, r.error()});
    }
    if (validate_only) return std::shared_ptr<const topic_state>(std::move(state));
    if (auto r = _metadata.update_topic(state->metadata); !r) {
        return fail(topic_error{kafka_error::kafka_storage_error,
                                std::string(cluster::describe(r.error()))});
    }
    auto log_config = log_config_for(state->config);
    for (auto& p : state->partitions) p->log().update_config(log_config);
    publish(state);
    logger()->info("topic {} config changed: {}", name,
                   state->metadata.configs.empty() ? std::string("(defaults)")
                                                   : describe_overrides(state->metadata.configs));
    return std::shared_ptr<const topic_state>(std::move(state));
}

}  // namespace fjord::broker
