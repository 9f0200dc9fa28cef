// How a CLI command fails, and the process exit code each failure maps to.
#pragma once

#include <string>

#include "base/result.h"

namespace fjord::cli {

// The exit codes are part of the CLI's contract with scripts (README, "Command-line client").
enum class exit_code : int {
    success = 0,
    failed = 1,       // the broker refused or the operation did not succeed
    usage = 2,        // unknown command or flag, bad value
    unreachable = 3,  // no broker answered within --timeout
};

struct cli_error {
    exit_code code = exit_code::failed;
    std::string message;
};

template <typename T>
using cli_result = result<T, cli_error>;

inline failure<cli_error> operation_failed(std::string message) {
    return fail(cli_error{exit_code::failed, std::move(message)});
}

inline failure<cli_error> usage_error(std::string message) {
    return fail(cli_error{exit_code::usage, std::move(message)});
}

inline failure<cli_error> unreachable(std::string message) {
    return fail(cli_error{exit_code::unreachable, std::move(message)});
}

}  // namespace fjord::cli
