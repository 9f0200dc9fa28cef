// INTERNAL to net (includes asio): the reactor implementation and its connection registry.
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/bytes.h"
#include "net/reactor.h"

namespace fjord::metrics {
class histogram;
}

namespace fjord::net::detail {

class connection;

// What a responder delivers to its connection.
struct completion {
    enum class kind : uint8_t { response, nothing, dropped, close };
    kind what;
    iobuf response;      // kind::response
    std::string reason;  // kind::close
};

// Lifecycle: constructed by the server, start() spawns the thread, shutdown() stops the loop, joins
// the thread and destroys every queued callback. Held by shared_ptr so responders and timers that
// outlive the server can still call it safely (their work is dropped).
class asio_reactor final : public reactor, public std::enable_shared_from_this<asio_reactor> {
public:
    explicit asio_reactor(size_t index);
    ~asio_reactor() override;

    void post(std::function<void()> fn) override;
    timer_handle run_after(std::chrono::milliseconds delay, std::function<void()> fn) override;
    bool on_this_thread() const override;
    size_t index() const override { return _index; }

    // Like post(), for move-only callables (never runs fn inline).
    template <typename F>
    void dispatch_later(F&& fn) {
        {
            std::lock_guard guard(_mu);
            if (_open) {
                asio::post(*_ctx, std::forward<F>(fn));
                return;
            }
        }
        // Dropped: fn is destroyed by the caller, outside the lock (its destructor may post).
    }

    // Runs on this reactor: inline when already on it, else posted.
    void deliver(uint64_t connection_id, uint64_t seq, completion c);

    // The event loop. Valid from start until shutdown(); sockets and timers are created on it.
    asio::io_context& context() { return *_ctx; }

    void start();
    // Called from the controlling thread once every connection is closed.
    void shutdown();

    // Connection registry. REQUIRES: on this reactor's thread.
    void add(std::shared_ptr<connection> c);
    void remove(uint64_t id);
    std::vector<std::shared_ptr<connection>> connections() const;
    // Set when the server stops: connections handed over afterwards are closed at once.
    bool draining() const { return _draining; }
    void set_draining() { _draining = true; }

private:
    void run();

    const size_t _index;
    std::optional<asio::io_context> _ctx;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> _work;
    std::thread _thread;

    // Guards the transition to "closed": after it, posts are dropped instead of queued, which is
    // what makes posting safe while (and after) the io_context is destroyed.
    mutable std::mutex _mu;
    bool _open = true;  // GUARDED_BY(_mu)

    // Reactor thread only.
    std::unordered_map<uint64_t, std::shared_ptr<connection>> _connections;
    bool _draining = false;
};

// Shared by the copies of one responder. Created when the request frame has been read.
class responder_state {
public:
    responder_state(std::shared_ptr<asio_reactor> home, uint64_t connection_id, uint64_t seq)
        : _home(std::move(home)),
          _connection_id(connection_id),
          _seq(seq),
          _received(std::chrono::steady_clock::now()) {}
    ~responder_state();
    responder_state(const responder_state&) = delete;
    responder_state& operator=(const responder_state&) = delete;

    void complete(completion c);
    asio_reactor& home() const { return *_home; }
    // See responder::observe_duration. REQUIRES: before the responder is shared across threads.
    void set_duration_histogram(metrics::histogram* h) { _duration = h; }

private:
    std::shared_ptr<asio_reactor> _home;
    const uint64_t _connection_id;
    const uint64_t _seq;
    const std::chrono::steady_clock::time_point _received;
    metrics::histogram* _duration = nullptr;
    std::atomic<bool> _completed{false};
};

}  // namespace fjord::net::detail
