// A reactor is one thread running an event loop. Every connection lives on exactly one reactor
// for its whole life, so per-connection state needs no locks; other threads hand work to a
// reactor with post().
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

namespace fjord::net {

namespace detail {
// Implemented by the reactor; lets timer_handle stay free of the event-loop library.
class timer_state {
public:
    virtual ~timer_state() = default;
    virtual void cancel() = 0;
};
}  // namespace detail

// Handle on a callback scheduled with reactor::run_after(). Copyable; copies share the timer.
// Dropping every handle does NOT cancel the timer (fire-and-forget is allowed).
class timer_handle {
public:
    timer_handle() = default;
    explicit timer_handle(std::shared_ptr<detail::timer_state> state) : _state(std::move(state)) {}

    // Thread-safe, idempotent, and safe after the callback ran, after the server stopped, and on
    // an empty handle. Called on the timer's reactor before the callback started, it guarantees
    // the callback never runs. Called from another thread, it guarantees the callback does not
    // START after cancel() returns (it may be running at that moment). The callback and its
    // captures are released on the reactor soon after.
    void cancel() {
        if (_state) _state->cancel();
    }

private:
    std::shared_ptr<detail::timer_state> _state;
};

// Owned by net::server. Reactor pointers and references stay valid (and their methods safe to
// call) for as long as any responder, timer_handle or pointer obtained from the server is held,
// even after the server is destroyed: once the server has stopped, post() and run_after() drop
// the callback (destroying it on the calling thread) instead of running it.
class reactor {
public:
    virtual ~reactor() = default;

    // Thread-safe. Runs fn on this reactor's thread, after the caller returns (never inline),
    // in the order posts were made from any one thread.
    virtual void post(std::function<void()> fn) = 0;

    // Thread-safe. Runs fn on this reactor's thread once `delay` has elapsed.
    virtual timer_handle run_after(std::chrono::milliseconds delay, std::function<void()> fn) = 0;

    // True when called from this reactor's thread.
    virtual bool on_this_thread() const = 0;

    // 0-based position among the server's reactors (stable; useful for per-reactor sharding).
    virtual size_t index() const = 0;
};

}  // namespace fjord::net
