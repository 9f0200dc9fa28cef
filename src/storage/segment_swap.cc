#include "storage/segment_swap.h"

#include <set>

#include "base/logger.h"
#include "storage/segment_format.h"

namespace fjord::storage {
namespace {

constexpr std::string_view index_kinds[] = {format::index_suffix, format::timeindex_suffix};
constexpr std::string_view all_kinds[] = {format::log_suffix, format::index_suffix,
                                          format::timeindex_suffix};

}  // namespace

std::filesystem::path staged_path(const std::filesystem::path& dir, model::offset base,
                                  std::string_view kind_suffix, std::string_view stage) {
    auto name = format::segment_file_name(base, kind_suffix);
    name += stage;
    return dir / name;
}

result<segment_files, errc> create_cleaned_files(file_io& io, const std::filesystem::path& dir,
                                                 model::offset base) {
    std::unique_ptr<file> files[3];
    for (size_t i = 0; i < 3; ++i) {
        auto f = io.open(staged_path(dir, base, all_kinds[i], format::cleaned_suffix),
                         open_mode::create);
        if (!f) return fail(f.error());
        if (auto t = (*f)->truncate(0); !t) return fail(t.error());
        files[i] = std::move(*f);
    }
    return segment_files{std::move(files[0]), std::move(files[1]), std::move(files[2])};
}

void discard_staged(file_io& io, const std::filesystem::path& dir, model::offset base) {
    // The .log.swap first: once it is gone, nothing left can be mistaken for a committed swap.
    for (auto stage : {format::swap_suffix, format::cleaned_suffix}) {
        for (auto kind : all_kinds) (void)io.remove(staged_path(dir, base, kind, stage));
    }
}

result<void, swap_failure> commit_swap(file_io& io, const std::filesystem::path& dir,
                                       model::offset base) {
    auto step = [](result<void, errc> r, bool committed) -> result<void, swap_failure> {
        if (!r) return fail(swap_failure{r.error(), committed});
        return {};
    };
    auto path = [&](std::string_view kind, std::string_view stage) {
        return staged_path(dir, base, kind, stage);
    };
    for (auto kind : index_kinds) {
        auto r = io.rename(path(kind, format::cleaned_suffix), path(kind, format::swap_suffix));
        if (auto s = step(r, false); !s) return s;
    }
    // The index copies must be durable as .swap before the .log.swap can commit the swap.
    if (auto s = step(io.fsync_directory(dir), false); !s) return s;
    auto r = io.rename(path(format::log_suffix, format::cleaned_suffix),
                       path(format::log_suffix, format::swap_suffix));
    if (auto s = step(r, false); !s) return s;
    if (auto s = step(io.fsync_directory(dir), true); !s) return s;

    for (auto kind : index_kinds) {
        auto ri = io.rename(path(kind, format::swap_suffix), path(kind, ""));
        if (auto s = step(ri, true); !s) return s;
    }
    // The live indexes must be the new ones before the .log.swap, which says "not done yet",
    // disappears.
    if (auto s = step(io.fsync_directory(dir), true); !s) return s;
    auto rl =
        io.rename(path(format::log_suffix, format::swap_suffix), path(format::log_suffix, ""));
    if (auto s = step(rl, true); !s) return s;
    return step(io.fsync_directory(dir), true);
}

result<void, errc> finish_interrupted_swaps(file_io& io, const std::filesystem::path& dir,
                                            const std::vector<std::string>& names,
                                            spdlog::logger& log, std::string_view context) {
    std::set<int64_t> committed;
    std::vector<format::segment_file> index_swaps;
    bool changed = false;
    for (const auto& name : names) {
        std::string_view n(name);
        if (n.ends_with(format::cleaned_suffix)) {
            log.info("[{}] removing {} (an interrupted compaction)", context, name);
            if (auto r = io.remove(dir / name); !r) return r;
            changed = true;
            continue;
        }
        if (!n.ends_with(format::swap_suffix)) continue;
        auto f =
            format::parse_segment_file_name(n.substr(0, n.size() - format::swap_suffix.size()));
        // Not ours (compaction keeps the .txnindex in place): ignored like any other unknown file.
        if (!f || f->kind == format::file_kind::txnindex) continue;
        if (f->kind == format::file_kind::log) {
            committed.insert(f->base());
        } else {
            index_swaps.push_back(*f);
        }
    }
    for (const auto& f : index_swaps) {
        auto kind =
            f.kind == format::file_kind::index ? format::index_suffix : format::timeindex_suffix;
        auto from = staged_path(dir, f.base, kind, format::swap_suffix);
        if (committed.contains(f.base())) {
            if (auto r = io.rename(from, staged_path(dir, f.base, kind, "")); !r) return r;
        } else {
            // Written before the commit point of a swap that never committed.
            if (auto r = io.remove(from); !r) return r;
        }
        changed = true;
    }
    if (!committed.empty()) {
        if (auto r = io.fsync_directory(dir); !r) return r;
    }
    for (int64_t base : committed) {
        model::offset b(base);
        log.warn("[{}] finishing the interrupted swap of compacted segment {}", context, base);
        auto r = io.rename(staged_path(dir, b, format::log_suffix, format::swap_suffix),
                           staged_path(dir, b, format::log_suffix, ""));
        if (!r) return r;
        changed = true;
    }
    if (changed) return io.fsync_directory(dir);
    return {};
}

}  // namespace fjord::storage
