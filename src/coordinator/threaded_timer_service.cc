#include "coordinator/threaded_timer_service.h"

namespace fjord::coordinator {

threaded_timer_service::threaded_timer_service() : _thread([this] { run(); }) {}

threaded_timer_service::~threaded_timer_service() {
    stop();
}

timer_service::timer_id threaded_timer_service::schedule(std::chrono::milliseconds delay,
                                                         std::function<void()> fn) {
    std::lock_guard l(_mutex);
    timer_id id = ++_next_id;
    if (_stopping) return id;
    auto deadline = std::chrono::steady_clock::now() + delay;
    bool earliest = _heap.empty() || deadline < _heap.top().deadline;
    _heap.push({deadline, id});
    _pending.emplace(id, std::move(fn));
    if (earliest) _wake.notify_one();
    return id;
}

void threaded_timer_service::cancel(timer_id id) {
    // The heap entry stays and is skipped when it comes due: cheaper than a removal.
    std::lock_guard l(_mutex);
    _pending.erase(id);
}

std::chrono::milliseconds threaded_timer_service::now() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now().time_since_epoch());
}

void threaded_timer_service::stop() {
    {
        std::lock_guard l(_mutex);
        _stopping = true;
        _pending.clear();
    }
    _wake.notify_one();
    if (_thread.joinable()) _thread.join();
}

void threaded_timer_service::run() {
    std::unique_lock l(_mutex);
    while (!_stopping) {
        if (_heap.empty()) {
            _wake.wait(l);
            continue;
        }
        entry next = _heap.top();
        if (std::chrono::steady_clock::now() < next.deadline) {
            _wake.wait_until(l, next.deadline);
            continue;
        }
        _heap.pop();
        auto it = _pending.find(next.id);
        if (it == _pending.end()) continue;  // cancelled
        auto fn = std::move(it->second);
        _pending.erase(it);
        l.unlock();
        fn();
        fn = nullptr;  // captured state dies outside the lock too
        l.lock();
    }
}

}  // namespace fjord::coordinator
