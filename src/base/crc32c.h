// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78): the checksum of Kafka's v2
// record batches and of Fjord's own on-disk formats.
//
// Every function takes and returns a *finished* CRC (the standard initial and final XOR with
// 0xFFFFFFFF are applied inside), so a running checksum can be carried across fragments:
//     crc32c(a + b) == crc32c(b, crc32c(a))
// and crc32c({}) == 0. All functions are pure and thread-safe.
#pragma once

#include <cstdint>

#include "base/bytes.h"

namespace fjord {

// Uses the SSE4.2 instruction when the CPU has it (checked once, with cpuid), else the portable
// tables. This is the one to call.
uint32_t crc32c(bytes_view data, uint32_t crc = 0);

// Table-driven (slicing-by-8), any CPU. Exposed for tests and benchmarks.
uint32_t crc32c_portable(bytes_view data, uint32_t crc = 0);

// The SSE4.2 `crc32` instruction; inputs from 128 bytes run three interleaved chains joined with
// PCLMULQDQ when the CPU has it. REQUIRES: crc32c_hardware_available(); on other CPUs (or non-x86
// builds) it falls back to the portable code rather than faulting.
uint32_t crc32c_hardware(bytes_view data, uint32_t crc = 0);

bool crc32c_hardware_available();

}  // namespace fjord
