// Topics: list, create, describe, delete, change configs, add partitions (docs/http-api.md).
#include <fmt/format.h>
#include <httplib.h>

#include "broker/config_ops.h"
#include "broker/error_mapping.h"
#include "broker/internal_topic.h"
#include "broker/services.h"
#include "coordinator/offset_store.h"
#include "http/routes.h"
#include "http/topic_lookup.h"
#include "http/topic_views.h"

namespace fjord::http {
namespace {

// Config values are strings in Kafka; numbers and booleans are accepted as their JSON text.
result<std::string, api_error> config_value_text(const std::string& name, const json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number() || value.is_boolean()) return value.dump();
    return fail(from_kafka_error(broker::kafka_error::invalid_config,
                                 fmt::format("config '{}' needs a string value", name)));
}

result<broker::new_topic, api_error> parse_new_topic(const json& body) {
    broker::new_topic spec;
    auto name = string_field(body, "name");
    if (!name) return fail(name.error());
    if (!*name) return fail(bad_request("field 'name' is required"));
    spec.name = std::move(**name);
    auto partitions = int_field(body, "partitions", 1, 100000);
    if (!partitions) return fail(partitions.error());
    if (*partitions) spec.partitions = static_cast<int32_t>(**partitions);
    auto replication = int_field(body, "replication_factor", 1, INT16_MAX);
    if (!replication) return fail(replication.error());
    if (*replication) spec.replication_factor = static_cast<int16_t>(**replication);
    if (auto it = body.find("configs"); it != body.end() && !it->is_null()) {
        if (!it->is_object()) return fail(bad_request("field 'configs' must be an object"));
        for (const auto& [key, value] : it->items()) {
            auto text = config_value_text(key, value);
            if (!text) return fail(text.error());
            spec.configs.emplace(key, std::move(*text));
        }
    }
    return spec;
}

result<std::vector<broker::config_change>, api_error> parse_config_changes(const json& body) {
    std::vector<broker::config_change> changes;
    for (const auto& [key, value] : body.items()) {
        if (key != "set" && key != "delete") {
            return fail(bad_request(fmt::format("unknown field '{}' (expected set, delete)", key)));
        }
    }
    if (auto it = body.find("set"); it != body.end() && !it->is_null()) {
        if (!it->is_object()) return fail(bad_request("field 'set' must be an object"));
        for (const auto& [name, value] : it->items()) {
            auto text = config_value_text(name, value);
            if (!text) return fail(text.error());
            changes.push_back({.name = name,
                               .op = static_cast<int8_t>(broker::config_op::set),
                               .value = std::move(*text)});
        }
    }
    if (auto it = body.find("delete"); it != body.end() && !it->is_null()) {
        if (!it->is_array()) return fail(bad_request("field 'delete' must be an array of names"));
        for (const auto& name : *it) {
            if (!name.is_string()) {
                return fail(bad_request("field 'delete' must be an array of names"));
            }
            changes.push_back({.name = name.get<std::string>(),
                               .op = static_cast<int8_t>(broker::config_op::remove),
                               .value = std::nullopt});
        }
    }
    if (changes.empty()) return fail(bad_request("nothing to change: give 'set' or 'delete'"));
    return changes;
}

}  // namespace

void add_topic_routes(api_router& router, api_context& context) {
    auto& services = context.services;
    router.get("/api/v1/topics",
               [&services](const httplib::Request& req) -> result<json_reply, api_error> {
                   bool with_internal =
                       !(req.has_param("internal") && req.get_param_value("internal") == "false");
                   auto topics = services.topics.all();
                   std::sort(topics.begin(), topics.end(), [](const auto& a, const auto& b) {
                       return a->metadata.name < b->metadata.name;
                   });
                   json list = json::array();
                   for (const auto& topic : topics) {
                       if (!with_internal && broker::is_internal_topic(topic->metadata.name))
                           continue;
                       list.push_back(topic_summary(*topic));
                   }
                   return json_reply{.body = {{"topics", std::move(list)}}};
               });

    router.post("/api/v1/topics",
                [&services](const httplib::Request& req) -> result<json_reply, api_error> {
                    auto body = parse_object_body(req);
                    if (!body) return fail(body.error());
                    auto spec = parse_new_topic(*body);
                    if (!spec) return fail(spec.error());
                    auto created = services.topics.create(*spec, /*validate_only=*/false);
                    if (!created) return fail(from_topic_error(created.error()));
                    return json_reply{.status = 201,
                                      .body = topic_detail(services.config, **created)};
                });

    router.get(R"(/api/v1/topics/([^/]+))",
               [&services](const httplib::Request& req) -> result<json_reply, api_error> {
                   auto topic = find_topic(services.topics, req.matches[1]);
                   if (!topic) return fail(topic.error());
                   return json_reply{.body = topic_detail(services.config, **topic)};
               });

    router.remove(R"(/api/v1/topics/([^/]+))",
                  [&services](const httplib::Request& req) -> result<json_reply, api_error> {
                      std::string name = req.matches[1];
                      // Refused by name: whether it exists yet (they are created on first
                      // use) makes no difference.
                      if (broker::is_internal_topic(name)) {
                          return fail(from_kafka_error(
                              broker::kafka_error::invalid_topic_exception,
                              fmt::format("internal topic '{}' cannot be deleted", name)));
                      }
                      auto topic = find_topic(services.topics, name);
                      if (!topic) return fail(topic.error());
                      if (auto r = services.topics.remove(name); !r)
                          return fail(from_topic_error(r.error()));
                      services.offsets.remove_topic(name);
                      return json_reply{.body = {{"deleted", name}}};
                  });

    router.patch(
        R"(/api/v1/topics/([^/]+)/configs)",
        [&services](const httplib::Request& req) -> result<json_reply, api_error> {
            std::string name = req.matches[1];
            auto topic = find_topic(services.topics, name);
            if (!topic) return fail(topic.error());
            auto body = parse_object_body(req);
            if (!body) return fail(body.error());
            auto changes = parse_config_changes(*body);
            if (!changes) return fail(changes.error());
            auto changed = services.topics.alter_config(
                name,
                [&](const broker::config_overrides& current)
                    -> result<broker::config_overrides, broker::topic_error> {
                    auto next = broker::apply_incremental(services.config, current, *changes);
                    if (!next) {
                        return fail(broker::topic_error{broker::to_kafka_error(next.error().code),
                                                        next.error().message});
                    }
                    return std::move(next).value();
                },
                /*validate_only=*/false);
            if (!changed) return fail(from_topic_error(changed.error()));
            return json_reply{.body = {{"configs", config_view(services.config, **changed)}}};
        });

    router.post(
        R"(/api/v1/topics/([^/]+)/partitions)",
        [&services](const httplib::Request& req) -> result<json_reply, api_error> {
            std::string name = req.matches[1];
            auto topic = find_topic(services.topics, name);
            if (!topic) return fail(topic.error());
            auto body = parse_object_body(req);
            if (!body) return fail(body.error());
            auto count = int_field(*body, "count", 1, 100000);
            if (!count) return fail(count.error());
            if (!*count)
                return fail(bad_request("field 'count' (the new partition total) is required"));
            auto grown = services.topics.add_partitions(name, static_cast<int32_t>(**count), false);
            if (!grown) return fail(from_topic_error(grown.error()));
            // add_partitions publishes the grown topic; answer with what readers now see.
            auto now = find_topic(services.topics, name);
            if (!now) return fail(now.error());
            return json_reply{.body = topic_detail(services.config, **now)};
        });

    router.get(R"(/api/v1/topics/([^/]+)/partitions)",
               [&services](const httplib::Request& req) -> result<json_reply, api_error> {
                   auto topic = find_topic(services.topics, req.matches[1]);
                   if (!topic) return fail(topic.error());
                   json partitions = json::array();
                   for (const auto& p : (*topic)->partitions) {
                       partitions.push_back(partition_view(services.config.node_id, *p));
                   }
                   return json_reply{.body = {{"partitions", std::move(partitions)}}};
               });
}

}  // namespace fjord::http
