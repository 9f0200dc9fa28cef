#include "net/responder.h"

#include "base/logger.h"
#include "base/metrics.h"
#include "base/vassert.h"
#include "net/asio_reactor.h"

namespace fjord::net {

namespace detail {

responder_state::~responder_state() {
    if (!_completed.load(std::memory_order_relaxed)) {
        _home->deliver(_connection_id, _seq, completion{completion::kind::dropped, {}, {}});
    }
}

void responder_state::complete(completion c) {
    if (_completed.exchange(true)) {
        module_logger("net")->warn("connection {}: request {} completed twice; ignoring",
                                   _connection_id, _seq);
        return;
    }
    if (_duration && c.what != completion::kind::close) {
        std::chrono::duration<double> took = std::chrono::steady_clock::now() - _received;
        _duration->observe(took.count());
    }
    _home->deliver(_connection_id, _seq, std::move(c));
}

}  // namespace detail

responder::responder(std::shared_ptr<detail::responder_state> state) : _state(std::move(state)) {}

void responder::respond(iobuf response) const {
    if (_state) _state->complete({detail::completion::kind::response, std::move(response), {}});
}

void responder::respond_nothing() const {
    if (_state) _state->complete({detail::completion::kind::nothing, {}, {}});
}

void responder::close_connection(std::string_view reason) const {
    if (_state) _state->complete({detail::completion::kind::close, {}, std::string(reason)});
}

void responder::observe_duration(metrics::histogram& h) const {
    if (_state) _state->set_duration_histogram(&h);
}

reactor& responder::home() const {
    vassert(_state != nullptr, "home() of an empty responder");
    return _state->home();
}

}  // namespace fjord::net
