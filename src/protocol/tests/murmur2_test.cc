#include "protocol/murmur2.h"

#include <gtest/gtest.h>

namespace fjord::protocol {
namespace {

// Kafka's UtilsTest.testMurmur2.
TEST(murmur2, matches_java_vectors) {
    EXPECT_EQ(murmur2(as_bytes_view("21")), -973932308);
    EXPECT_EQ(murmur2(as_bytes_view("foobar")), -790332482);
    EXPECT_EQ(murmur2(as_bytes_view("a-little-bit-long-string")), -985981536);
    EXPECT_EQ(murmur2(as_bytes_view("a-little-bit-longer-string")), -1486304829);
    EXPECT_EQ(murmur2(as_bytes_view("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")),
              -58897971);
    EXPECT_EQ(murmur2(as_bytes_view("abc")), 479470107);
}

TEST(murmur2, java_partitioner_worked_examples) {
    EXPECT_EQ(java_partition_for_key(as_bytes_view("a"), 3), 1);
    EXPECT_EQ(java_partition_for_key(as_bytes_view("a"), 10), 4);
    EXPECT_EQ(java_partition_for_key(as_bytes_view("21"), 3), 0);
    EXPECT_EQ(java_partition_for_key(as_bytes_view("foobar"), 10), 6);
    EXPECT_EQ(java_partition_for_key(as_bytes_view("abc"), 6), 3);
}

TEST(murmur2, empty_key_hashes) {
    // Every tail length (0-3 bytes after the last full word) goes through a different branch.
    EXPECT_EQ(java_partition_for_key({}, 1), 0);
    for (std::string_view key : {"", "x", "xy", "xyz", "wxyz"}) {
        int32_t p = java_partition_for_key(as_bytes_view(key), 7);
        EXPECT_GE(p, 0);
        EXPECT_LT(p, 7);
    }
}

}  // namespace
}  // namespace fjord::protocol
