#include "common.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

namespace fjord::bench {

using namespace std::chrono_literals;

client_config common_config(const options& opts) {
    client_config config;
    config.set("bootstrap.servers", opts.brokers).set("client.id", "fjord-loadgen");
    if (!opts.debug.empty()) {
        config.set("debug", opts.debug);
    }
    return config;
}

std::vector<int32_t> ensure_topic(rd_kafka_t* rk, const options& opts) {
    auto partitions = partitions_of(rk, opts.topic, admin_timeout);
    if (!partitions.empty()) {
        return partitions;
    }
    if (create_topic(rk, opts.topic, opts.partitions, admin_timeout) == topic_creation::created) {
        fmt::print(stderr, "created topic {} with {} partition(s)\n", opts.topic, opts.partitions);
    }
    // A new topic may take a moment to show up in the metadata of every broker.
    const auto deadline = clock_type::now() + admin_timeout;
    while ((partitions = partitions_of(rk, opts.topic, admin_timeout)).empty()) {
        if (clock_type::now() > deadline) {
            throw client_error("topic " + opts.topic + " still unknown after creating it");
        }
        std::this_thread::sleep_for(100ms);
    }
    return partitions;
}

std::vector<int32_t> set_up_topic(const options& opts) {
    auto config = common_config(opts);
    // The topic is created explicitly (ensure_topic), never as a side effect of metadata.
    config.set("allow.auto.create.topics", "false");
    const auto admin = create_client(RD_KAFKA_PRODUCER, std::move(config));
    check_reachable(admin.get(), opts.brokers, admin_timeout);
    return ensure_topic(admin.get(), opts);
}

std::string fresh_group_id(std::string_view mode_name) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return fmt::format("fjord-loadgen-{}-{}-{}", mode_name, getpid(),
                       std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

void* encode_time(clock_type::time_point t) {
    return reinterpret_cast<void*>(static_cast<uintptr_t>(t.time_since_epoch().count()));
}

clock_type::time_point decode_time(void* opaque) {
    return clock_type::time_point(
        clock_type::duration(static_cast<clock_type::rep>(reinterpret_cast<uintptr_t>(opaque))));
}

}  // namespace fjord::bench
