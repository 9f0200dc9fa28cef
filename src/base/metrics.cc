#include "base/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>

#include "base/process_metrics.h"
#include "base/vassert.h"

namespace fjord::metrics {
namespace {

constexpr double latency_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                     0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                     1,      2.5,     5,      10,    30,     60};

bool valid_name(std::string_view name, bool colon_allowed) {
    if (name.empty()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                  (colon_allowed && c == ':') || (i > 0 && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

std::string_view type_name(metric_type t) {
    switch (t) {
        case metric_type::counter:
            return "counter";
        case metric_type::gauge:
            return "gauge";
        case metric_type::histogram:
            return "histogram";
    }
    return "untyped";
}

void check_family(std::string_view name, metric_type type,
                  const std::vector<std::string>& label_names) {
    vassert(valid_name(name, /*colon_allowed=*/true), "invalid metric name '{}'", name);
    vassert(type != metric_type::counter || name.ends_with("_total"),
            "counter '{}' must end in _total", name);
    for (const auto& l : label_names) {
        vassert(valid_name(l, /*colon_allowed=*/false) && !l.starts_with("__"),
                "metric '{}': invalid label name '{}'", name, l);
        vassert(type != metric_type::histogram || l != "le",
                "histogram '{}' cannot have a label named le", name);
    }
}

void append_escaped(std::string& out, std::string_view s, bool quote) {
    for (char c : s) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '"':
                if (quote) {
                    out += "\\\"";
                    break;
                }
                [[fallthrough]];
            default:
                out += c;
        }
    }
}

void append_double(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
    } else if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
    } else {
        fmt::format_to(std::back_inserter(out), "{}", v);
    }
}

// `{a="x",b="y"` without the closing brace, so a histogram can add its `le`; empty when there
// are no labels.
void append_labels_open(std::string& out, const std::vector<std::string>& names,
                        const std::vector<std::string>& values) {
    for (size_t i = 0; i < names.size(); ++i) {
        out += i == 0 ? '{' : ',';
        out += names[i];
        out += "=\"";
        append_escaped(out, values[i], /*quote=*/true);
        out += '"';
    }
}

void append_labels(std::string& out, const std::vector<std::string>& names,
                   const std::vector<std::string>& values) {
    append_labels_open(out, names, values);
    if (!names.empty()) out += '}';
}

void append_header(std::string& out, std::string_view name, std::string_view help,
                   metric_type type) {
    out += "# HELP ";
    out += name;
    out += ' ';
    append_escaped(out, help, /*quote=*/false);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type_name(type);
    out += '\n';
}

}  // namespace

std::span<const double> default_latency_bounds() {
    return latency_bounds;
}

// ---- histogram

histogram::histogram(std::span<const double> bounds)
    : _bounds(bounds), _buckets(new std::atomic<uint64_t>[bounds.size() + 1]) {
    for (size_t i = 0; i <= bounds.size(); ++i) _buckets[i].store(0, std::memory_order_relaxed);
}

void histogram::observe(double value) noexcept {
    auto it = std::lower_bound(_bounds.begin(), _bounds.end(), value);
    _buckets[static_cast<size_t>(it - _bounds.begin())].fetch_add(1, std::memory_order_relaxed);
    _sum.fetch_add(value, std::memory_order_relaxed);
}

histogram::snapshot histogram::read() const {
    snapshot s;
    s.cumulative.resize(_bounds.size() + 1);
    uint64_t running = 0;
    for (size_t i = 0; i <= _bounds.size(); ++i) {
        running += _buckets[i].load(std::memory_order_relaxed);
        s.cumulative[i] = running;
    }
    s.sum = _sum.load(std::memory_order_relaxed);
    return s;
}

// ---- families

family_base::family_base(std::string name, std::string help, metric_type type,
                         std::vector<std::string> label_names)
    : _name(std::move(name)),
      _help(std::move(help)),
      _type(type),
      _label_names(std::move(label_names)) {}

family_base::label_values family_base::to_values(
    std::initializer_list<std::string_view> values) const {
    vassert(values.size() == _label_names.size(), "metric '{}' has {} labels, got {} values", _name,
            _label_names.size(), values.size());
    return label_values(values.begin(), values.end());
}

template <typename Metric>
std::shared_ptr<Metric> family<Metric>::labels(std::initializer_list<std::string_view> values) {
    auto key = to_values(values);
    std::lock_guard lock(_mutex);
    auto& child = _children[std::move(key)];
    if (!child) {
        if constexpr (std::is_same_v<Metric, histogram>) {
            child = std::make_shared<histogram>(_bounds);
        } else {
            child = std::make_shared<Metric>();
        }
    }
    return child;
}

template <typename Metric>
void family<Metric>::remove(std::initializer_list<std::string_view> values) {
    auto key = to_values(values);
    std::lock_guard lock(_mutex);
    _children.erase(key);
}

template <typename Metric>
void family<Metric>::render_samples(std::string& out) const {
    std::lock_guard lock(_mutex);
    for (const auto& [values, child] : _children) {
        if constexpr (std::is_same_v<Metric, histogram>) {
            auto s = child->read();
            for (size_t i = 0; i < s.cumulative.size(); ++i) {
                out += name();
                out += "_bucket";
                append_labels_open(out, label_names(), values);
                out += label_names().empty() ? "{le=\"" : ",le=\"";
                if (i < _bounds.size()) {
                    append_double(out, _bounds[i]);
                } else {
                    out += "+Inf";
                }
                fmt::format_to(std::back_inserter(out), "\"}} {}\n", s.cumulative[i]);
            }
            out += name();
            out += "_sum";
            append_labels(out, label_names(), values);
            out += ' ';
            append_double(out, s.sum);
            out += '\n';
            out += name();
            out += "_count";
            append_labels(out, label_names(), values);
            fmt::format_to(std::back_inserter(out), " {}\n", s.count());
        } else {
            out += name();
            append_labels(out, label_names(), values);
            out += ' ';
            if constexpr (std::is_same_v<Metric, counter>) {
                fmt::format_to(std::back_inserter(out), "{}", child->value());
            } else {
                append_double(out, child->value());
            }
            out += '\n';
        }
    }
}

template <typename Metric>
double family<Metric>::sum() const {
    std::lock_guard lock(_mutex);
    double total = 0;
    for (const auto& [_, child] : _children) {
        if constexpr (std::is_same_v<Metric, histogram>) {
            total += static_cast<double>(child->read().count());
        } else {
            total += static_cast<double>(child->value());
        }
    }
    return total;
}

template class family<counter>;
template class family<gauge>;
template class family<histogram>;

// ---- collected samples

sample_sink::collected* sample_sink::find_or_declare(std::string_view name, std::string_view help,
                                                     metric_type type) {
    auto it = _families.find(name);
    if (it == _families.end()) {
        check_family(name, type, {});
        vassert(type != metric_type::histogram, "collector family '{}': no histograms", name);
        it = _families.emplace(std::string(name), collected{std::string(help), type, {}}).first;
    }
    return it->second.type == type ? &it->second : nullptr;
}

void sample_sink::declare(std::string_view name, std::string_view help, metric_type type) {
    find_or_declare(name, help, type);
}

void sample_sink::add(std::string_view name, std::string_view help, metric_type type,
                      std::initializer_list<label> labels, double value) {
    auto* f = find_or_declare(name, help, type);
    if (!f) return;
    auto& out = f->samples;
    out += name;
    bool first = true;
    for (const auto& l : labels) {
        out += first ? '{' : ',';
        first = false;
        out += l.name;
        out += "=\"";
        append_escaped(out, l.value, /*quote=*/true);
        out += '"';
    }
    if (!first) out += '}';
    out += ' ';
    append_double(out, value);
    out += '\n';
}

// ---- collector handles

collector_handle::collector_handle(collector_handle&& other) noexcept
    : _owner(std::exchange(other._owner, nullptr)), _id(other._id) {}

collector_handle& collector_handle::operator=(collector_handle&& other) noexcept {
    if (this != &other) {
        reset();
        _owner = std::exchange(other._owner, nullptr);
        _id = other._id;
    }
    return *this;
}

void collector_handle::reset() {
    if (auto* owner = std::exchange(_owner, nullptr)) owner->remove_collector(_id);
}

// ---- registry

template <typename Family, typename... Extra>
Family& registry::get_or_create(std::string_view name, std::string_view help, metric_type type,
                                std::vector<std::string> label_names, Extra&&... extra) {
    std::lock_guard lock(_mutex);
    auto it = _families.find(name);
    if (it != _families.end()) {
        auto* existing = dynamic_cast<Family*>(it->second.get());
        vassert(existing && existing->type() == type && existing->label_names() == label_names,
                "metric '{}' registered twice with different types or labels", name);
        return *existing;
    }
    check_family(name, type, label_names);
    bool unlabelled = label_names.empty();
    auto created = std::make_unique<Family>(std::string(name), std::string(help), type,
                                            std::move(label_names), std::forward<Extra>(extra)...);
    auto& ref = *created;
    // A family without labels has exactly one child: create it so it renders from the start.
    if (unlabelled) ref.labels({});
    _families.emplace(std::string(name), std::move(created));
    return ref;
}

counter_family& registry::counters(std::string_view name, std::string_view help,
                                   std::vector<std::string> label_names) {
    return get_or_create<counter_family>(name, help, metric_type::counter, std::move(label_names));
}

gauge_family& registry::gauges(std::string_view name, std::string_view help,
                               std::vector<std::string> label_names) {
    return get_or_create<gauge_family>(name, help, metric_type::gauge, std::move(label_names));
}

histogram_family& registry::histograms(std::string_view name, std::string_view help,
                                       std::vector<std::string> label_names,
                                       std::span<const double> bounds) {
    vassert(
        !bounds.empty() && std::is_sorted(bounds.begin(), bounds.end()) &&
            std::adjacent_find(bounds.begin(), bounds.end()) == bounds.end() &&
            std::all_of(bounds.begin(), bounds.end(), [](double b) { return std::isfinite(b); }),
        "histogram '{}': bounds must be finite and strictly increasing", name);
    auto& f =
        get_or_create<histogram_family>(name, help, metric_type::histogram, std::move(label_names),
                                        std::vector<double>(bounds.begin(), bounds.end()));
    vassert(std::ranges::equal(f.bounds(), bounds),
            "histogram '{}' registered twice with "
            "different buckets",
            name);
    return f;
}

collector_handle registry::add_collector(collector_fn fn) {
    std::lock_guard lock(_collect_mutex);
    uint64_t id = _next_collector++;
    _collectors.emplace(id, std::move(fn));
    return collector_handle(this, id);
}

void registry::remove_collector(uint64_t id) {
    std::lock_guard lock(_collect_mutex);
    _collectors.erase(id);
}

std::string registry::render() const {
    sample_sink collected;
    {
        // Collectors run before the family lock is taken: they may create families.
        std::lock_guard lock(_collect_mutex);
        for (const auto& [_, fn] : _collectors) fn(collected);
    }
    std::string out;
    std::lock_guard lock(_mutex);
    auto reg = _families.begin();
    auto col = collected._families.begin();
    while (reg != _families.end() || col != collected._families.end()) {
        bool take_reg = col == collected._families.end() ||
                        (reg != _families.end() && reg->first <= col->first);
        if (take_reg) {
            const auto& f = *reg->second;
            append_header(out, f.name(), f.help(), f.type());
            f.render_samples(out);
            // A collector reporting into a registered family adds to it if the types agree.
            if (col != collected._families.end() && col->first == reg->first) {
                if (col->second.type == f.type()) out += col->second.samples;
                ++col;
            }
            ++reg;
        } else {
            append_header(out, col->first, col->second.help, col->second.type);
            out += col->second.samples;
            ++col;
        }
    }
    return out;
}

double registry::sum(std::string_view family) const {
    std::lock_guard lock(_mutex);
    auto it = _families.find(family);
    return it == _families.end() ? 0 : it->second->sum();
}

registry& global() {
    // Leaked on purpose: threads that outlive main (detached, or joined by static destructors)
    // may still count.
    static registry* r = [] {
        auto* created = new registry;
        // Never unregistered: the handle is leaked with the registry.
        static auto* process =
            new collector_handle(created->add_collector(collect_process_metrics));
        (void)process;
        return created;
    }();
    return *r;
}

}  // namespace fjord::metrics
