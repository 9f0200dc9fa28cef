// A file_io for fault tests: wraps the real filesystem, counts fsyncs, fails writes with ENOSPC
// on demand, and simulates power loss by forgetting what was never fsynced.
//
// Power-loss model: a file keeps the size it had at its last fsync (bytes written later are
// cut), and bytes overwritten inside that size since then get their old contents back (appends
// overwrite the zeros written ahead, segment-files.md §2); a file created since its directory
// was last fsynced disappears.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "storage/file_io.h"

namespace fjord::storage::test {

class fault_file_io final : public file_io {
public:
    // Writes succeed for `bytes` more bytes; the write that crosses the budget lands partly, then
    // fails with no_space. nullopt: unlimited.
    void set_space_left(std::optional<uint64_t> bytes) {
        std::lock_guard lock(_m->mutex);
        _m->space_left = bytes;
    }
    void set_fail_fsync(bool fail) {
        std::lock_guard lock(_m->mutex);
        _m->fail_fsync = fail;
    }
    // Renames succeed `n` more times, then fail with io_error (a crash between two renames, once
    // the test reopens). nullopt: never fail.
    void set_renames_left(std::optional<int> n) {
        std::lock_guard lock(_m->mutex);
        _m->renames_left = n;
    }
    uint64_t fsync_count() const {
        std::lock_guard lock(_m->mutex);
        return _m->fsyncs;
    }
    // Bytes returned by pread on the files of this io, from any path.
    uint64_t bytes_read() const {
        std::lock_guard lock(_m->mutex);
        return _m->bytes_read;
    }
    // pread calls on .log files.
    uint64_t log_preads() const {
        std::lock_guard lock(_m->mutex);
        return _m->log_preads;
    }
    // Power loss. REQUIRES: no file of this io is still open (close the log first).
    void drop_unsynced() {
        std::lock_guard lock(_m->mutex);
        for (auto& [path, st] : _m->files) {
            if (!st->dirent_synced) {
                std::filesystem::remove(path);
                continue;
            }
            if (!std::filesystem::exists(path)) continue;
            {
                std::fstream out(path, std::ios::in | std::ios::out | std::ios::binary);
                // Newest first, so the oldest contents of a range written twice win.
                for (auto it = st->overwritten.rbegin(); it != st->overwritten.rend(); ++it) {
                    if (it->first >= st->synced_size) continue;
                    auto n = std::min<uint64_t>(it->second.size(), st->synced_size - it->first);
                    out.seekp(static_cast<std::streamoff>(it->first));
                    out.write(reinterpret_cast<const char*>(it->second.data()),
                              static_cast<std::streamsize>(n));
                }
            }
            if (std::filesystem::file_size(path) > st->synced_size) {
                std::filesystem::resize_file(path, st->synced_size);
            }
        }
        _m->files.clear();
    }

    result<std::unique_ptr<file>, errc> open(const std::filesystem::path& path,
                                             open_mode mode) override {
        bool existed = std::filesystem::exists(path);
        auto f = default_file_io().open(path, mode);
        if (!f) return fail(f.error());
        std::lock_guard lock(_m->mutex);
        auto& st = _m->files[path];
        if (!st) {
            st = std::make_shared<file_state>();
            st->dirent_synced = existed;
            auto size = (*f)->size();
            st->synced_size = size ? *size : 0;
        }
        bool is_log = path.extension() == ".log";
        return std::unique_ptr<file>(std::make_unique<fault_file>(std::move(*f), st, _m, is_log));
    }
    result<void, errc> rename(const std::filesystem::path& from,
                              const std::filesystem::path& to) override {
        {
            std::lock_guard lock(_m->mutex);
            if (_m->renames_left) {
                if (*_m->renames_left <= 0) return fail(errc::io_error);
                --*_m->renames_left;
            }
        }
        auto r = default_file_io().rename(from, to);
        if (!r) return r;
        std::lock_guard lock(_m->mutex);
        auto it = _m->files.find(from);
        if (it != _m->files.end()) {
            auto st = it->second;
            _m->files.erase(it);
            auto& target = _m->files[to];
            bool target_synced = target && target->dirent_synced;
            target = st;
            target->dirent_synced = target->dirent_synced || target_synced;
        }
        return {};
    }
    result<void, errc> remove(const std::filesystem::path& path) override {
        {
            std::lock_guard lock(_m->mutex);
            _m->files.erase(path);
        }
        return default_file_io().remove(path);
    }
    result<void, errc> create_directories(const std::filesystem::path& dir) override {
        return default_file_io().create_directories(dir);
    }
    result<std::vector<std::string>, errc> list(const std::filesystem::path& dir) override {
        return default_file_io().list(dir);
    }
    result<void, errc> fsync_directory(const std::filesystem::path& dir) override {
        std::lock_guard lock(_m->mutex);
        if (_m->fail_fsync) return fail(errc::io_error);
        ++_m->fsyncs;
        for (auto& [path, st] : _m->files) {
            if (path.parent_path() == dir) st->dirent_synced = true;
        }
        return {};
    }

private:
    struct file_state {
        uint64_t synced_size = 0;
        bool dirent_synced = false;
        // Contents of the synced part as they were before each write since the last fsync.
        std::vector<std::pair<uint64_t, std::vector<uint8_t>>> overwritten;
    };
    struct shared {
        std::mutex mutex;
        std::map<std::filesystem::path, std::shared_ptr<file_state>> files;
        std::optional<uint64_t> space_left;
        bool fail_fsync = false;
        std::optional<int> renames_left;
        uint64_t fsyncs = 0;
        uint64_t bytes_read = 0;
        uint64_t log_preads = 0;
    };

    class fault_file final : public file {
    public:
        fault_file(std::unique_ptr<file> inner, std::shared_ptr<file_state> st,
                   std::shared_ptr<shared> m, bool is_log)
            : _inner(std::move(inner)), _st(std::move(st)), _m(std::move(m)), _is_log(is_log) {}

        result<void, errc> pwrite(bytes_view data, uint64_t offset) override {
            size_t allowed = data.size();
            {
                std::lock_guard lock(_m->mutex);
                if (_m->space_left) {
                    allowed = static_cast<size_t>(std::min<uint64_t>(allowed, *_m->space_left));
                    *_m->space_left -= allowed;
                }
            }
            remember_old_contents(offset, allowed);
            if (allowed < data.size()) {
                if (allowed > 0) (void)_inner->pwrite(data.first(allowed), offset);
                return fail(errc::no_space);
            }
            return _inner->pwrite(data, offset);
        }
        result<void, errc> pwritev(std::span<const bytes_view> parts, uint64_t offset) override {
            for (auto p : parts) {
                if (auto r = pwrite(p, offset); !r) return r;
                offset += p.size();
            }
            return {};
        }
        result<size_t, errc> pread(mutable_bytes_view buf, uint64_t offset) const override {
            auto n = _inner->pread(buf, offset);
            std::lock_guard lock(_m->mutex);
            if (_is_log) ++_m->log_preads;
            if (n) _m->bytes_read += *n;
            return n;
        }
        result<void, errc> fsync() override {
            std::lock_guard lock(_m->mutex);
            if (_m->fail_fsync) return fail(errc::io_error);
            ++_m->fsyncs;
            auto size = _inner->size();
            if (!size) return fail(size.error());
            _st->synced_size = *size;
            _st->overwritten.clear();
            return {};
        }
        result<void, errc> truncate(uint64_t size) override {
            auto r = _inner->truncate(size);
            std::lock_guard lock(_m->mutex);
            if (r && _st->synced_size > size) _st->synced_size = size;
            return r;
        }
        result<uint64_t, errc> size() const override { return _inner->size(); }

    private:
        void remember_old_contents(uint64_t offset, size_t length) {
            std::lock_guard lock(_m->mutex);
            if (offset >= _st->synced_size || length == 0) return;
            std::vector<uint8_t> old(std::min<uint64_t>(length, _st->synced_size - offset));
            auto n = _inner->pread(old, offset);
            old.resize(n ? *n : 0);
            _st->overwritten.emplace_back(offset, std::move(old));
        }

        std::unique_ptr<file> _inner;
        std::shared_ptr<file_state> _st;
        std::shared_ptr<shared> _m;
        bool _is_log;
    };

    std::shared_ptr<shared> _m = std::make_shared<shared>();
};

// A fresh directory under the system temp dir, removed at the end of the test.
class temp_dir {
public:
    temp_dir() {
        auto base = std::filesystem::temp_directory_path() / "fjord-storage-test-XXXXXX";
        std::string s = base.string();
        if (::mkdtemp(s.data()) == nullptr) std::abort();
        _path = s;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(_path, ec);
    }
    const std::filesystem::path& path() const { return _path; }

private:
    std::filesystem::path _path;
};

}  // namespace fjord::storage::test
