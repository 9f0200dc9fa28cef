// The handler registry: every Kafka API this broker serves, with the versions it implements.
// ApiVersions is built from this table, so nothing unimplemented is ever advertised.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "broker/error_mapping.h"
#include "broker/request_context.h"

namespace fjord::broker {

using handler_fn = void (*)(request_context&&);

struct handler_entry {
    int16_t api_key;
    const char* name;
    int16_t min_version;
    int16_t max_version;
    handler_fn handle;
};

// Runs `work(ctx)` on the admin thread (admin_executor): for handlers that block on the disk.
// The request context moves along and stays alive until `work` has run.
template <typename Work>
void run_on_admin_thread(request_context&& ctx, Work&& work) {
    broker_services* services = ctx.services;
    auto task = std::make_shared<std::pair<request_context, std::decay_t<Work>>>(
        std::move(ctx), std::forward<Work>(work));
    services->admin.submit([task] { task->second(task->first); });
}

// Runs `body(ctx)` once __consumer_offsets exists: at once, or on the admin thread after
// creating it. FindCoordinator creates it for clients that look their coordinator up; this
// covers those that go straight to JoinGroup or a commit. If it cannot be created, `body` runs
// anyway and its writes fail with COORDINATOR_NOT_AVAILABLE.
void with_offsets_log(request_context&& ctx, void (*body)(request_context&&));

// The completion of a per-partition offsets operation (commit, delete): each entry's error
// goes into its response slot, in order, then the response is sent.
template <typename Response, typename Slot>
auto fill_slots_then_respond(std::shared_ptr<request_context> state,
                             std::shared_ptr<Response> response, std::vector<Slot*> slots) {
    return [state = std::move(state), response = std::move(response),
            slots = std::move(slots)](std::vector<coordinator::errc> results) {
        for (size_t i = 0; i < slots.size() && i < results.size(); ++i) {
            slots[i]->error_code = error_code_of(results[i]);
        }
        state->respond(*response);
    };
}

std::span<const handler_entry> handler_registry();
const handler_entry* find_handler(int16_t api_key);

void handle_produce(request_context&& ctx);
void handle_fetch(request_context&& ctx);
void handle_list_offsets(request_context&& ctx);
void handle_metadata(request_context&& ctx);
void handle_find_coordinator(request_context&& ctx);
void handle_api_versions(request_context&& ctx);
void handle_create_topics(request_context&& ctx);
void handle_delete_topics(request_context&& ctx);
void handle_describe_cluster(request_context&& ctx);
void handle_offset_commit(request_context&& ctx);
void handle_offset_fetch(request_context&& ctx);
void handle_join_group(request_context&& ctx);
void handle_heartbeat(request_context&& ctx);
void handle_leave_group(request_context&& ctx);
void handle_sync_group(request_context&& ctx);
void handle_describe_groups(request_context&& ctx);
void handle_list_groups(request_context&& ctx);
void handle_delete_groups(request_context&& ctx);
void handle_offset_delete(request_context&& ctx);
void handle_delete_records(request_context&& ctx);
void handle_describe_configs(request_context&& ctx);
void handle_alter_configs(request_context&& ctx);
void handle_describe_log_dirs(request_context&& ctx);
void handle_create_partitions(request_context&& ctx);
void handle_incremental_alter_configs(request_context&& ctx);
void handle_init_producer_id(request_context&& ctx);
void handle_add_partitions_to_txn(request_context&& ctx);
void handle_add_offsets_to_txn(request_context&& ctx);
void handle_end_txn(request_context&& ctx);
void handle_txn_offset_commit(request_context&& ctx);
void handle_describe_transactions(request_context&& ctx);
void handle_list_transactions(request_context&& ctx);

}  // namespace fjord::broker
