// Group administration: DescribeGroups, ListGroups and DeleteGroups. A group that only has
// committed offsets (consumers that used assign()) shows as Empty, as in Kafka.
#include <algorithm>
#include <atomic>
#include <cctype>

#include "broker/error_mapping.h"
#include "broker/handlers/handlers.h"
#include "protocol/messages/delete_groups.h"
#include "protocol/messages/describe_groups.h"
#include "protocol/messages/list_groups.h"

namespace fjord::broker {
namespace {

constexpr std::string_view state_empty = "Empty";
constexpr std::string_view state_dead = "Dead";
constexpr std::string_view classic_group_type = "classic";

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

bool matches_filter(const std::vector<std::string>& filter, std::string_view value) {
    return filter.empty() || std::any_of(filter.begin(), filter.end(), [&](const auto& f) {
               return equals_ignoring_case(f, value);
           });
}

}  // namespace

void handle_describe_groups(request_context&& ctx) {
    auto request = ctx.decode<protocol::describe_groups_request>();
    if (!request) return;
    const auto& services = *ctx.services;
    protocol::describe_groups_response response;
    for (const auto& id : request->groups) {
        auto d = services.groups.describe(id);
        auto& out = response.groups.emplace_back();
        out.group_id = id;
        out.error_code = error_code_of(d.error);
        out.group_state = d.state;
        if (d.state == state_dead && services.offsets.has_offsets(id)) {
            out.group_state = state_empty;
        }
        out.protocol_type = d.protocol_type;
        out.protocol_data = d.protocol;
        for (auto& m : d.members) {
            out.members.push_back({.member_id = std::move(m.member_id),
                                   .group_instance_id = std::move(m.group_instance_id),
                                   .client_id = std::move(m.client_id),
                                   .client_host = std::move(m.client_host),
                                   .member_metadata = std::move(m.metadata),
                                   .member_assignment = std::move(m.assignment)});
        }
    }
    ctx.respond(response);
}

void handle_list_groups(request_context&& ctx) {
    auto request = ctx.decode<protocol::list_groups_request>();
    if (!request) return;
    const auto& services = *ctx.services;
    protocol::list_groups_response response;
    if (!matches_filter(request->types_filter, classic_group_type)) {
        ctx.respond(response);
        return;
    }
    auto listed = services.groups.list(request->states_filter);
    for (auto& g : listed) {
        response.groups.push_back({.group_id = std::move(g.group_id),
                                   .protocol_type = std::move(g.protocol_type),
                                   .group_state = std::move(g.state),
                                   .group_type = std::string(classic_group_type)});
    }
    if (matches_filter(request->states_filter, state_empty)) {
        for (auto& id : services.offsets.groups()) {
            if (services.groups.exists(id)) continue;
            response.groups.push_back({.group_id = std::move(id),
                                       .protocol_type = "",
                                       .group_state = std::string(state_empty),
                                       .group_type = std::string(classic_group_type)});
        }
    }
    ctx.respond(response);
}

void handle_delete_groups(request_context&& ctx) {
    auto request = ctx.decode<protocol::delete_groups_request>();
    if (!request) return;
    auto& services = *ctx.services;
    struct deletion {
        explicit deletion(request_context&& c) : ctx(std::move(c)) {}
        request_context ctx;
        protocol::delete_groups_response response;
        std::atomic<size_t> pending{1};
        void finish_one() {
            if (pending.fetch_sub(1, std::memory_order_acq_rel) == 1) ctx.respond(response);
        }
    };
    auto state = std::make_shared<deletion>(std::move(ctx));
    state->response.results.resize(request->groups_names.size());
    for (size_t i = 0; i < request->groups_names.size(); ++i) {
        const std::string& id = request->groups_names[i];
        auto* out = &state->response.results[i];
        out->group_id = id;
        bool has_group = services.groups.exists(id);
        if (!has_group && !services.offsets.has_offsets(id)) {
            out->error_code = code(kafka_error::group_id_not_found);
            continue;
        }
        state->pending.fetch_add(1, std::memory_order_relaxed);
        auto drop_offsets = [&services, state, out, id](coordinator::errc e) {
            if (e != coordinator::errc::none) {
                out->error_code = error_code_of(e);
                state->finish_one();
                return;
            }
            services.offsets.delete_group(id, [state, out](coordinator::errc e2) {
                out->error_code = error_code_of(e2);
                state->finish_one();
            });
        };
        if (has_group) {
            services.groups.delete_group(id, std::move(drop_offsets));
        } else {
            drop_offsets(coordinator::errc::none);
        }
    }
    state->finish_one();
}

}  // namespace fjord::broker
