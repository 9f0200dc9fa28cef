// Test doubles for the group coordinator: a coordinator_log that records appends and completes
// them at once (durable or failed) or when the test says so.
#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "coordinator/coordinator_log.h"

namespace fjord::coordinator::testing {

class fake_coordinator_log final : public coordinator_log {
public:
    enum class mode { complete_durable, complete_failed, hold };

    struct append_call {
        int32_t partition = 0;
        std::vector<log_record> records;
        std::function<void(bool)> done;  // empty once completed
    };

    void append(int32_t partition, std::vector<log_record> records,
                std::function<void(bool durable)> done) override {
        std::function<void(bool)> now;
        {
            std::lock_guard l(_mutex);
            calls.push_back({partition, std::move(records), nullptr});
            if (completion == mode::hold) {
                calls.back().done = std::move(done);
            } else {
                now = std::move(done);
            }
        }
        if (now) now(completion == mode::complete_durable);
    }

    // Completes a held append (index into `calls`).
    void complete(size_t index, bool durable) {
        std::function<void(bool)> done;
        {
            std::lock_guard l(_mutex);
            done = std::move(calls.at(index).done);
            calls.at(index).done = nullptr;
        }
        if (done) done(durable);
    }

    mode completion = mode::complete_durable;
    std::vector<append_call> calls;

private:
    std::mutex _mutex;
};

}  // namespace fjord::coordinator::testing
