// The on-disk format: names, index and checkpoint encodings, and the worked example of
// docs/formats/segment-files.md, read from the page itself so the page cannot drift.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "base/endian.h"
#include "storage/index.h"
#include "storage/partition_log.h"
#include "storage/segment_format.h"
#include "storage/tests/fault_file_io.h"

namespace fjord::storage {
namespace {

using model::offset;

TEST(segment_format, file_names_are_zero_padded_base_offsets) {
    EXPECT_EQ(format::segment_file_name(offset(0), ".log"), "00000000000000000000.log");
    EXPECT_EQ(format::segment_file_name(offset(52310), ".timeindex"),
              "00000000000000052310.timeindex");
    auto f = format::parse_segment_file_name("00000000000000052310.index");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->base, offset(52310));
    EXPECT_EQ(f->kind, format::file_kind::index);
}

TEST(segment_format, other_names_are_not_segments) {
    for (auto name :
         {"partition.checkpoint", "0000000000000000000.log", "000000000000000000001.log",
          "0000000000000000000x.log", "00000000000000000000.log.tmp",
          "00000000000000000000.deleted", "-0000000000000000001.log"}) {
        EXPECT_FALSE(format::parse_segment_file_name(name)) << name;
    }
}

TEST(segment_format, checkpoint_round_trips) {
    format::checkpoint c{offset(17), offset(4096)};
    auto data = format::encode_checkpoint(c);
    ASSERT_EQ(data.size(), format::checkpoint_size);
    auto d = format::decode_checkpoint(data);
    EXPECT_EQ(d.status, format::checkpoint_status::ok);
    EXPECT_EQ(d.value, c);
}

TEST(segment_format, checkpoint_with_flipped_bit_is_damaged) {
    auto data = format::encode_checkpoint({offset(1), offset(2)});
    data[10] ^= 0x10;
    EXPECT_EQ(format::decode_checkpoint(data).status, format::checkpoint_status::damaged);
    data = format::encode_checkpoint({offset(1), offset(2)});
    data.pop_back();
    EXPECT_EQ(format::decode_checkpoint(data).status, format::checkpoint_status::damaged);
}

TEST(offset_index, lookup_finds_last_entry_at_or_before) {
    offset_index idx(offset(100), 10);
    idx.append(offset(105), 500);
    idx.append(offset(120), 900);
    EXPECT_EQ(idx.lookup(offset(100)).position, 0u);
    EXPECT_EQ(idx.lookup(offset(104)).position, 0u);
    EXPECT_EQ(idx.lookup(offset(105)).position, 500u);
    EXPECT_EQ(idx.lookup(offset(119)).position, 500u);
    EXPECT_EQ(idx.lookup(offset(5000)).position, 900u);
    EXPECT_EQ(idx.lookup(offset(5000)).offset, offset(120));
}

TEST(offset_index, decode_rejects_broken_files) {
    offset_index idx(offset(0), 10);
    idx.append(offset(3), 100);
    idx.append(offset(9), 300);
    auto good = idx.encode(0);
    EXPECT_TRUE(offset_index::decode(good, 1000, std::nullopt));
    auto partial = good;
    partial.pop_back();
    EXPECT_FALSE(offset_index::decode(partial, 1000, std::nullopt));  // size not a multiple
    EXPECT_FALSE(offset_index::decode(good, 300, std::nullopt));      // position past the log
    EXPECT_FALSE(offset_index::decode(good, 1000, 8));                // offset past next segment
    auto swapped = good;
    std::swap_ranges(swapped.begin(), swapped.begin() + 8, swapped.begin() + 8);
    EXPECT_FALSE(offset_index::decode(swapped, 1000, std::nullopt));  // not increasing
}

TEST(time_index, lookup_starts_at_last_entry_below_target) {
    time_index idx(offset(10), 10);
    idx.maybe_append(model::timestamp(100), offset(10));
    idx.maybe_append(model::timestamp(100), offset(12));  // no growth: no entry
    idx.maybe_append(model::timestamp(200), offset(15));
    EXPECT_EQ(idx.size(), 2u);
    EXPECT_EQ(idx.lookup(model::timestamp(50)), offset(10));
    EXPECT_EQ(idx.lookup(model::timestamp(100)), offset(10));
    EXPECT_EQ(idx.lookup(model::timestamp(150)), offset(10));
    EXPECT_EQ(idx.lookup(model::timestamp(201)), offset(15));
}

TEST(time_index, keeps_a_slot_for_the_seal_entry) {
    time_index idx(offset(0), 2);
    idx.maybe_append(model::timestamp(1), offset(0));
    EXPECT_TRUE(idx.full());
    idx.maybe_append(model::timestamp(2), offset(1));
    EXPECT_EQ(idx.size(), 1u);
    idx.maybe_append(model::timestamp(2), offset(1), time_index::slot::seal);
    EXPECT_EQ(idx.size(), 2u);
}

// Hex bytes of the code block that follows `title` in the doc (offset column and comments
// skipped), or of the inline code span on the same line for the short files.
bytes doc_bytes(const std::string& doc, const std::string& title) {
    auto at = doc.find(title);
    EXPECT_NE(at, std::string::npos) << title;
    if (at == std::string::npos) return {};
    auto line_end = doc.find('\n', at);
    std::string line = doc.substr(at, line_end - at);
    bytes out;
    static const std::regex hex2("^[0-9a-f]{2}$");
    auto take = [&](const std::string& text, bool skip_offset) {
        std::istringstream in(text);
        std::string tok;
        if (skip_offset) in >> tok;
        for (int n = 0; n < 16 && in >> tok && std::regex_match(tok, hex2); ++n) {
            out.push_back(static_cast<uint8_t>(std::stoi(tok, nullptr, 16)));
        }
    };
    auto tick = line.find(": `");
    if (tick != std::string::npos) {
        // Inline: "`name` (N bytes): `aa bb ...`", possibly in groups.
        auto span = line.substr(tick + 3, line.rfind('`') - tick - 3);
        std::istringstream in(span);
        std::string tok;
        while (in >> tok) {
            if (std::regex_match(tok, hex2)) {
                out.push_back(static_cast<uint8_t>(std::stoi(tok, nullptr, 16)));
            }
        }
        return out;
    }
    auto block = doc.find("```\n", line_end);
    auto block_end = doc.find("```", block + 4);
    std::istringstream lines(doc.substr(block + 4, block_end - block - 4));
    for (std::string l; std::getline(lines, l);) take(l, true);
    return out;
}

TEST(segment_format, worked_example_of_the_format_page_matches_the_code) {
    std::ifstream in(std::string(FJORD_SOURCE_DIR) + "/docs/formats/segment-files.md");
    ASSERT_TRUE(in);
    std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    bytes expected_log = doc_bytes(doc, "`00000000000000000000.log` (210 bytes):");
    bytes expected_index = doc_bytes(doc, "`00000000000000000000.index` (16 bytes)");
    bytes expected_time = doc_bytes(doc, "`00000000000000000000.timeindex` (12 bytes)");
    bytes expected_checkpoint = doc_bytes(doc, "recovery point 0 (28 bytes):");
    ASSERT_EQ(expected_log.size(), 210u);
    ASSERT_EQ(expected_index.size(), 16u);
    ASSERT_EQ(expected_time.size(), 12u);
    ASSERT_EQ(expected_checkpoint.size(), 28u);

    // What a producer sends: the same batches with baseOffset 0 and no leader epoch.
    bytes sent = expected_log;
    for (size_t pos = 0; pos < sent.size(); pos += 70) {
        store_be<int64_t>(sent.data() + pos, 0);
        store_be<int32_t>(sent.data() + pos + 12, -1);
    }
    test::temp_dir dir;
    log_config config;
    config.index_interval_bytes = 64;
    auto log = partition_log::open(dir.path() / "p", config);
    ASSERT_TRUE(log);
    for (size_t pos = 0; pos < sent.size(); pos += 70) {
        ASSERT_TRUE(
            (*log)->append(mutable_bytes_view(sent).subspan(pos, 70), model::leader_epoch(1)));
    }
    (*log)->close();
    auto slurp = [&](const char* name) {
        std::ifstream f(dir.path() / "p" / name, std::ios::binary);
        return bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    };
    EXPECT_EQ(slurp("00000000000000000000.log"), expected_log);
    EXPECT_EQ(slurp("00000000000000000000.index"), expected_index);
    EXPECT_EQ(slurp("00000000000000000000.timeindex"), expected_time);
    EXPECT_EQ(slurp("partition.checkpoint"), expected_checkpoint);
}

}  // namespace
}  // namespace fjord::storage
