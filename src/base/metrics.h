// Process-wide metrics: counters, gauges and histograms grouped in labelled families, plus
// collectors that compute values when scraped, rendered in the Prometheus text exposition
// format 0.0.4. docs/metrics.md lists every metric the broker exports.
//
// Hot paths: look a child up once with family::labels() (which takes the family's mutex and
// searches a map) and keep the pointer, e.g. in the object the values describe or in an array
// indexed by a small key. counter::inc, gauge::set/add and histogram::observe are then lock-free
// relaxed atomics that never allocate.
//
// Thread-safety: every type here is thread-safe. Lifetimes: a family lives as long as its
// registry (families are never removed); a child lives until it is removed from its family and
// the last shared_ptr to it is dropped, so a holder may keep updating a removed child (nothing
// renders it any more). A registry must outlive its collector handles.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fjord::metrics {

enum class metric_type { counter, gauge, histogram };

// Monotonic count. Family names of counters end in "_total".
class counter {
public:
    void inc(uint64_t n = 1) noexcept { _value.fetch_add(n, std::memory_order_relaxed); }
    uint64_t value() const noexcept { return _value.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> _value{0};
};

// A value that goes up and down.
class gauge {
public:
    void set(double v) noexcept { _value.store(v, std::memory_order_relaxed); }
    void add(double d) noexcept { _value.fetch_add(d, std::memory_order_relaxed); }
    double value() const noexcept { return _value.load(std::memory_order_relaxed); }

private:
    std::atomic<double> _value{0};
};

// Observations (in seconds, by convention) counted into fixed buckets. A value v lands in the
// first bucket whose upper bound is >= v (Prometheus' "le"), or in the implicit +Inf bucket.
// A scrape reads the buckets and the sum one after the other, so it may see an observation in
// one and not yet in the other; Prometheus tolerates that.
class histogram {
public:
    // `bounds`: strictly increasing, finite; must outlive the histogram (the family owns them).
    explicit histogram(std::span<const double> bounds);

    void observe(double value) noexcept;

    struct snapshot {
        std::vector<uint64_t> cumulative;  // per bound, then +Inf (== count)
        double sum = 0;
        uint64_t count() const { return cumulative.empty() ? 0 : cumulative.back(); }
    };
    snapshot read() const;
    std::span<const double> bounds() const { return _bounds; }

private:
    std::span<const double> _bounds;
    std::unique_ptr<std::atomic<uint64_t>[]> _buckets;  // _bounds.size() + 1, not cumulative
    std::atomic<double> _sum{0};
};

// Bucket bounds for request and I/O latencies: 100us to 60s (fetches long-poll for seconds).
std::span<const double> default_latency_bounds();

// What every family shares; the typed family<M> below adds its children.
class family_base {
public:
    family_base(std::string name, std::string help, metric_type type,
                std::vector<std::string> label_names);
    virtual ~family_base() = default;
    family_base(const family_base&) = delete;
    family_base& operator=(const family_base&) = delete;

    const std::string& name() const { return _name; }
    const std::string& help() const { return _help; }
    metric_type type() const { return _type; }
    const std::vector<std::string>& label_names() const { return _label_names; }

    // Appends the family's samples (no HELP/TYPE lines) to `out`.
    virtual void render_samples(std::string& out) const = 0;
    // Sum over children: counter and gauge values, histogram observation counts.
    virtual double sum() const = 0;

protected:
    using label_values = std::vector<std::string>;
    label_values to_values(std::initializer_list<std::string_view> values) const;

private:
    const std::string _name;
    const std::string _help;
    const metric_type _type;
    const std::vector<std::string> _label_names;
};

template <typename Metric>
class family final : public family_base {
public:
    // For histograms `bounds` are the buckets of every child; unused otherwise.
    family(std::string name, std::string help, metric_type type,
           std::vector<std::string> label_names, std::vector<double> bounds = {})
        : family_base(std::move(name), std::move(help), type, std::move(label_names)),
          _bounds(std::move(bounds)) {}

    // The child with these label values (one per label name, in order), created at zero on
    // first use. Takes the family's mutex: call it once and keep the pointer.
    std::shared_ptr<Metric> labels(std::initializer_list<std::string_view> values);
    // Stops rendering the child (e.g. its topic was deleted); holders keep a working object.
    // Asking for the same label values later creates a new child at zero.
    void remove(std::initializer_list<std::string_view> values);

    void render_samples(std::string& out) const override;
    double sum() const override;
    std::span<const double> bounds() const { return _bounds; }

private:
    const std::vector<double> _bounds;
    mutable std::mutex _mutex;
    std::map<label_values, std::shared_ptr<Metric>> _children;  // GUARDED_BY(_mutex)
};

using counter_family = family<counter>;
using gauge_family = family<gauge>;
using histogram_family = family<histogram>;

struct label {
    std::string_view name;
    std::string_view value;
};

// Where a collector reports the values it computes at scrape time. Families reported here are
// rendered like registered ones, for this scrape only. Not thread-safe: one per scrape.
class sample_sink {
public:
    // Declares a family so it is rendered (HELP and TYPE) even without samples, e.g. a lag
    // family while no group has committed. Counter names end in "_total"; no histograms.
    void declare(std::string_view name, std::string_view help, metric_type type);
    // One sample; declares the family on first use. A sample for a family already declared
    // with another type is dropped (a collector bug, not worth stopping a scrape for).
    void add(std::string_view name, std::string_view help, metric_type type,
             std::initializer_list<label> labels, double value);
    void gauge(std::string_view name, std::string_view help, std::initializer_list<label> labels,
               double value) {
        add(name, help, metric_type::gauge, labels, value);
    }
    void counter(std::string_view name, std::string_view help, std::initializer_list<label> labels,
                 double value) {
        add(name, help, metric_type::counter, labels, value);
    }

private:
    friend class registry;
    struct collected {
        std::string help;
        metric_type type;
        std::string samples;  // rendered sample lines
    };
    collected* find_or_declare(std::string_view name, std::string_view help, metric_type type);
    std::map<std::string, collected, std::less<>> _families;
};

using collector_fn = std::function<void(sample_sink&)>;

class registry;

// Keeps a collector registered; destroying or reset()ing it unregisters it, waiting for a
// scrape that is running it to finish, so after that the collector is never called again.
// Must not be destroyed from inside a collector.
class collector_handle {
public:
    collector_handle() = default;
    collector_handle(registry* owner, uint64_t id) : _owner(owner), _id(id) {}
    collector_handle(collector_handle&& other) noexcept;
    collector_handle& operator=(collector_handle&& other) noexcept;
    collector_handle(const collector_handle&) = delete;
    collector_handle& operator=(const collector_handle&) = delete;
    ~collector_handle() { reset(); }

    void reset();
    explicit operator bool() const { return _owner != nullptr; }

private:
    registry* _owner = nullptr;
    uint64_t _id = 0;
};

class registry {
public:
    registry() = default;
    registry(const registry&) = delete;
    registry& operator=(const registry&) = delete;

    // Get-or-create by name: asking again returns the same family (its type, label names and
    // buckets must match: a mismatch is a programming error and asserts). Names follow
    // Prometheus' rules; counter names end in "_total".
    counter_family& counters(std::string_view name, std::string_view help,
                             std::vector<std::string> label_names = {});
    gauge_family& gauges(std::string_view name, std::string_view help,
                         std::vector<std::string> label_names = {});
    histogram_family& histograms(std::string_view name, std::string_view help,
                                 std::vector<std::string> label_names = {},
                                 std::span<const double> bounds = default_latency_bounds());

    // `fn` runs on the scraping thread during every render() until the handle goes away. It
    // must not block for long and must not register or unregister collectors.
    [[nodiscard]] collector_handle add_collector(collector_fn fn);

    // Every family, registered and collected, sorted by name, in the text format 0.0.4
    // (Content-Type: text/plain; version=0.0.4). Scrapes run one at a time.
    std::string render() const;

    // The sum over the children of a registered family (counter and gauge values, histogram
    // counts); 0 for an unknown name. Children removed from the family no longer count.
    double sum(std::string_view family) const;

private:
    friend class collector_handle;
    template <typename Family, typename... Extra>
    Family& get_or_create(std::string_view name, std::string_view help, metric_type type,
                          std::vector<std::string> label_names, Extra&&... extra);
    void remove_collector(uint64_t id);

    mutable std::mutex _mutex;
    std::map<std::string, std::unique_ptr<family_base>, std::less<>> _families;  // GUARDED_BY

    // Held while collectors run, so unregistering waits for a running scrape.
    mutable std::mutex _collect_mutex;
    std::map<uint64_t, collector_fn> _collectors;  // GUARDED_BY(_collect_mutex)
    uint64_t _next_collector = 1;                  // GUARDED_BY(_collect_mutex)
};

// The process-wide registry (never destroyed). It comes with the process_* collector
// (process_metrics.h) registered.
registry& global();

}  // namespace fjord::metrics
