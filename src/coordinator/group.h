// One classic consumer group's state: its members, the state machine (Empty,
// PreparingRebalance, CompletingRebalance, Stable, Dead), protocol selection and leader choice,
// and the conversion to and from the group-metadata record of __consumer_offsets.
//
// Not thread-safe: owned by group_manager, which holds its mutex around every use. It knows
// nothing of timers or persistence beyond the timer slots it keeps for the manager.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "coordinator/group_types.h"
#include "coordinator/records.h"
#include "coordinator/timer_service.h"

namespace fjord::coordinator {

enum class group_state { empty, preparing_rebalance, completing_rebalance, stable, dead };

// Kafka's names: "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead".
std::string_view state_name(group_state);

// One scheduled timer. `token` tells a firing timer whether it is still the current arming
// (cancel() cannot stop a timer that already started); 0 = not armed.
struct timer_slot {
    timer_service::timer_id id = 0;
    uint64_t token = 0;
};

struct group_member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    int32_t session_timeout_ms = 0;
    int32_t rebalance_timeout_ms = 0;
    std::string protocol_type;
    std::vector<protocol_metadata> protocols;  // in preference order
    bytes assignment;
    // Parked JoinGroup / SyncGroup answers, set while the member waits.
    std::function<void(join_result)> awaiting_join;
    std::function<void(sync_result)> awaiting_sync;
    // Joined for the first time and not yet through a completed join phase: such a member has no
    // session yet (it cannot heartbeat while parked), so it expires only after a long timeout.
    bool is_new = false;
    timer_slot heartbeat;

    bool is_static() const { return group_instance_id.has_value(); }
    bool is_awaiting_join() const { return static_cast<bool>(awaiting_join); }
    bool is_awaiting_sync() const { return static_cast<bool>(awaiting_sync); }
    // The member's metadata for `protocol`; nullptr if it does not support it.
    const bytes* metadata_for(std::string_view protocol) const;
    // Same protocols, in the same order, with the same metadata.
    bool matches(const std::vector<protocol_metadata>& protocols) const;
};

class group {
public:
    explicit group(std::string id) : _id(std::move(id)) {}

    const std::string& id() const { return _id; }
    group_state state() const { return _state; }
    bool is(group_state s) const { return _state == s; }
    // Checks the transition against Kafka's state machine (an invariant of the manager).
    void transition_to(group_state next);

    int32_t generation() const { return _generation; }
    const std::optional<std::string>& protocol_type() const { return _protocol_type; }
    const std::optional<std::string>& protocol_name() const { return _protocol_name; }
    // "" = no leader (no members).
    const std::string& leader() const { return _leader; }
    bool is_leader(std::string_view member_id) const {
        return !_leader.empty() && _leader == member_id;
    }

    // Members, keyed by member id.
    const std::map<std::string, std::unique_ptr<group_member>, std::less<>>& members() const {
        return _members;
    }
    bool has(std::string_view member_id) const { return _members.contains(member_id); }
    group_member* get(std::string_view member_id) const;
    size_t size() const { return _members.size(); }
    // The first member sets the protocol type and becomes the leader if there is none.
    group_member& add(std::unique_ptr<group_member> m);
    // Removes a member (and its static id); a new leader is picked if it led. nullptr if absent.
    std::unique_ptr<group_member> remove(std::string_view member_id);

    // Static membership (KIP-345): instance id -> current member id.
    std::optional<std::string> static_member_id(std::string_view instance_id) const;
    // A request naming an instance id whose current member id differs: a stale instance.
    bool is_static_member_fenced(const std::optional<std::string>& instance_id,
                                 std::string_view member_id) const;
    // Re-keys the member of `instance_id` from `old_id` to `new_id` (leadership follows).
    // Returns the member, whose parked callbacks the caller must answer/fence.
    group_member& replace_static_member(const std::string& instance_id, const std::string& old_id,
                                        const std::string& new_id);

    // KIP-394 members that were given an id (member_id_required) but have not joined with it yet.
    std::map<std::string, timer_slot, std::less<>> pending_members;
    // Members that got their JoinGroup answer but have not sent SyncGroup yet.
    std::set<std::string, std::less<>> pending_sync_members;

    // Whether a member with this protocol type and these protocols may join (Kafka's
    // supportsProtocols): any non-empty type and list when Empty; otherwise the same type and at
    // least one protocol every current member supports.
    bool supports_protocols(std::string_view protocol_type,
                            const std::vector<protocol_metadata>& protocols) const;
    // The protocol every member supports that wins most members' first-preference votes
    // (Kafka's selectProtocol). Ties go to the smallest name. REQUIRES: members non-empty and a
    // common protocol (guaranteed by supports_protocols on every join).
    std::string select_protocol() const;

    size_t num_awaiting_join() const;
    // All members have rejoined and no KIP-394 pending member is outstanding.
    bool has_all_members_joined() const;
    // The longest rebalance timeout among members (the join phase's deadline).
    std::chrono::milliseconds rebalance_timeout() const;
    // Keeps the leader if it rejoined, else picks a member that did. False if none rejoined.
    bool maybe_elect_new_joined_leader();
    // Next generation: CompletingRebalance with a selected protocol, or Empty without members.
    void init_next_generation();

    // The join answer for `m` in the current generation (members listed for the leader only).
    join_result join_result_for(const group_member& m) const;

    // Set when a member joins during the first rebalance (generation 0) so the initial delay
    // is extended (KIP-134).
    bool new_member_added = false;
    // The join phase is in its initial delay: it ends on the timer only, never early.
    bool in_initial_delay = false;
    timer_slot join_timer;  // the join phase's deadline (or initial delay)
    timer_slot sync_timer;  // the deadline for pending_sync_members

    // The group-metadata record value for the current state.
    records::group_metadata_value to_record(int64_t now_ms) const;
    // Restores a group read back at start-up: Stable with members, else Empty.
    static std::unique_ptr<group> from_record(std::string id, const records::group_metadata_value&);

private:
    std::string _id;
    group_state _state = group_state::empty;
    int32_t _generation = 0;
    std::optional<std::string> _protocol_type;
    std::optional<std::string> _protocol_name;
    std::string _leader;
    std::map<std::string, std::unique_ptr<group_member>, std::less<>> _members;
    std::map<std::string, std::string, std::less<>> _static_members;  // instance id -> member id
};

}  // namespace fjord::coordinator
