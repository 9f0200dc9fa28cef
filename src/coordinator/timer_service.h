// Delayed work for the coordinator (session timeouts, rebalance deadlines, the initial
// rebalance delay). An interface so tests drive time by hand (manual_timer_service) while the
// broker runs a real one (one thread, a deadline heap).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace fjord::coordinator {

class timer_service {
public:
    using timer_id = uint64_t;
    virtual ~timer_service() = default;
    // Runs `fn` once after `delay` on the service's thread (never inside schedule()).
    virtual timer_id schedule(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
    // Prevents a timer that has not started from running. Unknown or fired ids are ignored.
    virtual void cancel(timer_id id) = 0;
    // Milliseconds on the service's clock (monotonic).
    virtual std::chrono::milliseconds now() const = 0;
};

}  // namespace fjord::coordinator
