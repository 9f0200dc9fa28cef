#include "base/logger.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace fjord {

std::shared_ptr<spdlog::logger> module_logger(const std::string& module) {
    if (auto existing = spdlog::get(module)) return existing;
    static auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    auto created = std::make_shared<spdlog::logger>(module, sink);
    created->set_level(spdlog::get_level());
    created->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
    try {
        spdlog::register_logger(created);
    } catch (const spdlog::spdlog_ex&) {
        // Another thread registered it first.
        return spdlog::get(module);
    }
    return created;
}

void set_log_level(const std::string& level) {
    spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace fjord
