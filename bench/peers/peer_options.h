#pragma once

// Command line of fjord-peergen: `fjord-peergen nats|redis produce|consume|latency|idle [flags]`.

#include <cstdint>
#include <string>
#include <variant>

#include "options.h"

namespace fjord::bench::peers {

enum class system { nats, redis };
enum class workload { produce, consume, latency, idle };

struct peer_options {
    system target = system::nats;
    workload run = workload::produce;
    // host:port; empty means the system's default port on 127.0.0.1.
    std::string server;
    // The stream (NATS stream and subject, Redis stream key). With --partitions N > 1 the
    // run uses N streams named STREAM-0 .. STREAM-(N-1).
    std::string stream = "fjord-bench";
    uint64_t messages = 100'000;
    uint64_t size = 1024;
    int32_t partitions = 1;
    int32_t producers = 1;
    // latency: messages per second.
    uint64_t rate = 10'000;
    // produce: NATS publishes awaiting their ack at most; Redis XADDs per pipelined batch.
    // consume: entries per XREAD (Redis).
    int32_t window = 1000;
    output_format format = output_format::text;

    std::string host() const;
    int port() const;
    // The name of stream `index` of --partitions.
    std::string stream_name(int32_t index) const;
};

struct peer_help {};
struct peer_usage_error {
    std::string message;
};
using peer_parse_result = std::variant<peer_options, peer_help, peer_usage_error>;

peer_parse_result parse_peer_options(int argc, char** argv);

const char* peer_usage();

}  // namespace fjord::bench::peers
