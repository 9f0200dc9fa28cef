#include "net/asio_reactor.h"

#include <asio/steady_timer.hpp>

#include "base/logger.h"
#include "base/vassert.h"
#include "net/connection.h"

namespace fjord::net::detail {

namespace {

thread_local const asio_reactor* current_reactor = nullptr;

// The timer object lives in its wait callback (so it dies with the io_context at the latest);
// handles only reach it through the reactor thread.
struct timer_entry {
    timer_entry(asio::io_context& ctx, std::function<void()> f) : timer(ctx), fn(std::move(f)) {}
    asio::steady_timer timer;
    std::function<void()> fn;
};

class timer_control final : public timer_state, public std::enable_shared_from_this<timer_control> {
public:
    explicit timer_control(std::shared_ptr<asio_reactor> home) : _home(std::move(home)) {}

    void cancel() override {
        if (_cancelled.exchange(true)) return;
        if (_home->on_this_thread()) {
            cancel_on_reactor();
        } else {
            _home->dispatch_later([self = shared_from_this()] { self->cancel_on_reactor(); });
        }
    }

    // Reactor thread only.
    void arm(std::chrono::milliseconds delay, std::function<void()> fn) {
        if (_cancelled) return;
        auto entry = std::make_shared<timer_entry>(_home->context(), std::move(fn));
        _entry = entry;
        entry->timer.expires_after(delay);
        entry->timer.async_wait([entry, self = shared_from_this()](const asio::error_code& ec) {
            if (ec || self->_cancelled) return;
            auto fn = std::move(entry->fn);
            fn();
        });
    }

private:
    void cancel_on_reactor() {
        if (auto entry = _entry.lock()) entry->timer.cancel();
    }

    std::shared_ptr<asio_reactor> _home;
    std::atomic<bool> _cancelled{false};
    std::weak_ptr<timer_entry> _entry;  // reactor thread only
};

}  // namespace

asio_reactor::asio_reactor(size_t index) : _index(index) {
    // One thread runs this context: let asio skip its internal locking where it can.
    _ctx.emplace(1);
    _work.emplace(_ctx->get_executor());
}

asio_reactor::~asio_reactor() {
    // Normally already done by shutdown(); covers a server that failed to start.
    {
        std::lock_guard guard(_mu);
        _open = false;
    }
    _connections.clear();
    _work.reset();
    _ctx.reset();
}

void asio_reactor::post(std::function<void()> fn) {
    dispatch_later(std::move(fn));
}

timer_handle asio_reactor::run_after(std::chrono::milliseconds delay, std::function<void()> fn) {
    auto control = std::make_shared<timer_control>(shared_from_this());
    if (on_this_thread()) {
        control->arm(delay, std::move(fn));
    } else {
        dispatch_later(
            [control, delay, fn = std::move(fn)]() mutable { control->arm(delay, std::move(fn)); });
    }
    return timer_handle(std::move(control));
}

bool asio_reactor::on_this_thread() const {
    return current_reactor == this;
}

void asio_reactor::deliver(uint64_t connection_id, uint64_t seq, completion c) {
    auto run = [this, connection_id, seq](completion& c) {
        auto it = _connections.find(connection_id);
        if (it == _connections.end()) return;  // connection gone: completing is a no-op
        auto conn = it->second;
        conn->complete(seq, std::move(c));
    };
    // A dropped responder may be destroyed deep inside a handler; a close runs on_disconnect.
    // Neither may re-enter the handler from where it stands, so only plain answers run inline.
    bool inline_ok = c.what == completion::kind::response || c.what == completion::kind::nothing;
    if (inline_ok && on_this_thread()) {
        run(c);
    } else {
        dispatch_later([run, c = std::move(c)]() mutable { run(c); });
    }
}

void asio_reactor::start() {
    _thread = std::thread([this] { run(); });
}

void asio_reactor::run() {
    current_reactor = this;
    for (;;) {
        try {
            _ctx->run();
            break;
        } catch (const std::exception& e) {
            // A callback broke its no-throw contract; keep serving the other connections.
            module_logger("net")->error("reactor {}: callback threw: {}", _index, e.what());
        }
    }
    current_reactor = nullptr;
}

void asio_reactor::shutdown() {
    vassert(!on_this_thread(), "a reactor cannot shut itself down");
    {
        std::lock_guard guard(_mu);
        if (!_open) return;
        _open = false;
    }
    _work.reset();
    if (_ctx) _ctx->stop();
    if (_thread.joinable()) _thread.join();
    // Connections are normally all closed by now; whatever is left is released while the
    // io_context still exists, then the context destroys the callbacks still queued (which may
    // hold responders and timers: their posts are dropped since _open is false).
    _connections.clear();
    _ctx.reset();
}

void asio_reactor::add(std::shared_ptr<connection> c) {
    uint64_t id = c->info().id;
    _connections.emplace(id, std::move(c));
}

void asio_reactor::remove(uint64_t id) {
    _connections.erase(id);
}

std::vector<std::shared_ptr<connection>> asio_reactor::connections() const {
    std::vector<std::shared_ptr<connection>> out;
    out.reserve(_connections.size());
    for (const auto& [id, c] : _connections) out.push_back(c);
    return out;
}

}  // namespace fjord::net::detail
