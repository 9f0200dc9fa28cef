// DescribeLogDirs: the one data directory, the size of each partition in it, and (v4) the
// volume's total and usable bytes.
#include "protocol/messages/describe_log_dirs.h"

#include <sys/statvfs.h>

#include <algorithm>

#include "broker/handlers/handlers.h"
#include "broker/kafka_error.h"

namespace fjord::broker {
namespace {

using log_dir_topic = protocol::describe_log_dirs_response::describe_log_dirs_topic;

void add_partition(log_dir_topic& out, partition& p) {
    auto& log = p.log();
    out.partitions.push_back({.partition_index = p.id().partition(),
                              .partition_size = static_cast<int64_t>(log.size_bytes()),
                              .offset_lag = 0,
                              .is_future_key = false});
}

}  // namespace

void handle_describe_log_dirs(request_context&& ctx) {
    auto request = ctx.decode<protocol::describe_log_dirs_request>();
    if (!request) return;
    auto& services = *ctx.services;
    protocol::describe_log_dirs_response response;
    auto& dir = response.results.emplace_back();
    std::error_code ec;
    auto absolute = std::filesystem::absolute(services.config.data_dir, ec);
    dir.log_dir = (ec ? services.config.data_dir : absolute).lexically_normal().string();
    struct statvfs fs {};
    if (::statvfs(dir.log_dir.c_str(), &fs) == 0) {
        dir.total_bytes = static_cast<int64_t>(fs.f_blocks) * static_cast<int64_t>(fs.f_frsize);
        dir.usable_bytes = static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
    }
    if (!request->topics) {
        for (const auto& topic : services.topics.all()) {
            auto& out = dir.topics.emplace_back();
            out.name = topic->metadata.name;
            for (const auto& p : topic->partitions) add_partition(out, *p);
        }
    } else {
        // Topics or partitions this broker does not have are left out, as Kafka does.
        for (const auto& requested : *request->topics) {
            auto topic = services.topics.find(requested.topic);
            if (!topic) continue;
            log_dir_topic out;
            out.name = requested.topic;
            for (int32_t index : requested.partitions) {
                if (auto p = topic->find_partition(index)) add_partition(out, *p);
            }
            if (!out.partitions.empty()) dir.topics.push_back(std::move(out));
        }
    }
    ctx.respond(response);
}

}  // namespace fjord::broker
