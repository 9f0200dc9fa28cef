// fjord-peergen: the load generator for Fjord's peers in bench/compare.sh, NATS JetStream
// (libnats) and Redis Streams (hiredis). Same workloads and report format as fjord-loadgen, so
// the three systems are measured alike. See bench/README.md.

#include <fmt/format.h>

#include <cstdio>
#include <variant>

#include "peers/generators.h"
#include "peers/peer_options.h"

int main(int argc, char** argv) {
    using namespace fjord::bench::peers;
    const auto parsed = parse_peer_options(argc, argv);
    if (std::holds_alternative<peer_help>(parsed)) {
        std::fputs(peer_usage(), stdout);
        return 0;
    }
    if (const auto* error = std::get_if<peer_usage_error>(&parsed)) {
        fmt::print(stderr, "fjord-peergen: {}\n{}", error->message, peer_usage());
        return 2;
    }
    const auto& opts = std::get<peer_options>(parsed);
    try {
        return opts.target == system::nats ? run_nats(opts) : run_redis(opts);
    } catch (const peer_error& e) {
        fmt::print(stderr, "fjord-peergen: {}\n", e.what());
        return 1;
    }
}
