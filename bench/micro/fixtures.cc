#include "fixtures.h"

#include <iterator>
#include <random>
#include <string_view>

namespace fjord::bench {

std::vector<protocol::record> make_records(size_t count, size_t value_size) {
    // A fixed seed: every run measures the same bytes.
    std::mt19937_64 rng(42);
    // Values are words drawn from a small vocabulary, like text or JSON: every codec finds
    // repeats to compress (random bytes would not compress at all, one repeated byte absurdly
    // well).
    static constexpr const char* words[] = {
        "order", "id",   "customer", "amount", "currency", "EUR",  "status", "shipped", "created",
        "2024",  "\"",   ":",        ",",      "{",        "}",    "items",  "sku",     "quantity",
        "price", "true", "false",    "null",   "address",  "city", "Oslo",   "Bergen",  "0",
        "1",     "2",    "3",        "4",      "5",        "6",    "7",      "8",       "9"};
    std::uniform_int_distribution<size_t> pick(0, std::size(words) - 1);
    std::vector<protocol::record> records(count);
    for (size_t i = 0; i < count; ++i) {
        auto& r = records[i];
        r.offset = static_cast<int64_t>(i);
        r.timestamp = 1'700'000'000'000 + static_cast<int64_t>(i);
        r.key = bytes(8, static_cast<uint8_t>('k'));
        bytes value;
        value.reserve(value_size + 16);
        while (value.size() < value_size) {
            std::string_view w = words[pick(rng)];
            value.insert(value.end(), w.begin(), w.end());
        }
        value.resize(value_size);
        r.value = std::move(value);
    }
    return records;
}

bytes make_batch(size_t count, size_t value_size, protocol::compression_type codec) {
    protocol::batch_options options;
    options.compression = codec;
    return protocol::build_batch(options, make_records(count, value_size));
}

bytes make_record_set(size_t total_bytes, size_t records_per_batch, size_t value_size) {
    bytes batch = make_batch(records_per_batch, value_size);
    bytes out;
    out.reserve(total_bytes + batch.size());
    do {
        out.insert(out.end(), batch.begin(), batch.end());
    } while (out.size() + batch.size() <= total_bytes);
    return out;
}

}  // namespace fjord::bench
