#include "broker/log_cleaner.h"

#include "base/logger.h"

namespace fjord::broker {
namespace {

auto& logger() {
    static auto l = module_logger("cleaner");
    return l;
}

}  // namespace

int64_t log_cleaner::system_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

log_cleaner::log_cleaner(topic_table& topics, std::chrono::milliseconds interval, clock_fn now,
                         int64_t producer_id_expiration_ms)
    : _topics(topics),
      _interval(interval),
      _producer_id_expiration_ms(producer_id_expiration_ms),
      _now(std::move(now)) {}

log_cleaner::~log_cleaner() {
    stop();
}

void log_cleaner::start() {
    _thread = std::thread([this] { run(); });
}

void log_cleaner::request_stop() {
    std::lock_guard lock(_mutex);
    _stopping = true;
    _wake.notify_all();
}

void log_cleaner::stop() {
    request_stop();
    if (_thread.joinable()) _thread.join();
}

void log_cleaner::run() {
    std::unique_lock lock(_mutex);
    while (!_stopping) {
        if (_wake.wait_for(lock, _interval, [this] { return _stopping; })) break;
        lock.unlock();
        auto stats = run_once();
        if (stats.segments_deleted > 0 || stats.records_compacted > 0 ||
            stats.producers_expired > 0) {
            logger()->debug(
                "pass over {} partitions: {} segments deleted, {} records compacted, {} "
                "producers expired",
                stats.partitions_checked, stats.segments_deleted, stats.records_compacted,
                stats.producers_expired);
        }
        lock.lock();
    }
}

cleaner_stats log_cleaner::run_once() {
    cleaner_stats stats;
    auto stopping = [this] {
        std::lock_guard lock(_mutex);
        return _stopping;
    };
    auto report = [&](const partition& p, std::string_view what, storage::errc e) {
        // A topic deleted (or a broker stopping) in the middle of a pass closes its logs.
        if (e == storage::errc::closed) return;
        ++stats.errors;
        logger()->warn("[{}] {} failed: {}", p.id(), what, storage::describe(e));
    };
    for (const auto& topic : _topics.all()) {
        const topic_config& config = topic->config;
        for (const auto& p : topic->partitions) {
            if (stopping()) return stats;
            ++stats.partitions_checked;
            auto& log = p->log();
            stats.producers_expired +=
                log.remove_expired_producers(_producer_id_expiration_ms, _now());
            if (config.cleanup_delete) {
                auto deleted =
                    log.enforce_retention(config.retention_ms, config.retention_bytes, _now());
                if (!deleted) {
                    report(*p, "retention", deleted.error());
                } else if (*deleted > 0) {
                    stats.segments_deleted += *deleted;
                    logger()->info("[{}] retention deleted {} segments; log start is now {}",
                                   p->id(), *deleted, log.log_start_offset());
                }
            }
            if (config.cleanup_compact) {
                storage::compaction_config cc;
                cc.delete_retention_ms = config.delete_retention_ms;
                cc.min_compaction_lag_ms = config.min_compaction_lag_ms;
                auto compacted = log.compact(cc, _now());
                if (!compacted) {
                    report(*p, "compaction", compacted.error());
                } else if (compacted->records_removed > 0) {
                    stats.records_compacted += compacted->records_removed;
                    logger()->info("[{}] compaction removed {} records ({} -> {} bytes)", p->id(),
                                   compacted->records_removed, compacted->bytes_before,
                                   compacted->bytes_after);
                }
            }
        }
    }
    return stats;
}

}  // namespace fjord::broker
