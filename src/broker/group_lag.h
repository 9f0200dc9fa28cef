// What the admin API and /metrics both tell about consumer groups: which groups exist and how far
// behind a committed offset is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/topic_table.h"
#include "coordinator/group_manager.h"
#include "coordinator/offset_store.h"

namespace fjord::broker {

// Every group the coordinator knows: with live state, with committed offsets, or both. Sorted.
std::vector<std::string> known_groups(const coordinator::group_manager& groups,
                                      const coordinator::offset_store& offsets);

struct partition_lag_info {
    int64_t high_watermark = 0;
    int64_t lag = 0;  // records past the committed offset, up to the high watermark; never < 0
};

// A partition's lag behind `committed` (nullopt: none committed, so counted from the log start);
// nullopt when the partition no longer exists.
std::optional<partition_lag_info> partition_lag(const topic_table& topics, const std::string& topic,
                                                int32_t partition,
                                                std::optional<int64_t> committed);

}  // namespace fjord::broker
