// The Kafka listener: accepts TCP connections, splits them into size-prefixed request frames,
// hands each frame to a request_handler and writes the responses back in request order. It knows
// nothing about what a request means.
//
// Threads: `reactor_count` reactor threads, each with its own event loop; accepted connections
// are placed round-robin and stay on their reactor. The acceptor runs on reactor 0.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "net/reactor.h"
#include "net/request_handler.h"
#include "net/responder.h"
#include "net/server_config.h"

namespace fjord::net {

// Lifecycle: construct, start(), stop() (or let the destructor stop), destroy. start(), stop() and
// the destructor are called from one controlling thread that is not a reactor thread; port(),
// reactors() and connection_count() are thread-safe.
class server {
public:
    server(server_config config, request_handler& handler);
    ~server();  // stops the server (default deadline) if it is running
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    // Binds, listens and starts the reactor threads. Throws std::system_error if the address
    // cannot be resolved or bound, std::invalid_argument for an invalid config (startup errors).
    void start();

    // The bound port (after start()).
    uint16_t port() const;

    // The reactors, in index order (after start()); see reactor.h for their lifetime.
    std::vector<reactor*> reactors();

    // Graceful: stops accepting, stops reading new requests, waits (up to `deadline`) until every
    // dispatched request is answered and written, then closes the connections (on_disconnect runs
    // for each) and joins the reactor threads. Idempotent.
    void stop(std::chrono::milliseconds deadline = std::chrono::seconds(10));

    // Open connections (accepted and not yet closed).
    size_t connection_count() const;

private:
    class impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace fjord::net
