#include "coordinator/group_manager.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "base/logger.h"
#include "coordinator/manual_timer_service.h"
#include "coordinator/records.h"
#include "coordinator/tests/group_test_support.h"
#include "protocol/messages/consumer_protocol_subscription.h"
#include "protocol/wire.h"

namespace fjord::coordinator {
namespace {

using namespace std::chrono_literals;
using testing::fake_coordinator_log;

template <typename T>
using slot = std::shared_ptr<std::optional<T>>;

constexpr int32_t session_ms = 10000;
constexpr int32_t rebalance_ms = 30000;

bytes meta(uint8_t v) {
    return bytes{v};
}

class group_manager_test : public ::testing::Test {
protected:
    group_manager_test() {
        set_log_level("warn");  // rebalances log at info
        make_manager();
    }

    void make_manager() {
        mgr.reset();
        mgr = std::make_unique<group_manager>(config, timers, log);
    }

    join_request request(std::string member_id = "", std::string client = "client",
                         std::vector<protocol_metadata> protocols = {{"range", meta(1)}}) {
        join_request r;
        r.group_id = "g";
        r.member_id = std::move(member_id);
        r.client_id = std::move(client);
        r.client_host = "/127.0.0.1";
        r.session_timeout_ms = session_ms;
        r.rebalance_timeout_ms = rebalance_ms;
        r.protocol_type = "consumer";
        r.protocols = std::move(protocols);
        return r;
    }

    slot<join_result> join(join_request r) {
        auto s = std::make_shared<std::optional<join_result>>();
        mgr->join(std::move(r), [s](join_result x) {
            EXPECT_FALSE(s->has_value()) << "join answered twice";
            *s = std::move(x);
        });
        return s;
    }

    slot<sync_result> sync(std::string member_id, int32_t generation,
                           std::vector<std::pair<std::string, bytes>> assignments = {}) {
        sync_request r;
        r.group_id = "g";
        r.member_id = std::move(member_id);
        r.generation_id = generation;
        r.assignments = std::move(assignments);
        return sync(std::move(r));
    }

    slot<sync_result> sync(sync_request r) {
        auto s = std::make_shared<std::optional<sync_result>>();
        mgr->sync(std::move(r), [s](sync_result x) {
            EXPECT_FALSE(s->has_value()) << "sync answered twice";
            *s = std::move(x);
        });
        return s;
    }

    // Joins with a fresh id the KIP-394 way (member_id_required, then rejoin). Returns the
    // parked (or answered) second join.
    slot<join_result> join_new(std::string client = "client",
                               std::vector<protocol_metadata> protocols = {{"range", meta(1)}}) {
        auto r = request("", client, protocols);
        r.require_known_member_id = true;
        auto first = join(r);
        EXPECT_TRUE(first->has_value());
        EXPECT_EQ((*first)->error, errc::member_id_required);
        r.member_id = (*first)->member_id;
        return join(r);
    }

    // Advances in initial-delay steps until every slot is answered.
    void advance_until_answered(const std::vector<slot<join_result>>& slots) {
        for (int i = 0; i < 20; ++i) {
            bool all = true;
            for (const auto& s : slots) all = all && s->has_value();
            if (all) return;
            timers.advance(config.initial_rebalance_delay);
        }
        FAIL() << "joins were never answered";
    }

    struct formed {
        int32_t generation = -1;
        std::string leader;
        std::vector<std::string> ids;  // in joining order
    };

    // Forms a Stable group of `n` dynamic members, assignment of member i = {i}.
    formed stable_group(size_t n) {
        std::vector<slot<join_result>> joins;
        for (size_t i = 0; i < n; ++i) joins.push_back(join_new("c" + std::to_string(i)));
        advance_until_answered(joins);
        formed f;
        for (auto& j : joins) {
            EXPECT_EQ((*j)->error, errc::none);
            f.ids.push_back((*j)->member_id);
            f.generation = (*j)->generation_id;
            f.leader = (*j)->leader;
        }
        std::vector<std::pair<std::string, bytes>> assignments;
        for (size_t i = 0; i < n; ++i) assignments.push_back({f.ids[i], bytes{uint8_t(i)}});
        std::vector<slot<sync_result>> syncs;
        for (auto& id : f.ids) {
            if (id != f.leader) syncs.push_back(sync(id, f.generation));
        }
        syncs.push_back(sync(f.leader, f.generation, assignments));
        for (auto& s : syncs) {
            EXPECT_TRUE(s->has_value());
            if (s->has_value()) {
                EXPECT_EQ((*s)->error, errc::none);
            }
        }
        EXPECT_EQ(mgr->describe("g").state, "Stable");
        return f;
    }

    errc heartbeat(const std::string& id, int32_t generation) {
        return mgr->heartbeat("g", generation, id, std::nullopt);
    }

    // The last group-metadata value appended for "g".
    std::optional<records::group_metadata_value> last_stored() {
        for (auto it = log.calls.rbegin(); it != log.calls.rend(); ++it) {
            for (const auto& rec : it->records) {
                if (records::decode_group_metadata_key(rec.key) == "g" && rec.value) {
                    return records::decode_group_metadata_value(*rec.value);
                }
            }
        }
        return std::nullopt;
    }

    group_config config;
    manual_timer_service timers;
    fake_coordinator_log log;
    std::unique_ptr<group_manager> mgr;
};

// ---- JoinGroup ------------------------------------------------------------------------------

TEST_F(group_manager_test, first_join_requiring_known_member_id_gets_member_id_required) {
    auto r = request("", "my-client");
    r.require_known_member_id = true;
    auto first = join(r);
    ASSERT_TRUE(first->has_value());
    EXPECT_EQ((*first)->error, errc::member_id_required);
    // Kafka's form: client id, '-', a 36-character UUID.
    const std::string& id = (*first)->member_id;
    ASSERT_EQ(id.size(), std::string("my-client-").size() + 36);
    EXPECT_EQ(id.rfind("my-client-", 0), 0u);
    EXPECT_EQ(id[10 + 8], '-');
    EXPECT_EQ((*first)->generation_id, -1);
    // Pending: not a member yet.
    EXPECT_EQ(mgr->describe("g").members.size(), 0u);
}

TEST_F(group_manager_test, pending_member_that_never_rejoins_is_forgotten) {
    auto r = request();
    r.require_known_member_id = true;
    auto first = join(r);
    timers.advance(std::chrono::milliseconds(session_ms));
    r.member_id = (*first)->member_id;
    auto second = join(r);
    ASSERT_TRUE(second->has_value());
    EXPECT_EQ((*second)->error, errc::unknown_member_id);
}

TEST_F(group_manager_test, first_generation_forms_after_the_initial_delay) {
    auto j = join_new("c");
    EXPECT_FALSE(j->has_value());
    EXPECT_EQ(mgr->describe("g").state, "PreparingRebalance");
    timers.advance(config.initial_rebalance_delay - 1ms);
    EXPECT_FALSE(j->has_value());
    timers.advance(1ms);
    ASSERT_TRUE(j->has_value());
    const auto& r = **j;
    EXPECT_EQ(r.error, errc::none);
    EXPECT_EQ(r.generation_id, 1);
    EXPECT_EQ(r.protocol_type, "consumer");
    EXPECT_EQ(r.protocol_name, "range");
    EXPECT_EQ(r.leader, r.member_id);
    ASSERT_EQ(r.members.size(), 1u);
    EXPECT_EQ(r.members[0].member_id, r.member_id);
    EXPECT_EQ(r.members[0].metadata, meta(1));
    EXPECT_EQ(mgr->describe("g").state, "CompletingRebalance");
}

TEST_F(group_manager_test, join_without_required_member_id_joins_at_once) {
    auto j = join(request("", "old-client"));  // JoinGroup v0-3
    timers.advance(config.initial_rebalance_delay);
    ASSERT_TRUE(j->has_value());
    EXPECT_EQ((*j)->error, errc::none);
    EXPECT_EQ((*j)->member_id.rfind("old-client-", 0), 0u);
}

TEST_F(group_manager_test, initial_delay_is_extended_while_new_members_arrive) {
    auto a = join_new("a");
    timers.advance(2000ms);
    auto b = join_new("b");  // arrives during the first delay: one more delay
    timers.advance(1000ms);  // t = 3000
    EXPECT_FALSE(a->has_value());
    timers.advance(2999ms);
    EXPECT_FALSE(a->has_value());
    timers.advance(1ms);  // t = 6000: nobody new in the second delay
    ASSERT_TRUE(a->has_value());
    ASSERT_TRUE(b->has_value());
    EXPECT_EQ((*a)->generation_id, 1);
    EXPECT_EQ((*a)->leader, (*a)->member_id);
    EXPECT_EQ((*a)->members.size(), 2u);
    EXPECT_TRUE((*b)->members.empty());  // followers do not get the member list
    EXPECT_EQ((*b)->leader, (*a)->member_id);
}

TEST_F(group_manager_test, initial_delay_extensions_are_capped_by_the_rebalance_timeout) {
    auto r = request("", "a");
    r.rebalance_timeout_ms = 4000;  // delay 3000, then at most 1000 more
    auto a = join(r);
    timers.advance(1000ms);
    r.client_id = "b";
    auto b = join(r);
    timers.advance(2000ms);  // t = 3000: extended by min(3000, 1000)
    EXPECT_FALSE(a->has_value());
    timers.advance(500ms);
    r.client_id = "c";
    auto c = join(r);
    timers.advance(500ms);  // t = 4000: the budget is spent
    EXPECT_TRUE(a->has_value());
    EXPECT_TRUE(b->has_value());
    EXPECT_TRUE(c->has_value());
    EXPECT_EQ((*a)->members.size() + (*b)->members.size() + (*c)->members.size(), 3u);
}

TEST_F(group_manager_test, invalid_session_timeouts_are_rejected) {
    auto r = request();
    r.session_timeout_ms = static_cast<int32_t>(config.min_session_timeout.count()) - 1;
    auto low = join(r);
    r.session_timeout_ms = static_cast<int32_t>(config.max_session_timeout.count()) + 1;
    auto high = join(r);
    EXPECT_EQ((*low)->error, errc::invalid_session_timeout);
    EXPECT_EQ((*high)->error, errc::invalid_session_timeout);
    EXPECT_FALSE(mgr->exists("g"));
}

TEST_F(group_manager_test, empty_group_id_is_invalid) {
    auto r = request();
    r.group_id = "";
    EXPECT_EQ((*join(r))->error, errc::invalid_group_id);
}

TEST_F(group_manager_test, member_without_protocols_is_inconsistent) {
    auto j = join(request("", "c", {}));
    EXPECT_EQ((*j)->error, errc::inconsistent_group_protocol);
    EXPECT_FALSE(mgr->exists("g"));
}

TEST_F(group_manager_test, mismatched_protocol_type_is_inconsistent) {
    auto a = join_new("a");
    auto r = request("", "b");
    r.protocol_type = "connect";
    EXPECT_EQ((*join(r))->error, errc::inconsistent_group_protocol);
}

TEST_F(group_manager_test, member_with_no_common_protocol_is_inconsistent) {
    auto a = join_new("a", {{"range", meta(1)}});
    auto b = join(request("", "b", {{"sticky", meta(2)}}));
    EXPECT_EQ((*b)->error, errc::inconsistent_group_protocol);
}

TEST_F(group_manager_test, protocol_is_chosen_by_member_votes) {
    auto a = join_new("a", {{"range", meta(1)}, {"roundrobin", meta(2)}});
    auto b = join_new("b", {{"roundrobin", meta(3)}, {"range", meta(4)}});
    auto c = join_new("c", {{"roundrobin", meta(5)}, {"range", meta(6)}});
    advance_until_answered({a, b, c});
    EXPECT_EQ((*a)->protocol_name, "roundrobin");
    // The leader sees each member's metadata for the chosen protocol.
    for (const auto& m : (*a)->members) {
        if (m.member_id == (*b)->member_id) {
            EXPECT_EQ(m.metadata, meta(3));
        }
    }
}

TEST_F(group_manager_test, join_with_unknown_member_id_on_unknown_group_is_rejected) {
    auto j = join(request("nobody-123"));
    EXPECT_EQ((*j)->error, errc::unknown_member_id);
    EXPECT_FALSE(mgr->exists("g"));
}

TEST_F(group_manager_test, join_with_unknown_member_id_on_known_group_is_rejected) {
    stable_group(1);
    EXPECT_EQ((*join(request("nobody-123")))->error, errc::unknown_member_id);
}

TEST_F(group_manager_test, group_max_size_limits_new_members) {
    config.max_size = 1;
    make_manager();
    auto f = stable_group(1);
    auto extra = join(request("", "extra"));
    ASSERT_TRUE(extra->has_value());
    EXPECT_EQ((*extra)->error, errc::group_max_size_reached);
    EXPECT_EQ(heartbeat(f.ids[0], f.generation), errc::none);
}

// ---- rebalances -------------------------------------------------------------------------------

TEST_F(group_manager_test, join_phase_completes_as_soon_as_all_members_rejoin) {
    auto f = stable_group(2);
    auto a = join(request(f.ids[0], "c0"));  // e.g. a leader noticing new partitions
    EXPECT_FALSE(a->has_value());
    EXPECT_EQ(heartbeat(f.ids[1], f.generation), errc::rebalance_in_progress);
    auto b = join(request(f.ids[1], "c1"));
    ASSERT_TRUE(a->has_value());
    ASSERT_TRUE(b->has_value());
    EXPECT_EQ((*a)->generation_id, f.generation + 1);
    EXPECT_EQ((*b)->generation_id, f.generation + 1);
}

TEST_F(group_manager_test, members_that_do_not_rejoin_in_time_are_removed) {
    auto f = stable_group(2);
    auto a = join(request(f.ids[0], "c0"));
    // The other keeps heartbeating but never rejoins.
    for (int i = 0; i < 5; ++i) {
        timers.advance(std::chrono::milliseconds(rebalance_ms / 6));
        heartbeat(f.ids[1], f.generation);
    }
    EXPECT_FALSE(a->has_value());
    timers.advance(std::chrono::milliseconds(rebalance_ms / 6));
    ASSERT_TRUE(a->has_value());
    EXPECT_EQ((*a)->members.size(), 1u);
    EXPECT_EQ(heartbeat(f.ids[1], (*a)->generation_id), errc::unknown_member_id);
}

TEST_F(group_manager_test, cooperative_rejoin_with_new_metadata_during_stable_rebalances) {
    auto f = stable_group(2);
    std::string follower = f.ids[0] == f.leader ? f.ids[1] : f.ids[0];
    // A cooperative consumer rejoins with its owned partitions changed in its metadata.
    auto j = join(request(follower, "c", {{"range", meta(9)}}));
    EXPECT_FALSE(j->has_value());
    EXPECT_EQ(mgr->describe("g").state, "PreparingRebalance");
    EXPECT_EQ(heartbeat(f.leader, f.generation), errc::rebalance_in_progress);
    auto l = join(request(f.leader));
    ASSERT_TRUE(l->has_value());
    ASSERT_TRUE(j->has_value());
    EXPECT_EQ((*l)->generation_id, f.generation + 1);
    bool saw_new_metadata = false;
    for (const auto& m : (*l)->members) saw_new_metadata |= m.metadata == meta(9);
    EXPECT_TRUE(saw_new_metadata);
}

TEST_F(group_manager_test, unchanged_follower_rejoin_during_stable_gets_current_generation) {
    auto f = stable_group(2);
    std::string follower = f.ids[0] == f.leader ? f.ids[1] : f.ids[0];
    auto j = join(request(follower));
    ASSERT_TRUE(j->has_value());
    EXPECT_EQ((*j)->error, errc::none);
    EXPECT_EQ((*j)->generation_id, f.generation);
    EXPECT_EQ(mgr->describe("g").state, "Stable");
}

TEST_F(group_manager_test, leader_rejoin_during_stable_rebalances) {
    auto f = stable_group(2);
    auto j = join(request(f.leader));
    EXPECT_FALSE(j->has_value());
    EXPECT_EQ(mgr->describe("g").state, "PreparingRebalance");
}

TEST_F(group_manager_test, rejoin_with_same_metadata_while_completing_returns_current_generation) {
    auto a = join_new("a");
    auto b = join_new("b");
    advance_until_answered({a, b});
    auto again = join(request((*b)->member_id));
    ASSERT_TRUE(again->has_value());
    EXPECT_EQ((*again)->generation_id, (*b)->generation_id);
    EXPECT_EQ(mgr->describe("g").state, "CompletingRebalance");
}

TEST_F(group_manager_test, new_member_joining_a_stable_group_starts_a_rebalance) {
    auto f = stable_group(1);
    auto b = join_new("b");
    EXPECT_EQ(mgr->describe("g").state, "PreparingRebalance");
    EXPECT_EQ(heartbeat(f.ids[0], f.generation), errc::rebalance_in_progress);
    auto a = join(request(f.ids[0]));
    ASSERT_TRUE(a->has_value());
    ASSERT_TRUE(b->has_value());
    EXPECT_EQ((*a)->generation_id, f.generation + 1);
}

// ---- SyncGroup ------------------------------------------------------------------------------

TEST_F(group_manager_test, followers_wait_for_the_leaders_assignment) {
    auto a = join_new("a");
    auto b = join_new("b");
    advance_until_answered({a, b});
    std::string leader = (*a)->leader;
    std::string follower = (*a)->member_id == leader ? (*b)->member_id : (*a)->member_id;
    int32_t gen = (*a)->generation_id;
    auto fs = sync(follower, gen);
    EXPECT_FALSE(fs->has_value());
    auto ls = sync(leader, gen, {{leader, bytes{1}}, {follower, bytes{2}}});
    ASSERT_TRUE(fs->has_value());
    ASSERT_TRUE(ls->has_value());
    EXPECT_EQ((*fs)->assignment, bytes{2});
    EXPECT_EQ((*ls)->assignment, bytes{1});
    EXPECT_EQ((*fs)->protocol_name, "range");
    EXPECT_EQ((*fs)->protocol_type, "consumer");
    EXPECT_EQ(mgr->describe("g").state, "Stable");
}

TEST_F(group_manager_test, leader_sync_is_answered_only_once_durable) {
    auto a = join_new("a");
    advance_until_answered({a});
    log.completion = fake_coordinator_log::mode::hold;
    size_t before = log.calls.size();
    auto s = sync((*a)->member_id, (*a)->generation_id, {{(*a)->member_id, bytes{5}}});
    EXPECT_FALSE(s->has_value());
    ASSERT_EQ(log.calls.size(), before + 1);
    const auto& call = log.calls.back();
    EXPECT_EQ(call.partition, partition_for_group("g", config.offsets_partitions));
    auto stored = last_stored();
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->generation, 1);
    EXPECT_EQ(stored->protocol_type, "consumer");
    EXPECT_EQ(stored->protocol, "range");
    EXPECT_EQ(stored->leader, (*a)->member_id);
    ASSERT_EQ(stored->members.size(), 1u);
    EXPECT_EQ(stored->members[0].client_id, "a");
    EXPECT_EQ(stored->members[0].subscription, meta(1));
    EXPECT_EQ(stored->members[0].assignment, bytes{5});
    EXPECT_EQ(stored->members[0].session_timeout, session_ms);
    EXPECT_EQ(stored->members[0].rebalance_timeout, rebalance_ms);
    log.complete(log.calls.size() - 1, true);
    ASSERT_TRUE(s->has_value());
    EXPECT_EQ((*s)->error, errc::none);
    EXPECT_EQ((*s)->assignment, bytes{5});
}

TEST_F(group_manager_test, failed_persistence_answers_coordinator_not_available_and_rebalances) {
    auto a = join_new("a");
    auto b = join_new("b");
    advance_until_answered({a, b});
    std::string leader = (*a)->leader;
    std::string follower = (*a)->member_id == leader ? (*b)->member_id : (*a)->member_id;
    auto fs = sync(follower, (*a)->generation_id);
    log.completion = fake_coordinator_log::mode::complete_failed;
    auto ls = sync(leader, (*a)->generation_id, {{leader, bytes{1}}, {follower, bytes{2}}});
    ASSERT_TRUE(ls->has_value());
    ASSERT_TRUE(fs->has_value());
    EXPECT_EQ((*ls)->error, errc::coordinator_not_available);
    EXPECT_EQ((*fs)->error, errc::coordinator_not_available);
    EXPECT_EQ(mgr->describe("g").state, "PreparingRebalance");
}

TEST_F(group_manager_test, sync_errors) {
    auto a = join_new("a");
    advance_until_answered({a});
    const std::string id = (*a)->member_id;
    const int32_t gen = (*a)->generation_id;
    EXPECT_EQ((*sync(id, gen + 1))->error, errc::illegal_generation);
    EXPECT_EQ((*sync("nobody", gen))->error, errc::unknown_member_id);
    sync_request other_group;
    other_group.group_id = "unknown";
    other_group.member_id = id;
    other_group.generation_id = gen;
    EXPECT_EQ((*sync(other_group))->error, errc::unknown_member_id);
    sync_request wrong_protocol;
    wrong_protocol.group_id = "g";
    wrong_protocol.member_id = id;
    wrong_protocol.generation_id = gen;
    wrong_protocol.protocol_name = "roundrobin";
    EXPECT_EQ((*sync(wrong_protocol))->error, errc::inconsistent_group_protocol);
    wrong_protocol.protocol_name = "range";
    wrong_protocol.protocol_type = "connect";
    EXPECT_EQ((*sync(wrong_protocol))->error, errc::inconsistent_group_protocol);
}

TEST_F(group_manager_test, sync_during_a_rebalance_is_rejected) {
    auto f = stable_group(2);
    auto j = join(request(f.leader));
    std::string follower = f.ids[0] == f.leader ? f.ids[1] : f.ids[0];
    EXPECT_EQ((*sync(follower, f.generation))->error, errc::rebalance_in_progress);
}

TEST_F(group_manager_test, parked_follower_sync_is_told_of_a_new_rebalance) {
    auto a = join_new("a");
    auto b = join_new("b");
    advance_until_answered({a, b});
    std::string leader = (*a)->leader;
    std::string follower = (*a)->member_id == leader ? (*b)->member_id : (*a)->member_id;
    auto fs = sync(follower, (*a)->generation_id);
    auto c = join_new("c");  // a newcomer restarts the rebalance before the leader syncs
    ASSERT_TRUE(fs->has_value());
    EXPECT_EQ((*fs)->error, errc::rebalance_in_progress);
}

TEST_F(group_manager_test, stable_sync_returns_the_current_assignment) {
    auto f = stable_group(2);
    auto again = sync(f.ids[1], f.generation);
    ASSERT_TRUE(again->has_value());
    EXPECT_EQ((*again)->assignment, bytes{1});
}

// ---- heartbeats and sessions ------------------------------------------------------------------

TEST_F(group_manager_test, heartbeat_errors) {
    auto f = stable_group(1);
    EXPECT_EQ(heartbeat(f.ids[0], f.generation), errc::none);
    EXPECT_EQ(heartbeat(f.ids[0], f.generation - 1), errc::illegal_generation);
    EXPECT_EQ(heartbeat("nobody", f.generation), errc::unknown_member_id);
    EXPECT_EQ(mgr->heartbeat("unknown", f.generation, f.ids[0], std::nullopt),
              errc::unknown_member_id);
}

TEST_F(group_manager_test, heartbeat_is_accepted_while_completing_the_rebalance) {
    auto a = join_new("a");
    advance_until_answered({a});
    EXPECT_EQ(heartbeat((*a)->member_id, (*a)->generation_id), errc::none);
}

TEST_F(group_manager_test, session_expiry_removes_the_member_and_rebalances) {
    auto f = stable_group(2);
    for (int i = 0; i < 4; ++i) {
        timers.advance(std::chrono::milliseconds(session_ms / 3));
        // Only the first member keeps its session alive.
        errc e = heartbeat(f.ids[0], f.generation);
        if (i < 3) {
            EXPECT_EQ(e, errc::none) << i;
        } else {
            EXPECT_EQ(e, errc::rebalance_in_progress);
        }
    }
    auto rejoin = join(request(f.ids[0], "c0"));
    ASSERT_TRUE(rejoin->has_value());
    EXPECT_EQ((*rejoin)->generation_id, f.generation + 1);
    EXPECT_EQ((*rejoin)->members.size(), 1u);
    EXPECT_EQ(heartbeat(f.ids[1], f.generation), errc::unknown_member_id);
}

TEST_F(group_manager_test, last_member_expiring_empties_the_group_and_persists_it) {
    auto f = stable_group(1);
    timers.advance(std::chrono::milliseconds(session_ms));
    auto d = mgr->describe("g");
    EXPECT_EQ(d.state, "Empty");
    EXPECT_TRUE(d.members.empty());
    EXPECT_FALSE(mgr->has_members("g"));
    auto stored = last_stored();
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->generation, f.generation + 1);
    EXPECT_FALSE(stored->protocol);
    EXPECT_TRUE(stored->members.empty());
}

TEST_F(group_manager_test, member_that_joined_but_never_synced_expires) {
    auto a = join_new("a");
    auto b = join_new("b");
    advance_until_answered({a, b});
    std::string leader = (*a)->leader;
    std::string follower = (*a)->member_id == leader ? (*b)->member_id : (*a)->member_id;
    auto ls = sync(leader, (*a)->generation_id, {{leader, bytes{1}}, {follower, bytes{2}}});
    ASSERT_TRUE(ls->has_value());
    // The follower never syncs nor heartbeats; the leader keeps heartbeating.
    for (int i = 0; i < 4; ++i) {
        timers.advance(std::chrono::milliseconds(session_ms / 3));
        heartbeat(leader, (*a)->generation_id);
    }
    EXPECT_EQ(heartbeat(follower, (*a)->generation_id), errc::unknown_member_id);
    EXPECT_EQ(heartbeat(leader, (*a)->generation_id), errc::rebalance_in_progress);
}

TEST_F(group_manager_test, parked_new_member_expires_after_the_new_member_timeout) {
    // The existing member allows a ten-minute rebalance and never rejoins, so the join phase
    // stays open; a newcomer parked in JoinGroup is dropped after five minutes.
    auto r = request("", "a");
    r.rebalance_timeout_ms = 600000;
    auto a = join(r);
    advance_until_answered({a});
    const int32_t gen = (*a)->generation_id;
    sync((*a)->member_id, gen, {});
    auto b = join(request("", "b"));
    for (int i = 0; i < 59; ++i) {
        timers.advance(5000ms);
        EXPECT_EQ(heartbeat((*a)->member_id, gen), errc::rebalance_in_progress);
    }
    EXPECT_FALSE(b->has_value());
    timers.advance(5000ms);
    ASSERT_TRUE(b->has_value());
    EXPECT_EQ((*b)->error, errc::unknown_member_id);
}

// ---- LeaveGroup -----------------------------------------------------------------------------

TEST_F(group_manager_test, leave_removes_the_member_and_rebalances) {
    auto f = stable_group(2);
    auto errors = mgr->leave("g", {{f.ids[1], std::nullopt}, {"nobody", std::nullopt}});
    EXPECT_EQ(errors, (std::vector<errc>{errc::none, errc::unknown_member_id}));
    EXPECT_EQ(heartbeat(f.ids[0], f.generation), errc::rebalance_in_progress);
    auto j = join(request(f.ids[0], "c0"));
    ASSERT_TRUE(j->has_value());
    EXPECT_EQ((*j)->members.size(), 1u);
}

TEST_F(group_manager_test, last_member_leaving_empties_the_group) {
    auto f = stable_group(1);
    EXPECT_EQ(mgr->leave("g", {{f.ids[0], std::nullopt}}), std::vector<errc>{errc::none});
    EXPECT_EQ(mgr->describe("g").state, "Empty");
}

TEST_F(group_manager_test, leave_on_unknown_group_is_unknown_member_for_each) {
    EXPECT_EQ(mgr->leave("nope", {{"a", std::nullopt}, {"b", std::nullopt}}),
              (std::vector<errc>{errc::unknown_member_id, errc::unknown_member_id}));
}

TEST_F(group_manager_test, leaving_member_parked_in_join_is_answered) {
    auto a = join_new("a");
    auto described = mgr->describe("g");
    ASSERT_EQ(described.members.size(), 1u);
    EXPECT_EQ(mgr->leave("g", {{described.members[0].member_id, std::nullopt}}),
              std::vector<errc>{errc::none});
    ASSERT_TRUE(a->has_value());
    EXPECT_EQ((*a)->error, errc::unknown_member_id);
}

// ---- static membership ------------------------------------------------------------------------

join_request static_request(join_request r, std::string instance) {
    r.group_instance_id = std::move(instance);
    return r;
}

TEST_F(group_manager_test, static_member_restart_takes_over_without_a_rebalance) {
    auto a = join(static_request(request("", "a"), "instance-a"));
    auto b = join_new("b");
    advance_until_answered({a, b});
    const std::string old_id = (*a)->member_id;
    EXPECT_EQ(old_id.rfind("instance-a-", 0), 0u);  // static ids start with the instance id
    const int32_t gen = (*a)->generation_id;
    std::string leader = (*a)->leader;
    auto s1 = sync((*b)->member_id, gen);
    auto s2 = sync(leader, gen, {{old_id, bytes{1}}, {(*b)->member_id, bytes{2}}});
    ASSERT_TRUE(s1->has_value() && s2->has_value());
    size_t appends = log.calls.size();

    // The instance restarts and joins with no member id.
    auto again = join(static_request(request("", "a"), "instance-a"));
    ASSERT_TRUE(again->has_value());
    EXPECT_EQ((*again)->error, errc::none);
    EXPECT_NE((*again)->member_id, old_id);
    EXPECT_EQ((*again)->generation_id, gen);
    EXPECT_EQ(mgr->describe("g").state, "Stable");
    EXPECT_EQ(log.calls.size(), appends + 1);  // the new member id is persisted
    EXPECT_EQ(last_stored()->members.size(), 2u);

    // The old incarnation is fenced; the new one gets its assignment back.
    EXPECT_EQ(mgr->heartbeat("g", gen, old_id, std::string("instance-a")),
              errc::fenced_instance_id);
    sync_request sr;
    sr.group_id = "g";
    sr.member_id = (*again)->member_id;
    sr.group_instance_id = "instance-a";
    sr.generation_id = gen;
    auto s3 = sync(sr);
    ASSERT_TRUE(s3->has_value());
    EXPECT_EQ((*s3)->assignment, bytes{1});
    EXPECT_EQ(mgr->heartbeat("g", gen, (*again)->member_id, std::string("instance-a")), errc::none);
    EXPECT_EQ(heartbeat((*b)->member_id, gen), errc::none);
}

TEST_F(group_manager_test, replaced_static_leader_may_skip_the_assignment) {
    auto a = join(static_request(request("", "a"), "i"));
    advance_until_answered({a});
    sync((*a)->member_id, (*a)->generation_id, {{(*a)->member_id, bytes{1}}});
    auto again = join(static_request(request("", "a"), "i"));
    ASSERT_TRUE(again->has_value());
    EXPECT_EQ((*again)->leader, (*again)->member_id);
    EXPECT_TRUE((*again)->skip_assignment);
    EXPECT_EQ((*again)->members.size(), 1u);

    // Before JoinGroup v9 it is told the old leader id instead.
    auto r = static_request(request("", "a"), "i");
    r.supports_skip_assignment = false;
    auto old_client = join(r);
    ASSERT_TRUE(old_client->has_value());
    EXPECT_EQ((*old_client)->leader, (*again)->member_id);
    EXPECT_FALSE((*old_client)->skip_assignment);
    EXPECT_TRUE((*old_client)->members.empty());
}

TEST_F(group_manager_test, static_member_restart_with_other_protocols_rebalances) {
    auto a = join(static_request(request("", "a"), "i"));
    advance_until_answered({a});
    sync((*a)->member_id, (*a)->generation_id, {{(*a)->member_id, bytes{1}}});
    // Still supports "range", but now prefers "roundrobin": the chosen protocol changes.
    auto again =
        join(static_request(request("", "a", {{"roundrobin", meta(2)}, {"range", meta(1)}}), "i"));
    EXPECT_EQ(mgr->describe("g").state, "CompletingRebalance");  // alone: completes at once
    ASSERT_TRUE(again->has_value());
    EXPECT_EQ((*again)->generation_id, (*a)->generation_id + 1);
    EXPECT_EQ((*again)->protocol_name, "roundrobin");
}

TEST_F(group_manager_test, failed_persistence_of_a_static_takeover_restores_the_old_member) {
    auto a = join(static_request(request("", "a"), "i"));
    advance_until_answered({a});
    sync((*a)->member_id, (*a)->generation_id, {{(*a)->member_id, bytes{1}}});
    log.completion = fake_coordinator_log::mode::complete_failed;
    auto again = join(static_request(request("", "a"), "i"));
    ASSERT_TRUE(again->has_value());
    EXPECT_EQ((*again)->error, errc::coordinator_not_available);
    EXPECT_EQ(mgr->heartbeat("g", (*a)->generation_id, (*a)->member_id, std::string("i")),
              errc::none);
}

TEST_F(group_manager_test, static_member_parked_in_join_is_fenced_by_its_restart) {
    auto f = stable_group(1);
    auto s = join(static_request(request("", "s"), "i"));  // rebalance starts
    EXPECT_FALSE(s->has_value());
    auto restart = join(static_request(request("", "s"), "i"));
    ASSERT_TRUE(s->has_value());
    EXPECT_EQ((*s)->error, errc::fenced_instance_id);
    EXPECT_FALSE(restart->has_value());  // takes part in the ongoing rebalance
    auto a = join(request(f.ids[0]));
    ASSERT_TRUE(restart->has_value());
    EXPECT_EQ((*restart)->error, errc::none);
}

TEST_F(group_manager_test, static_member_that_does_not_rejoin_stays_until_its_session_expires) {
    auto s = join(static_request(request("", "s"), "i"));
    auto d = join_new("d");
    advance_until_answered({s, d});
    int32_t gen = (*s)->generation_id;
    std::string leader = (*s)->leader;
    sync((*s)->member_id, gen, {});
    sync((*d)->member_id, gen, {});
    // d rejoins (rebalance); the static member is silent but within its session.
    auto d2 = join(request((*d)->member_id, "client", {{"range", meta(7)}}));
    timers.advance(std::chrono::milliseconds(session_ms - 1000));
    EXPECT_FALSE(d2->has_value());
    EXPECT_EQ(mgr->describe("g").members.size(), 2u);
    // Its session expires: it is removed and the join phase completes.
    timers.advance(1000ms);
    ASSERT_TRUE(d2->has_value());
    EXPECT_EQ((*d2)->members.size(), 1u);
}

TEST_F(group_manager_test, static_member_removed_by_instance_id) {
    auto s = join(static_request(request("", "s"), "i"));
    advance_until_answered({s});
    EXPECT_EQ(mgr->leave("g", {{"", std::string("i")}, {"", std::string("other")}}),
              (std::vector<errc>{errc::none, errc::unknown_member_id}));
    EXPECT_FALSE(mgr->has_members("g"));
}

TEST_F(group_manager_test, stale_static_member_cannot_leave_with_an_old_id) {
    auto s = join(static_request(request("", "s"), "i"));
    advance_until_answered({s});
    EXPECT_EQ(mgr->leave("g", {{"stale-id", std::string("i")}}),
              std::vector<errc>{errc::fenced_instance_id});
    EXPECT_TRUE(mgr->has_members("g"));
}

TEST_F(group_manager_test, static_join_with_stale_member_id_is_fenced) {
    auto s = join(static_request(request("", "s"), "i"));
    advance_until_answered({s});
    auto stale = join(static_request(request("stale-id", "s"), "i"));
    EXPECT_EQ((*stale)->error, errc::fenced_instance_id);
}

// ---- OffsetCommit fencing -----------------------------------------------------------------------

TEST_F(group_manager_test, simple_commits_are_allowed_without_members) {
    EXPECT_EQ(mgr->validate_commit("g", -1, "", std::nullopt), errc::none);  // unknown group
    EXPECT_EQ(mgr->validate_commit("g", 3, "m", std::nullopt), errc::illegal_generation);
    auto f = stable_group(1);
    EXPECT_EQ(mgr->validate_commit("g", -1, "", std::nullopt), errc::unknown_member_id);
    mgr->leave("g", {{f.ids[0], std::nullopt}});
    EXPECT_EQ(mgr->validate_commit("g", -1, "", std::nullopt), errc::none);
}

TEST_F(group_manager_test, member_commits_are_fenced_by_generation_and_identity) {
    auto f = stable_group(1);
    EXPECT_EQ(mgr->validate_commit("g", f.generation, f.ids[0], std::nullopt), errc::none);
    EXPECT_EQ(mgr->validate_commit("g", f.generation + 1, f.ids[0], std::nullopt),
              errc::illegal_generation);
    EXPECT_EQ(mgr->validate_commit("g", f.generation, "nobody", std::nullopt),
              errc::unknown_member_id);
    // A leader rejoining alone completes the join phase at once: CompletingRebalance.
    auto j = join(request(f.ids[0]));
    ASSERT_TRUE(j->has_value());  // alone: the join completes at once
    EXPECT_EQ(mgr->validate_commit("g", (*j)->generation_id, f.ids[0], std::nullopt),
              errc::rebalance_in_progress);  // CompletingRebalance
}

TEST_F(group_manager_test, static_member_commit_with_old_id_is_fenced) {
    auto s = join(static_request(request("", "s"), "i"));
    advance_until_answered({s});
    EXPECT_EQ(mgr->validate_commit("g", (*s)->generation_id, "old", std::string("i")),
              errc::fenced_instance_id);
}

// ---- DeleteGroups, DescribeGroups, ListGroups -------------------------------------------------

TEST_F(group_manager_test, delete_group_requires_an_empty_group) {
    std::optional<errc> result;
    mgr->delete_group("g", [&](errc e) { result = e; });
    EXPECT_EQ(result, errc::group_id_not_found);
    auto f = stable_group(1);
    result.reset();
    mgr->delete_group("g", [&](errc e) { result = e; });
    EXPECT_EQ(result, errc::non_empty_group);
    mgr->leave("g", {{f.ids[0], std::nullopt}});
    result.reset();
    log.completion = fake_coordinator_log::mode::hold;
    mgr->delete_group("g", [&](errc e) { result = e; });
    EXPECT_FALSE(result);
    const auto& call = log.calls.back();
    ASSERT_EQ(call.records.size(), 1u);
    EXPECT_EQ(records::decode_group_metadata_key(call.records[0].key), "g");
    EXPECT_FALSE(call.records[0].value);  // tombstone
    log.complete(log.calls.size() - 1, true);
    EXPECT_EQ(result, errc::none);
    EXPECT_FALSE(mgr->exists("g"));
    EXPECT_EQ(mgr->describe("g").state, "Dead");
}

TEST_F(group_manager_test, describe_reports_members_and_assignments_when_stable) {
    auto f = stable_group(2);
    auto d = mgr->describe("g");
    EXPECT_EQ(d.error, errc::none);
    EXPECT_EQ(d.state, "Stable");
    EXPECT_EQ(d.protocol_type, "consumer");
    EXPECT_EQ(d.protocol, "range");
    ASSERT_EQ(d.members.size(), 2u);
    for (const auto& m : d.members) {
        EXPECT_EQ(m.metadata, meta(1));
        EXPECT_EQ(m.client_host, "/127.0.0.1");
        EXPECT_EQ(m.assignment, bytes{uint8_t(m.member_id == f.ids[0] ? 0 : 1)});
    }
    join(request(f.leader));  // rebalancing: no protocol, no metadata
    d = mgr->describe("g");
    EXPECT_EQ(d.state, "PreparingRebalance");
    EXPECT_EQ(d.protocol, "");
    EXPECT_TRUE(d.members[0].metadata.empty());
}

TEST_F(group_manager_test, describe_unknown_group_is_dead_without_error) {
    auto d = mgr->describe("nope");
    EXPECT_EQ(d.error, errc::none);
    EXPECT_EQ(d.group_id, "nope");
    EXPECT_EQ(d.state, "Dead");
    EXPECT_TRUE(d.members.empty());
}

TEST_F(group_manager_test, list_filters_states_case_insensitively) {
    stable_group(1);
    auto all = mgr->list({});
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].group_id, "g");
    EXPECT_EQ(all[0].protocol_type, "consumer");
    EXPECT_EQ(all[0].state, "Stable");
    EXPECT_EQ(mgr->list({"stable"}).size(), 1u);
    EXPECT_EQ(mgr->list({"EMPTY", "dead"}).size(), 0u);
}

// ---- subscriptions ----------------------------------------------------------------------------

bytes subscription(std::vector<std::string> topics, int16_t version) {
    protocol::writer w;
    w.write_int16(version);
    protocol::consumer_protocol_subscription s;
    s.topics = std::move(topics);
    s.encode(w, version);
    return std::move(w).finish_bytes();
}

TEST_F(group_manager_test, subscribed_to_reads_consumer_subscriptions) {
    auto a = join_new("a", {{"range", subscription({"orders", "payments"}, 1)}});
    auto b = join_new("b", {{"range", subscription({"audit"}, 3)}});
    EXPECT_FALSE(mgr->subscribed_to("g", "orders"));  // no generation yet
    advance_until_answered({a, b});
    EXPECT_TRUE(mgr->subscribed_to("g", "orders"));
    EXPECT_TRUE(mgr->subscribed_to("g", "audit"));
    EXPECT_FALSE(mgr->subscribed_to("g", "other"));
    EXPECT_FALSE(mgr->subscribed_to("unknown", "orders"));
}

TEST_F(group_manager_test, unreadable_subscription_means_not_subscribed) {
    auto a = join_new("a", {{"range", bytes{0xff}}});
    advance_until_answered({a});
    EXPECT_FALSE(mgr->subscribed_to("g", "orders"));
}

// ---- start-up, shutdown, callbacks
// ----------------------------------------------------------------

TEST_F(group_manager_test, loaded_group_is_stable_and_its_members_must_heartbeat) {
    auto f = stable_group(2);
    auto stored = last_stored();
    ASSERT_TRUE(stored);
    auto key = records::encode_group_metadata_key("g");
    auto value = records::encode_group_metadata_value(*stored);

    make_manager();  // a restart
    EXPECT_FALSE(mgr->exists("g"));
    mgr->load_record(key, value);
    auto d = mgr->describe("g");
    EXPECT_EQ(d.state, "Stable");
    EXPECT_EQ(d.members.size(), 2u);
    EXPECT_EQ(heartbeat(f.ids[0], f.generation), errc::none);
    auto s = sync(f.ids[1], f.generation);
    EXPECT_EQ((*s)->assignment, bytes{1});
    // Only the first keeps heartbeating: the second expires and a rebalance starts.
    for (int i = 0; i < 4; ++i) {
        timers.advance(std::chrono::milliseconds(session_ms / 3));
        heartbeat(f.ids[0], f.generation);
    }
    EXPECT_EQ(heartbeat(f.ids[0], f.generation), errc::rebalance_in_progress);
    EXPECT_EQ(heartbeat(f.ids[1], f.generation), errc::unknown_member_id);
}

TEST_F(group_manager_test, loaded_tombstone_removes_the_group) {
    records::group_metadata_value v;
    v.protocol_type = "consumer";
    v.generation = 3;
    auto key = records::encode_group_metadata_key("g");
    mgr->load_record(key, records::encode_group_metadata_value(v));
    EXPECT_EQ(mgr->describe("g").state, "Empty");
    mgr->load_record(key, std::nullopt);
    EXPECT_FALSE(mgr->exists("g"));
}

TEST_F(group_manager_test, unreadable_records_are_skipped) {
    mgr->load_record(records::encode_group_metadata_key("g"), bytes{0, 3, 1});
    mgr->load_record(bytes{0}, bytes{});
    EXPECT_FALSE(mgr->exists("g"));
}

TEST_F(group_manager_test, shutdown_answers_parked_requests) {
    auto a = join_new("a");
    EXPECT_FALSE(a->has_value());
    mgr->shutdown();
    ASSERT_TRUE(a->has_value());
    EXPECT_EQ((*a)->error, errc::coordinator_not_available);
    EXPECT_EQ((*join(request()))->error, errc::coordinator_not_available);
    timers.advance(1h);  // cancelled timers do nothing
}

TEST_F(group_manager_test, callbacks_run_outside_the_lock_and_may_reenter) {
    auto r = request();
    r.require_known_member_id = true;
    std::optional<group_description> seen;
    mgr->join(r, [&](join_result res) {
        seen = mgr->describe("g");  // would deadlock if called under the manager's lock
        auto again = r;
        again.member_id = res.member_id;
        mgr->join(again, [&](join_result) { seen = mgr->describe("g"); });
    });
    ASSERT_TRUE(seen);
    timers.advance(config.initial_rebalance_delay);  // answered on the "timer thread"
    EXPECT_EQ(seen->state, "CompletingRebalance");
}

TEST_F(group_manager_test, timers_firing_after_destruction_are_ignored) {
    auto a = join_new("a");
    mgr.reset();
    ASSERT_TRUE(a->has_value());
    EXPECT_EQ((*a)->error, errc::coordinator_not_available);
    timers.advance(1h);
}

}  // namespace
}  // namespace fjord::coordinator
