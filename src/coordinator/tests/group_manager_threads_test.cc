// The group manager under real threads: a real timer thread, a log completing on its own
// thread, and several members racing through joins, syncs, heartbeats and leaves. Catches
// deadlocks and lost callbacks that the single-threaded tests cannot.
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <thread>

#include "coordinator/group_manager.h"
#include "coordinator/threaded_timer_service.h"

namespace fjord::coordinator {
namespace {

using namespace std::chrono_literals;

// Completes appends on a separate thread, in order, always durable.
class async_log final : public coordinator_log {
public:
    async_log() : _thread([this] { run(); }) {}
    ~async_log() override {
        {
            std::lock_guard l(_mutex);
            _stopping = true;
        }
        _wake.notify_one();
        _thread.join();
    }
    void append(int32_t, std::vector<log_record>, std::function<void(bool)> done) override {
        {
            std::lock_guard l(_mutex);
            _queue.push_back(std::move(done));
        }
        _wake.notify_one();
    }

private:
    void run() {
        std::unique_lock l(_mutex);
        while (true) {
            _wake.wait(l, [&] { return _stopping || !_queue.empty(); });
            if (_queue.empty()) return;
            auto done = std::move(_queue.front());
            _queue.pop_front();
            l.unlock();
            done(true);
            l.lock();
        }
    }
    std::mutex _mutex;
    std::condition_variable _wake;
    std::deque<std::function<void(bool)>> _queue;
    bool _stopping = false;
    std::thread _thread;
};

// One consumer's loop: join (KIP-394), sync, heartbeat; rejoin whenever told to.
struct member_client {
    group_manager& mgr;
    std::string client_id;
    std::string member_id;
    int32_t generation = -1;

    join_result join() {
        join_request r;
        r.group_id = "g";
        r.member_id = member_id;
        r.client_id = client_id;
        r.session_timeout_ms = 6000;
        r.rebalance_timeout_ms = 6000;
        r.protocol_type = "consumer";
        r.protocols = {{"range", bytes{1}}};
        r.require_known_member_id = true;
        std::promise<join_result> p;
        auto f = p.get_future();
        mgr.join(r, [&p](join_result res) { p.set_value(std::move(res)); });
        EXPECT_EQ(f.wait_for(20s), std::future_status::ready) << client_id << " join hung";
        return f.get();
    }

    sync_result sync(const join_result& j) {
        sync_request r;
        r.group_id = "g";
        r.member_id = member_id;
        r.generation_id = j.generation_id;
        if (j.leader == member_id) {
            for (const auto& m : j.members) r.assignments.push_back({m.member_id, bytes{7}});
        }
        std::promise<sync_result> p;
        auto f = p.get_future();
        mgr.sync(r, [&p](sync_result res) { p.set_value(std::move(res)); });
        EXPECT_EQ(f.wait_for(20s), std::future_status::ready) << client_id << " sync hung";
        return f.get();
    }

    // Until the member holds an assignment for the current generation.
    void rebalance() {
        for (int attempt = 0; attempt < 100; ++attempt) {
            auto j = join();
            if (j.error == errc::member_id_required) {
                member_id = j.member_id;
                continue;
            }
            if (j.error != errc::none) continue;
            member_id = j.member_id;
            generation = j.generation_id;
            auto s = sync(j);
            if (s.error == errc::none) return;
        }
        ADD_FAILURE() << client_id << " never got an assignment";
    }

    void run(int heartbeats) {
        rebalance();
        for (int i = 0; i < heartbeats; ++i) {
            errc e = mgr.heartbeat("g", generation, member_id, std::nullopt);
            if (e == errc::rebalance_in_progress || e == errc::illegal_generation) rebalance();
            std::this_thread::sleep_for(1ms);  // a client's heartbeat interval
        }
        mgr.leave("g", {{member_id, std::nullopt}});
    }
};

TEST(group_manager_threads, members_racing_through_rebalances_all_finish) {
    threaded_timer_service timers;
    async_log log;
    group_config config;
    config.initial_rebalance_delay = 20ms;
    {
        group_manager mgr(config, timers, log);
        std::vector<std::thread> threads;
        for (int i = 0; i < 4; ++i) {
            threads.emplace_back([&mgr, i] {
                member_client c{mgr, "c" + std::to_string(i)};
                std::this_thread::sleep_for(std::chrono::milliseconds(15 * i));  // staggered
                c.run(60);
            });
        }
        for (auto& t : threads) t.join();
        auto d = mgr.describe("g");
        EXPECT_TRUE(d.members.empty());
        EXPECT_EQ(d.state, "Empty");
        mgr.shutdown();
    }
    timers.stop();
}

}  // namespace
}  // namespace fjord::coordinator
