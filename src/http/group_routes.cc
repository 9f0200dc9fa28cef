// Consumer groups: list, describe with lag, delete, reset offsets (docs/http-api.md).
#include <fmt/format.h>
#include <httplib.h>

#include <chrono>
#include <future>
#include <map>

#include "broker/error_mapping.h"
#include "broker/group_lag.h"
#include "broker/services.h"
#include "coordinator/group_manager.h"
#include "coordinator/offset_store.h"
#include "http/routes.h"
#include "http/topic_lookup.h"
#include "protocol/messages/consumer_protocol_assignment.h"
#include "protocol/wire.h"
#include "storage/partition_log.h"

namespace fjord::http {
namespace {

// Deleting a group or committing offsets waits for __consumer_offsets to be fsynced.
constexpr auto coordinator_timeout = std::chrono::seconds(30);

using partition_key = std::pair<std::string, int32_t>;

// The partitions a member was assigned, from its ConsumerProtocolAssignment (an int16 version,
// then the struct; newer versions only append fields). Non-consumer groups have none.
std::vector<protocol::consumer_protocol_assignment::topic_partition> assigned(
    const coordinator::described_member& member) {
    if (member.assignment.empty()) return {};
    protocol::reader r(nullptr, member.assignment);
    int16_t version = r.read_int16();
    if (!r.ok() || version < 0) return {};
    version = std::min(version, protocol::consumer_protocol_assignment::max_version);
    protocol::consumer_protocol_assignment assignment;
    if (!assignment.decode(r, version) || !r.ok()) return {};
    return std::move(assignment.assigned_partitions);
}

struct group_view {
    json body;
    int64_t total_lag = 0;
    std::set<std::string> topics;
    size_t member_count = 0;
};

// Everything the API tells about one group; nullopt when it has neither members nor offsets.
std::optional<group_view> describe_group(broker::broker_services& services, const std::string& id) {
    auto description = services.groups.describe(id);
    auto committed = services.offsets.fetch_all(id);
    bool known = services.groups.exists(id);
    if (!known && committed.empty()) return std::nullopt;

    group_view view;
    std::map<partition_key, std::string> owner;  // partition → member id
    json members = json::array();
    if (known) {
        for (const auto& m : description.members) {
            json assignments = json::array();
            for (auto& tp : assigned(m)) {
                for (int32_t p : tp.partitions) owner[{tp.topic, p}] = m.member_id;
                view.topics.insert(tp.topic);
                assignments.push_back({{"topic", tp.topic}, {"partitions", tp.partitions}});
            }
            members.push_back({
                {"member_id", m.member_id},
                {"group_instance_id",
                 m.group_instance_id ? json(*m.group_instance_id) : json(nullptr)},
                {"client_id", m.client_id},
                {"client_host", m.client_host},
                {"assignments", std::move(assignments)},
            });
        }
    }
    view.member_count = members.size();

    std::map<partition_key, json> rows;
    auto lag_row = [&](const std::string& topic, int32_t partition,
                       const coordinator::committed_offset* c) {
        auto lag = broker::partition_lag(services.topics, topic, partition,
                                         c ? std::optional<int64_t>(c->offset) : std::nullopt);
        int64_t behind = lag ? lag->lag : 0;
        view.total_lag += behind;
        view.topics.insert(topic);
        auto it = owner.find({topic, partition});
        rows[{topic, partition}] = {
            {"topic", topic},
            {"partition", partition},
            {"committed_offset", c ? json(c->offset) : json(nullptr)},
            {"metadata", c ? json(c->metadata) : json(nullptr)},
            {"log_end_offset", lag ? json(lag->high_watermark) : json(nullptr)},
            {"lag", behind},
            {"member_id", it == owner.end() ? json(nullptr) : json(it->second)},
        };
    };
    for (const auto& [ref, offset] : committed) lag_row(ref.topic, ref.partition, &offset);
    for (const auto& [key, member] : owner) {
        if (!rows.contains(key)) lag_row(key.first, key.second, nullptr);
    }
    json offsets = json::array();
    for (auto& [key, row] : rows) offsets.push_back(std::move(row));

    view.body = {
        {"group_id", id},
        {"state", known ? description.state : "Empty"},
        {"protocol_type", known ? description.protocol_type : "consumer"},
        {"protocol", known ? description.protocol : ""},
        {"members", std::move(members)},
        {"offsets", std::move(offsets)},
        {"total_lag", view.total_lag},
    };
    return view;
}

api_error unknown_group(const std::string& id) {
    return from_kafka_error(broker::kafka_error::group_id_not_found,
                            fmt::format("group '{}' has no members and no committed offsets", id));
}

api_error group_not_empty(const std::string& id, std::string_view action) {
    return from_kafka_error(
        broker::kafka_error::non_empty_group,
        fmt::format("group '{}' has active members; stop its consumers before {}", id, action));
}

// Waits for a coordinator callback that reports one errc.
template <typename Start>
result<void, api_error> await_coordinator(Start start) {
    auto done = std::make_shared<std::promise<coordinator::errc>>();
    auto future = done->get_future();
    start([done](coordinator::errc e) { done->set_value(e); });
    if (future.wait_for(coordinator_timeout) != std::future_status::ready) {
        return fail(from_kafka_error(broker::kafka_error::request_timed_out,
                                     "the coordinator did not answer in time"));
    }
    auto e = future.get();
    if (e != coordinator::errc::none) {
        return fail(
            from_kafka_error(broker::to_kafka_error(e), std::string(coordinator::describe(e))));
    }
    return {};
}

result<json_reply, api_error> delete_group(broker::broker_services& services,
                                           const std::string& id) {
    bool has_group = services.groups.exists(id);
    if (!has_group && !services.offsets.has_offsets(id)) return fail(unknown_group(id));
    if (services.groups.has_members(id)) return fail(group_not_empty(id, "deleting it"));
    if (has_group) {
        auto r = await_coordinator([&](auto done) { services.groups.delete_group(id, done); });
        if (!r) return fail(r.error());
    }
    auto r = await_coordinator([&](auto done) { services.offsets.delete_group(id, done); });
    if (!r) return fail(r.error());
    return json_reply{.body = {{"deleted", id}}};
}

struct reset_request {
    std::string topic;
    std::optional<std::vector<int32_t>> partitions;
    std::string to;
    int64_t position = 0;
};

result<reset_request, api_error> parse_reset(const json& body) {
    reset_request out;
    auto topic = string_field(body, "topic");
    if (!topic) return fail(topic.error());
    if (!*topic) return fail(bad_request("field 'topic' is required"));
    out.topic = std::move(**topic);
    auto to = string_field(body, "to");
    if (!to) return fail(to.error());
    if (!*to)
        return fail(bad_request("field 'to' is required (earliest, latest, offset, timestamp)"));
    out.to = std::move(**to);
    if (out.to != "earliest" && out.to != "latest" && out.to != "offset" && out.to != "timestamp") {
        return fail(bad_request(fmt::format(
            "field 'to' must be earliest, latest, offset or timestamp, got '{}'", out.to)));
    }
    auto offset = int_field(body, "offset", 0, INT64_MAX);
    if (!offset) return fail(offset.error());
    auto timestamp = int_field(body, "timestamp", 0, INT64_MAX);
    if (!timestamp) return fail(timestamp.error());
    if (out.to == "offset") {
        if (!*offset) return fail(bad_request("'to': 'offset' needs field 'offset'"));
        out.position = **offset;
    } else if (*offset) {
        return fail(bad_request("field 'offset' is only allowed with 'to': 'offset'"));
    }
    if (out.to == "timestamp") {
        if (!*timestamp) return fail(bad_request("'to': 'timestamp' needs field 'timestamp'"));
        out.position = **timestamp;
    } else if (*timestamp) {
        return fail(bad_request("field 'timestamp' is only allowed with 'to': 'timestamp'"));
    }
    if (auto it = body.find("partitions"); it != body.end() && !it->is_null()) {
        if (!it->is_array()) return fail(bad_request("field 'partitions' must be an array"));
        std::vector<int32_t> partitions;
        for (const auto& p : *it) {
            if (!p.is_number_integer() || p.get<int64_t>() < 0 || p.get<int64_t>() > INT32_MAX) {
                return fail(bad_request("field 'partitions' must hold partition numbers >= 0"));
            }
            partitions.push_back(p.get<int32_t>());
        }
        out.partitions = std::move(partitions);
    }
    return out;
}

result<int64_t, api_error> reset_target(const reset_request& reset, storage::partition_log& log) {
    int64_t start = log.log_start_offset()();
    int64_t end = log.high_watermark()();
    if (reset.to == "earliest") return start;
    if (reset.to == "latest") return end;
    if (reset.to == "offset") return std::clamp(reset.position, start, std::max(start, end));
    auto found = log.find_offset_by_timestamp(model::timestamp(reset.position));
    if (!found) {
        return fail(api_error{.status = 500,
                              .code = "KAFKA_STORAGE_ERROR",
                              .message = std::string(storage::describe(found.error()))});
    }
    if (!*found) return end;
    return std::clamp((*found)->offset(), start, std::max(start, end));
}

result<json_reply, api_error> reset_offsets(broker::broker_services& services,
                                            const std::string& id, const httplib::Request& req) {
    auto body = parse_object_body(req);
    if (!body) return fail(body.error());
    auto reset = parse_reset(*body);
    if (!reset) return fail(reset.error());
    auto topic = find_topic(services.topics, reset->topic);
    if (!topic) return fail(topic.error());
    if (services.groups.has_members(id)) return fail(group_not_empty(id, "resetting its offsets"));

    std::vector<int32_t> partitions;
    if (reset->partitions) {
        partitions = *reset->partitions;
    } else {
        for (size_t i = 0; i < (*topic)->partitions.size(); ++i) {
            partitions.push_back(static_cast<int32_t>(i));
        }
    }
    std::vector<coordinator::offset_commit_entry> entries;
    json answer = json::array();
    for (int32_t index : partitions) {
        auto p = (*topic)->find_partition(index);
        if (!p) return fail(unknown_partition(**topic, index));
        auto target = reset_target(*reset, p->log());
        if (!target) return fail(target.error());
        entries.push_back({.topic = reset->topic, .partition = index, .offset = *target});
        answer.push_back({{"topic", reset->topic}, {"partition", index}, {"offset", *target}});
    }
    auto done = std::make_shared<std::promise<std::vector<coordinator::errc>>>();
    auto future = done->get_future();
    services.offsets.commit(id, std::move(entries), [done](std::vector<coordinator::errc> e) {
        done->set_value(std::move(e));
    });
    if (future.wait_for(coordinator_timeout) != std::future_status::ready) {
        return fail(from_kafka_error(broker::kafka_error::request_timed_out,
                                     "the coordinator did not answer in time"));
    }
    for (auto e : future.get()) {
        if (e != coordinator::errc::none) {
            return fail(
                from_kafka_error(broker::to_kafka_error(e), std::string(coordinator::describe(e))));
        }
    }
    return json_reply{.body = {{"offsets", std::move(answer)}}};
}

}  // namespace

void add_group_routes(api_router& router, api_context& context) {
    auto& services = context.services;
    router.get("/api/v1/groups",
               [&services](const httplib::Request&) -> result<json_reply, api_error> {
                   json groups = json::array();
                   for (const auto& id : broker::known_groups(services.groups, services.offsets)) {
                       auto view = describe_group(services, id);
                       if (!view) continue;  // deleted meanwhile
                       groups.push_back({
                           {"group_id", id},
                           {"state", view->body["state"]},
                           {"protocol_type", view->body["protocol_type"]},
                           {"protocol", view->body["protocol"]},
                           {"member_count", view->member_count},
                           {"topics", view->topics},
                           {"total_lag", view->total_lag},
                       });
                   }
                   return json_reply{.body = {{"groups", std::move(groups)}}};
               });
    router.get(R"(/api/v1/groups/([^/]+))",
               [&services](const httplib::Request& req) -> result<json_reply, api_error> {
                   std::string id = req.matches[1];
                   auto view = describe_group(services, id);
                   if (!view) return fail(unknown_group(id));
                   return json_reply{.body = std::move(view->body)};
               });
    router.remove(R"(/api/v1/groups/([^/]+))", [&services](const httplib::Request& req) {
        return delete_group(services, req.matches[1]);
    });
    router.post(R"(/api/v1/groups/([^/]+)/offsets/reset)",
                [&services](const httplib::Request& req) {
                    return reset_offsets(services, req.matches[1], req);
                });
}

}  // namespace fjord::http
