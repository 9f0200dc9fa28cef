#include "coordinator/coordinator_log.h"

#include <cstdlib>

namespace fjord::coordinator {

int32_t partition_for_group(std::string_view group_id, int32_t partitions) {
    // Java's String.hashCode over UTF-16 code units; group ids are almost always ASCII, and for
    // other text the UTF-8 to UTF-16 conversion below matches what the Java client would hash.
    int32_t h = 0;
    auto mix = [&](uint32_t unit) {
        h = static_cast<int32_t>(31u * static_cast<uint32_t>(h) + unit);
    };
    for (size_t i = 0; i < group_id.size();) {
        auto c = static_cast<unsigned char>(group_id[i]);
        uint32_t cp = c;
        size_t len = 1;
        if (c >= 0xf0 && i + 3 < group_id.size()) {
            cp = ((c & 0x07u) << 18) | ((group_id[i + 1] & 0x3fu) << 12) |
                 ((group_id[i + 2] & 0x3fu) << 6) | (group_id[i + 3] & 0x3fu);
            len = 4;
        } else if (c >= 0xe0 && i + 2 < group_id.size()) {
            cp = ((c & 0x0fu) << 12) | ((group_id[i + 1] & 0x3fu) << 6) | (group_id[i + 2] & 0x3fu);
            len = 3;
        } else if (c >= 0xc0 && i + 1 < group_id.size()) {
            cp = ((c & 0x1fu) << 6) | (group_id[i + 1] & 0x3fu);
            len = 2;
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            mix(0xd800 + (cp >> 10));
            mix(0xdc00 + (cp & 0x3ff));
        } else {
            mix(cp);
        }
        i += len;
    }
    // Kafka's Utils.abs maps INT32_MIN to 0 rather than overflowing.
    int32_t positive = h == INT32_MIN ? 0 : std::abs(h);
    return positive % partitions;
}

}  // namespace fjord::coordinator
