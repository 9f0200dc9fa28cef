// The membership APIs of the classic group protocol: JoinGroup, SyncGroup, Heartbeat and
// LeaveGroup. Thin: translate the request, let the group manager decide, translate back.
#include "broker/error_mapping.h"
#include "broker/handlers/handlers.h"
#include "protocol/messages/heartbeat.h"
#include "protocol/messages/join_group.h"
#include "protocol/messages/leave_group.h"
#include "protocol/messages/sync_group.h"

namespace fjord::broker {
namespace {

constexpr int16_t first_nullable_protocol_name_version = 7;
constexpr int16_t first_known_member_id_version = 4;
constexpr int16_t first_skip_assignment_version = 9;

// Kafka reports the client's address as "/host".
std::string client_host(const net::connection_info& c) {
    auto colon = c.peer.rfind(':');
    return "/" + c.peer.substr(0, colon);
}

void join_group(request_context&& ctx) {
    auto request = ctx.decode<protocol::join_group_request>();
    if (!request) return;
    coordinator::join_request join{
        .group_id = request->group_id,
        .member_id = request->member_id,
        .group_instance_id = request->group_instance_id,
        .client_id = ctx.header.client_id.value_or(""),
        .client_host = client_host(ctx.connection),
        .session_timeout_ms = request->session_timeout_ms,
        // v0 has no rebalance timeout: the session timeout bounds the rebalance too.
        .rebalance_timeout_ms =
            ctx.version() == 0 ? request->session_timeout_ms : request->rebalance_timeout_ms,
        .protocol_type = request->protocol_type,
        .require_known_member_id = ctx.version() >= first_known_member_id_version,
        .supports_skip_assignment = ctx.version() >= first_skip_assignment_version,
        .reason = request->reason,
    };
    for (auto& p : request->protocols) {
        join.protocols.push_back({.name = std::move(p.name), .metadata = std::move(p.metadata)});
    }
    auto shared_ctx = std::make_shared<request_context>(std::move(ctx));
    shared_ctx->services->groups.join(std::move(join), [shared_ctx](coordinator::join_result r) {
        protocol::join_group_response response;
        response.error_code = error_code_of(r.error);
        response.generation_id = r.generation_id;
        response.protocol_type = r.protocol_type;
        response.protocol_name = shared_ctx->version() < first_nullable_protocol_name_version
                                     ? std::optional<std::string>(r.protocol_name.value_or(""))
                                     : r.protocol_name;
        response.leader = r.leader;
        response.skip_assignment = r.skip_assignment;
        response.member_id = r.member_id;
        for (auto& m : r.members) {
            response.members.push_back({.member_id = std::move(m.member_id),
                                        .group_instance_id = std::move(m.group_instance_id),
                                        .metadata = std::move(m.metadata)});
        }
        shared_ctx->respond(response);
    });
}

}  // namespace

void handle_join_group(request_context&& ctx) {
    with_offsets_log(std::move(ctx), join_group);
}

void handle_sync_group(request_context&& ctx) {
    auto request = ctx.decode<protocol::sync_group_request>();
    if (!request) return;
    coordinator::sync_request sync{
        .group_id = request->group_id,
        .generation_id = request->generation_id,
        .member_id = request->member_id,
        .group_instance_id = request->group_instance_id,
        .protocol_type = request->protocol_type,
        .protocol_name = request->protocol_name,
    };
    for (auto& a : request->assignments) {
        sync.assignments.emplace_back(std::move(a.member_id), std::move(a.assignment));
    }
    auto shared_ctx = std::make_shared<request_context>(std::move(ctx));
    shared_ctx->services->groups.sync(std::move(sync), [shared_ctx](coordinator::sync_result r) {
        protocol::sync_group_response response;
        response.error_code = error_code_of(r.error);
        response.protocol_type = r.protocol_type;
        response.protocol_name = r.protocol_name;
        response.assignment = std::move(r.assignment);
        shared_ctx->respond(response);
    });
}

void handle_heartbeat(request_context&& ctx) {
    auto request = ctx.decode<protocol::heartbeat_request>();
    if (!request) return;
    protocol::heartbeat_response response;
    response.error_code = error_code_of(ctx.services->groups.heartbeat(
        request->group_id, request->generation_id, request->member_id, request->group_instance_id));
    ctx.respond(response);
}

void handle_leave_group(request_context&& ctx) {
    auto request = ctx.decode<protocol::leave_group_request>();
    if (!request) return;
    std::vector<coordinator::member_identity> leaving;
    if (ctx.version() < 3) {
        leaving.push_back({.member_id = request->member_id});
    } else {
        for (const auto& m : request->members) {
            leaving.push_back({.member_id = m.member_id, .group_instance_id = m.group_instance_id});
        }
    }
    auto results = ctx.services->groups.leave(request->group_id, leaving);
    protocol::leave_group_response response;
    if (ctx.version() < 3) {
        response.error_code = results.empty() ? 0 : error_code_of(results.front());
    } else {
        for (size_t i = 0; i < leaving.size() && i < results.size(); ++i) {
            response.members.push_back({.member_id = leaving[i].member_id,
                                        .group_instance_id = leaving[i].group_instance_id,
                                        .error_code = error_code_of(results[i])});
        }
    }
    ctx.respond(response);
}

}  // namespace fjord::broker
