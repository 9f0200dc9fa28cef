// The handle a request handler answers one request with.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/bytes.h"

namespace fjord::metrics {
class histogram;
}

namespace fjord::net {

class reactor;

namespace detail {
class responder_state;
}

// Identity of a connection, owned by the connection; the reference handed to a handler is valid
// until on_disconnect() for that connection returns. Copy it to keep it longer.
struct connection_info {
    uint64_t id;       // unique within the server's lifetime, never reused
    std::string peer;  // "address:port" of the client
    reactor* home;     // the reactor the connection lives on (outlives the connection)
};

// Completes exactly one request.
//
// A handle, like a shared_ptr: its operations are const because they act on the shared request, not
// on the handle.
//
// Copyable handle; copies share the request: the first completion (through any copy) wins, a
// later one is ignored with a warning (a handler bug). Thread-safe: may be completed from any
// thread, at any later time (long poll, fsync completion), even after the server stopped or was
// destroyed.
//
// Ordering: responses leave a connection in request order; a response completed early waits until
// every earlier request on that connection is answered. If the connection is gone, completing is a
// no-op.
//
// Never completed: when the last copy is destroyed without a completion, the request is treated as
// respond_nothing() (its slot is freed so later responses are not held back) and, if the
// connection is still open, a warning is logged: the client will wait for that response until its
// own request timeout.
class responder {
public:
    responder() = default;  // empty: every operation is a no-op, home() must not be called
    explicit responder(std::shared_ptr<detail::responder_state> state);

    // `response` is the response WITHOUT the 4-byte size prefix; net writes the prefix as its own
    // fragment and sends the iobuf's fragments as they are (no copy).
    void respond(iobuf response) const;
    // Frees the request's slot and writes nothing (e.g. Produce with acks=0).
    void respond_nothing() const;
    // Closes the connection now (responses not yet written are dropped) and logs `reason` at info.
    // Counts as completing this request.
    void close_connection(std::string_view reason) const;

    // When this request completes with respond() or respond_nothing(), `h` observes the
    // seconds since its frame was read (close_connection and dropped requests are not
    // observed). Call it before the responder is handed to another thread; `h` must outlive
    // the request.
    void observe_duration(metrics::histogram& h) const;

    // The reactor of the request's connection. Requires a non-empty responder.
    reactor& home() const;

    explicit operator bool() const { return _state != nullptr; }

private:
    std::shared_ptr<detail::responder_state> _state;
};

}  // namespace fjord::net
