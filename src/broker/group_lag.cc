#include "broker/group_lag.h"

#include <algorithm>
#include <set>

#include "storage/partition_log.h"

namespace fjord::broker {

std::vector<std::string> known_groups(const coordinator::group_manager& groups,
                                      const coordinator::offset_store& offsets) {
    std::set<std::string> ids;
    for (auto& g : groups.list({})) ids.insert(std::move(g.group_id));
    for (auto& id : offsets.groups()) ids.insert(std::move(id));
    return {ids.begin(), ids.end()};
}

std::optional<partition_lag_info> partition_lag(const topic_table& topics, const std::string& topic,
                                                int32_t partition,
                                                std::optional<int64_t> committed) {
    auto state = topics.find(topic);
    auto p = state ? state->find_partition(partition) : nullptr;
    if (!p) return std::nullopt;
    auto& log = p->log();
    int64_t from = committed ? *committed : log.log_start_offset()();
    int64_t high_watermark = log.high_watermark()();
    return partition_lag_info{.high_watermark = high_watermark,
                              .lag = std::max<int64_t>(0, high_watermark - from)};
}

}  // namespace fjord::broker
