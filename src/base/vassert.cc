#include "base/vassert.h"

#include <cstdio>
#include <cstdlib>

namespace fjord::detail {

void assertion_failed(const char* file, int line, const char* condition,
                      const std::string& message) {
    std::fprintf(stderr, "assertion failed at %s:%d: (%s) %s\n", file, line, condition,
                 message.c_str());
    std::fflush(stderr);
    std::abort();
}

}  // namespace fjord::detail
