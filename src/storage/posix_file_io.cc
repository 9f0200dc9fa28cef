// POSIX implementation of file_io. Errors are logged here, with the path and errno, because this
// is the only place that still knows them; callers see errc.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <system_error>

#include "base/logger.h"
#include "storage/file_io.h"

namespace fjord::storage {
namespace {

errc from_errno(int e) {
    return (e == ENOSPC || e == EDQUOT) ? errc::no_space : errc::io_error;
}

failure<errc> fail_with_errno(const char* what, const std::filesystem::path& path) {
    int e = errno;
    module_logger("storage")->warn("{} {}: {}", what, path.string(), std::strerror(e));
    return fail(from_errno(e));
}

class posix_file final : public file {
public:
    posix_file(int fd, std::filesystem::path path) : _fd(fd), _path(std::move(path)) {}
    posix_file(const posix_file&) = delete;
    posix_file& operator=(const posix_file&) = delete;
    ~posix_file() override { ::close(_fd); }

    result<void, errc> pwrite(bytes_view data, uint64_t offset) override {
        std::array<bytes_view, 1> one{data};
        return pwritev(one, offset);
    }

    result<void, errc> pwritev(std::span<const bytes_view> parts, uint64_t offset) override {
        std::vector<iovec> iov;
        iov.reserve(parts.size());
        for (auto p : parts) {
            if (!p.empty()) iov.push_back({const_cast<uint8_t*>(p.data()), p.size()});
        }
        size_t first = 0;
        while (first < iov.size()) {
            int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
            ssize_t n = ::pwritev(_fd, &iov[first], count, static_cast<off_t>(offset));
            if (n < 0) {
                if (errno == EINTR) continue;
                return fail_with_errno("write", _path);
            }
            if (n == 0) {
                errno = EIO;
                return fail_with_errno("write (no progress)", _path);
            }
            offset += static_cast<uint64_t>(n);
            // Skip the fully written buffers and shorten a partly written one.
            auto left = static_cast<size_t>(n);
            while (first < iov.size() && left >= iov[first].iov_len) left -= iov[first++].iov_len;
            if (left > 0) {
                iov[first].iov_base = static_cast<uint8_t*>(iov[first].iov_base) + left;
                iov[first].iov_len -= left;
            }
        }
        return {};
    }

    result<size_t, errc> pread(mutable_bytes_view buf, uint64_t offset) const override {
        size_t done = 0;
        while (done < buf.size()) {
            ssize_t n = ::pread(_fd, buf.data() + done, buf.size() - done,
                                static_cast<off_t>(offset + done));
            if (n < 0) {
                if (errno == EINTR) continue;
                return fail_with_errno("read", _path);
            }
            if (n == 0) break;
            done += static_cast<size_t>(n);
        }
        return done;
    }

    result<void, errc> fsync() override {
        if (::fdatasync(_fd) != 0) return fail_with_errno("fdatasync", _path);
        return {};
    }

    result<void, errc> truncate(uint64_t size) override {
        while (::ftruncate(_fd, static_cast<off_t>(size)) != 0) {
            if (errno != EINTR) return fail_with_errno("truncate", _path);
        }
        return {};
    }

    result<uint64_t, errc> size() const override {
        struct stat st {};
        if (::fstat(_fd, &st) != 0) return fail_with_errno("stat", _path);
        return static_cast<uint64_t>(st.st_size);
    }

private:
    int _fd;
    std::filesystem::path _path;
};

class posix_file_io final : public file_io {
public:
    result<std::unique_ptr<file>, errc> open(const std::filesystem::path& path,
                                             open_mode mode) override {
        int flags = O_RDWR | O_CLOEXEC | (mode == open_mode::create ? O_CREAT : 0);
        int fd;
        do {
            fd = ::open(path.c_str(), flags, 0644);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) return fail_with_errno("open", path);
        return std::unique_ptr<file>(std::make_unique<posix_file>(fd, path));
    }

    result<void, errc> rename(const std::filesystem::path& from,
                              const std::filesystem::path& to) override {
        if (::rename(from.c_str(), to.c_str()) != 0) return fail_with_errno("rename", from);
        return {};
    }

    result<void, errc> remove(const std::filesystem::path& path) override {
        if (::remove(path.c_str()) != 0 && errno != ENOENT) return fail_with_errno("remove", path);
        return {};
    }

    result<void, errc> create_directories(const std::filesystem::path& dir) override {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec) {
            errno = ec.value();
            return fail_with_errno("mkdir", dir);
        }
        return {};
    }

    result<std::vector<std::string>, errc> list(const std::filesystem::path& dir) override {
        std::error_code ec;
        std::vector<std::string> names;
        for (auto it = std::filesystem::directory_iterator(dir, ec);
             !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
            if (it->is_regular_file(ec)) names.push_back(it->path().filename().string());
        }
        if (ec) {
            errno = ec.value();
            return fail_with_errno("list", dir);
        }
        return names;
    }

    result<void, errc> fsync_directory(const std::filesystem::path& dir) override {
        int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return fail_with_errno("open directory", dir);
        int rc = ::fsync(fd);
        int saved = errno;
        ::close(fd);
        if (rc != 0) {
            errno = saved;
            return fail_with_errno("fsync directory", dir);
        }
        return {};
    }
};

}  // namespace

file_io& default_file_io() {
    static posix_file_io io;
    return io;
}

}  // namespace fjord::storage
