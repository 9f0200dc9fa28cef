#include "options.h"

#include <array>
#include <optional>
#include <string_view>

#include "parse_int.h"

namespace fjord::bench {
namespace {

std::optional<std::string> parse_acks(std::string_view text) {
    if (text == "0" || text == "1" || text == "-1") {
        return std::string(text);
    }
    if (text == "all") {
        return "-1";
    }
    return std::nullopt;
}

bool is_compression(std::string_view text) {
    constexpr std::array<std::string_view, 5> known{"none", "gzip", "snappy", "lz4", "zstd"};
    for (auto codec : known) {
        if (text == codec) {
            return true;
        }
    }
    return false;
}

bool is_known_flag(std::string_view flag) {
    constexpr std::array<std::string_view, 20> known{
        "--brokers",    "--topic",       "--messages",  "--size",       "--acks",
        "--partitions", "--compression", "--format",    "--debug",      "--members",
        "--producers",  "--rate",        "--linger-ms", "--rounds",     "--heartbeat-ms",
        "--commit",     "--duration",    "--commits",   "--idempotent", "--transaction-size",
    };
    for (auto name : known) {
        if (flag == name) {
            return true;
        }
    }
    return false;
}

usage_error bad_value(std::string_view flag, std::string_view value, std::string_view expected) {
    return {"invalid value '" + std::string(value) + "' for " + std::string(flag) + ": expected " +
            std::string(expected)};
}

}  // namespace

const char* usage() {
    return "usage: fjord-loadgen produce|consume|latency|group-join|offset-commit [flags]\n"
           "  --brokers HOST:PORT[,...]  bootstrap servers (default 127.0.0.1:9092)\n"
           "  --topic NAME               topic (default fjord-bench)\n"
           "  --messages N               messages to produce or read (default 100000)\n"
           "  --size BYTES               value size when producing (default 1024)\n"
           "  --acks 0|1|all             producer acks (default 1; -1 means all)\n"
           "  --idempotent[=true|false]  produce: enable.idempotence (needs --acks all)\n"
           "  --transaction-size N       produce: commit a transaction every N messages (needs\n"
           "                             --acks all)\n"
           "  --producers N              produce: producer clients on threads of their own\n"
           "                             (default 1)\n"
           "  --rate N                   latency: messages per second (default 10000)\n"
           "  --linger-ms MS             produce, latency: linger.ms (default 5)\n"
           "  --partitions N             partitions if the topic has to be created\n"
           "                             (default 1; 10 for group-join and offset-commit)\n"
           "  --compression CODEC        none|gzip|snappy|lz4|zstd (default none)\n"
           "  --format text|markdown     markdown prints table rows (default text)\n"
           "  --debug CONTEXTS           librdkafka debug contexts, e.g. fetch,protocol\n"
           "  --members N                group-join: members before a join (default 10)\n"
           "  --rounds N                 group-join: rounds of one join and one leave (default 5)\n"
           "  --heartbeat-ms MS          group-join: heartbeat.interval.ms (default 3000)\n"
           "  --commit sync|async        offset-commit: how to commit (default sync)\n"
           "  --duration SECONDS         offset-commit: run time (default 10)\n"
           "  --commits N                offset-commit: stop after N commits (default: no limit)\n"
           "  --help                     this text\n";
}

parse_result parse_options(int argc, char** argv) {
    options opts;
    if (argc < 2) {
        return usage_error{"missing mode: produce, consume, latency, group-join or offset-commit"};
    }
    const std::string_view first = argv[1];
    if (first == "--help" || first == "-h") {
        return help_requested{};
    }
    if (first == "produce") {
        opts.run_mode = mode::produce;
    } else if (first == "consume") {
        opts.run_mode = mode::consume;
    } else if (first == "latency") {
        opts.run_mode = mode::latency;
    } else if (first == "group-join" || first == "offset-commit") {
        opts.run_mode = first == "group-join" ? mode::group_join : mode::offset_commit;
        opts.partitions = 10;
    } else {
        return usage_error{"unknown mode '" + std::string(first) +
                           "': expected produce, consume, latency, group-join or offset-commit"};
    }

    for (int i = 2; i < argc; ++i) {
        std::string_view flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            return help_requested{};
        }
        // Both "--flag value" and "--flag=value".
        std::string_view value;
        const auto eq = flag.find('=');
        const bool inline_value = flag.starts_with("--") && eq != std::string_view::npos;
        if (inline_value) {
            value = flag.substr(eq + 1);
            flag = flag.substr(0, eq);
        }
        if (!is_known_flag(flag)) {
            return usage_error{"unknown flag " + std::string(flag)};
        }
        if (flag == "--idempotent") {  // a switch: the value is optional
            if (!inline_value || value == "true") {
                opts.idempotent = true;
            } else if (value == "false") {
                opts.idempotent = false;
            } else {
                return bad_value(flag, value, "true or false");
            }
            continue;
        }
        if (!inline_value) {
            if (i + 1 == argc) {
                return usage_error{"missing value for " + std::string(flag)};
            }
            value = argv[++i];
        }

        if (flag == "--brokers") {
            if (value.empty()) {
                return bad_value(flag, value, "HOST:PORT[,...]");
            }
            opts.brokers = value;
        } else if (flag == "--topic") {
            if (value.empty()) {
                return bad_value(flag, value, "a topic name");
            }
            opts.topic = value;
        } else if (flag == "--messages") {
            const auto n = parse_int<uint64_t>(value, 1, uint64_t{1} << 40);
            if (!n) {
                return bad_value(flag, value, "a positive integer");
            }
            opts.messages = *n;
        } else if (flag == "--size") {
            // librdkafka refuses messages above its message.max.bytes (at most 1e9).
            const auto n = parse_int<uint64_t>(value, 0, 100'000'000);
            if (!n) {
                return bad_value(flag, value, "an integer from 0 to 100000000");
            }
            opts.size = *n;
        } else if (flag == "--acks") {
            auto acks = parse_acks(value);
            if (!acks) {
                return bad_value(flag, value, "0, 1, all or -1");
            }
            opts.acks = std::move(*acks);
        } else if (flag == "--partitions") {
            const auto n = parse_int<int32_t>(value, 1, 100'000);
            if (!n) {
                return bad_value(flag, value, "an integer from 1 to 100000");
            }
            opts.partitions = *n;
        } else if (flag == "--compression") {
            if (!is_compression(value)) {
                return bad_value(flag, value, "none, gzip, snappy, lz4 or zstd");
            }
            opts.compression = value;
        } else if (flag == "--debug") {
            // librdkafka validates the contexts when the client is configured.
            opts.debug = value;
        } else if (flag == "--members" || flag == "--rounds") {
            const auto n = parse_int<int32_t>(value, 1, 1000);
            if (!n) {
                return bad_value(flag, value, "an integer from 1 to 1000");
            }
            (flag == "--members" ? opts.members : opts.rounds) = *n;
        } else if (flag == "--producers") {
            const auto n = parse_int<int32_t>(value, 1, 64);
            if (!n) {
                return bad_value(flag, value, "an integer from 1 to 64");
            }
            opts.producers = *n;
        } else if (flag == "--rate") {
            const auto n = parse_int<uint64_t>(value, 1, 10'000'000);
            if (!n) {
                return bad_value(flag, value, "an integer from 1 to 10000000");
            }
            opts.rate = *n;
        } else if (flag == "--linger-ms") {
            const auto n = parse_int<int32_t>(value, 0, 60'000);
            if (!n) {
                return bad_value(flag, value, "an integer from 0 to 60000");
            }
            opts.linger_ms = *n;
        } else if (flag == "--heartbeat-ms") {
            // librdkafka wants it below session.timeout.ms, left at its default of 45 s.
            const auto n = parse_int<int32_t>(value, 1, 30'000);
            if (!n) {
                return bad_value(flag, value, "an integer from 1 to 30000");
            }
            opts.heartbeat_ms = *n;
        } else if (flag == "--commit") {
            if (value == "sync") {
                opts.commit = commit_style::sync;
            } else if (value == "async") {
                opts.commit = commit_style::async;
            } else {
                return bad_value(flag, value, "sync or async");
            }
        } else if (flag == "--duration") {
            const auto n = parse_int<int32_t>(value, 1, 3600);
            if (!n) {
                return bad_value(flag, value, "an integer from 1 to 3600");
            }
            opts.duration_s = *n;
        } else if (flag == "--commits") {
            const auto n = parse_int<uint64_t>(value, 1, uint64_t{1} << 40);
            if (!n) {
                return bad_value(flag, value, "a positive integer");
            }
            opts.commits = *n;
        } else if (flag == "--transaction-size") {
            const auto n = parse_int<uint64_t>(value, 1, uint64_t{1} << 40);
            if (!n) {
                return bad_value(flag, value, "a positive integer");
            }
            opts.transaction_size = *n;
        } else if (flag == "--format") {
            const auto format = parse_output_format(value);
            if (!format) return bad_value(flag, value, "text or markdown");
            opts.format = *format;
        }
    }
    if (opts.idempotent && opts.acks != "-1") {
        return usage_error{"--idempotent needs --acks all (librdkafka's rule for idempotence)"};
    }
    if (opts.transaction_size > 0 && opts.acks != "-1") {
        return usage_error{
            "--transaction-size needs --acks all (librdkafka's rule for transactions)"};
    }
    if (opts.transaction_size > 0 && opts.producers > 1) {
        return usage_error{"--transaction-size works with one producer only"};
    }
    if (opts.run_mode == mode::latency && opts.size < 8) {
        return usage_error{"latency needs --size 8 or more (the send time rides in the value)"};
    }
    return opts;
}

}  // namespace fjord::bench
