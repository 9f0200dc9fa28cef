#include "broker/config_ops.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

namespace fjord::broker {
namespace {

config_error invalid_config(std::string message) {
    return {config_errc::invalid_config, std::move(message)};
}

config_error invalid_request(std::string message) {
    return {config_errc::invalid_request, std::move(message)};
}

result<void, config_error> validate_all(const config_overrides& overrides) {
    for (const auto& [name, value] : overrides) {
        if (auto r = validate_topic_override(name, value); !r) {
            return fail(invalid_config(r.error()));
        }
    }
    return {};
}

// Kafka's list values: comma-separated, each item trimmed; an empty text is an empty list.
std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> out;
    if (text.empty()) return out;
    while (true) {
        auto comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        out.emplace_back(item);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

std::string join_list(const std::vector<std::string>& items) {
    return fmt::format("{}", fmt::join(items, ","));
}

}  // namespace

result<config_overrides, config_error> replace_overrides(
    const std::vector<std::pair<std::string, std::optional<std::string>>>& configs) {
    config_overrides out;
    std::set<std::string> seen;
    for (const auto& [name, value] : configs) {
        if (!seen.insert(name).second) {
            return fail(invalid_request(fmt::format("config '{}' is given twice", name)));
        }
        if (value) out[name] = *value;
    }
    if (auto r = validate_all(out); !r) return fail(r.error());
    return out;
}

result<config_overrides, config_error> apply_incremental(
    const broker_config& broker, const config_overrides& current,
    const std::vector<config_change>& changes) {
    config_overrides out = current;
    std::set<std::string> seen;
    for (const auto& change : changes) {
        if (!seen.insert(change.name).second) {
            return fail(invalid_request(fmt::format("config '{}' is given twice", change.name)));
        }
        const topic_property_info* info = find_topic_property(change.name);
        if (!info)
            return fail(invalid_config(fmt::format("unknown topic config '{}'", change.name)));
        auto op = static_cast<config_op>(change.op);
        switch (op) {
            case config_op::set:
            case config_op::append:
            case config_op::subtract:
                if (!change.value) {
                    return fail(invalid_request(
                        fmt::format("a null value is not allowed for config '{}'", change.name)));
                }
                break;
            case config_op::remove:
                break;
            default:
                return fail(invalid_request(
                    fmt::format("unknown operation {} for config '{}'", change.op, change.name)));
        }
        if ((op == config_op::append || op == config_op::subtract) &&
            info->type != config_type::list) {
            return fail(invalid_config(
                fmt::format("config '{}' is not a list: {} is not allowed", change.name,
                            op == config_op::append ? "APPEND" : "SUBTRACT")));
        }
        switch (op) {
            case config_op::set:
                out[change.name] = *change.value;
                break;
            case config_op::remove:
                out.erase(change.name);
                break;
            case config_op::append:
            case config_op::subtract: {
                // Without an override the list starts from the value the topic has now.
                auto it = out.find(change.name);
                std::string base =
                    it != out.end()
                        ? it->second
                        : topic_config_value(effective_topic_config(broker, out), change.name);
                auto items = split_list(base);
                auto given = split_list(*change.value);
                if (op == config_op::append) {
                    for (auto& g : given)
                        if (std::find(items.begin(), items.end(), g) == items.end())
                            items.push_back(g);
                } else {
                    std::erase_if(items, [&](const std::string& item) {
                        return std::find(given.begin(), given.end(), item) != given.end();
                    });
                }
                out[change.name] = join_list(items);
                break;
            }
        }
    }
    if (auto r = validate_all(out); !r) return fail(r.error());
    return out;
}

}  // namespace fjord::broker
