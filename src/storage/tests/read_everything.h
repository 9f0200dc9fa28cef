// Reading a whole log back in tests.
#pragma once

#include <gtest/gtest.h>

#include "storage/partition_log.h"
#include "storage/tests/test_batches.h"

namespace fjord::storage::test {

// Every batch from `from` up to the high watermark, one read per segment.
inline bytes read_everything(partition_log& log, model::offset from = model::offset(0)) {
    bytes out;
    for (model::offset o = from; o < log.high_watermark();) {
        auto r = log.read(o, 1 << 20, log.high_watermark(), true);
        EXPECT_TRUE(r);
        if (!r || r->data.empty()) break;
        out.insert(out.end(), r->data.view.begin(), r->data.view.end());
        auto last = last_batch(r->data.view);
        o = model::offset(base_offset_of(last) + offset_count_of(last));
    }
    return out;
}

}  // namespace fjord::storage::test
