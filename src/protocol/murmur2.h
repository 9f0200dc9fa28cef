// The Java client's key hash (32-bit MurmurHash2, seed 0x9747b28c) and its default partitioner
// for non-null keys. kafkajs 2.x uses the same rule; librdkafka's default does NOT (it hashes with
// CRC-32 unless partitioner=murmur2_random). See ../shared/kafka-protocol/README.md section 6.
#pragma once

#include <cstdint>

#include "base/bytes.h"

namespace fjord::protocol {

// Bit-for-bit the value Java's Utils.murmur2 returns (a signed int).
int32_t murmur2(bytes_view data);

// (murmur2(key) & 0x7fffffff) % partitions. REQUIRES: partitions > 0.
int32_t java_partition_for_key(bytes_view key, int32_t partitions);

}  // namespace fjord::protocol
