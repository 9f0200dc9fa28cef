#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace fjord::bench {

enum class mode { produce, consume, latency, group_join, offset_commit };
enum class output_format { text, markdown };
// The value of a --format flag: "text" or "markdown"; nullopt for anything else.
inline std::optional<output_format> parse_output_format(std::string_view name) {
    if (name == "text") return output_format::text;
    if (name == "markdown") return output_format::markdown;
    return std::nullopt;
}
enum class commit_style { sync, async };

struct options {
    mode run_mode = mode::produce;
    std::string brokers = "127.0.0.1:9092";
    std::string topic = "fjord-bench";
    uint64_t messages = 100'000;
    uint64_t size = 1024;
    // As librdkafka spells it: "0", "1" or "-1" (all).
    std::string acks = "1";
    // produce: enable.idempotence (needs acks all).
    bool idempotent = false;
    // produce: records per transaction (a transactional producer commits after every this
    // many); 0 for no transactions. Needs acks all.
    uint64_t transaction_size = 0;
    // produce: producer clients, each on its own thread, sharing --messages between them.
    int32_t producers = 1;
    // produce and latency: librdkafka's linger.ms, how long a batch waits for more messages.
    int32_t linger_ms = 5;
    // latency: messages per second the producer sends at (fixed rate, not open loop).
    uint64_t rate = 10'000;
    // Partitions if the topic has to be created: 1 for produce, 10 for the group modes.
    int32_t partitions = 1;
    // A librdkafka compression.codec value: none, gzip, snappy, lz4, zstd.
    std::string compression = "none";
    output_format format = output_format::text;
    // librdkafka debug contexts (e.g. "fetch,protocol"); empty for none.
    std::string debug;

    // group-join: members before each join, rounds of one join and one leave, and the
    // members' heartbeat.interval.ms (how soon a member hears of a rebalance).
    int32_t members = 10;
    int32_t rounds = 5;
    int32_t heartbeat_ms = 3000;

    // offset-commit: how commits are made, and when to stop (whichever comes first;
    // commits == 0 means no limit).
    commit_style commit = commit_style::sync;
    int32_t duration_s = 10;
    uint64_t commits = 0;
};

// The outcome of parsing argv: options to run with, a usage request, or an
// error message naming the bad flag or value.
struct help_requested {};
struct usage_error {
    std::string message;
};
using parse_result = std::variant<options, help_requested, usage_error>;

parse_result parse_options(int argc, char** argv);

const char* usage();

}  // namespace fjord::bench
