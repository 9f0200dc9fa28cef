#include "http/http_server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <chrono>

#include "base/logger.h"
#include "base/metrics.h"
#include "broker/config.h"
#include "http/console_files.h"

namespace fjord::http {
namespace {

// A request body larger than this is refused (413) before it is read: a produced record is
// bounded by max.message.bytes anyway, and JSON roughly doubles binary data as base64.
constexpr size_t max_body_bytes = size_t{8} << 20;

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool is_api_path(const std::string& path) {
    return path == "/api" || path.starts_with("/api/");
}

}  // namespace

result<http_config, std::string> parse_http_listen(std::string_view text) {
    auto address = broker::split_host_port(text);
    if (!address) return fail(fmt::format("--http takes HOST:PORT or off, got '{}'", text));
    http_config config;
    std::string_view host = address->host;
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);  // an IPv6 address
    }
    config.host = std::string(host);
    config.port = address->port;
    return config;
}

http_server::http_server(http_config config, broker::broker_services& services)
    : _config(std::move(config)),
      _context{.services = services, .started_at_ms = now_ms()},
      _server(std::make_unique<httplib::Server>()) {}

http_server::~http_server() {
    stop();
}

void http_server::add_routes() {
    auto& server = *_server;
    server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
        send_json(res, {.status = 200, .body = {{"status", "ok"}}});
    });
    server.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
        if (_stopping) {
            send_json(res, {.status = 503, .body = {{"status", "stopping"}}});
        } else {
            send_json(res, {.status = 200, .body = {{"status", "ready"}}});
        }
    });
    server.Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(metrics::global().render(), "text/plain; version=0.0.4; charset=utf-8");
    });

    api_router router(server);
    add_cluster_routes(router, _context);
    add_topic_routes(router, _context);
    add_message_routes(router, _context);
    add_group_routes(router, _context);

    // Anything else under /api is an unknown route; everything else belongs to the console.
    auto unknown_route = [](const httplib::Request& req, httplib::Response& res) {
        send_error(res, not_found(fmt::format("no route {} {}", req.method, req.path)));
    };
    server.Get("/api(/.*)?", unknown_route);
    server.Post("/api(/.*)?", unknown_route);
    server.Put("/api(/.*)?", unknown_route);
    server.Patch("/api(/.*)?", unknown_route);
    server.Delete("/api(/.*)?", unknown_route);
    server.Get(".*", [](const httplib::Request& req, httplib::Response& res) {
        serve_console_file(req.path, res);
    });
    server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;
        if (res.status == 413) {
            send_error(
                res, {.status = 413,
                      .code = "PAYLOAD_TOO_LARGE",
                      .message = fmt::format("the request body exceeds {} bytes", max_body_bytes)});
        } else if (is_api_path(req.path)) {
            send_error(res, {.status = res.status,
                             .code = "NOT_FOUND",
                             .message = fmt::format("no route {} {}", req.method, req.path)});
        }
    });
}

result<void, std::string> http_server::start() {
    add_routes();
    _server->new_task_queue = [threads = _config.threads] {
        return new httplib::ThreadPool(threads);
    };
    _server->set_payload_max_length(max_body_bytes);
    int port = _config.port == 0
                   ? _server->bind_to_any_port(_config.host)
                   : (_server->bind_to_port(_config.host, _config.port) ? _config.port : -1);
    if (port <= 0) {
        return fail(fmt::format(
            "cannot listen for HTTP on {}:{} (address in use or not local); choose another "
            "with --http HOST:PORT, or --http off",
            _config.host, _config.port));
    }
    _port = static_cast<uint16_t>(port);
    _thread = std::thread([this] { _server->listen_after_bind(); });
    module_logger("http")->info("console, admin API and /metrics on http://{}:{}/", _config.host,
                                _port);
    return {};
}

void http_server::stop() {
    _stopping = true;
    if (_thread.joinable()) {
        _server->stop();
        _thread.join();
    }
}

}  // namespace fjord::http
