#include "coordinator/group_manager.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <utility>

#include "base/logger.h"
#include "base/uuid.h"
#include "base/vassert.h"
#include "coordinator/group.h"
#include "coordinator/records.h"
#include "protocol/messages/consumer_protocol_subscription.h"
#include "protocol/wire.h"

namespace fjord::coordinator {

namespace {

using std::chrono::milliseconds;

// A member that joined but has not been through a completed join phase cannot heartbeat, so it
// gets this long to be included before it is dropped (Kafka's NewMemberJoinTimeoutMs).
constexpr milliseconds new_member_join_timeout{300000};

spdlog::logger& log() {
    static auto logger = module_logger("coordinator");
    return *logger;
}

int64_t wall_clock_ms() {
    return std::chrono::duration_cast<milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Kafka's member ids: a prefix (client id or group instance id), '-', and a Java-style UUID.
std::string make_member_id(std::string_view prefix) {
    auto id = uuid::random();
    char text[37];
    const auto& d = id.data;
    std::snprintf(text, sizeof(text),
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", d[0],
                  d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13],
                  d[14], d[15]);
    std::string out(prefix);
    out += '-';
    out += text;
    return out;
}

join_result join_error(errc e, std::string member_id) {
    join_result r;
    r.error = e;
    r.member_id = std::move(member_id);
    return r;
}

sync_result sync_error(errc e) {
    sync_result r;
    r.error = e;
    return r;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// The topics of a ConsumerProtocolSubscription: an int16 version, then the struct at that
// version (newer versions only append fields, so they are read as the newest we know).
std::optional<std::vector<std::string>> subscription_topics(const bytes& metadata) {
    protocol::reader r(nullptr, metadata);
    int16_t version = r.read_int16();
    if (!r.ok() || version < 0) return std::nullopt;
    version = std::min(version, protocol::consumer_protocol_subscription::max_version);
    protocol::consumer_protocol_subscription s;
    if (!s.decode(r, version) || !r.ok()) return std::nullopt;
    return std::move(s.topics);
}

}  // namespace

// Callbacks and appends gathered under the mutex, run after it is released.
struct group_manager::effects {
    std::vector<std::function<void()>> calls;

    // Takes the callback out of `done` (leaving it empty) and queues its answer.
    template <typename Result>
    void reply(std::function<void(Result)>&& done, Result result) {
        auto callback = std::exchange(done, nullptr);
        if (!callback) return;
        calls.push_back([callback = std::move(callback), result = std::move(result)]() mutable {
            callback(std::move(result));
        });
    }
};

// Lets timer and log callbacks reach the manager only while it exists. Recursive because a
// callback's effects may complete an append synchronously, which re-enters through the gate.
struct group_manager::gate {
    std::recursive_mutex mu;
    group_manager* owner = nullptr;
};

group_manager::group_manager(group_config config, timer_service& timers, coordinator_log& log)
    : _config(config), _timers(timers), _log(log), _gate(std::make_shared<gate>()) {
    _gate->owner = this;
}

group_manager::~group_manager() {
    shutdown();
    std::lock_guard gl(_gate->mu);
    _gate->owner = nullptr;
}

void group_manager::run_gated(const std::shared_ptr<gate>& g,
                              const std::function<void(group_manager&, effects&)>& body) {
    std::lock_guard gl(g->mu);
    if (!g->owner) return;
    group_manager& mgr = *g->owner;
    effects fx;
    {
        std::lock_guard l(mgr._mutex);
        body(mgr, fx);
    }
    mgr.finish(fx);
}

void group_manager::finish(effects& fx) {
    drain_outbox();
    for (auto& call : fx.calls) call();
}

void group_manager::drain_outbox() {
    std::unique_lock l(_mutex);
    // One drainer at a time keeps appends in queue order; an append completing synchronously
    // re-enters here and leaves its follow-ups to the loop below.
    if (_draining) return;
    _draining = true;
    while (!_outbox.empty()) {
        auto item = std::move(_outbox.front());
        _outbox.pop_front();
        l.unlock();
        _log.append(item.partition, std::move(item.records), std::move(item.done));
        l.lock();
    }
    _draining = false;
}

// ---- lookups and timers -------------------------------------------------------------------

group* group_manager::find(std::string_view group_id) const {
    auto it = _groups.find(group_id);
    return it == _groups.end() ? nullptr : it->second.get();
}

void group_manager::arm(timer_slot& slot, milliseconds delay, timer_body body) {
    disarm(slot);
    uint64_t token = ++_next_token;
    slot.token = token;
    slot.id = _timers.schedule(delay, [g = _gate, token, body = std::move(body)] {
        run_gated(g, [&](group_manager& mgr, effects& fx) {
            if (!mgr._stopped) body(mgr, token, fx);
        });
    });
}

void group_manager::disarm(timer_slot& slot) {
    if (slot.token != 0) _timers.cancel(slot.id);
    slot = {};
}

void group_manager::cancel_timers(group& g) {
    disarm(g.join_timer);
    disarm(g.sync_timer);
    for (auto& [id, slot] : g.pending_members) disarm(slot);
    for (auto& [id, m] : g.members()) disarm(m->heartbeat);
}

void group_manager::schedule_heartbeat(group& g, group_member& m, milliseconds timeout) {
    arm(m.heartbeat, timeout,
        [gid = g.id(), mid = m.member_id](group_manager& mgr, uint64_t token, effects& fx) {
            mgr.on_heartbeat_expired(gid, mid, token, fx);
        });
}

void group_manager::schedule_join_deadline(group& g, milliseconds delay, bool initial,
                                           milliseconds remaining) {
    g.in_initial_delay = initial;
    arm(g.join_timer, delay,
        [gid = g.id(), initial, remaining](group_manager& mgr, uint64_t token, effects& fx) {
            mgr.on_join_deadline(gid, token, initial, remaining, fx);
        });
}

void group_manager::schedule_sync_deadline(group& g) {
    arm(g.sync_timer, g.rebalance_timeout(),
        [gid = g.id()](group_manager& mgr, uint64_t token, effects& fx) {
            mgr.on_sync_deadline(gid, token, fx);
        });
}

// A group created by a join that failed at once holds nothing worth keeping (Kafka would
// keep it until offset expiry removes it; dropping it now is indistinguishable to clients).
void group_manager::drop_if_unused(std::string_view group_id) {
    group* g = find(group_id);
    if (g && g->is(group_state::empty) && g->size() == 0 && g->generation() == 0 &&
        g->pending_members.empty() && !g->protocol_type()) {
        cancel_timers(*g);
        _groups.erase(_groups.find(group_id));
    }
}

// ---- persistence -------------------------------------------------------------------------

void group_manager::store_group(const group& g, store_then then) {
    std::vector<log_record> records;
    records.push_back({records::encode_group_metadata_key(g.id()),
                       records::encode_group_metadata_value(g.to_record(wall_clock_ms()))});
    _outbox.push_back({partition_for_group(g.id(), _config.offsets_partitions), std::move(records),
                       [gt = _gate, gid = g.id(), then = std::move(then)](bool durable) {
                           run_gated(gt, [&](group_manager& mgr, effects& fx) {
                               then(mgr, mgr.find(gid), durable, fx);
                           });
                       }});
}

void group_manager::store_tombstone(const std::string& group_id, store_then then) {
    std::vector<log_record> records;
    records.push_back({records::encode_group_metadata_key(group_id), std::nullopt});
    _outbox.push_back({partition_for_group(group_id, _config.offsets_partitions),
                       std::move(records),
                       [gt = _gate, gid = group_id, then = std::move(then)](bool durable) {
                           run_gated(gt, [&](group_manager& mgr, effects& fx) {
                               then(mgr, mgr.find(gid), durable, fx);
                           });
                       }});
}

// ---- JoinGroup -----------------------------------------------------------------------------

void group_manager::join(join_request req, std::function<void(join_result)> done) {
    effects fx;
    {
        std::lock_guard l(_mutex);
        milliseconds session(req.session_timeout_ms);
        if (_stopped) {
            fx.reply(std::move(done), join_error(errc::coordinator_not_available, req.member_id));
        } else if (req.group_id.empty()) {
            fx.reply(std::move(done), join_error(errc::invalid_group_id, req.member_id));
        } else if (session < _config.min_session_timeout || session > _config.max_session_timeout) {
            fx.reply(std::move(done), join_error(errc::invalid_session_timeout, req.member_id));
        } else if (!find(req.group_id) && !req.member_id.empty()) {
            fx.reply(std::move(done), join_error(errc::unknown_member_id, req.member_id));
        } else {
            auto [it, created] = _groups.try_emplace(req.group_id, nullptr);
            if (created) it->second = std::make_unique<group>(req.group_id);
            group& g = *it->second;
            std::string group_id = req.group_id;
            if (!accept_joining_member(g, req.member_id)) {
                if (g.has(req.member_id)) {
                    remove_member(g, req.member_id, "the group is over its maximum size", fx);
                }
                fx.reply(std::move(done),
                         join_error(errc::group_max_size_reached, std::string(req.member_id)));
            } else if (req.member_id.empty()) {
                join_new_member(g, std::move(req), std::move(done), fx);
            } else {
                join_known_member(g, std::move(req), std::move(done), fx);
            }
            if (g.is(group_state::preparing_rebalance)) try_complete_join(g, fx);
            drop_if_unused(group_id);
        }
    }
    finish(fx);
}

// Kafka's acceptJoiningMember: group.max.size counts members that are (re)joining while
// rebalancing, and all members otherwise; existing members are always let back in.
bool group_manager::accept_joining_member(const group& g, std::string_view member_id) const {
    auto max = static_cast<size_t>(std::max(_config.max_size, 0));
    switch (g.state()) {
        case group_state::empty:
        case group_state::dead:
            return true;
        case group_state::preparing_rebalance: {
            const group_member* m = g.get(member_id);
            if (m && m->is_awaiting_join()) return true;
            size_t pending =
                g.pending_members.size() - (g.pending_members.contains(member_id) ? 1 : 0);
            return g.num_awaiting_join() + pending < max;
        }
        case group_state::completing_rebalance:
        case group_state::stable:
            return g.has(member_id) || g.size() < max;
    }
    return false;
}

void group_manager::join_new_member(group& g, join_request&& req,
                                    std::function<void(join_result)>&& done, effects& fx) {
    if (g.is(group_state::dead)) {
        fx.reply(std::move(done), join_error(errc::coordinator_not_available, ""));
        return;
    }
    if (!g.supports_protocols(req.protocol_type, req.protocols)) {
        fx.reply(std::move(done), join_error(errc::inconsistent_group_protocol, ""));
        return;
    }
    std::string id = make_member_id(req.group_instance_id ? *req.group_instance_id : req.client_id);
    if (req.group_instance_id) {
        join_static_member(g, std::move(req), std::move(id), std::move(done), fx);
    } else if (req.require_known_member_id) {
        // KIP-394: the member must come back with this id; until then it only holds a place
        // for its session timeout.
        auto& slot = g.pending_members[id];
        arm(slot, milliseconds(req.session_timeout_ms),
            [gid = g.id(), mid = id](group_manager& mgr, uint64_t token, effects& e) {
                mgr.on_pending_expired(gid, mid, token, e);
            });
        fx.reply(std::move(done), join_error(errc::member_id_required, std::move(id)));
    } else {
        add_member_and_rebalance(g, std::move(req), std::move(id), std::move(done), fx);
    }
}

void group_manager::join_static_member(group& g, join_request&& req, std::string new_id,
                                       std::function<void(join_result)>&& done, effects& fx) {
    const std::string instance = *req.group_instance_id;
    auto old_id = g.static_member_id(instance);
    if (!old_id) {
        add_member_and_rebalance(g, std::move(req), std::move(new_id), std::move(done), fx);
        return;
    }
    // A known instance restarted: the new member id replaces the old one, which is fenced.
    std::string previous_leader = g.leader();
    group_member& m = g.replace_static_member(instance, *old_id, new_id);
    fx.reply(std::move(m.awaiting_join), join_error(errc::fenced_instance_id, *old_id));
    fx.reply(std::move(m.awaiting_sync), sync_error(errc::fenced_instance_id));
    schedule_heartbeat(g, m, milliseconds(req.session_timeout_ms));

    auto old_protocols = std::move(m.protocols);
    int32_t old_rebalance = m.rebalance_timeout_ms;
    int32_t old_session = m.session_timeout_ms;
    m.protocols = std::move(req.protocols);
    m.rebalance_timeout_ms = req.rebalance_timeout_ms;
    m.session_timeout_ms = req.session_timeout_ms;
    m.awaiting_join = std::move(done);

    switch (g.state()) {
        case group_state::stable: {
            if (g.protocol_name() != g.select_protocol()) {
                maybe_prepare_rebalance(g, "a static member rejoined with other protocols", fx);
                return;
            }
            // Same protocol: no rebalance. Persist the new member id, then answer; the member
            // gets its current assignment from SyncGroup.
            static_takeover t{
                instance,      *old_id,     new_id,          std::move(old_protocols),
                old_rebalance, old_session, previous_leader, req.supports_skip_assignment};
            store_group(g, [t = std::move(t)](group_manager& mgr, group* current, bool durable,
                                              effects& e) {
                mgr.on_static_takeover_stored(current, t, durable, e);
            });
            return;
        }
        case group_state::completing_rebalance:
            // The leader may already be assigning to the old member id: assign again.
            prepare_rebalance(g, "a static member was replaced while the group was syncing", fx);
            return;
        case group_state::preparing_rebalance:
            return;  // it simply takes part in the ongoing join phase
        case group_state::empty:
        case group_state::dead:
            // A static member is registered only while it is a member, and members imply a
            // non-empty live group.
            vassert(false, "group {}: static member in state {}", g.id(), state_name(g.state()));
    }
}

void group_manager::on_static_takeover_stored(group* g, const static_takeover& t, bool durable,
                                              effects& fx) {
    group_member* m = g ? g->get(t.new_id) : nullptr;
    if (!m || !m->is_awaiting_join()) return;  // a rebalance or shutdown answered it already
    auto callback = std::exchange(m->awaiting_join, nullptr);
    if (!durable) {
        // Undo the replacement so the old instance keeps its place.
        m->protocols = t.old_protocols;
        m->rebalance_timeout_ms = t.old_rebalance_timeout_ms;
        m->session_timeout_ms = t.old_session_timeout_ms;
        group_member& old = g->replace_static_member(t.instance, t.new_id, t.old_id);
        schedule_heartbeat(*g, old, milliseconds(old.session_timeout_ms));
        join_result r = join_error(errc::coordinator_not_available, "");
        r.generation_id = g->generation();
        r.protocol_type = g->protocol_type();
        r.protocol_name = g->protocol_name();
        r.leader = t.previous_leader;
        fx.reply(std::move(callback), std::move(r));
        return;
    }
    join_result r = g->join_result_for(*m);
    if (t.supports_skip_assignment) {
        // KIP-814: the leader learns it leads (to keep watching metadata) but must not assign.
        r.skip_assignment = g->is_leader(t.new_id);
    } else {
        // Older clients would run an assignment that a Stable group ignores: tell them the
        // previous leader id so they do not think they lead.
        r.leader = t.previous_leader;
        r.members.clear();
    }
    fx.reply(std::move(callback), std::move(r));
}

void group_manager::join_known_member(group& g, join_request&& req,
                                      std::function<void(join_result)>&& done, effects& fx) {
    if (g.is(group_state::dead)) {
        fx.reply(std::move(done), join_error(errc::coordinator_not_available, req.member_id));
        return;
    }
    if (!g.supports_protocols(req.protocol_type, req.protocols)) {
        fx.reply(std::move(done), join_error(errc::inconsistent_group_protocol, req.member_id));
        return;
    }
    if (g.pending_members.contains(req.member_id) && !req.group_instance_id) {
        // The second half of KIP-394: the member returns with the id it was given.
        std::string id = req.member_id;
        add_member_and_rebalance(g, std::move(req), std::move(id), std::move(done), fx);
        return;
    }
    if (g.is_static_member_fenced(req.group_instance_id, req.member_id)) {
        fx.reply(std::move(done), join_error(errc::fenced_instance_id, req.member_id));
        return;
    }
    group_member* m = g.get(req.member_id);
    if (!m) {
        fx.reply(std::move(done), join_error(errc::unknown_member_id, req.member_id));
        return;
    }
    switch (g.state()) {
        case group_state::preparing_rebalance:
            update_member_and_rebalance(g, *m, std::move(req), std::move(done), fx);
            return;
        case group_state::completing_rebalance:
            if (m->matches(req.protocols)) {
                // It probably lost its JoinGroup answer: send the current generation again.
                fx.reply(std::move(done), g.join_result_for(*m));
            } else {
                update_member_and_rebalance(g, *m, std::move(req), std::move(done), fx);
            }
            return;
        case group_state::stable:
            // A rejoining leader (metadata changed) or changed protocols (e.g. cooperative
            // rebalancing revoked partitions) start a rebalance; an unchanged follower gets the
            // current generation back.
            if (g.is_leader(m->member_id) || !m->matches(req.protocols)) {
                update_member_and_rebalance(g, *m, std::move(req), std::move(done), fx);
            } else {
                fx.reply(std::move(done), g.join_result_for(*m));
            }
            return;
        case group_state::empty:
        case group_state::dead:
            fx.reply(std::move(done), join_error(errc::unknown_member_id, req.member_id));
            return;
    }
}

void group_manager::add_member_and_rebalance(group& g, join_request&& req, std::string member_id,
                                             std::function<void(join_result)>&& done, effects& fx) {
    auto m = std::make_unique<group_member>();
    m->member_id = member_id;
    m->group_instance_id = std::move(req.group_instance_id);
    m->client_id = std::move(req.client_id);
    m->client_host = std::move(req.client_host);
    m->session_timeout_ms = req.session_timeout_ms;
    m->rebalance_timeout_ms = req.rebalance_timeout_ms;
    m->protocol_type = std::move(req.protocol_type);
    m->protocols = std::move(req.protocols);
    m->awaiting_join = std::move(done);
    m->is_new = true;
    // KIP-134: new arrivals during the first rebalance extend the initial delay.
    if (g.is(group_state::preparing_rebalance) && g.generation() == 0) g.new_member_added = true;
    if (auto p = g.pending_members.find(member_id); p != g.pending_members.end()) {
        disarm(p->second);
        g.pending_members.erase(p);
    }
    group_member& added = g.add(std::move(m));
    schedule_heartbeat(g, added, new_member_join_timeout);
    maybe_prepare_rebalance(g, "a new member joined", fx);
}

void group_manager::update_member_and_rebalance(group& g, group_member& m, join_request&& req,
                                                std::function<void(join_result)>&& done,
                                                effects& fx) {
    m.protocols = std::move(req.protocols);
    m.rebalance_timeout_ms = req.rebalance_timeout_ms;
    m.session_timeout_ms = req.session_timeout_ms;
    // A duplicate JoinGroup supersedes the parked one, which must still get an answer.
    if (m.awaiting_join) {
        fx.reply(std::move(m.awaiting_join), join_error(errc::rebalance_in_progress, m.member_id));
    }
    m.awaiting_join = std::move(done);
    maybe_prepare_rebalance(g, "a member rejoined", fx);
}

// ---- the rebalance ------------------------------------------------------------------------

void group_manager::maybe_prepare_rebalance(group& g, std::string_view reason, effects& fx) {
    if (g.is(group_state::stable) || g.is(group_state::completing_rebalance) ||
        g.is(group_state::empty)) {
        prepare_rebalance(g, reason, fx);
    }
}

void group_manager::prepare_rebalance(group& g, std::string_view reason, effects& fx) {
    if (g.is(group_state::completing_rebalance)) {
        reset_and_propagate_assignment_error(g, errc::rebalance_in_progress, fx);
    }
    disarm(g.sync_timer);
    g.pending_sync_members.clear();

    bool from_empty = g.is(group_state::empty);
    g.transition_to(group_state::preparing_rebalance);
    log().info("[{}] preparing to rebalance (generation {}): {}", g.id(), g.generation(), reason);
    if (from_empty) {
        // KIP-134: wait for more members before the first assignment, up to the rebalance
        // timeout in total.
        milliseconds delay = _config.initial_rebalance_delay;
        milliseconds remaining = std::max(g.rebalance_timeout() - delay, milliseconds(0));
        g.new_member_added = false;
        schedule_join_deadline(g, delay, true, remaining);
    } else {
        schedule_join_deadline(g, g.rebalance_timeout(), false, milliseconds(0));
        try_complete_join(g, fx);
    }
}

void group_manager::try_complete_join(group& g, effects& fx) {
    if (g.is(group_state::preparing_rebalance) && !g.in_initial_delay &&
        g.has_all_members_joined()) {
        complete_join(g, fx);
    }
}

void group_manager::on_join_deadline(const std::string& group_id, uint64_t token, bool initial,
                                     milliseconds remaining, effects& fx) {
    group* g = find(group_id);
    if (!g || g->join_timer.token != token || !g->is(group_state::preparing_rebalance)) return;
    g->join_timer = {};
    if (initial && g->new_member_added && remaining > milliseconds(0)) {
        g->new_member_added = false;
        milliseconds delay = std::min(_config.initial_rebalance_delay, remaining);
        schedule_join_deadline(*g, delay, true, std::max(remaining - delay, milliseconds(0)));
        return;
    }
    complete_join(*g, fx);
}

void group_manager::complete_join(group& g, effects& fx) {
    disarm(g.join_timer);
    g.in_initial_delay = false;
    // Dynamic members that did not rejoin in time are gone; static ones stay until their
    // session expires (they may be restarting).
    std::vector<std::string> gone;
    for (const auto& [id, m] : g.members()) {
        if (!m->is_awaiting_join() && !m->is_static()) gone.push_back(id);
    }
    for (const auto& id : gone) {
        auto m = g.remove(id);
        disarm(m->heartbeat);
        fx.reply(std::move(m->awaiting_sync), sync_error(errc::rebalance_in_progress));
    }
    if (!g.maybe_elect_new_joined_leader() && g.size() > 0) {
        // Only static members that have not rejoined remain: wait for them (or their session
        // timeouts) another rebalance timeout.
        log().warn("[{}] cannot complete the rebalance: no member rejoined", g.id());
        schedule_join_deadline(g, g.rebalance_timeout(), false, milliseconds(0));
        return;
    }
    g.init_next_generation();
    if (g.is(group_state::empty)) {
        log().info("[{}] generation {} is empty", g.id(), g.generation());
        store_group(g, [](group_manager&, group* g, bool durable, effects&) {
            if (!durable && g) log().warn("[{}] could not persist the empty group", g->id());
        });
        return;
    }
    log().info("[{}] generation {} formed with {} members, protocol {}, leader {}", g.id(),
               g.generation(), g.size(), g.protocol_name().value_or(""), g.leader());
    for (const auto& [id, m] : g.members()) {
        if (m->awaiting_join) {
            fx.reply(std::move(m->awaiting_join), g.join_result_for(*m));
        }
        schedule_heartbeat(g, *m, milliseconds(m->session_timeout_ms));
        m->is_new = false;
        g.pending_sync_members.insert(id);
    }
    schedule_sync_deadline(g);
}

void group_manager::on_sync_deadline(const std::string& group_id, uint64_t token, effects& fx) {
    group* g = find(group_id);
    if (!g || g->sync_timer.token != token) return;
    g->sync_timer = {};
    if (!(g->is(group_state::completing_rebalance) || g->is(group_state::stable)) ||
        g->pending_sync_members.empty()) {
        return;
    }
    auto late = g->pending_sync_members;
    for (const auto& id : late) {
        if (auto m = g->remove(id)) {
            disarm(m->heartbeat);
            fx.reply(std::move(m->awaiting_join), join_error(errc::unknown_member_id, id));
        }
    }
    prepare_rebalance(*g, "members did not send SyncGroup in time", fx);
}

void group_manager::reset_and_propagate_assignment_error(group& g, errc e, effects& fx) {
    for (const auto& [id, m] : g.members()) m->assignment.clear();
    for (const auto& [id, m] : g.members()) {
        if (m->awaiting_sync) {
            sync_result r = sync_error(e);
            r.protocol_type = g.protocol_type();
            r.protocol_name = g.protocol_name();
            fx.reply(std::move(m->awaiting_sync), std::move(r));
            schedule_heartbeat(g, *m, milliseconds(m->session_timeout_ms));
        }
    }
}

void group_manager::propagate_assignment(group& g, effects& fx) {
    for (const auto& [id, m] : g.members()) {
        if (m->awaiting_sync) {
            sync_result r;
            r.protocol_type = g.protocol_type();
            r.protocol_name = g.protocol_name();
            r.assignment = m->assignment;
            fx.reply(std::move(m->awaiting_sync), std::move(r));
            // Parked members were exempt from expiry; their sessions start again now.
            schedule_heartbeat(g, *m, milliseconds(m->session_timeout_ms));
        }
    }
}

// ---- membership changes ---------------------------------------------------------------------

void group_manager::remove_member(group& g, const std::string& member_id, std::string_view reason,
                                  effects& fx) {
    auto m = g.remove(member_id);
    if (!m) return;
    log().info("[{}] member {} left: {}", g.id(), member_id, reason);
    disarm(m->heartbeat);
    fx.reply(std::move(m->awaiting_join), join_error(errc::unknown_member_id, member_id));
    fx.reply(std::move(m->awaiting_sync), sync_error(errc::unknown_member_id));
    switch (g.state()) {
        case group_state::stable:
        case group_state::completing_rebalance:
            prepare_rebalance(g, reason, fx);
            break;
        case group_state::preparing_rebalance:
            try_complete_join(g, fx);
            break;
        case group_state::empty:
        case group_state::dead:
            break;
    }
}

void group_manager::on_heartbeat_expired(const std::string& group_id, const std::string& member_id,
                                         uint64_t token, effects& fx) {
    group* g = find(group_id);
    group_member* m = g ? g->get(member_id) : nullptr;
    if (!m || m->heartbeat.token != token) return;
    m->heartbeat = {};
    // Members parked in JoinGroup or SyncGroup cannot heartbeat; the rebalance deadlines cover
    // them and their session restarts when they are answered. New members are the exception:
    // they have no session yet, only the long new-member timeout that just expired.
    if (!m->is_new && (m->is_awaiting_join() || m->is_awaiting_sync())) return;
    remove_member(*g, member_id, "session timeout expired", fx);
}

void group_manager::on_pending_expired(const std::string& group_id, const std::string& member_id,
                                       uint64_t token, effects& fx) {
    group* g = find(group_id);
    if (!g) return;
    auto it = g->pending_members.find(member_id);
    if (it == g->pending_members.end() || it->second.token != token) return;
    g->pending_members.erase(it);
    try_complete_join(*g, fx);
    drop_if_unused(group_id);
}

// ---- SyncGroup -----------------------------------------------------------------------------

void group_manager::sync(sync_request req, std::function<void(sync_result)> done) {
    effects fx;
    {
        std::lock_guard l(_mutex);
        group* g = _stopped ? nullptr : find(req.group_id);
        errc e = _stopped               ? errc::coordinator_not_available
                 : req.group_id.empty() ? errc::invalid_group_id
                                        : validate_sync(g, req);
        if (e != errc::none) {
            fx.reply(std::move(done), sync_error(e));
        } else {
            group_member& m = *g->get(req.member_id);
            switch (g->state()) {
                case group_state::empty:
                case group_state::dead:
                    fx.reply(std::move(done), sync_error(errc::unknown_member_id));
                    break;
                case group_state::preparing_rebalance:
                    fx.reply(std::move(done), sync_error(errc::rebalance_in_progress));
                    break;
                case group_state::completing_rebalance:
                    sync_completing(*g, m, std::move(req), std::move(done), fx);
                    break;
                case group_state::stable: {
                    // A lost SyncGroup answer: the assignment is already known.
                    synced(*g, m);
                    sync_result r;
                    r.protocol_type = g->protocol_type();
                    r.protocol_name = g->protocol_name();
                    r.assignment = m.assignment;
                    fx.reply(std::move(done), std::move(r));
                    schedule_heartbeat(*g, m, milliseconds(m.session_timeout_ms));
                    break;
                }
            }
        }
    }
    finish(fx);
}

errc group_manager::validate_sync(const group* g, const sync_request& req) const {
    if (!g) return errc::unknown_member_id;
    if (g->is(group_state::dead)) return errc::coordinator_not_available;
    if (g->is_static_member_fenced(req.group_instance_id, req.member_id)) {
        return errc::fenced_instance_id;
    }
    if (!g->has(req.member_id)) return errc::unknown_member_id;
    if (req.generation_id != g->generation()) return errc::illegal_generation;
    if ((req.protocol_type && g->protocol_type() != req.protocol_type) ||
        (req.protocol_name && g->protocol_name() != req.protocol_name)) {
        return errc::inconsistent_group_protocol;
    }
    return errc::none;
}

void group_manager::synced(group& g, const group_member& m) {
    g.pending_sync_members.erase(m.member_id);
    if (g.pending_sync_members.empty()) disarm(g.sync_timer);
}

void group_manager::sync_completing(group& g, group_member& m, sync_request&& req,
                                    std::function<void(sync_result)>&& done, effects& fx) {
    // A duplicate SyncGroup supersedes the parked one, which must still get an answer.
    fx.reply(std::move(m.awaiting_sync), sync_error(errc::rebalance_in_progress));
    m.awaiting_sync = std::move(done);
    synced(g, m);
    if (!g.is_leader(m.member_id)) return;  // followers wait for the leader's assignment

    // Members the leader left out get an empty assignment; entries for unknown members are
    // ignored.
    for (const auto& [id, member] : g.members()) member->assignment.clear();
    for (auto& [id, assignment] : req.assignments) {
        if (group_member* target = g.get(id)) target->assignment = std::move(assignment);
    }
    store_group(g, [generation = g.generation()](group_manager& mgr, group* current, bool durable,
                                                 effects& e) {
        mgr.on_assignment_stored(current, generation, durable, e);
    });
}

void group_manager::on_assignment_stored(group* g, int32_t generation, bool durable, effects& fx) {
    if (!g || !g->is(group_state::completing_rebalance) || g->generation() != generation) {
        return;  // a newer rebalance has already answered everyone
    }
    if (!durable) {
        reset_and_propagate_assignment_error(*g, errc::coordinator_not_available, fx);
        prepare_rebalance(*g, "the assignment could not be persisted", fx);
        return;
    }
    g->transition_to(group_state::stable);
    propagate_assignment(*g, fx);
}

// ---- Heartbeat, LeaveGroup ------------------------------------------------------------------

errc group_manager::heartbeat(std::string_view group_id, int32_t generation_id,
                              std::string_view member_id,
                              const std::optional<std::string>& group_instance_id) {
    std::lock_guard l(_mutex);
    if (_stopped) return errc::coordinator_not_available;
    if (group_id.empty()) return errc::invalid_group_id;
    group* g = find(group_id);
    if (!g) return errc::unknown_member_id;
    if (g->is(group_state::dead)) return errc::coordinator_not_available;
    if (g->is_static_member_fenced(group_instance_id, member_id)) return errc::fenced_instance_id;
    group_member* m = g->get(member_id);
    if (!m) return errc::unknown_member_id;
    if (generation_id != g->generation()) return errc::illegal_generation;
    switch (g->state()) {
        case group_state::empty:
        case group_state::dead:
            return errc::unknown_member_id;
        case group_state::preparing_rebalance:
            schedule_heartbeat(*g, *m, milliseconds(m->session_timeout_ms));
            return errc::rebalance_in_progress;
        case group_state::completing_rebalance:
        case group_state::stable:
            // Consumers may heartbeat as soon as they have their JoinGroup answer.
            schedule_heartbeat(*g, *m, milliseconds(m->session_timeout_ms));
            return errc::none;
    }
    return errc::none;
}

std::vector<errc> group_manager::leave(std::string_view group_id,
                                       const std::vector<member_identity>& members) {
    std::vector<errc> out;
    effects fx;
    {
        std::lock_guard l(_mutex);
        group* g = _stopped ? nullptr : find(group_id);
        for (const auto& who : members) {
            if (_stopped) {
                out.push_back(errc::coordinator_not_available);
            } else if (group_id.empty()) {
                out.push_back(errc::invalid_group_id);
            } else if (!g) {
                out.push_back(errc::unknown_member_id);
            } else if (g->is(group_state::dead)) {
                out.push_back(errc::coordinator_not_available);
            } else if (who.member_id.empty()) {
                // KIP-345: an administrator removes a static member by its instance id.
                auto id = who.group_instance_id ? g->static_member_id(*who.group_instance_id)
                                                : std::nullopt;
                if (!id) {
                    out.push_back(errc::unknown_member_id);
                } else {
                    remove_member(*g, *id, "removed by its group instance id", fx);
                    out.push_back(errc::none);
                }
            } else if (auto p = g->pending_members.find(who.member_id);
                       p != g->pending_members.end()) {
                disarm(p->second);
                g->pending_members.erase(p);
                try_complete_join(*g, fx);
                out.push_back(errc::none);
            } else if (g->is_static_member_fenced(who.group_instance_id, who.member_id)) {
                out.push_back(errc::fenced_instance_id);
            } else if (!g->has(who.member_id)) {
                out.push_back(errc::unknown_member_id);
            } else {
                remove_member(*g, who.member_id, "the member left the group", fx);
                out.push_back(errc::none);
            }
        }
    }
    finish(fx);
    return out;
}

// ---- queries ---------------------------------------------------------------------------------

group_description group_manager::describe(std::string_view group_id) const {
    std::lock_guard l(_mutex);
    group_description d;
    d.group_id = std::string(group_id);
    group* g = find(group_id);
    if (!g) {
        d.state = std::string(state_name(group_state::dead));
        return d;
    }
    d.state = std::string(state_name(g->state()));
    d.protocol_type = g->protocol_type().value_or("");
    bool stable = g->is(group_state::stable) && g->protocol_name();
    if (stable) d.protocol = *g->protocol_name();
    for (const auto& [id, m] : g->members()) {
        described_member dm;
        dm.member_id = id;
        dm.group_instance_id = m->group_instance_id;
        dm.client_id = m->client_id;
        dm.client_host = m->client_host;
        if (stable) {
            if (const bytes* md = m->metadata_for(*g->protocol_name())) dm.metadata = *md;
            dm.assignment = m->assignment;
        }
        d.members.push_back(std::move(dm));
    }
    return d;
}

std::vector<listed_group> group_manager::list(const std::vector<std::string>& states_filter) const {
    std::lock_guard l(_mutex);
    std::vector<listed_group> out;
    for (const auto& [id, g] : _groups) {
        std::string_view state = state_name(g->state());
        bool wanted = states_filter.empty() ||
                      std::any_of(states_filter.begin(), states_filter.end(),
                                  [&](const std::string& s) { return iequals(s, state); });
        if (wanted) out.push_back({id, g->protocol_type().value_or(""), std::string(state)});
    }
    return out;
}

errc group_manager::validate_commit(std::string_view group_id, int32_t generation_id,
                                    std::string_view member_id,
                                    const std::optional<std::string>& group_instance_id) const {
    std::lock_guard l(_mutex);
    if (_stopped) return errc::coordinator_not_available;
    group* g = find(group_id);
    if (!g) return generation_id < 0 ? errc::none : errc::illegal_generation;
    if (g->is(group_state::dead)) return errc::coordinator_not_available;
    if (generation_id < 0 && g->is(group_state::empty)) return errc::none;
    if (generation_id >= 0 || !member_id.empty() || group_instance_id) {
        if (g->is_static_member_fenced(group_instance_id, member_id)) {
            return errc::fenced_instance_id;
        }
        if (!g->has(member_id)) return errc::unknown_member_id;
        if (generation_id != g->generation()) return errc::illegal_generation;
    } else if (!g->is(group_state::empty)) {
        // A commit without member id and generation is only for groups nobody consumes in.
        return errc::unknown_member_id;
    }
    // The member has its JoinGroup answer but not its assignment yet.
    if (g->is(group_state::completing_rebalance)) return errc::rebalance_in_progress;
    return errc::none;
}

bool group_manager::exists(std::string_view group_id) const {
    std::lock_guard l(_mutex);
    return find(group_id) != nullptr;
}

bool group_manager::has_members(std::string_view group_id) const {
    std::lock_guard l(_mutex);
    group* g = find(group_id);
    return g && g->size() > 0;
}

bool group_manager::subscribed_to(std::string_view group_id, std::string_view topic) const {
    std::lock_guard l(_mutex);
    group* g = find(group_id);
    if (!g || g->protocol_type() != "consumer" || !g->protocol_name()) return false;
    bool found = false;
    for (const auto& [id, m] : g->members()) {
        const bytes* md = m->metadata_for(*g->protocol_name());
        auto topics = md ? subscription_topics(*md) : std::nullopt;
        // Kafka treats a group whose subscriptions cannot all be read as subscribed to nothing.
        if (!topics) return false;
        if (std::find(topics->begin(), topics->end(), topic) != topics->end()) found = true;
    }
    return found;
}

// ---- DeleteGroups, loading, shutdown ----------------------------------------------------------

void group_manager::delete_group(std::string_view group_id, std::function<void(errc)> done) {
    effects fx;
    {
        std::lock_guard l(_mutex);
        group* g = find(group_id);
        if (_stopped) {
            fx.calls.push_back([done] { done(errc::coordinator_not_available); });
        } else if (!g || g->is(group_state::dead)) {
            fx.calls.push_back([done] { done(errc::group_id_not_found); });
        } else if (!g->is(group_state::empty)) {
            fx.calls.push_back([done] { done(errc::non_empty_group); });
        } else {
            cancel_timers(*g);
            g->transition_to(group_state::dead);
            std::string id = g->id();
            _groups.erase(_groups.find(group_id));
            log().info("[{}] deleted", id);
            store_tombstone(id, [done](group_manager&, group*, bool durable, effects& e) {
                e.calls.push_back([done, durable] {
                    done(durable ? errc::none : errc::coordinator_not_available);
                });
            });
        }
    }
    finish(fx);
}

void group_manager::load_record(bytes_view key, const std::optional<bytes>& value) {
    if (records::kind_of(key) != records::key_kind::group_metadata) return;
    auto group_id = records::decode_group_metadata_key(key);
    if (!group_id) {
        log().warn("skipping an unreadable group-metadata key in __consumer_offsets");
        return;
    }
    std::optional<records::group_metadata_value> decoded;
    if (value) {
        decoded = records::decode_group_metadata_value(*value);
        if (!decoded) {
            log().warn("[{}] skipping an unreadable group-metadata record", *group_id);
            return;
        }
    }
    std::lock_guard l(_mutex);
    if (auto it = _groups.find(*group_id); it != _groups.end()) {
        cancel_timers(*it->second);
        _groups.erase(it);
    }
    if (!decoded) return;  // tombstone
    auto g = group::from_record(*group_id, *decoded);
    for (const auto& [id, m] : g->members()) {
        schedule_heartbeat(*g, *m, milliseconds(m->session_timeout_ms));
    }
    _groups.emplace(*group_id, std::move(g));
}

void group_manager::shutdown() {
    effects fx;
    {
        std::lock_guard l(_mutex);
        if (_stopped) return;
        _stopped = true;
        for (auto& [id, g] : _groups) {
            cancel_timers(*g);
            for (const auto& [mid, m] : g->members()) {
                fx.reply(std::move(m->awaiting_join),
                         join_error(errc::coordinator_not_available, mid));
                fx.reply(std::move(m->awaiting_sync), sync_error(errc::coordinator_not_available));
            }
        }
    }
    finish(fx);
}

}  // namespace fjord::coordinator
