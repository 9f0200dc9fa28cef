// group-join: how long a consumer group takes to settle after a member joins or leaves,
// measured as the members themselves see it, through their rebalance callbacks.

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "client.h"
#include "common.h"
#include "group_bench.h"

namespace fjord::bench {
namespace {

using namespace std::chrono_literals;

// A healthy broker settles a small group in a few heartbeats; the broker itself would wait
// up to the members' rebalance timeout (librdkafka's max.poll.interval.ms, 5 minutes).
constexpr auto settle_limit = 60s;
constexpr int poll_timeout_ms = 100;

// How the rebalance callbacks wake the main thread. One mutex for the whole group keeps the
// "has every member settled?" check simple; rebalances are rare.
struct group_tracker {
    std::mutex mutex;
    std::condition_variable changed;
};

// One consumer of the group, polled by a thread of its own; librdkafka runs the rebalance
// callback inside that poll. The main thread creates, drives and destroys it.
class member {
public:
    // Written by the rebalance callback and read by the main thread, under the tracker's mutex.
    struct view {
        // Whether an assignment arrived since the main thread last cleared the flag.
        bool fresh = false;
        std::vector<int32_t> partitions;
        clock_type::time_point assigned_at;
    };

    member(group_tracker& tracker, client_config&& config);
    member(const member&) = delete;
    member& operator=(const member&) = delete;
    // Leaves the group if leave() was not called.
    ~member();

    void subscribe(const std::string& topic);
    // Stops the polling thread; call it before leave() to keep the thread's exit out of a timing.
    void stop_polling();
    // Closes the consumer, which revokes its partitions on this thread and leaves the group.
    void leave();

    view state;  // guarded by the tracker's mutex

private:
    static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t* partitions, void* opaque);
    void poll_loop();

    group_tracker& _tracker;
    kafka_ptr _rk;
    std::atomic<bool> _stop{false};
    std::thread _poller;
    bool _left = false;
};

member::member(group_tracker& tracker, client_config&& config) : _tracker(tracker) {
    config.set_opaque(this).set_rebalance_callback(on_rebalance);
    _rk = create_client(RD_KAFKA_CONSUMER, std::move(config));
    // Client errors then reach the polling thread too, which reports them.
    rd_kafka_poll_set_consumer(_rk.get());
    _poller = std::thread([this] { poll_loop(); });
}

member::~member() {
    stop_polling();
    leave();
}

void member::subscribe(const std::string& topic) {
    bench::subscribe(_rk.get(), topic);
}

void member::stop_polling() {
    _stop = true;
    // Wake the poll now rather than at its timeout.
    const queue_ptr queue(rd_kafka_queue_get_consumer(_rk.get()));
    rd_kafka_queue_yield(queue.get());
    if (_poller.joinable()) {
        _poller.join();
    }
}

void member::leave() {
    if (std::exchange(_left, true)) {
        return;
    }
    if (const auto err = rd_kafka_consumer_close(_rk.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fmt::print(stderr, "member: close failed: {}\n", rd_kafka_err2str(err));
    }
}

void member::poll_loop() {
    while (!_stop) {
        const message_ptr message(rd_kafka_consumer_poll(_rk.get(), poll_timeout_ms));
        // Messages are ignored; errors are worth seeing.
        if (message && message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fmt::print(stderr, "member: {}\n", rd_kafka_message_errstr(message.get()));
        }
    }
}

void member::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    const auto now = clock_type::now();
    auto& self = *static_cast<member*>(opaque);
    const bool assigned = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
    // An eager assignor: the whole assignment is taken, or dropped (on a revocation, and on
    // any other error, as librdkafka asks).
    if (const auto e = rd_kafka_assign(rk, assigned ? partitions : nullptr);
        e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fmt::print(stderr, "member: assign failed: {}\n", rd_kafka_err2str(e));
    }
    std::vector<int32_t> ids;
    for (int i = 0; assigned && i < partitions->cnt; ++i) {
        ids.push_back(partitions->elems[i].partition);
    }
    {
        const std::lock_guard lock(self._tracker.mutex);
        self.state.fresh = assigned;
        self.state.partitions = std::move(ids);
        self.state.assigned_at = now;
    }
    self._tracker.changed.notify_all();
}

client_config member_config(const options& opts, const std::string& group) {
    auto config = common_config(opts);
    config
        .set("group.id", group)
        // Eager: every rebalance revokes all partitions and hands every member a new assignment
        // (librdkafka calls the rebalance callback even for an empty one), which is the moment
        // measured.
        .set("partition.assignment.strategy", "range")
        // Members hear of a rebalance in their next heartbeat, so this bounds the figures.
        .set("heartbeat.interval.ms", std::to_string(opts.heartbeat_ms))
        .set("enable.auto.commit", "false")
        // Nothing is read: start at the end rather than replay the topic.
        .set("auto.offset.reset", "latest");
    return config;
}

using member_list = std::vector<std::unique_ptr<member>>;

// Makes settling wait for assignments from the rebalance about to start.
void begin_rebalance(group_tracker& tracker, const member_list& members) {
    const std::lock_guard lock(tracker.mutex);
    for (const auto& m : members) {
        m->state.fresh = false;
    }
}

// Whether every member has its assignment from this rebalance, and together they own each of
// `partitions` (sorted) exactly once. REQUIRES: the tracker's mutex is held.
bool settled(const member_list& members, const std::vector<int32_t>& partitions) {
    std::vector<int32_t> owned;
    for (const auto& m : members) {
        if (!m->state.fresh) {
            return false;
        }
        owned.insert(owned.end(), m->state.partitions.begin(), m->state.partitions.end());
    }
    std::sort(owned.begin(), owned.end());
    return owned == partitions;
}

// Waits until the members have settled; returns the microseconds from `start` to the last
// member's assignment.
uint64_t wait_settled(group_tracker& tracker, const member_list& members,
                      const std::vector<int32_t>& partitions, clock_type::time_point start,
                      std::string_view what) {
    std::unique_lock lock(tracker.mutex);
    if (!tracker.changed.wait_until(lock, start + settle_limit,
                                    [&] { return settled(members, partitions); })) {
        throw client_error(
            fmt::format("{}: the group did not settle within {} s", what, settle_limit.count()));
    }
    auto last = start;
    for (const auto& m : members) {
        last = std::max(last, m->state.assigned_at);
    }
    return micros_between(start, last);
}

struct spread {
    uint64_t min = 0;
    uint64_t median = 0;
    uint64_t max = 0;
};

spread spread_of(std::vector<uint64_t> samples) {
    std::sort(samples.begin(), samples.end());
    const size_t n = samples.size();
    const uint64_t median = n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
    return {samples.front(), median, samples.back()};
}

}  // namespace

int run_group_join(const options& opts) {
    const auto partitions = set_up_topic(opts);
    const auto group = fresh_group_id("join");
    group_tracker tracker;
    member_list members;  // after the tracker: closing a member still calls back into it
    const auto add_member = [&] {
        members.push_back(std::make_unique<member>(tracker, member_config(opts, group)));
        return members.back().get();
    };

    // Not a figure to compare: a group leaving Empty waits group.initial.rebalance.delay.ms
    // for more members before its first assignment.
    const auto first_start = clock_type::now();
    for (int32_t i = 0; i < opts.members; ++i) {
        add_member()->subscribe(opts.topic);
    }
    const uint64_t first = wait_settled(tracker, members, partitions, first_start, "first members");

    std::vector<uint64_t> joins;
    std::vector<uint64_t> leaves;
    for (int32_t round = 0; round < opts.rounds; ++round) {
        begin_rebalance(tracker, members);
        member* joining = add_member();
        auto start = clock_type::now();
        joining->subscribe(opts.topic);
        joins.push_back(wait_settled(tracker, members, partitions, start, "join"));

        // The oldest member leaves, so the group's leader changes now and then.
        auto leaving = std::move(members.front());
        members.erase(members.begin());
        leaving->stop_polling();
        begin_rebalance(tracker, members);
        start = clock_type::now();
        leaving->leave();
        leaves.push_back(wait_settled(tracker, members, partitions, start, "leave"));
    }

    const auto join = spread_of(joins);
    const auto leave = spread_of(leaves);
    const int32_t n = opts.members;
    const size_t p = partitions.size();
    if (opts.format == output_format::markdown) {
        // Columns: test | rounds | min | median | max (ms).
        fmt::print("| group join {}+1 members {}p | {} | {} | {} | {} |\n", n, p, opts.rounds,
                   millis(join.min), millis(join.median), millis(join.max));
        fmt::print("| group leave {}-1 members {}p | {} | {} | {} | {} |\n", n + 1, p, opts.rounds,
                   millis(leave.min), millis(leave.median), millis(leave.max));
        return 0;
    }
    fmt::print("group-join: group {}, topic {} ({} partitions), heartbeat.interval.ms {}\n", group,
               opts.topic, p, opts.heartbeat_ms);
    fmt::print("  first {} members settled in {} ms (after the broker's initial rebalance delay)\n",
               n, millis(first));
    fmt::print("  {} rounds, until every member has its new assignment:\n", opts.rounds);
    fmt::print("  join  ({} to {} members, from subscribe()): min {} ms, median {} ms, max {} ms\n",
               n, n + 1, millis(join.min), millis(join.median), millis(join.max));
    fmt::print("  leave ({} to {} members, from close()):     min {} ms, median {} ms, max {} ms\n",
               n + 1, n, millis(leave.min), millis(leave.median), millis(leave.max));
    return 0;
}

}  // namespace fjord::bench
