#include "coordinator/group.h"

#include <algorithm>

#include "base/vassert.h"

namespace fjord::coordinator {

std::string_view state_name(group_state s) {
    switch (s) {
        case group_state::empty:
            return "Empty";
        case group_state::preparing_rebalance:
            return "PreparingRebalance";
        case group_state::completing_rebalance:
            return "CompletingRebalance";
        case group_state::stable:
            return "Stable";
        case group_state::dead:
            return "Dead";
    }
    return "Unknown";
}

const bytes* group_member::metadata_for(std::string_view protocol) const {
    for (const auto& p : protocols) {
        if (p.name == protocol) return &p.metadata;
    }
    return nullptr;
}

bool group_member::matches(const std::vector<protocol_metadata>& other) const {
    return protocols == other;
}

namespace {

// Kafka's state machine: the states each state may be entered from.
bool valid_transition(group_state from, group_state to) {
    using enum group_state;
    switch (to) {
        case dead:
            return true;
        case completing_rebalance:
            return from == preparing_rebalance;
        case stable:
            return from == completing_rebalance;
        case preparing_rebalance:
            return from == stable || from == completing_rebalance || from == empty;
        case empty:
            return from == preparing_rebalance;
    }
    return false;
}

}  // namespace

void group::transition_to(group_state next) {
    // The manager only moves along Kafka's edges; anything else is a coordinator bug.
    vassert(valid_transition(_state, next), "group {}: invalid transition {} -> {}", _id,
            state_name(_state), state_name(next));
    _state = next;
}

group_member* group::get(std::string_view member_id) const {
    auto it = _members.find(member_id);
    return it == _members.end() ? nullptr : it->second.get();
}

group_member& group::add(std::unique_ptr<group_member> m) {
    if (_members.empty()) _protocol_type = m->protocol_type;
    if (_leader.empty()) _leader = m->member_id;
    if (m->group_instance_id) _static_members[*m->group_instance_id] = m->member_id;
    auto& slot = _members[m->member_id];
    slot = std::move(m);
    return *slot;
}

std::unique_ptr<group_member> group::remove(std::string_view member_id) {
    auto it = _members.find(member_id);
    if (it == _members.end()) return nullptr;
    auto m = std::move(it->second);
    _members.erase(it);
    pending_sync_members.erase(m->member_id);
    if (m->group_instance_id) {
        auto s = _static_members.find(*m->group_instance_id);
        if (s != _static_members.end() && s->second == m->member_id) _static_members.erase(s);
    }
    if (_leader == m->member_id) {
        _leader = _members.empty() ? std::string() : _members.begin()->first;
    }
    return m;
}

std::optional<std::string> group::static_member_id(std::string_view instance_id) const {
    auto it = _static_members.find(instance_id);
    if (it == _static_members.end()) return std::nullopt;
    return it->second;
}

bool group::is_static_member_fenced(const std::optional<std::string>& instance_id,
                                    std::string_view member_id) const {
    if (!instance_id) return false;
    auto current = static_member_id(*instance_id);
    return current && *current != member_id;
}

group_member& group::replace_static_member(const std::string& instance_id,
                                           const std::string& old_id, const std::string& new_id) {
    auto it = _members.find(old_id);
    // The caller looked old_id up through _static_members, which only names present members.
    vassert(it != _members.end(), "group {}: static member {} missing", _id, old_id);
    auto m = std::move(it->second);
    _members.erase(it);
    m->member_id = new_id;
    _static_members[instance_id] = new_id;
    if (pending_sync_members.erase(old_id) > 0) pending_sync_members.insert(new_id);
    if (_leader == old_id) _leader = new_id;
    auto& slot = _members[new_id];
    slot = std::move(m);
    return *slot;
}

bool group::supports_protocols(std::string_view type,
                               const std::vector<protocol_metadata>& protocols) const {
    if (is(group_state::empty)) return !type.empty() && !protocols.empty();
    if (!_protocol_type || *_protocol_type != type) return false;
    return std::any_of(protocols.begin(), protocols.end(), [&](const protocol_metadata& p) {
        return std::all_of(_members.begin(), _members.end(),
                           [&](const auto& e) { return e.second->metadata_for(p.name); });
    });
}

std::string group::select_protocol() const {
    vassert(!_members.empty(), "group {}: selecting a protocol without members", _id);
    // Candidates: protocols every member supports.
    std::set<std::string> candidates;
    for (const auto& p : _members.begin()->second->protocols) {
        bool everyone = std::all_of(_members.begin(), _members.end(),
                                    [&](const auto& e) { return e.second->metadata_for(p.name); });
        if (everyone) candidates.insert(p.name);
    }
    // Each member votes for its most preferred candidate.
    std::map<std::string, int> votes;
    for (const auto& [id, m] : _members) {
        for (const auto& p : m->protocols) {
            if (candidates.contains(p.name)) {
                ++votes[p.name];
                break;
            }
        }
    }
    // Joins are refused unless a common protocol remains, so there is at least one vote.
    vassert(!votes.empty(), "group {}: no protocol common to all members", _id);
    auto best = votes.begin();
    for (auto it = votes.begin(); it != votes.end(); ++it) {
        if (it->second > best->second) best = it;
    }
    return best->first;
}

size_t group::num_awaiting_join() const {
    return static_cast<size_t>(std::count_if(_members.begin(), _members.end(), [](const auto& e) {
        return e.second->is_awaiting_join();
    }));
}

bool group::has_all_members_joined() const {
    return num_awaiting_join() == _members.size() && pending_members.empty();
}

std::chrono::milliseconds group::rebalance_timeout() const {
    int32_t longest = 0;
    for (const auto& [id, m] : _members) longest = std::max(longest, m->rebalance_timeout_ms);
    return std::chrono::milliseconds(longest);
}

bool group::maybe_elect_new_joined_leader() {
    if (!_leader.empty()) {
        auto* current = get(_leader);
        if (current && current->is_awaiting_join()) return true;
    }
    for (const auto& [id, m] : _members) {
        if (m->is_awaiting_join()) {
            _leader = id;
            return true;
        }
    }
    return false;
}

void group::init_next_generation() {
    ++_generation;
    if (!_members.empty()) {
        _protocol_name = select_protocol();
        transition_to(group_state::completing_rebalance);
    } else {
        _protocol_name.reset();
        transition_to(group_state::empty);
    }
    pending_sync_members.clear();
}

join_result group::join_result_for(const group_member& m) const {
    join_result r;
    r.generation_id = _generation;
    r.protocol_type = _protocol_type;
    r.protocol_name = _protocol_name;
    r.leader = _leader;
    r.member_id = m.member_id;
    if (is_leader(m.member_id) && _protocol_name) {
        for (const auto& [id, member] : _members) {
            const bytes* md = member->metadata_for(*_protocol_name);
            r.members.push_back({id, member->group_instance_id, md ? *md : bytes{}});
        }
    }
    return r;
}

records::group_metadata_value group::to_record(int64_t now_ms) const {
    records::group_metadata_value v;
    v.protocol_type = _protocol_type.value_or("");
    v.generation = _generation;
    v.protocol = _protocol_name;
    if (!_leader.empty()) v.leader = _leader;
    v.current_state_timestamp = now_ms;
    for (const auto& [id, m] : _members) {
        records::member_metadata mm;
        mm.member_id = id;
        mm.group_instance_id = m->group_instance_id;
        mm.client_id = m->client_id;
        mm.client_host = m->client_host;
        mm.rebalance_timeout = m->rebalance_timeout_ms;
        mm.session_timeout = m->session_timeout_ms;
        if (_protocol_name) {
            if (const bytes* md = m->metadata_for(*_protocol_name)) mm.subscription = *md;
        }
        mm.assignment = m->assignment;
        v.members.push_back(std::move(mm));
    }
    return v;
}

std::unique_ptr<group> group::from_record(std::string id, const records::group_metadata_value& v) {
    auto g = std::make_unique<group>(std::move(id));
    g->_generation = v.generation;
    if (!v.protocol_type.empty()) g->_protocol_type = v.protocol_type;
    g->_protocol_name = v.protocol;
    for (const auto& mm : v.members) {
        auto m = std::make_unique<group_member>();
        m->member_id = mm.member_id;
        m->group_instance_id = mm.group_instance_id;
        m->client_id = mm.client_id;
        m->client_host = mm.client_host;
        m->session_timeout_ms = mm.session_timeout;
        m->rebalance_timeout_ms = mm.rebalance_timeout;
        m->protocol_type = v.protocol_type;
        if (v.protocol) m->protocols.push_back({*v.protocol, mm.subscription});
        m->assignment = mm.assignment;
        g->add(std::move(m));
    }
    // A stored group with members was Stable when written (Kafka reloads it as Stable).
    if (!g->_members.empty()) {
        if (v.leader && g->has(*v.leader)) g->_leader = *v.leader;
        g->_state = group_state::stable;
    }
    return g;
}

}  // namespace fjord::coordinator
