// INTERNAL to net: what every connection of a server shares.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>

#include "base/metrics.h"
#include "net/request_handler.h"
#include "net/server_config.h"

namespace fjord::net::detail {

// Owned by the server; outlives every connection (connections are all destroyed in server::stop).
struct server_context {
    server_context(server_config c, request_handler& h);

    // Called on the acceptor's thread when a connection is accepted and counted.
    void connection_opened();
    // Called on a reactor thread when a counted connection goes away.
    void connection_closed();
    // Blocks the controlling thread until no connection is left or `deadline` passes.
    bool wait_for_no_connections(std::chrono::steady_clock::time_point deadline);

    const server_config config;
    request_handler& handler;
    const std::shared_ptr<spdlog::logger> log;
    // Accepted and not yet closed (including sockets on their way to their reactor).
    std::atomic<size_t> connections{0};
    // kafka_server_connections* (docs/metrics.md), process-wide: every server counts into them.
    metrics::gauge& open_connections;
    metrics::counter& connections_created;
    metrics::counter& connections_closed;

private:
    std::mutex _mu;
    std::condition_variable _idle;
};

}  // namespace fjord::net::detail
