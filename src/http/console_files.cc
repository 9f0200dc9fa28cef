#include "http/console_files.h"

#include <httplib.h>

#include <algorithm>

#include "http/console_assets.h"

namespace fjord::http {
namespace {

constexpr std::string_view not_built_page =
    "<!doctype html><title>Fjord</title><p>The web console was not built into this broker. "
    "Build it with <code>scripts/build.sh</code> (it runs <code>npm run build</code> in "
    "<code>console/</code>). The admin API is at <a href=\"/api/v1/cluster\">/api/v1/cluster</a> "
    "and metrics at <a href=\"/metrics\">/metrics</a>.</p>\n";

const console_asset* find_asset(std::string_view path) {
    auto assets = console_assets();
    auto it =
        std::lower_bound(assets.begin(), assets.end(), path,
                         [](const console_asset& a, std::string_view p) { return a.path < p; });
    if (it == assets.end() || it->path != path) return nullptr;
    return &*it;
}

// Built files live under /assets/ or at the top level with an extension (/favicon.svg). Deeper
// paths with dots are console routes: topic names may contain dots (/topics/orders.v1).
bool names_a_file(std::string_view path) {
    if (path.starts_with("/assets/")) return true;
    return path.rfind('/') == 0 && path.find('.') != std::string_view::npos;
}

void send_asset(const console_asset& asset, httplib::Response& res) {
    // Vite puts a content hash in every file name under /assets/, so they never change; the
    // index must be fetched anew to pick up a new build.
    res.set_header("Cache-Control", asset.path.starts_with("/assets/")
                                        ? "public, max-age=31536000, immutable"
                                        : "no-cache");
    res.set_content(asset.body.data(), asset.body.size(), std::string(asset.content_type).c_str());
}

}  // namespace

void serve_console_file(const std::string& path, httplib::Response& res) {
    if (console_assets().empty()) {
        res.status = 503;
        res.set_content(std::string(not_built_page), "text/html; charset=utf-8");
        return;
    }
    if (const auto* asset = find_asset(path == "/" ? "/index.html" : path)) {
        send_asset(*asset, res);
        return;
    }
    if (names_a_file(path)) {
        res.status = 404;
        res.set_content("not found\n", "text/plain; charset=utf-8");
        return;
    }
    if (const auto* index = find_asset("/index.html")) send_asset(*index, res);
}

}  // namespace fjord::http
