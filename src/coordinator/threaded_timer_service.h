// The broker's timer_service: one thread sleeping until the earliest deadline of a min-heap
// (steady clock). Timers run one at a time on that thread, never while the service's lock is
// held, so a timer may schedule or cancel others.
//
// Thread-safety: schedule() and cancel() may be called from any thread, including from a
// running timer. stop() (also run by the destructor) drops timers that have not started and
// waits for a running one; it must not be called from a timer.
#pragma once

#include <condition_variable>
#include <mutex>
#include <queue>
#include <thread>
#include <unordered_map>
#include <vector>

#include "coordinator/timer_service.h"

namespace fjord::coordinator {

class threaded_timer_service final : public timer_service {
public:
    threaded_timer_service();
    ~threaded_timer_service() override;
    threaded_timer_service(const threaded_timer_service&) = delete;
    threaded_timer_service& operator=(const threaded_timer_service&) = delete;

    timer_id schedule(std::chrono::milliseconds delay, std::function<void()> fn) override;
    void cancel(timer_id id) override;
    std::chrono::milliseconds now() const override;
    // After stop(), schedule() still returns ids but nothing runs. Idempotent.
    void stop();

private:
    struct entry {
        std::chrono::steady_clock::time_point deadline;
        timer_id id;
        bool operator>(const entry& o) const {
            return deadline != o.deadline ? deadline > o.deadline : id > o.id;
        }
    };
    void run();

    std::mutex _mutex;
    std::condition_variable _wake;
    // GUARDED_BY(_mutex)
    std::priority_queue<entry, std::vector<entry>, std::greater<>> _heap;
    std::unordered_map<timer_id, std::function<void()>> _pending;  // armed, not started
    timer_id _next_id = 0;
    bool _stopping = false;
    std::thread _thread;  // last: starts after the fields above exist
};

}  // namespace fjord::coordinator
