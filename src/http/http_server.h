// The broker's HTTP listener: the admin JSON API (docs/http-api.md), /metrics (Prometheus text),
// /healthz and /readyz, and the web console's files. It runs its own small thread pool, so slow
// admin work (topic creation fsyncs, produce waits for durability) never blocks a Kafka reactor.
//
// Lifetime: `services` must outlive the server; stop() (also run by the destructor) waits for
// the requests in flight, so the broker may be stopped once it returns.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "base/result.h"
#include "http/routes.h"

namespace httplib {
class Server;
}

namespace fjord::http {

struct http_config {
    std::string host = "127.0.0.1";
    uint16_t port = 8080;  // 0 picks a free port
    size_t threads = 4;
};

// Parses --http's value: "HOST:PORT" (IPv6 hosts in brackets).
result<http_config, std::string> parse_http_listen(std::string_view text);

class http_server {
public:
    http_server(http_config config, broker::broker_services& services);
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    // Binds the listener and starts serving; a taken port comes back as a message.
    result<void, std::string> start();
    // The bound port (useful with port 0).
    uint16_t port() const { return _port; }
    // /readyz answers 503 from now on; for the moment between the signal and the listener's close.
    void begin_shutdown() { _stopping = true; }
    void stop();

private:
    void add_routes();

    http_config _config;
    api_context _context;
    std::unique_ptr<httplib::Server> _server;
    std::thread _thread;
    std::atomic<bool> _stopping{false};
    uint16_t _port = 0;
};

}  // namespace fjord::http
