#include "broker/admin_executor.h"

namespace fjord::broker {

admin_executor::admin_executor() : _thread([this] { run(); }) {}

admin_executor::~admin_executor() {
    stop();
}

void admin_executor::submit(std::function<void()> task) {
    std::lock_guard lock(_mutex);
    if (_stopping) return;
    _tasks.push_back(std::move(task));
    _wake.notify_one();
}

void admin_executor::stop() {
    {
        std::lock_guard lock(_mutex);
        _stopping = true;
        _wake.notify_one();
    }
    if (_thread.joinable()) _thread.join();
}

void admin_executor::run() {
    std::unique_lock lock(_mutex);
    while (true) {
        _wake.wait(lock, [this] { return _stopping || !_tasks.empty(); });
        if (_tasks.empty()) return;  // stopping, and everything queued has run
        auto task = std::move(_tasks.front());
        _tasks.pop_front();
        lock.unlock();
        task();
        lock.lock();
    }
}

}  // namespace fjord::broker
