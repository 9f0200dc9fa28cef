// One named logger per module ("storage", "net", "broker", ...). Requests log at trace,
// disconnects at debug; warn and above mean an operator must act.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace fjord {

// Returns the process-wide logger for `module`, creating it on first use.
std::shared_ptr<spdlog::logger> module_logger(const std::string& module);

// Sets the level of every logger, existing and future ("trace", "debug", "info", "warn"...).
void set_log_level(const std::string& level);

}  // namespace fjord
