// A timer_service for tests: time moves only when advance() is called, and due timers run on
// the caller's thread in deadline order (ties in scheduling order). Thread-safe, but meant to
// be driven by one test thread.
#pragma once

#include <map>
#include <mutex>
#include <utility>

#include "coordinator/timer_service.h"

namespace fjord::coordinator {

class manual_timer_service final : public timer_service {
public:
    timer_id schedule(std::chrono::milliseconds delay, std::function<void()> fn) override;
    void cancel(timer_id id) override;
    std::chrono::milliseconds now() const override;

    // Moves time forward by `by`, running every timer due on the way (including ones that the
    // running timers schedule within the window), each with now() at its deadline.
    void advance(std::chrono::milliseconds by);
    // Timers armed and not yet run.
    size_t pending() const;

private:
    mutable std::mutex _mutex;
    std::chrono::milliseconds _now{0};
    timer_id _next_id = 0;
    // (deadline, id) -> callback; ids grow, so equal deadlines run in scheduling order.
    std::map<std::pair<std::chrono::milliseconds, timer_id>, std::function<void()>> _timers;
};

}  // namespace fjord::coordinator
