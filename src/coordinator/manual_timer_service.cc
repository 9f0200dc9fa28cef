#include "coordinator/manual_timer_service.h"

namespace fjord::coordinator {

timer_service::timer_id manual_timer_service::schedule(std::chrono::milliseconds delay,
                                                       std::function<void()> fn) {
    std::lock_guard l(_mutex);
    timer_id id = ++_next_id;
    _timers.emplace(std::pair{_now + delay, id}, std::move(fn));
    return id;
}

void manual_timer_service::cancel(timer_id id) {
    std::lock_guard l(_mutex);
    for (auto it = _timers.begin(); it != _timers.end(); ++it) {
        if (it->first.second == id) {
            _timers.erase(it);
            return;
        }
    }
}

std::chrono::milliseconds manual_timer_service::now() const {
    std::lock_guard l(_mutex);
    return _now;
}

void manual_timer_service::advance(std::chrono::milliseconds by) {
    std::unique_lock l(_mutex);
    const auto target = _now + by;
    while (!_timers.empty() && _timers.begin()->first.first <= target) {
        auto it = _timers.begin();
        _now = std::max(_now, it->first.first);
        auto fn = std::move(it->second);
        _timers.erase(it);
        l.unlock();
        fn();
        l.lock();
    }
    _now = target;
}

size_t manual_timer_service::pending() const {
    std::lock_guard l(_mutex);
    return _timers.size();
}

}  // namespace fjord::coordinator
