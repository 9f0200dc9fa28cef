// One thread for the admin requests that block on the disk: creating and deleting topics,
// growing them, changing their configs (each an fsync'ed metadata store update, plus opening or
// deleting logs) and deleting records (unlink, checkpoint fsync). Network threads hand such
// requests over here instead of blocking every connection of their reactor (DESIGN.md, "Threads
// and I/O"). Tasks run one at a time, in submission order, which also keeps one client's admin
// requests in order.
//
// Thread-safety: submit() from any thread. stop() (also run by the destructor) runs the tasks
// already queued, then joins; tasks submitted afterwards are dropped (their request's responder
// is released unanswered, which the network layer treats as no response).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace fjord::broker {

class admin_executor {
public:
    admin_executor();
    ~admin_executor();
    admin_executor(const admin_executor&) = delete;
    admin_executor& operator=(const admin_executor&) = delete;

    void submit(std::function<void()> task);
    void stop();

private:
    void run();

    std::mutex _mutex;
    std::condition_variable _wake;
    std::deque<std::function<void()>> _tasks;  // GUARDED_BY(_mutex)
    bool _stopping = false;                    // GUARDED_BY(_mutex)
    std::thread _thread;
};

}  // namespace fjord::broker
