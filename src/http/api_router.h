// Binds admin API handlers to paths. A handler returns a reply or an api_error; the router writes
// either as JSON, and turns an exception that escapes a handler into a 500 with its message
// (handlers check their input, so that is a bug, not bad input).
#pragma once

#include <functional>
#include <string>

#include "base/result.h"
#include "http/json_io.h"

namespace httplib {
class Server;
}

namespace fjord::http {

using api_handler = std::function<result<json_reply, api_error>(const httplib::Request&)>;

class api_router {
public:
    explicit api_router(httplib::Server& server) : _server(server) {}

    // `pattern` is a regular expression over the path; groups are in req.matches.
    void get(const std::string& pattern, api_handler handler);
    void post(const std::string& pattern, api_handler handler);
    void patch(const std::string& pattern, api_handler handler);
    void remove(const std::string& pattern, api_handler handler);

private:
    httplib::Server& _server;
};

}  // namespace fjord::http
