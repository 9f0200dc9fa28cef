#include "broker/log_cleaner.h"

#include <algorithm>
#include <cmath>

#include "base/logger.h"
#include "base/metrics.h"

namespace fjord::broker {
namespace {

auto& logger() {
    static auto l = module_logger("cleaner");
    return l;
}

// kafka_log_logcleanermanager_max_dirty_percent (docs/metrics.md).
metrics::gauge& max_dirty_percent_gauge() {
    static metrics::gauge& g =
        *metrics::global()
             .gauges("kafka_log_logcleanermanager_max_dirty_percent",
                     "Dirty share, in percent, of the dirtiest compacted log at the cleaner's "
                     "last pass.")
             .labels({});
    return g;
}

}  // namespace

bool compaction_due(const storage::compaction_backlog& backlog, double min_cleanable_dirty_ratio,
                    int64_t max_compaction_lag_ms, int64_t now_ms) {
    if (backlog.dirty_ratio() > min_cleanable_dirty_ratio) return true;
    if (backlog.cleanable_bytes == 0 || !backlog.earliest_dirty_timestamp) return false;
    int64_t horizon;
    if (__builtin_sub_overflow(now_ms, max_compaction_lag_ms, &horizon)) return false;
    return *backlog.earliest_dirty_timestamp < horizon;
}

int64_t log_cleaner::system_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

log_cleaner::log_cleaner(topic_table& topics, std::chrono::milliseconds interval, clock_fn now,
                         int64_t producer_id_expiration_ms, bool compaction)
    : _topics(topics),
      _max_dirty_percent(max_dirty_percent_gauge()),
      _interval(interval),
      _producer_id_expiration_ms(producer_id_expiration_ms),
      _now(std::move(now)),
      _compaction(compaction) {}

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
    double max_dirty_ratio = 0;
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
            if (config.cleanup_compact && _compaction) {
                storage::compaction_config cc;
                cc.delete_retention_ms = config.delete_retention_ms;
                cc.min_compaction_lag_ms = config.min_compaction_lag_ms;
                cc.max_compaction_lag_ms = config.max_compaction_lag_ms;
                const int64_t now = _now();
                auto backlog = log.measure_compaction_backlog(cc, now);
                if (!backlog) {
                    report(*p, "measuring the compaction backlog", backlog.error());
                    continue;
                }
                max_dirty_ratio = std::max(max_dirty_ratio, backlog->dirty_ratio());
                if (!compaction_due(*backlog, config.min_cleanable_dirty_ratio,
                                    config.max_compaction_lag_ms, now)) {
                    ++stats.logs_left_dirty;
                    continue;
                }
                ++stats.logs_compacted;
                auto compacted = log.compact(cc, now);
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
    // Kafka reports whole percents.
    _max_dirty_percent.set(std::floor(100 * max_dirty_ratio));
    return stats;
}

}  // namespace fjord::broker
