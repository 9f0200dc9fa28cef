#pragma once

// The peers' load generators. Each runs one workload against its server, prints one report
// (report.h) and returns the exit status: 0 when every message was acknowledged or read, 1
// otherwise. A server that cannot be reached or refuses a request throws peer_error.

#include <stdexcept>

#include "peers/peer_options.h"

namespace fjord::bench::peers {

class peer_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

int run_nats(const peer_options& opts);
int run_redis(const peer_options& opts);

}  // namespace fjord::bench::peers
