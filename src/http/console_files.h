// Serves the embedded console: files by path, and index.html for every other path that is not a
// file (a console route such as /topics/orders), so every page loads directly by its URL.
#pragma once

#include <string>

namespace httplib {
struct Response;
}

namespace fjord::http {

void serve_console_file(const std::string& path, httplib::Response& res);

}  // namespace fjord::http
