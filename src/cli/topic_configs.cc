#include "cli/topic_configs.h"

#include <fmt/format.h>

#include "cli/kafka_errors.h"

namespace fjord::cli {
namespace {

struct resource_deleter {
    void operator()(rd_kafka_ConfigResource_t* r) const { rd_kafka_ConfigResource_destroy(r); }
};
using resource_handle = std::unique_ptr<rd_kafka_ConfigResource_t, resource_deleter>;

cli_result<void> check_resource(const rd_kafka_ConfigResource_t* r, std::string_view what) {
    rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(r);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return {};
    const char* text = rd_kafka_ConfigResource_error_string(r);
    return fail(kafka_failure(err, what, text != nullptr ? text : ""));
}

}  // namespace

cli_result<std::vector<config_entry>> describe_topic_config(rd_kafka_t* rk,
                                                            const client_options& options,
                                                            const std::string& topic) {
    std::string what = fmt::format("describe configs of topic '{}'", topic);
    resource_handle resource(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
    auto event =
        admin_call(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, options, what,
                   [&](rd_kafka_t* h, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                       rd_kafka_ConfigResource_t* list[] = {resource.get()};
                       rd_kafka_DescribeConfigs(h, list, 1, o, q);
                   });
    if (!event) return fail(event.error());
    const auto* res = rd_kafka_event_DescribeConfigs_result(event->get());
    size_t count = 0;
    const rd_kafka_ConfigResource_t** resources =
        rd_kafka_DescribeConfigs_result_resources(res, &count);
    if (count != 1) return operation_failed(fmt::format("{}: no result for the topic", what));
    if (auto ok = check_resource(resources[0], what); !ok) return fail(ok.error());
    size_t n = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[0], &n);
    std::vector<config_entry> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        const auto* e = entries[i];
        config_entry c;
        c.name = rd_kafka_ConfigEntry_name(e);
        if (const char* v = rd_kafka_ConfigEntry_value(e)) c.value = v;
        rd_kafka_ConfigSource_t source = rd_kafka_ConfigEntry_source(e);
        c.source = rd_kafka_ConfigSource_name(source);
        // DescribeConfigs v0 reports no source, only is_default.
        c.is_override = source == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG ||
                        (source == RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG &&
                         !rd_kafka_ConfigEntry_is_default(e));
        c.read_only = rd_kafka_ConfigEntry_is_read_only(e) != 0;
        c.sensitive = rd_kafka_ConfigEntry_is_sensitive(e) != 0;
        out.push_back(std::move(c));
    }
    return out;
}

cli_result<std::map<std::string, std::string>> alter_topic_config(
    rd_kafka_t* rk, const client_options& options, const std::string& topic,
    const std::map<std::string, std::string>& set, const std::vector<std::string>& remove) {
    auto current = describe_topic_config(rk, options, topic);
    if (!current) return fail(current.error());
    std::map<std::string, std::string> overrides;
    for (const auto& e : *current) {
        if (!e.is_override) continue;
        if (!e.value) {
            // A sensitive override cannot be read back, so it cannot be re-sent either: a
            // non-incremental AlterConfigs would silently drop it.
            return operation_failed(fmt::format(
                "topic '{}': override {} is sensitive and cannot be preserved; change it with a "
                "client that supports IncrementalAlterConfigs",
                topic, e.name));
        }
        overrides[e.name] = *e.value;
    }
    for (const auto& key : remove) overrides.erase(key);
    for (const auto& [key, value] : set) overrides[key] = value;

    std::string what = fmt::format("alter configs of topic '{}'", topic);
    resource_handle resource(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
    for (const auto& [key, value] : overrides) {
        if (rd_kafka_ConfigResource_set_config(resource.get(), key.c_str(), value.c_str()) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
            return usage_error(fmt::format("bad config {}={}", key, value));
        }
    }
    auto event =
        admin_call(rk, RD_KAFKA_ADMIN_OP_ALTERCONFIGS, options, what,
                   [&](rd_kafka_t* h, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                       rd_kafka_ConfigResource_t* list[] = {resource.get()};
                       rd_kafka_AlterConfigs(h, list, 1, o, q);
                   });
    if (!event) return fail(event.error());
    const auto* res = rd_kafka_event_AlterConfigs_result(event->get());
    size_t count = 0;
    const rd_kafka_ConfigResource_t** resources =
        rd_kafka_AlterConfigs_result_resources(res, &count);
    if (count != 1) return operation_failed(fmt::format("{}: no result for the topic", what));
    if (auto ok = check_resource(resources[0], what); !ok) return fail(ok.error());
    return overrides;
}

}  // namespace fjord::cli
