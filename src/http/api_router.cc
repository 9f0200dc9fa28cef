#include "http/api_router.h"

#include <httplib.h>

#include "base/logger.h"

namespace fjord::http {
namespace {

httplib::Server::Handler wrap(api_handler handler) {
    return [handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
        try {
            auto reply = handler(req);
            if (reply) {
                send_json(res, *reply);
            } else {
                send_error(res, reply.error());
            }
        } catch (const std::exception& e) {
            module_logger("http")->error("{} {}: {}", req.method, req.path, e.what());
            send_error(res, {.status = 500, .code = "UNKNOWN_SERVER_ERROR", .message = e.what()});
        }
    };
}

}  // namespace

void api_router::get(const std::string& pattern, api_handler handler) {
    _server.Get(pattern, wrap(std::move(handler)));
}

void api_router::post(const std::string& pattern, api_handler handler) {
    _server.Post(pattern, wrap(std::move(handler)));
}

void api_router::patch(const std::string& pattern, api_handler handler) {
    _server.Patch(pattern, wrap(std::move(handler)));
}

void api_router::remove(const std::string& pattern, api_handler handler) {
    _server.Delete(pattern, wrap(std::move(handler)));
}

}  // namespace fjord::http
