// Replacing a segment's three files with a rewritten copy (compaction), crash-safely:
// docs/formats/segment-files.md §9.
//
//   1. the copy is written to <base>.{log,index,timeindex}.cleaned and fsynced (caller);
//   2. commit_swap renames the index copies to .swap, fsyncs the directory, renames the .log copy
//      to .log.swap and fsyncs the directory: from here on the swap is committed;
//   3. it renames the index .swap files over the live ones, fsyncs the directory, renames
//      .log.swap over the live .log and fsyncs the directory.
// Recovery (finish_interrupted_swaps) deletes .cleaned files, finishes every swap whose
// .log.swap exists and deletes other .swap files. The segment keeps its base offset, so each
// rename replaces a live file atomically; open descriptors of the old files (readers in flight)
// keep reading the old contents.
//
// Stateless functions; the caller serialises swaps of one segment.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"
#include "model/fundamental.h"
#include "storage/errc.h"
#include "storage/file_io.h"
#include "storage/segment.h"

namespace spdlog {
class logger;
}

namespace fjord::storage {

// "<dir>/<base><kind_suffix><stage>", e.g. 00000000000000000000.log.cleaned.
std::filesystem::path staged_path(const std::filesystem::path& dir, model::offset base,
                                  std::string_view kind_suffix, std::string_view stage);

// Creates (or truncates) the three .cleaned files of `base`.
result<segment_files, errc> create_cleaned_files(file_io& io, const std::filesystem::path& dir,
                                                 model::offset base);

// Removes the .cleaned and .swap files of `base`: abandons a swap that was not committed.
// Best effort (recovery removes what is left).
void discard_staged(file_io& io, const std::filesystem::path& dir, model::offset base);

struct swap_failure {
    errc error;
    bool committed;  // .log.swap may exist: only recovery can finish the swap now
};

// Steps 2 and 3 above. REQUIRES: the .cleaned files are complete and fsynced.
result<void, swap_failure> commit_swap(file_io& io, const std::filesystem::path& dir,
                                       model::offset base);

// Recovery's first step: see the header comment. `names` is the directory listing; the caller
// lists again afterwards. `context` prefixes log lines.
result<void, errc> finish_interrupted_swaps(file_io& io, const std::filesystem::path& dir,
                                            const std::vector<std::string>& names,
                                            spdlog::logger& log, std::string_view context);

}  // namespace fjord::storage
