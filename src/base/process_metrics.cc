#include "base/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

namespace fjord::metrics {
namespace {

std::string read_file(const char* path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// /proc/self/stat, fields counted from 1 as in proc(5). The command name (field 2) is in
// parentheses and may contain spaces, so fields are counted from the last ')'.
struct proc_stat {
    uint64_t utime_ticks = 0;      // 14
    uint64_t stime_ticks = 0;      // 15
    uint64_t starttime_ticks = 0;  // 22: since boot
    uint64_t vsize_bytes = 0;      // 23
    uint64_t rss_pages = 0;        // 24
};

bool parse_stat(const std::string& text, proc_stat& out) {
    auto close = text.rfind(')');
    if (close == std::string::npos) return false;
    std::istringstream fields(text.substr(close + 1));
    std::string field;
    for (int index = 3; fields >> field && index <= 24; ++index) {
        uint64_t* target = nullptr;
        switch (index) {
            case 14:
                target = &out.utime_ticks;
                break;
            case 15:
                target = &out.stime_ticks;
                break;
            case 22:
                target = &out.starttime_ticks;
                break;
            case 23:
                target = &out.vsize_bytes;
                break;
            case 24:
                target = &out.rss_pages;
                break;
            default:
                continue;
        }
        auto [_, ec] = std::from_chars(field.data(), field.data() + field.size(), *target);
        if (ec != std::errc()) return false;
        if (index == 24) return true;
    }
    return false;
}

// Boot time in seconds since the epoch ("btime" in /proc/stat).
bool boot_time(uint64_t& out) {
    std::ifstream in("/proc/stat");
    std::string key;
    while (in >> key) {
        if (key == "btime") return static_cast<bool>(in >> out);
        in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    }
    return false;
}

}  // namespace

void collect_process_metrics(sample_sink& sink) {
    proc_stat stat;
    if (parse_stat(read_file("/proc/self/stat"), stat)) {
        auto ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
        auto page = static_cast<double>(::sysconf(_SC_PAGESIZE));
        sink.counter("process_cpu_seconds_total",
                     "Total user and system CPU time spent in seconds.", {},
                     static_cast<double>(stat.utime_ticks + stat.stime_ticks) / ticks);
        sink.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", {},
                   static_cast<double>(stat.rss_pages) * page);
        sink.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", {},
                   static_cast<double>(stat.vsize_bytes));
        uint64_t boot = 0;
        if (boot_time(boot)) {
            sink.gauge(
                "process_start_time_seconds",
                "Start time of the process since unix epoch in seconds.", {},
                static_cast<double>(boot) + static_cast<double>(stat.starttime_ticks) / ticks);
        }
    }
    std::error_code ec;
    size_t fds = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
         it.increment(ec)) {
        ++fds;
    }
    // The iterator's own descriptor is among those listed.
    if (!ec && fds > 0) {
        sink.gauge("process_open_fds", "Number of open file descriptors.", {},
                   static_cast<double>(fds - 1));
    }
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        sink.gauge("process_max_fds", "Maximum number of open file descriptors.", {},
                   static_cast<double>(limit.rlim_cur));
    }
}

}  // namespace fjord::metrics
