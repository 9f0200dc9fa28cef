// The `fjord` command-line client: every `fjord` command except `serve`. It is only a Kafka
// client (librdkafka); it knows nothing of the broker's internals.
#pragma once

#include <span>
#include <string_view>

namespace fjord::cli {

// Runs `fjord <args...>` (args excludes the program name) and returns the process exit code:
// 0 success, 1 the operation failed, 2 usage error, 3 no broker answered within --timeout.
// Results go to stdout, errors and usage to stderr (usage to stdout when asked with --help).
// May read stdin (produce) and installs SIGINT/SIGTERM handlers while consuming.
int run(std::span<const std::string_view> args);

}  // namespace fjord::cli
