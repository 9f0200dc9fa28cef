// The console's built files, compiled into the binary (tools/embed_console.py generates the
// definition from console/dist at build time).
#pragma once

#include <span>
#include <string_view>

namespace fjord::http {

struct console_asset {
    std::string_view path;  // URL path, e.g. "/index.html", "/assets/index-3f2a.js"
    std::string_view content_type;
    std::string_view body;
};

// Every file, sorted by path; empty when the console was not built.
std::span<const console_asset> console_assets();

}  // namespace fjord::http
