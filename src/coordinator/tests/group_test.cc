#include "coordinator/group.h"

#include <gtest/gtest.h>

namespace fjord::coordinator {
namespace {

std::unique_ptr<group_member> member(std::string id, std::vector<std::string> protocols,
                                     std::optional<std::string> instance = std::nullopt) {
    auto m = std::make_unique<group_member>();
    m->member_id = std::move(id);
    m->group_instance_id = std::move(instance);
    m->protocol_type = "consumer";
    m->session_timeout_ms = 10000;
    m->rebalance_timeout_ms = 20000;
    for (auto& p : protocols) m->protocols.push_back({p, bytes{uint8_t(p.size())}});
    return m;
}

TEST(group, state_names_are_kafkas) {
    EXPECT_EQ(state_name(group_state::empty), "Empty");
    EXPECT_EQ(state_name(group_state::preparing_rebalance), "PreparingRebalance");
    EXPECT_EQ(state_name(group_state::completing_rebalance), "CompletingRebalance");
    EXPECT_EQ(state_name(group_state::stable), "Stable");
    EXPECT_EQ(state_name(group_state::dead), "Dead");
}

TEST(group, first_member_sets_protocol_type_and_leads) {
    group g("g");
    g.add(member("a", {"range"}));
    g.add(member("b", {"range"}));
    EXPECT_EQ(g.protocol_type(), "consumer");
    EXPECT_EQ(g.leader(), "a");
    g.remove("a");
    EXPECT_EQ(g.leader(), "b");
    g.remove("b");
    EXPECT_EQ(g.leader(), "");
}

TEST(group, empty_group_accepts_any_type_with_protocols) {
    group g("g");
    EXPECT_TRUE(g.supports_protocols("connect", {{"x", {}}}));
    EXPECT_FALSE(g.supports_protocols("", {{"x", {}}}));
    EXPECT_FALSE(g.supports_protocols("consumer", {}));
}

TEST(group, non_empty_group_needs_same_type_and_a_common_protocol) {
    group g("g");
    g.add(member("a", {"range", "roundrobin"}));
    g.transition_to(group_state::preparing_rebalance);
    EXPECT_TRUE(g.supports_protocols("consumer", {{"roundrobin", {}}}));
    EXPECT_FALSE(g.supports_protocols("consumer", {{"sticky", {}}}));
    EXPECT_FALSE(g.supports_protocols("connect", {{"range", {}}}));
    EXPECT_FALSE(g.supports_protocols("consumer", {}));
}

TEST(group, protocol_selection_is_by_first_preference_votes_among_common_protocols) {
    group g("g");
    // "sticky" is not supported by everyone, so its votes go to each member's next choice.
    g.add(member("a", {"range", "roundrobin"}));
    g.add(member("b", {"sticky", "roundrobin", "range"}));
    g.add(member("c", {"roundrobin", "range"}));
    EXPECT_EQ(g.select_protocol(), "roundrobin");
}

TEST(group, protocol_selection_ties_go_to_the_smallest_name) {
    group g("g");
    g.add(member("a", {"range", "roundrobin"}));
    g.add(member("b", {"roundrobin", "range"}));
    EXPECT_EQ(g.select_protocol(), "range");
}

TEST(group, transitions_follow_kafkas_state_machine) {
    group g("g");
    g.add(member("a", {"range"}));
    g.transition_to(group_state::preparing_rebalance);
    g.transition_to(group_state::completing_rebalance);
    g.transition_to(group_state::stable);
    g.transition_to(group_state::preparing_rebalance);
    EXPECT_DEATH(g.transition_to(group_state::stable), "invalid transition");
}

TEST(group, next_generation_selects_protocol_or_becomes_empty) {
    group g("g");
    g.add(member("a", {"range"}));
    g.transition_to(group_state::preparing_rebalance);
    g.init_next_generation();
    EXPECT_EQ(g.generation(), 1);
    EXPECT_EQ(g.protocol_name(), "range");
    EXPECT_TRUE(g.is(group_state::completing_rebalance));
    g.remove("a");
    g.transition_to(group_state::preparing_rebalance);
    g.init_next_generation();
    EXPECT_EQ(g.generation(), 2);
    EXPECT_FALSE(g.protocol_name());
    EXPECT_TRUE(g.is(group_state::empty));
}

TEST(group, static_member_replacement_moves_id_and_leadership) {
    group g("g");
    g.add(member("old", {"range"}, "i1"));
    g.add(member("b", {"range"}));
    EXPECT_TRUE(g.is_static_member_fenced(std::string("i1"), "b"));
    EXPECT_FALSE(g.is_static_member_fenced(std::string("i1"), "old"));
    EXPECT_FALSE(g.is_static_member_fenced(std::string("unknown"), "b"));
    g.replace_static_member("i1", "old", "new");
    EXPECT_FALSE(g.has("old"));
    EXPECT_TRUE(g.has("new"));
    EXPECT_EQ(g.leader(), "new");
    EXPECT_EQ(g.static_member_id("i1"), "new");
    g.remove("new");
    EXPECT_FALSE(g.static_member_id("i1"));
}

TEST(group, elects_a_rejoined_leader) {
    group g("g");
    g.add(member("a", {"range"}));
    g.add(member("b", {"range"}));
    EXPECT_FALSE(g.maybe_elect_new_joined_leader());
    g.get("b")->awaiting_join = [](join_result) {};
    EXPECT_TRUE(g.maybe_elect_new_joined_leader());
    EXPECT_EQ(g.leader(), "b");
}

TEST(group, record_round_trip_restores_a_stable_group) {
    group g("g");
    g.add(member("a", {"range"}, "i1"));
    g.add(member("b", {"range"}));
    g.get("a")->assignment = bytes{7};
    g.transition_to(group_state::preparing_rebalance);
    g.init_next_generation();
    auto rec = g.to_record(1234);
    EXPECT_EQ(rec.generation, 1);
    EXPECT_EQ(rec.protocol, "range");
    EXPECT_EQ(rec.leader, "a");
    ASSERT_EQ(rec.members.size(), 2u);
    EXPECT_EQ(rec.members[0].subscription, bytes{5});
    EXPECT_EQ(rec.members[0].assignment, bytes{7});

    auto back = group::from_record("g", rec);
    EXPECT_TRUE(back->is(group_state::stable));
    EXPECT_EQ(back->generation(), 1);
    EXPECT_EQ(back->leader(), "a");
    EXPECT_EQ(back->static_member_id("i1"), "a");
    EXPECT_EQ(back->get("a")->assignment, bytes{7});
    EXPECT_EQ(*back->get("b")->metadata_for("range"), bytes{5});
}

TEST(group, record_without_members_restores_an_empty_group) {
    records::group_metadata_value v;
    v.protocol_type = "consumer";
    v.generation = 4;
    auto g = group::from_record("g", v);
    EXPECT_TRUE(g->is(group_state::empty));
    EXPECT_EQ(g->generation(), 4);
}

}  // namespace
}  // namespace fjord::coordinator
