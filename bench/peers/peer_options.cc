#include "peers/peer_options.h"

#include <optional>
#include <string_view>

#include "parse_int.h"

namespace fjord::bench::peers {
namespace {

peer_usage_error bad_value(std::string_view flag, std::string_view value, std::string_view want) {
    return {std::string(flag) + ": bad value '" + std::string(value) + "', want " +
            std::string(want)};
}

// NATS stream names must not hold '.', '*', '>', spaces or path separators; Redis takes
// anything, so one rule for both.
bool valid_stream(std::string_view name) {
    if (name.empty() || name.size() > 200) return false;
    for (const char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

std::string peer_options::host() const {
    if (server.empty()) return "127.0.0.1";
    return server.substr(0, server.rfind(':'));
}

int peer_options::port() const {
    if (server.empty()) return target == system::nats ? 4222 : 6379;
    return std::stoi(server.substr(server.rfind(':') + 1));
}

std::string peer_options::stream_name(int32_t index) const {
    return partitions == 1 ? stream : stream + "-" + std::to_string(index);
}

const char* peer_usage() {
    return "usage: fjord-peergen nats|redis produce|consume|latency|idle [flags]\n"
           "  --server HOST:PORT   server (default 127.0.0.1:4222 for nats, :6379 for redis)\n"
           "  --stream NAME        stream; with --partitions N, NAME-0 .. NAME-(N-1)\n"
           "                       (default fjord-bench)\n"
           "  --messages N         messages to produce or read (default 100000)\n"
           "  --size BYTES         value size, at least 8 (default 1024)\n"
           "  --partitions N       streams (default 1); idle: streams to create\n"
           "  --producers N        produce: producer threads, one connection each (default 1)\n"
           "  --rate N             latency: messages per second (default 10000)\n"
           "  --window N           produce: NATS acks outstanding / Redis XADDs per pipeline\n"
           "                       batch; consume: Redis entries per XREAD (default 1000)\n"
           "  --format text|markdown\n"
           "  --help\n";
}

peer_parse_result parse_peer_options(int argc, char** argv) {
    peer_options opts;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") return peer_help{};
    }
    if (argc < 3) return peer_usage_error{"expected a system (nats, redis) and a workload"};
    const std::string_view sys = argv[1];
    const std::string_view work = argv[2];
    if (sys == "nats") {
        opts.target = system::nats;
    } else if (sys == "redis") {
        opts.target = system::redis;
    } else {
        return peer_usage_error{"unknown system '" + std::string(sys) + "': nats or redis"};
    }
    if (work == "produce") {
        opts.run = workload::produce;
    } else if (work == "consume") {
        opts.run = workload::consume;
    } else if (work == "latency") {
        opts.run = workload::latency;
    } else if (work == "idle") {
        opts.run = workload::idle;
    } else {
        return peer_usage_error{"unknown workload '" + std::string(work) +
                                "': produce, consume, latency or idle"};
    }
    for (int i = 3; i < argc; ++i) {
        std::string_view flag = argv[i];
        std::string_view value;
        if (const auto eq = flag.find('='); flag.starts_with("--") && eq != flag.npos) {
            value = flag.substr(eq + 1);
            flag = flag.substr(0, eq);
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            return peer_usage_error{"missing value for " + std::string(flag)};
        }
        if (flag == "--server") {
            const auto colon = value.rfind(':');
            if (colon == value.npos || colon == 0 ||
                !parse_int<int>(value.substr(colon + 1), 1, 65535)) {
                return bad_value(flag, value, "HOST:PORT");
            }
            opts.server = value;
        } else if (flag == "--stream") {
            if (!valid_stream(value)) return bad_value(flag, value, "letters, digits, - and _");
            opts.stream = value;
        } else if (flag == "--messages") {
            const auto n = parse_int<uint64_t>(value, 1, uint64_t{1} << 40);
            if (!n) return bad_value(flag, value, "a positive integer");
            opts.messages = *n;
        } else if (flag == "--size") {
            const auto n = parse_int<uint64_t>(value, 8, 1'000'000);
            if (!n) return bad_value(flag, value, "an integer from 8 to 1000000");
            opts.size = *n;
        } else if (flag == "--partitions") {
            const auto n = parse_int<int32_t>(value, 1, 100'000);
            if (!n) return bad_value(flag, value, "an integer from 1 to 100000");
            opts.partitions = *n;
        } else if (flag == "--producers") {
            const auto n = parse_int<int32_t>(value, 1, 64);
            if (!n) return bad_value(flag, value, "an integer from 1 to 64");
            opts.producers = *n;
        } else if (flag == "--rate") {
            const auto n = parse_int<uint64_t>(value, 1, 10'000'000);
            if (!n) return bad_value(flag, value, "an integer from 1 to 10000000");
            opts.rate = *n;
        } else if (flag == "--window") {
            const auto n = parse_int<int32_t>(value, 1, 1'000'000);
            if (!n) return bad_value(flag, value, "an integer from 1 to 1000000");
            opts.window = *n;
        } else if (flag == "--format") {
            const auto format = parse_output_format(value);
            if (!format) return bad_value(flag, value, "text or markdown");
            opts.format = *format;
        } else {
            return peer_usage_error{"unknown flag " + std::string(flag)};
        }
    }
    if ((opts.run == workload::consume || opts.run == workload::latency) && opts.partitions != 1) {
        return peer_usage_error{"consume and latency read one stream: --partitions 1"};
    }
    return opts;
}

}  // namespace fjord::bench::peers
