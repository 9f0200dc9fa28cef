#include "broker/request_metrics.h"

#include <fmt/format.h>

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "broker/handlers/handlers.h"
#include "broker/kafka_error_name.h"

namespace fjord::broker {
namespace {

// Error codes -1 (UNKNOWN_SERVER_ERROR) up to 126 have a cached counter per API; Kafka's codes
// stay well below. Anything else is looked up every time.
constexpr int lowest_cached_code = -1;
constexpr size_t cached_codes = 128;

std::string error_label(int16_t code) {
    auto e = static_cast<kafka_error>(code);
    std::string_view name = kafka_error_name(e);
    // kafka_error_name falls back to UNKNOWN_SERVER_ERROR for codes Fjord does not name.
    if (name == kafka_error_name(kafka_error::unknown_server_error) &&
        e != kafka_error::unknown_server_error) {
        return fmt::format("ERROR_{}", code);
    }
    return std::string(name);
}

struct api_slot {
    const char* name;
    api_metrics metrics;
    std::array<std::atomic<metrics::counter*>, cached_codes> errors{};
};

class request_metrics_table {
public:
    request_metrics_table()
        : _requests(metrics::global().counters("kafka_network_requests_total",
                                               "Requests received, by Kafka API.", {"request"})),
          _errors(metrics::global().counters(
              "kafka_network_request_errors_total",
              "Error codes answered, by Kafka API and error (per partition for Produce and "
              "Fetch; see docs/metrics.md).",
              {"request", "error"})),
          _duration(metrics::global().histograms(
              "kafka_network_request_duration_seconds",
              "Time from receiving a request to queueing its response, by Kafka API.",
              {"request"})) {
        int16_t max_key = 0;
        for (const auto& e : handler_registry()) max_key = std::max(max_key, e.api_key);
        _by_key.resize(static_cast<size_t>(max_key) + 1);
        for (const auto& e : handler_registry()) {
            auto slot = std::make_unique<api_slot>();
            slot->name = e.name;
            // Children of these families are never removed: the family keeps them alive.
            slot->metrics.requests = _requests.labels({e.name}).get();
            slot->metrics.duration = _duration.labels({e.name}).get();
            _by_key[static_cast<size_t>(e.api_key)] = std::move(slot);
        }
    }

    api_slot* slot(int16_t api_key) {
        if (api_key < 0 || static_cast<size_t>(api_key) >= _by_key.size()) return nullptr;
        return _by_key[static_cast<size_t>(api_key)].get();
    }

    void count_error(api_slot& s, int16_t code) {
        int index = code - lowest_cached_code;
        if (index < 0 || static_cast<size_t>(index) >= cached_codes) {
            _errors.labels({s.name, error_label(code)})->inc();
            return;
        }
        auto& cached = s.errors[static_cast<size_t>(index)];
        metrics::counter* c = cached.load(std::memory_order_acquire);
        if (!c) {
            // Two threads may both get here: labels() hands both the same child.
            c = _errors.labels({s.name, error_label(code)}).get();
            cached.store(c, std::memory_order_release);
        }
        c->inc();
    }

private:
    metrics::counter_family& _requests;
    metrics::counter_family& _errors;
    metrics::histogram_family& _duration;
    std::vector<std::unique_ptr<api_slot>> _by_key;  // by API key; null for APIs not served
};

request_metrics_table& table() {
    static request_metrics_table t;
    return t;
}

}  // namespace

void register_request_metrics() {
    table();
}

const api_metrics* metrics_of_api(int16_t api_key) {
    auto* s = table().slot(api_key);
    return s ? &s->metrics : nullptr;
}

void count_request_error(int16_t api_key, int16_t error_code) {
    if (error_code == 0) return;
    if (auto* s = table().slot(api_key)) table().count_error(*s, error_code);
}

}  // namespace fjord::broker
