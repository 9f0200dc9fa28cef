#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace fjord::bench {

enum class mode { produce, consume };
enum class output_format { text, markdown };

struct options {
    mode run_mode = mode::produce;
    std::string brokers = "127.0.0.1:9092";
    std::string topic = "fjord-bench";
    uint64_t messages = 100'000;
    uint64_t size = 1024;
    // As librdkafka spells it: "0", "1" or "-1" (all).
    std::string acks = "1";
    int32_t partitions = 1;
    // A librdkafka compression.codec value: none, gzip, snappy, lz4, zstd.
    std::string compression = "none";
    output_format format = output_format::text;
    // librdkafka debug contexts (e.g. "fetch,protocol"); empty for none.
    std::string debug;
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
