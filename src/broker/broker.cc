#include "broker/broker.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "base/logger.h"
#include "broker/broker_metrics.h"
#include "broker/clean_shutdown.h"
#include "coordinator/records.h"

namespace fjord::broker {
namespace {

auto& logger() {
    static auto l = module_logger("broker");
    return l;
}
}  // namespace

broker::broker(broker_config config) : _config(std::move(config)) {}

broker::~broker() {
    stop();
    if (_data_dir_lock >= 0) ::close(_data_dir_lock);
}

namespace {

// Two brokers on one data directory would corrupt each other's logs: the second one refuses to
// start. The lock is released by the kernel when the process dies, even on SIGKILL.
result<int, std::string> lock_data_dir(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        return fail(fmt::format("cannot create data directory {}: {}", dir.string(), ec.message()));
    auto path = dir / ".lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return fail(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        ::close(fd);
        if (err == EWOULDBLOCK) {
            return fail(fmt::format("data directory {} is in use by another broker", dir.string()));
        }
        return fail(fmt::format("cannot lock {}: {}", path.string(), std::strerror(err)));
    }
    return fd;
}

}  // namespace

result<void, std::string> broker::start() {
    auto lock = lock_data_dir(_config.data_dir);
    if (!lock) return fail(lock.error());
    _data_dir_lock = *lock;
    auto metadata = cluster::embedded_metadata_store::open(_config.data_dir);
    if (!metadata) {
        return fail(fmt::format("cannot open metadata in {}: {}", _config.data_dir.string(),
                                cluster::describe(metadata.error())));
    }
    _metadata = std::move(metadata).value();
    _topics = std::make_unique<topic_table>(_config, *_metadata);
    auto closed_cleanly = take_clean_shutdown_marker(_config.data_dir);
    if (!closed_cleanly) return fail(closed_cleanly.error());
    if (auto r = _topics->load(*closed_cleanly); !r) return fail(r.error());

    _flusher = std::make_unique<storage::flush_scheduler>();
    _flusher->set_on_flushed([this](storage::partition_log& log,
                                    result<model::offset, storage::errc> flushed) {
        auto p = _topics->partition_of(log);
        if (!p) return;  // deleted meanwhile
        if (!flushed) {
            logger()->error("[{}] flush failed: {}", p->id(), storage::describe(flushed.error()));
            p->close_waiters();
            return;
        }
        p->on_high_watermark(*flushed);
    });
    _flusher->start();
    _producer_ids = std::make_unique<producer_id_allocator>(*_metadata);
    if (auto r = start_coordinator(); !r) {
        _flusher->stop();
        _topics->close();
        return fail(r.error());
    }

    _admin = std::make_unique<admin_executor>();
    _services = std::make_unique<broker_services>(broker_services{
        .config = _config,
        .metadata = *_metadata,
        .topics = *_topics,
        .flusher = *_flusher,
        .groups = *_groups,
        .offsets = *_offsets,
        .admin = *_admin,
        .producer_ids = *_producer_ids,
        .offsets_log = *_offsets_topic,
        .transactions = *_transactions,
        .advertised_host =
            _config.advertised_host.empty() ? _config.listen_host : _config.advertised_host,
    });
    _handler = std::make_unique<kafka_server>(*_services);
    net::server_config server_config{
        .host = _config.listen_host,
        .port = _config.listen_port,
        .reactor_count = _config.num_network_threads,
        .max_request_bytes = static_cast<size_t>(_config.socket_request_max_bytes),
        .send_buffer_bytes = _config.socket_send_buffer_bytes,
        .receive_buffer_bytes = _config.socket_receive_buffer_bytes,
        .max_connections = static_cast<size_t>(_config.max_connections),
    };
    _server = std::make_unique<net::server>(server_config, *_handler);
    try {
        _server->start();
    } catch (const std::system_error& e) {
        _admin->stop();
        _groups->shutdown();
        _timers->stop();
        _flusher->stop();
        _topics->close();
        return fail(std::string(e.what()));
    }
    _services->advertised_port =
        _config.advertised_port == 0 ? _server->port() : _config.advertised_port;
    _cleaner = std::make_unique<log_cleaner>(
        *_topics, _config.log_retention_check_interval, log_cleaner::system_now_ms,
        _config.producer_id_expiration_ms, _config.log_cleaner_enable);
    _cleaner->start();
    _metrics = metrics::global().add_collector([this](metrics::sample_sink& sink) {
        collect_broker_metrics(sink, *_topics, *_offsets, *_groups);
    });
    _running = true;
    for (const auto& name : _config.unbound_listeners) {
        logger()->info(
            "listener {} not bound: it is a KRaft controller listener (controller.listener.names), "
            "and Fjord keeps its metadata itself",
            name);
    }
    logger()->info("node {} serving Kafka on {}:{} (advertised as {}:{}), data in {}",
                   _config.node_id, _config.listen_host, _server->port(),
                   _services->advertised_host, _services->advertised_port,
                   _config.data_dir.string());
    return {};
}

// The coordinators' state lives in __consumer_offsets and __transaction_state (each created
// when the first client looks for its coordinator): replay them into the group
// manager, the offset store and the transaction coordinator before any client can reach them.
result<void, std::string> broker::start_coordinator() {
    _offsets_topic = std::make_unique<internal_topic>(
        offsets_topic_name, _config.offsets_topic_num_partitions, *_topics, *_flusher);
    int32_t partitions = _offsets_topic->partition_count();
    _timers = std::make_unique<coordinator::threaded_timer_service>();
    _groups = std::make_unique<coordinator::group_manager>(
        coordinator::group_config{
            .min_session_timeout = _config.group_min_session_timeout,
            .max_session_timeout = _config.group_max_session_timeout,
            .initial_rebalance_delay = _config.group_initial_rebalance_delay,
            .max_size = _config.group_max_size,
            .offsets_partitions = partitions,
        },
        *_timers, *_offsets_topic);
    _offsets = std::make_unique<coordinator::offset_store>(
        coordinator::offset_config{
            .offsets_partitions = partitions,
            .max_metadata_bytes = static_cast<size_t>(_config.offset_metadata_max_bytes),
            .retention = _config.offsets_retention,
        },
        *_offsets_topic);
    auto replayed = _offsets_topic->replay({
        .record =
            [this](bytes_view key, const std::optional<bytes>& value) {
                switch (coordinator::records::kind_of(key)) {
                    case coordinator::records::key_kind::offset_commit:
                        _offsets->load_record(key, value);
                        break;
                    case coordinator::records::key_kind::group_metadata:
                        _groups->load_record(key, value);
                        break;
                    case coordinator::records::key_kind::unknown:
                        break;
                }
            },
        .transactional_record =
            [this](model::producer_id id, bytes_view key, const std::optional<bytes>& value) {
                _offsets->load_transactional_record(id, key, value);
            },
        .marker = [this](int32_t partition, model::producer_id id,
                         bool commit) { _offsets->complete_transaction(partition, id, commit); },
    });
    if (!replayed) return fail(replayed.error());
    schedule_offset_expiry();
    _transactions = std::make_unique<transaction_service>(_config, *_topics, *_flusher, *_offsets,
                                                          *_timers, *_producer_ids);
    if (auto r = _transactions->start(); !r) {
        return fail(fmt::format("cannot load {}: {}", transaction_state_topic_name, r.error()));
    }
    return {};
}

void broker::schedule_offset_expiry() {
    _timers->schedule(_config.offsets_retention_check_interval, [this] {
        _offsets->expire([this](std::string_view group) { return !_groups->has_members(group); });
        schedule_offset_expiry();
    });
}

uint16_t broker::port() const {
    return _server ? _server->port() : 0;
}

void broker::stop() {
    if (!_running) return;
    _running = false;
    _metrics.reset();  // waits for a scrape in progress: it reads what is stopped below
    logger()->info("stopping");
    _cleaner->request_stop();  // stops between partitions; closing the logs ends a compaction
    _server->stop();           // answers what is in flight, then closes connections
    _admin->stop();            // nothing left to run: every request was answered
    _groups->shutdown();       // no more timers into the coordinator
    _timers->stop();
    _flusher->stop();  // flushes everything appended
    bool durable = _topics->close();
    _cleaner->stop();
    if (durable) leave_clean_shutdown_marker(_config.data_dir);
    ::close(_data_dir_lock);
    _data_dir_lock = -1;
    logger()->info("stopped");
}

}  // namespace fjord::broker
