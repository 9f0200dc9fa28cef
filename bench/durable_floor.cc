// fjord-durable-floor: the lowest end-to-end latency a broker that shows only fsynced records
// can reach on this disk. One thread appends records to a file at a fixed rate; another makes
// them durable by group commit (fdatasync whenever something is unsynced, covering everything
// written before it started), as Fjord's flusher does. Each record's time from write to the end
// of the fdatasync that covered it is the floor under Fjord's send-to-receive latency at that
// rate: no network, no client, no broker. The file is zero-filled and synced before the clock
// starts, as Fjord's zero-fill ahead leaves a slow stream's segment (segment-files.md §2) but
// all at once, so no fdatasync commits a new size or allocation and none carries zeros.
// bench/compare.sh reports it among the machine limits.
//
// usage: fjord-durable-floor --dir DIR [--rate N] [--messages N] [--size BYTES]
//                            [--format text|markdown]
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "latency_histogram.h"
#include "parse_int.h"
#include "report.h"

namespace fjord::bench {
namespace {

struct floor_options {
    std::filesystem::path dir;
    uint64_t rate = 10'000;
    uint64_t messages = 100'000;
    uint64_t size = 1024;
    output_format format = output_format::text;
};

[[noreturn]] void usage_error(const std::string& message) {
    fmt::print(stderr,
               "fjord-durable-floor: {}\nusage: fjord-durable-floor --dir DIR [--rate N] "
               "[--messages N] [--size BYTES] [--format text|markdown]\n",
               message);
    std::exit(2);
}

floor_options parse(int argc, char** argv) {
    floor_options opts;
    for (int i = 1; i < argc; ++i) {
        std::string_view flag = argv[i];
        if (i + 1 >= argc) usage_error(fmt::format("{} needs a value", flag));
        std::string_view value = argv[++i];
        auto number = [&](uint64_t max) {
            auto n = parse_int<uint64_t>(value, 1, max);
            if (!n)
                usage_error(fmt::format("{}: not a whole number in [1, {}]: {}", flag, max, value));
            return *n;
        };
        if (flag == "--dir") {
            opts.dir = value;
        } else if (flag == "--rate") {
            opts.rate = number(1'000'000);
        } else if (flag == "--messages") {
            opts.messages = number(100'000'000);
        } else if (flag == "--size") {
            opts.size = number(1 << 20);
        } else if (flag == "--format") {
            const auto format = parse_output_format(value);
            if (!format) usage_error(fmt::format("--format: text or markdown, not {}", value));
            opts.format = *format;
        } else {
            usage_error(fmt::format("unknown option {}", flag));
        }
    }
    if (opts.dir.empty()) usage_error("--dir is required");
    return opts;
}

[[noreturn]] void die(const char* what, const std::filesystem::path& path) {
    fmt::print(stderr, "fjord-durable-floor: {} {}: {}\n", what, path.string(),
               std::strerror(errno));
    std::exit(1);
}

void zero_fill(int fd, uint64_t bytes, const std::filesystem::path& path) {
    const std::vector<char> zeros(1 << 20);
    for (uint64_t at = 0; at < bytes; at += zeros.size()) {
        const auto n = static_cast<size_t>(std::min<uint64_t>(zeros.size(), bytes - at));
        if (::pwrite(fd, zeros.data(), n, static_cast<off_t>(at)) != static_cast<ssize_t>(n)) {
            die("write", path);
        }
    }
    if (::fdatasync(fd) != 0) die("fdatasync", path);
}

// What the writer and the flusher share.
struct group_commit {
    std::mutex mutex;
    std::condition_variable wake;
    uint64_t written = 0;  // records written so far
    bool done = false;     // the writer has finished
};

int run(const floor_options& opts) {
    const auto path = opts.dir / "durable-floor.data";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) die("open", path);
    zero_fill(fd, opts.messages * opts.size, path);
    std::vector<char> record(opts.size, 'x');
    std::vector<clock_type::time_point> written_at(opts.messages);
    latency_histogram latency;
    group_commit shared;

    std::thread flusher([&] {
        uint64_t durable = 0;
        while (true) {
            uint64_t target;
            {
                std::unique_lock lock(shared.mutex);
                shared.wake.wait(lock, [&] { return shared.done || shared.written > durable; });
                if (shared.written == durable) return;  // done, and everything is durable
                target = shared.written;
            }
            if (::fdatasync(fd) != 0) die("fdatasync", path);
            const auto now = clock_type::now();
            for (; durable < target; ++durable) {
                latency.record(micros_between(written_at[durable], now));
            }
        }
    });

    const auto period = std::chrono::duration_cast<clock_type::duration>(
        std::chrono::duration<double>(1.0 / static_cast<double>(opts.rate)));
    const auto start = clock_type::now();
    for (uint64_t i = 0; i < opts.messages; ++i) {
        std::this_thread::sleep_until(start + i * period);
        written_at[i] = clock_type::now();
        const auto at = static_cast<off_t>(i * opts.size);
        if (::pwrite(fd, record.data(), record.size(), at) != static_cast<ssize_t>(record.size())) {
            die("write", path);
        }
        {
            std::lock_guard lock(shared.mutex);
            shared.written = i + 1;
        }
        shared.wake.notify_one();
    }
    {
        std::lock_guard lock(shared.mutex);
        shared.done = true;
    }
    shared.wake.notify_one();
    flusher.join();
    const double seconds = seconds_between(start, clock_type::now());
    ::close(fd);
    std::filesystem::remove(path);

    print_report({.label = fmt::format("durable floor {}/s", opts.rate),
                  .messages = opts.messages,
                  .bytes = opts.messages * opts.size,
                  .seconds = seconds,
                  .latency = &latency,
                  .latency_span = "write to the end of the fdatasync covering it"},
                 opts.format);
    return 0;
}

}  // namespace
}  // namespace fjord::bench

int main(int argc, char** argv) {
    return fjord::bench::run(fjord::bench::parse(argc, argv));
}
