#include "broker/clean_shutdown.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "base/logger.h"
#include "storage/file_io.h"

namespace fjord::broker {
namespace {

constexpr const char* marker_name = ".clean-shutdown";

auto& logger() {
    static auto l = module_logger("broker");
    return l;
}

}  // namespace

result<bool, std::string> take_clean_shutdown_marker(const std::filesystem::path& data_dir) {
    auto path = data_dir / marker_name;
    std::error_code ec;
    bool found = std::filesystem::exists(path, ec);
    if (ec) return fail(fmt::format("cannot check {}: {}", path.string(), ec.message()));
    if (!found) return false;
    std::filesystem::remove(path, ec);
    if (ec) return fail(fmt::format("cannot remove {}: {}", path.string(), ec.message()));
    if (auto r = storage::default_file_io().fsync_directory(data_dir); !r) {
        return fail(
            fmt::format("cannot fsync {}: {}", data_dir.string(), storage::describe(r.error())));
    }
    return true;
}

void leave_clean_shutdown_marker(const std::filesystem::path& data_dir) {
    auto path = data_dir / marker_name;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || ::close(fd) != 0) {
        logger()->warn("cannot create {}: the next start fsyncs every log", path.string());
        return;
    }
    if (auto r = storage::default_file_io().fsync_directory(data_dir); !r) {
        logger()->warn("cannot fsync {}: the next start fsyncs every log", data_dir.string());
    }
}

}  // namespace fjord::broker
