// The storage layer's only door to the filesystem. Everything the log does to disk goes through
// `file_io` and `file`, so a test can substitute a filesystem that fails with ENOSPC or forgets
// bytes that were never fsynced (see tests/fault_file_io.h).
//
// Thread-safety: implementations must allow concurrent calls on one `file` (positional I/O only,
// no shared cursor): readers pread while the appender pwrites and the flusher fsyncs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "storage/errc.h"

namespace fjord::storage {

enum class open_mode {
    create,    // read-write; create the file if it does not exist
    existing,  // read-write; fail if it does not exist
};

// An open file; closed when destroyed.
class file {
public:
    virtual ~file() = default;

    // Writes all of `data` at `offset` (retrying short writes), or fails. After a failure any
    // prefix of `data` may be in the file: callers truncate back.
    virtual result<void, errc> pwrite(bytes_view data, uint64_t offset) = 0;
    // Like pwrite for the concatenation of `parts`, in one system call where possible.
    virtual result<void, errc> pwritev(std::span<const bytes_view> parts, uint64_t offset) = 0;
    // Reads up to `buf.size()` bytes at `offset`; returns fewer only at end of file.
    virtual result<size_t, errc> pread(mutable_bytes_view buf, uint64_t offset) const = 0;
    // Makes everything written so far durable (data and the size; fdatasync).
    virtual result<void, errc> fsync() = 0;
    virtual result<void, errc> truncate(uint64_t size) = 0;
    virtual result<uint64_t, errc> size() const = 0;
};

class file_io {
public:
    virtual ~file_io() = default;

    virtual result<std::unique_ptr<file>, errc> open(const std::filesystem::path& path,
                                                     open_mode mode) = 0;
    // Atomically replaces `to` (POSIX rename). Durable only after fsync_directory.
    virtual result<void, errc> rename(const std::filesystem::path& from,
                                      const std::filesystem::path& to) = 0;
    // Removes a file or an empty directory. A missing path is not an error.
    virtual result<void, errc> remove(const std::filesystem::path& path) = 0;
    virtual result<void, errc> create_directories(const std::filesystem::path& dir) = 0;
    // Names (not paths) of the regular files in `dir`, unsorted.
    virtual result<std::vector<std::string>, errc> list(const std::filesystem::path& dir) = 0;
    // Makes creations, removals and renames of entries of `dir` durable.
    virtual result<void, errc> fsync_directory(const std::filesystem::path& dir) = 0;
};

// The real filesystem (POSIX calls). Stateless; lives for the whole process.
file_io& default_file_io();

}  // namespace fjord::storage
