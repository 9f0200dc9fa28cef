// The clean-shutdown marker: an empty file in the data directory that the broker leaves when
// every log was closed with its data durable, and takes away at start-up. While it is there,
// recovery knows nothing in the page cache is waiting for an fsync, so a restart opens 10,000
// partitions without an fsync each (storage::log_config::closed_cleanly).
#pragma once

#include <filesystem>
#include <string>

#include "base/result.h"

namespace fjord::broker {

// Whether the marker was there; it is removed (durably) before this returns, so a crash after
// start-up is never mistaken for a clean stop. Fails when it cannot be removed.
result<bool, std::string> take_clean_shutdown_marker(const std::filesystem::path& data_dir);

// Leaves the marker (durably). REQUIRES: every log closed with its data durable. A failure is
// logged: the next start is then only slower.
void leave_clean_shutdown_marker(const std::filesystem::path& data_dir);

}  // namespace fjord::broker
