// The seam between the network layer and whatever gives requests a meaning.
#pragma once

#include <memory>

#include "base/bytes.h"
#include "net/responder.h"

namespace fjord::net {

// Implemented by the layer above (broker). Must outlive the server that calls it. Both methods
// are called on the connection's reactor thread and must not block; they must not throw (an
// exception from handle() is logged and closes that connection).
class request_handler {
public:
    virtual ~request_handler() = default;

    // One request frame: `frame` holds the bytes after the 4-byte size prefix (at least 8 bytes:
    // api key, api version, correlation id). The handler may keep and modify it for as long as it
    // likes (copies of `frame` share its bytes). Requests of one connection arrive in order but
    // without waiting for earlier responses (pipelining, up to
    // server_config::max_in_flight_per_connection).
    virtual void handle(const connection_info& conn, shared_buffer frame, responder r) = 0;

    // Called exactly once for every connection the server opened (whether or not it sent a
    // request), after it closed for any reason: peer gone, bad frame, close_connection, server
    // stop. Responders of the connection still held become no-ops.
    virtual void on_disconnect(const connection_info&) {}
};

}  // namespace fjord::net
