// Storage hot paths: partition_log::append (the produce path's one write, no fsync: group commit
// fsyncs off the append path), partition_log::read (what Fetch serves), the offset index lookup
// a read starts with, and the idempotent producer check every such batch goes through.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include "base/endian.h"
#include "fixtures.h"
#include "protocol/record_batch.h"
#include "storage/index.h"
#include "storage/partition_log.h"
#include "storage/producer_state.h"

namespace fjord::bench {
namespace {

namespace fs = std::filesystem;
namespace batch_field = protocol::batch_field;

// Read system calls (read, pread, ...) this process made so far: `syscr` of /proc/self/io, or -1
// where that is not available.
int64_t read_syscalls() {
    std::ifstream in("/proc/self/io");
    std::string key;
    int64_t value = 0;
    while (in >> key >> value) {
        if (key == "syscr:") return value;
    }
    return -1;
}

// A fresh directory under $TMPDIR, removed with everything in it when destroyed.
class temp_dir {
public:
    temp_dir() {
        std::string templ = (fs::temp_directory_path() / "fjord-microbench-XXXXXX").string();
        // On failure the path stays empty and opening a log in it fails: the benchmark skips.
        if (::mkdtemp(templ.data()) != nullptr) _path = templ;
    }
    ~temp_dir() {
        std::error_code ec;
        if (!_path.empty()) fs::remove_all(_path, ec);
    }
    const fs::path& path() const { return _path; }

private:
    fs::path _path;
};

// nullptr when the log cannot be opened (the caller skips the benchmark).
std::unique_ptr<storage::partition_log> open_log(const fs::path& dir) {
    auto log = storage::partition_log::open(dir, storage::log_config{});
    if (!log) return nullptr;
    return std::move(log).value();
}

// The log is dropped and opened again empty every `restart_bytes`, outside the timed region, so
// a long run neither fills the disk nor measures a growing page cache.
constexpr uint64_t restart_bytes = uint64_t{64} << 20;

enum class producer_kind { plain, idempotent };

// Appends one ~16 KiB batch (16 records of 1000 bytes) per iteration.
void bm_append(benchmark::State& state) {
    auto kind = static_cast<producer_kind>(state.range(0));
    temp_dir tmp;
    bytes batch = make_batch(16, 1000);
    auto records = static_cast<int32_t>(protocol::read_batch_header(batch).value().records_count);
    if (kind == producer_kind::idempotent) {
        // Storage does not re-check the CRC (the produce path did), so the producer fields can
        // be edited in place without recomputing it.
        store_be<int64_t>(batch.data() + batch_field::producer_id, 1000);
        store_be<int16_t>(batch.data() + batch_field::producer_epoch, 0);
    }
    int generation = 0;
    auto log = open_log(tmp.path() / ("bench-" + std::to_string(generation)));
    if (!log) {
        state.SkipWithError("partition_log::open failed");
        return;
    }
    int32_t sequence = 0;
    for (auto _ : state) {
        if (log->size_bytes() >= restart_bytes) {
            state.PauseTiming();
            (void)log->remove();
            log = open_log(tmp.path() / ("bench-" + std::to_string(++generation)));
            sequence = 0;
            state.ResumeTiming();
            if (!log) {
                state.SkipWithError("partition_log::open failed");
                return;
            }
        }
        if (kind == producer_kind::idempotent) {
            store_be<int32_t>(batch.data() + batch_field::base_sequence, sequence);
            sequence += records;
        }
        auto r = log->append(batch, model::leader_epoch(0));
        if (!r) {
            state.SkipWithError("append failed");
            break;
        }
        benchmark::DoNotOptimize(r);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.SetLabel(kind == producer_kind::plain ? "plain" : "idempotent");
    (void)log->remove();
}
BENCHMARK(bm_append)
    ->Name("partition_log_append/16KiB_batch")
    ->Arg(static_cast<int>(producer_kind::plain))
    ->Arg(static_cast<int>(producer_kind::idempotent));

// Reads `max_bytes` at a time from a 64 MiB log in the page cache, walking it start to end.
void bm_read(benchmark::State& state) {
    auto max_bytes = static_cast<size_t>(state.range(0));
    temp_dir tmp;
    auto log = open_log(tmp.path() / "bench-read");
    if (!log) {
        state.SkipWithError("partition_log::open failed");
        return;
    }
    bytes batch = make_batch(16, 1000);
    while (log->size_bytes() < restart_bytes) {
        if (!log->append(batch, model::leader_epoch(0))) {
            state.SkipWithError("append failed");
            return;
        }
    }
    model::offset end = log->log_end_offset();
    model::offset next(0);
    size_t bytes_read = 0;
    int64_t syscalls_before = read_syscalls();
    for (auto _ : state) {
        auto r = log->read(next, max_bytes, end, true);
        if (!r || r->data.empty()) {
            state.SkipWithError("read failed");
            break;
        }
        bytes_read += r->data.size();
        // The next read starts after the last batch returned, as a consumer's would.
        auto data = r->data.view;
        size_t pos = 0;
        int64_t last = next();
        while (pos < data.size()) {
            auto h = protocol::read_batch_header(data.subspan(pos)).value();
            last = h.last_offset();
            pos += h.size_bytes();
        }
        next = model::offset(last + 1);
        if (next >= end) next = model::offset(0);
        benchmark::DoNotOptimize(r);
    }
    int64_t syscalls_after = read_syscalls();
    state.SetBytesProcessed(static_cast<int64_t>(bytes_read));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    // The system calls each read costs (docs/profile.md, F7): the loop does no other reads.
    if (syscalls_before >= 0 && syscalls_after >= 0 && state.iterations() > 0) {
        state.counters["preads_per_read"] = static_cast<double>(syscalls_after - syscalls_before) /
                                            static_cast<double>(state.iterations());
    }
    (void)log->remove();
}
BENCHMARK(bm_read)->Name("partition_log_read")->ArgName("max_bytes")->Arg(64 << 10)->Arg(1 << 20);

// A full offset index (segment.index.bytes 10 MiB: 1310720 entries, one per 16 offsets), looked
// up at random offsets.
void bm_offset_index_lookup(benchmark::State& state) {
    constexpr size_t entries = (size_t{10} << 20) / 8;
    storage::offset_index index(model::offset(0), entries);
    for (size_t i = 0; i < entries; ++i) {
        index.append(model::offset(static_cast<int64_t>(i * 16)), i * 1600);
    }
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int64_t> pick(0, static_cast<int64_t>(entries * 16));
    std::vector<model::offset> targets(4096);
    for (auto& t : targets) t = model::offset(pick(rng));
    size_t i = 0;
    for (auto _ : state) {
        auto pos = index.lookup(targets[i++ & (targets.size() - 1)]);
        benchmark::DoNotOptimize(pos);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.counters["entries"] = static_cast<double>(index.size());
}
BENCHMARK(bm_offset_index_lookup)->Name("offset_index_lookup/full");

// producer_state::check against a producer holding its five last batches: the next batch in
// sequence (the common case), and a retry of the oldest retained one (a duplicate).
void bm_producer_check(benchmark::State& state) {
    bool duplicate = state.range(0) != 0;
    storage::producer_entry entry;
    entry.epoch = storage::producer_epoch(0);
    for (int32_t i = 0; i < static_cast<int32_t>(storage::producer_state::batches_retained); ++i) {
        storage::producer_batch b;
        b.first_sequence = i * 16;
        b.last_sequence = i * 16 + 15;
        b.base_offset = model::offset(i * 16);
        b.last_offset = model::offset(i * 16 + 15);
        entry.batches.push_back(b);
    }
    protocol::batch_header h;
    h.producer_id = 1000;
    h.producer_epoch = 0;
    h.last_offset_delta = 15;
    h.records_count = 16;
    h.base_sequence = duplicate ? 0 : entry.last_sequence() + 1;
    for (auto _ : state) {
        auto r = storage::producer_state::check(&entry, h);
        if (!r || r->has_value() != duplicate) state.SkipWithError("unexpected check result");
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.SetLabel(duplicate ? "duplicate" : "in_sequence");
}
BENCHMARK(bm_producer_check)->Name("producer_state_check")->Arg(0)->Arg(1);

}  // namespace
}  // namespace fjord::bench
