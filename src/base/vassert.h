// Always-on invariant checks. Never use these for input validation: input errors are values.
#pragma once

#include <fmt/format.h>

namespace fjord::detail {
[[noreturn]] void assertion_failed(const char* file, int line, const char* condition,
                                   const std::string& message);
}

#define vassert(condition, ...)                                               \
    do {                                                                      \
        if (!(condition)) [[unlikely]] {                                      \
            ::fjord::detail::assertion_failed(__FILE__, __LINE__, #condition, \
                                              ::fmt::format(__VA_ARGS__));    \
        }                                                                     \
    } while (0)
