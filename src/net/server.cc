#include "net/server.h"

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <future>
#include <stdexcept>
#include <thread>

#include "base/logger.h"
#include "base/vassert.h"
#include "net/asio_reactor.h"
#include "net/connection.h"
#include "net/server_context.h"

namespace fjord::net {

namespace detail {

server_context::server_context(server_config c, request_handler& h)
    : config(std::move(c)),
      handler(h),
      log(module_logger("net")),
      open_connections(*metrics::global()
                            .gauges("kafka_server_connections", "Open client connections.")
                            .labels({})),
      connections_created(
          *metrics::global()
               .counters("kafka_server_connections_created_total", "Client connections accepted.")
               .labels({})),
      connections_closed(
          *metrics::global()
               .counters("kafka_server_connections_closed_total", "Client connections closed.")
               .labels({})) {}

void server_context::connection_opened() {
    connections.fetch_add(1);
    connections_created.inc();
    open_connections.add(1);
}

void server_context::connection_closed() {
    connections_closed.inc();
    open_connections.add(-1);
    if (connections.fetch_sub(1) == 1) {
        std::lock_guard guard(_mu);
        _idle.notify_all();
    }
}

bool server_context::wait_for_no_connections(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(_mu);
    return _idle.wait_until(lock, deadline, [this] { return connections.load() == 0; });
}

}  // namespace detail

using asio::ip::tcp;

class server::impl {
public:
    impl(server_config config, request_handler& handler) : _ctx(std::move(config), handler) {}

    void start();
    void stop(std::chrono::milliseconds deadline);

    uint16_t port() const { return _port; }
    std::vector<reactor*> reactors() {
        std::vector<reactor*> out;
        for (auto& r : _reactors) out.push_back(r.get());
        return out;
    }
    size_t connection_count() const { return _ctx.connections.load(); }
    bool running() const { return _started && !_stopped; }

private:
    void accept_next();
    void on_accept(const asio::error_code& ec, tcp::socket socket, detail::asio_reactor& target);
    // Runs fn on `r` and waits for it. REQUIRES: not on a reactor thread.
    void run_on(detail::asio_reactor& r, std::function<void()> fn);

    detail::server_context _ctx;
    // Declared before the acceptor: the acceptor must be destroyed before reactor 0's io_context.
    std::vector<std::shared_ptr<detail::asio_reactor>> _reactors;
    std::optional<tcp::acceptor> _acceptor;          // reactor 0 thread
    std::optional<asio::steady_timer> _retry_timer;  // reactor 0 thread
    bool _accepting = false;                         // reactor 0 thread
    size_t _next_reactor = 0;                        // reactor 0 thread
    std::atomic<uint64_t> _next_connection_id{0};
    uint16_t _port = 0;
    bool _started = false;
    bool _stopped = false;
};

void server::impl::start() {
    vassert(!_started, "server started twice");
    const auto& cfg = _ctx.config;
    if (cfg.max_in_flight_per_connection == 0) {
        throw std::invalid_argument("max_in_flight_per_connection must be at least 1");
    }
    size_t count = cfg.reactor_count;
    if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
    for (size_t i = 0; i < count; ++i) {
        _reactors.push_back(std::make_shared<detail::asio_reactor>(i));
    }

    auto& ctx0 = _reactors[0]->context();
    // Startup, on the controlling thread: blocking resolution is fine here.
    tcp::resolver resolver(ctx0);
    auto endpoints = resolver.resolve(cfg.host, std::to_string(cfg.port),
                                      tcp::resolver::passive | tcp::resolver::numeric_service);
    tcp::endpoint endpoint = endpoints.begin()->endpoint();
    _acceptor.emplace(ctx0);
    try {
        _acceptor->open(endpoint.protocol());
        _acceptor->set_option(tcp::acceptor::reuse_address(true));
        if (cfg.receive_buffer_bytes >= 0) {
            _acceptor->set_option(asio::socket_base::receive_buffer_size(cfg.receive_buffer_bytes));
        }
        _acceptor->bind(endpoint);
        _acceptor->listen(asio::socket_base::max_listen_connections);
    } catch (const std::system_error& e) {
        _acceptor.reset();
        throw std::system_error(e.code(),
                                fmt::format("cannot listen on {}:{}", cfg.host, cfg.port));
    }
    _port = _acceptor->local_endpoint().port();
    _retry_timer.emplace(ctx0);
    _accepting = true;
    _started = true;
    for (auto& r : _reactors) r->start();
    _ctx.log->info("listening on {}:{} with {} reactor(s)", cfg.host, _port, count);
    _reactors[0]->dispatch_later([this] { accept_next(); });
}

void server::impl::accept_next() {
    if (!_accepting) return;
    auto& target = *_reactors[_next_reactor];
    _next_reactor = (_next_reactor + 1) % _reactors.size();
    // The socket is created on the target's io_context, so it is driven by that reactor only.
    _acceptor->async_accept(target.context(),
                            [this, &target](const asio::error_code& ec, tcp::socket socket) {
                                on_accept(ec, std::move(socket), target);
                            });
}

void server::impl::on_accept(const asio::error_code& ec, tcp::socket socket,
                             detail::asio_reactor& target) {
    if (!_accepting) return;
    if (ec) {
        // Typically out of file descriptors: retrying at once would spin.
        _ctx.log->warn("accept failed: {}; retrying in 100ms", ec.message());
        _retry_timer->expires_after(std::chrono::milliseconds(100));
        _retry_timer->async_wait([this](const asio::error_code& e) {
            if (!e) accept_next();
        });
        return;
    }
    asio::error_code err;
    auto remote = socket.remote_endpoint(err);
    std::string peer = err ? std::string("unknown")
                           : fmt::format("{}:{}", remote.address().to_string(), remote.port());
    if (_ctx.connections.load() >= _ctx.config.max_connections) {
        _ctx.log->info("rejecting connection from {}: max_connections ({}) reached", peer,
                       _ctx.config.max_connections);
        socket.close(err);
        accept_next();
        return;
    }
    socket.set_option(tcp::no_delay(true), err);
    if (_ctx.config.send_buffer_bytes >= 0) {
        socket.set_option(asio::socket_base::send_buffer_size(_ctx.config.send_buffer_bytes), err);
    }
    _ctx.connection_opened();
    uint64_t id = ++_next_connection_id;
    asio::post(target.context(),
               [this, &target, id, peer = std::move(peer), socket = std::move(socket)]() mutable {
                   if (target.draining()) {
                       asio::error_code ignored;
                       socket.close(ignored);
                       _ctx.connection_closed();
                       return;
                   }
                   auto conn = std::make_shared<detail::connection>(_ctx, target, std::move(socket),
                                                                    id, std::move(peer));
                   target.add(conn);
                   conn->start();
               });
    accept_next();
}

void server::impl::run_on(detail::asio_reactor& r, std::function<void()> fn) {
    std::promise<void> done;
    auto finished = done.get_future();
    asio::post(r.context(), [&] {
        fn();
        done.set_value();
    });
    finished.wait();
}

void server::impl::stop(std::chrono::milliseconds deadline) {
    if (!_started || _stopped) return;
    _stopped = true;
    for (auto& r : _reactors) {
        vassert(!r->on_this_thread(), "server::stop() called on a reactor thread");
    }
    auto until = std::chrono::steady_clock::now() + deadline;

    run_on(*_reactors[0], [this] {
        _accepting = false;
        asio::error_code ignored;
        _acceptor->close(ignored);
        _retry_timer->cancel();
        // Pending accept callbacks see _accepting == false; the objects go while the loop lives.
        _acceptor.reset();
        _retry_timer.reset();
    });
    // Sockets accepted before the acceptor closed are queued ahead of this on their reactor, so
    // every connection is either already registered or refused because draining() is set.
    for (auto& r : _reactors) {
        run_on(*r, [&r] {
            r->set_draining();
            for (auto& c : r->connections()) c->drain();
        });
    }
    if (!_ctx.wait_for_no_connections(until)) {
        _ctx.log->info("stop: deadline passed with {} connection(s) still busy; closing them",
                       _ctx.connections.load());
        for (auto& r : _reactors) {
            run_on(*r, [&r] {
                for (auto& c : r->connections()) {
                    c->close("server stopped before its responses were ready", spdlog::level::info);
                }
            });
        }
    }
    for (auto& r : _reactors) r->shutdown();
    _ctx.log->info("stopped listening on port {}", _port);
}

server::server(server_config config, request_handler& handler)
    : _impl(std::make_unique<impl>(std::move(config), handler)) {}

server::~server() {
    if (_impl->running()) _impl->stop(std::chrono::seconds(10));
}

void server::start() {
    _impl->start();
}
uint16_t server::port() const {
    return _impl->port();
}
std::vector<reactor*> server::reactors() {
    return _impl->reactors();
}
void server::stop(std::chrono::milliseconds deadline) {
    _impl->stop(deadline);
}
size_t server::connection_count() const {
    return _impl->connection_count();
}

}  // namespace fjord::net
