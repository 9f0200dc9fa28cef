// The classic consumer-group coordinator: JoinGroup / SyncGroup / Heartbeat / LeaveGroup
// membership, with Kafka's semantics (KIP-394 member id required, KIP-345 static membership,
// KIP-134 initial rebalance delay, KIP-814 static leader skipping assignment). Cooperative
// rebalancing (KIP-429) needs nothing here beyond the classic protocol: clients rejoin.
//
// Group state lives in memory; group metadata (generation, protocol, leader, members and their
// assignments) is persisted to __consumer_offsets through coordinator_log when a leader's
// SyncGroup is accepted, when a group becomes Empty and (tombstone) when it is deleted, and is
// read back at start-up with load_record().
//
// Thread-safety: every method may be called from any thread; one mutex guards all groups.
// Callbacks (`done`) are never invoked while that mutex is held (nor is coordinator_log::append
// called under it), so a callback may call back into the manager. They run on the caller's
// thread, the timer thread or the coordinator_log's completion thread.
//
// Lifetime: the timer_service and the coordinator_log must outlive the manager. Timers and log
// completions that fire after the manager is destroyed are ignored.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "coordinator/coordinator_log.h"
#include "coordinator/errc.h"
#include "coordinator/group_types.h"
#include "coordinator/timer_service.h"

namespace fjord::coordinator {

class group;
struct group_member;
struct timer_slot;

class group_manager {
public:
    group_manager(group_config, timer_service&, coordinator_log&);
    ~group_manager();
    group_manager(const group_manager&) = delete;
    group_manager& operator=(const group_manager&) = delete;

    // JoinGroup. `done` runs once: immediately for errors and for answers that need no
    // rebalance, otherwise when the join phase completes.
    void join(join_request, std::function<void(join_result)> done);
    // SyncGroup. Followers wait for the leader's assignment; the leader's answer (and everyone's)
    // waits until the group metadata is durable.
    void sync(sync_request, std::function<void(sync_result)> done);
    errc heartbeat(std::string_view group_id, int32_t generation_id, std::string_view member_id,
                   const std::optional<std::string>& group_instance_id);
    // LeaveGroup: one errc per member (v3+ batch; v0-2 pass one member). An empty member id with
    // an instance id removes that static member. An unknown group answers unknown_member_id
    // for every member.
    std::vector<errc> leave(std::string_view group_id, const std::vector<member_identity>& members);
    // Unknown group: state "Dead", no error (Kafka's behaviour). Outside Stable the protocol is
    // "" and members carry no metadata or assignment (Kafka's group summary).
    group_description describe(std::string_view group_id) const;
    // Case-insensitive state names ("Stable", "Empty"...); empty filter = all groups.
    std::vector<listed_group> list(const std::vector<std::string>& states_filter) const;
    // OffsetCommit fencing (Kafka's ClassicGroup.validateOffsetCommit). Generation < 0 with no
    // member id and no instance id is a "simple" commit: allowed when the group does not exist or
    // is Empty, unknown_member_id otherwise. A member commit on an unknown group gets
    // illegal_generation (Kafka answers GROUP_ID_NOT_FOUND instead from OffsetCommit v9: the
    // caller may translate).
    errc validate_commit(std::string_view group_id, int32_t generation_id,
                         std::string_view member_id,
                         const std::optional<std::string>& group_instance_id) const;
    // DeleteGroups: Empty groups only (non_empty_group otherwise, group_id_not_found if unknown).
    // The group leaves memory at once (Dead); a group-metadata tombstone is written, then
    // done(none), or done(coordinator_not_available) if it could not be written.
    void delete_group(std::string_view group_id, std::function<void(errc)> done);
    bool exists(std::string_view group_id) const;
    bool has_members(std::string_view group_id) const;
    // Whether a member's subscription (ConsumerProtocolSubscription of the selected protocol,
    // "consumer" protocol type only) names `topic`. Other protocol types: false.
    bool subscribed_to(std::string_view group_id, std::string_view topic) const;
    // Start-up replay of one group-metadata record of __consumer_offsets (nullopt value =
    // tombstone). Records that do not decode are skipped with a warning. Loaded members must
    // heartbeat within their session timeout or they expire.
    void load_record(bytes_view key, const std::optional<bytes>& value);
    // Cancels every timer and answers parked joins and syncs with coordinator_not_available.
    // Later calls answer coordinator_not_available. Idempotent.
    void shutdown();

private:
    struct effects;
    struct gate;
    struct pending_append {
        int32_t partition = 0;
        std::vector<log_record> records;
        std::function<void(bool durable)> done;
    };
    // What a static member's takeover replaced, to answer or undo it once persisted.
    struct static_takeover {
        std::string instance;
        std::string old_id;
        std::string new_id;
        std::vector<protocol_metadata> old_protocols;
        int32_t old_rebalance_timeout_ms = 0;
        int32_t old_session_timeout_ms = 0;
        std::string previous_leader;
        bool supports_skip_assignment = true;
    };
    using timer_body = std::function<void(group_manager&, uint64_t token, effects&)>;
    using store_then = std::function<void(group_manager&, group*, bool durable, effects&)>;

    // Runs `body` with the mutex held if the manager still exists (timer and log callbacks),
    // then the effects it produced.
    static void run_gated(const std::shared_ptr<gate>&,
                          const std::function<void(group_manager&, effects&)>& body);
    // Issues queued appends (in queue order) and answers callbacks. REQUIRES: _mutex NOT held.
    void finish(effects&);
    void drain_outbox();

    // Everything below REQUIRES _mutex.
    group* find(std::string_view group_id) const;
    bool accept_joining_member(const group&, std::string_view member_id) const;
    void join_new_member(group&, join_request&&, std::function<void(join_result)>&&, effects&);
    void join_static_member(group&, join_request&&, std::string new_member_id,
                            std::function<void(join_result)>&&, effects&);
    void on_static_takeover_stored(group*, const static_takeover&, bool durable, effects&);
    void join_known_member(group&, join_request&&, std::function<void(join_result)>&&, effects&);
    void add_member_and_rebalance(group&, join_request&&, std::string member_id,
                                  std::function<void(join_result)>&&, effects&);
    void update_member_and_rebalance(group&, group_member&, join_request&&,
                                     std::function<void(join_result)>&&, effects&);
    errc validate_sync(const group*, const sync_request&) const;
    void sync_completing(group&, group_member&, sync_request&&, std::function<void(sync_result)>&&,
                         effects&);
    void on_assignment_stored(group*, int32_t generation, bool durable, effects&);
    // The member has sent SyncGroup for this generation.
    void synced(group&, const group_member&);
    void maybe_prepare_rebalance(group&, std::string_view reason, effects&);
    void prepare_rebalance(group&, std::string_view reason, effects&);
    void try_complete_join(group&, effects&);
    void complete_join(group&, effects&);
    void remove_member(group&, const std::string& member_id, std::string_view reason, effects&);
    void reset_and_propagate_assignment_error(group&, errc, effects&);
    void propagate_assignment(group&, effects&);
    // Queues the group's metadata record (or a tombstone) for its offsets partition; `then`
    // runs with the group as found again by id (nullptr if gone) once the append completes.
    void store_group(const group&, store_then then);
    void store_tombstone(const std::string& group_id, store_then then);
    void schedule_heartbeat(group&, group_member&, std::chrono::milliseconds timeout);
    void schedule_join_deadline(group&, std::chrono::milliseconds delay, bool initial,
                                std::chrono::milliseconds remaining);
    void schedule_sync_deadline(group&);
    void arm(timer_slot&, std::chrono::milliseconds delay, timer_body);
    void disarm(timer_slot&);
    void cancel_timers(group&);
    void drop_if_unused(std::string_view group_id);

    // Timer bodies; `token` identifies the arming they belong to (stale firings are ignored).
    void on_heartbeat_expired(const std::string& group_id, const std::string& member_id,
                              uint64_t token, effects&);
    void on_pending_expired(const std::string& group_id, const std::string& member_id,
                            uint64_t token, effects&);
    void on_join_deadline(const std::string& group_id, uint64_t token, bool initial,
                          std::chrono::milliseconds remaining, effects&);
    void on_sync_deadline(const std::string& group_id, uint64_t token, effects&);

    const group_config _config;
    timer_service& _timers;
    coordinator_log& _log;
    std::shared_ptr<gate> _gate;

    mutable std::mutex _mutex;
    // GUARDED_BY(_mutex)
    std::map<std::string, std::unique_ptr<group>, std::less<>> _groups;
    std::deque<pending_append> _outbox;  // appends issued in order by one drainer at a time
    bool _draining = false;
    uint64_t _next_token = 0;
    bool _stopped = false;
};

}  // namespace fjord::coordinator
