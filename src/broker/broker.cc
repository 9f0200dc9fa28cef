#include "broker/broker.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "base/logger.h"

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
    if (auto r = _topics->load(); !r) return fail(r.error());

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

    _services = std::make_unique<broker_services>(broker_services{
        .config = _config,
        .metadata = *_metadata,
        .topics = *_topics,
        .flusher = *_flusher,
        .advertised_host = _config.listen_host,
    });
    _handler = std::make_unique<kafka_server>(*_services);
    net::server_config server_config{
        .host = _config.listen_host,
        .port = _config.listen_port,
        .reactor_count = _config.num_network_threads,
        .max_request_bytes = static_cast<size_t>(_config.socket_request_max_bytes),
        .max_connections = static_cast<size_t>(_config.max_connections),
    };
    _server = std::make_unique<net::server>(server_config, *_handler);
    try {
        _server->start();
    } catch (const std::system_error& e) {
        _flusher->stop();
        _topics->close();
        return fail(std::string(e.what()));
    }
    _services->advertised_port = _server->port();
    _running = true;
    logger()->info("node {} serving Kafka on {}:{}, data in {}", _config.node_id,
                   _config.listen_host, _server->port(), _config.data_dir.string());
    return {};
}

uint16_t broker::port() const {
    return _server ? _server->port() : 0;
}

void broker::stop() {
    if (!_running) return;
    _running = false;
    logger()->info("stopping");
    _server->stop();   // answers what is in flight, then closes connections
    _flusher->stop();  // flushes everything appended
    _topics->close();
    ::close(_data_dir_lock);
    _data_dir_lock = -1;
    logger()->info("stopped");
}

}  // namespace fjord::broker
