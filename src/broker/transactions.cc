#include "broker/transactions.h"

#include <atomic>
#include <chrono>

#include "base/logger.h"
#include "protocol/control_record.h"

namespace fjord::broker {
namespace {

auto& logger() {
    static auto l = module_logger("transactions");
    return l;
}

int64_t wall_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Counts the partitions of one write_markers() call down and answers once, with false if any
// failed.
class marker_countdown {
public:
    marker_countdown(size_t count, std::function<void(bool)> done)
        : _remaining(count), _done(std::move(done)) {}
    void finish_one(bool ok) {
        if (!ok) _failed.store(true);
        if (_remaining.fetch_sub(1) == 1) _done(!_failed.load());
    }

private:
    std::atomic<size_t> _remaining;
    std::atomic<bool> _failed{false};
    std::function<void(bool)> _done;
};

}  // namespace

transaction_markers::transaction_markers(topic_table& topics, storage::flush_scheduler& flusher,
                                         coordinator::offset_store& offsets)
    : _topics(topics), _flusher(flusher), _offsets(offsets) {}

void transaction_markers::write_markers(model::producer_id id, model::producer_epoch epoch,
                                        int32_t coordinator_epoch, bool commit,
                                        std::vector<model::topic_partition> partitions,
                                        std::function<void(bool ok)> done) {
    if (partitions.empty()) {
        done(true);
        return;
    }
    auto countdown = std::make_shared<marker_countdown>(partitions.size(), std::move(done));
    const auto type = commit ? protocol::control_type::commit : protocol::control_type::abort;
    for (const auto& tp : partitions) {
        auto topic = _topics.find(tp.topic);
        auto target = topic ? topic->find_partition(tp.partition()) : nullptr;
        if (!target) {
            // Deleted since it joined the transaction: nothing is left to end.
            countdown->finish_one(true);
            continue;
        }
        bytes batch =
            protocol::build_marker_batch(id(), epoch(), type, coordinator_epoch, wall_now_ms());
        auto appended = target->log().append(batch, model::leader_epoch(0));
        if (!appended) {
            auto e = appended.error();
            // A newer epoch or coordinator already ended this producer's transaction here:
            // writing an older marker again would be wrong, and retrying cannot help.
            bool superseded = e == storage::errc::invalid_producer_epoch ||
                              e == storage::errc::transaction_coordinator_fenced;
            logger()->log(superseded ? spdlog::level::info : spdlog::level::err,
                          "[{}] cannot write the {} marker of producer {} epoch {}: {}", tp,
                          commit ? "commit" : "abort", id, epoch, storage::describe(e));
            countdown->finish_one(superseded);
            continue;
        }
        _flusher.schedule(target->log_ptr());
        bool offsets_partition = tp.topic == offsets_topic_name;
        target->when_durable(appended->last_offset,
                             [this, countdown, offsets_partition, tp, id, commit](durability d) {
                                 if (d == durability::durable && offsets_partition) {
                                     _offsets.complete_transaction(tp.partition(), id, commit);
                                 }
                                 countdown->finish_one(d == durability::durable);
                             });
    }
}

transaction_service::transaction_service(const broker_config& config, topic_table& topics,
                                         storage::flush_scheduler& flusher,
                                         coordinator::offset_store& offsets,
                                         coordinator::timer_service& timers,
                                         producer_id_allocator& producer_ids)
    : _config(config),
      _log(transaction_state_topic_name, config.transaction_state_log_num_partitions, topics,
           flusher),
      _markers(topics, flusher, offsets),
      _timers(timers),
      _producer_ids(producer_ids) {}

result<void, std::string> transaction_service::start() {
    _coordinator = std::make_unique<coordinator::transaction_coordinator>(
        coordinator::transaction_config{
            .log_partitions = _log.partition_count(),
            .max_timeout = std::chrono::milliseconds(_config.transaction_max_timeout_ms),
            .abort_check_interval =
                std::chrono::milliseconds(_config.transaction_abort_check_interval_ms),
            .id_expiration = std::chrono::milliseconds(_config.transactional_id_expiration_ms),
            .id_expiration_check_interval =
                std::chrono::milliseconds(_config.transaction_id_expiry_check_interval_ms),
        },
        _timers, _log, _markers,
        [this]() -> std::optional<model::producer_id> {
            auto id = _producer_ids.next();
            if (!id) return std::nullopt;
            return *id;
        },
        wall_now_ms);
    auto replayed =
        _log.replay({.record = [this](bytes_view key, const std::optional<bytes>& value) {
            _coordinator->load_record(key, value);
        }});
    if (!replayed) return fail(replayed.error());
    _coordinator->finish_loading();
    return {};
}

}  // namespace fjord::broker
