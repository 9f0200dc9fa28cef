#include "cluster/embedded_metadata_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/logger.h"
#include "base/vassert.h"

namespace fjord::cluster {
namespace {

constexpr int format_version = 1;

auto& logger() {
    static auto l = module_logger("cluster");
    return l;
}

bool fsync_path(const std::filesystem::path& p, int flags) {
    int fd = ::open(p.c_str(), flags | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

nlohmann::json to_json(const topic_metadata& t) {
    return {{"name", t.name},
            {"id", t.id.to_string()},
            {"partitions", t.partition_count},
            {"replication_factor", t.replication_factor},
            {"configs", t.configs}};
}

std::optional<topic_metadata> from_json(const nlohmann::json& j) {
    if (!j.is_object()) return std::nullopt;
    topic_metadata t;
    t.name = j.value("name", "");
    auto id = uuid::parse(j.value("id", ""));
    t.partition_count = j.value("partitions", 0);
    t.replication_factor = static_cast<int16_t>(j.value("replication_factor", 1));
    if (t.name.empty() || !id || t.partition_count <= 0) return std::nullopt;
    t.id = *id;
    if (auto c = j.find("configs"); c != j.end() && c->is_object()) {
        for (auto& [k, v] : c->items()) {
            if (!v.is_string()) return std::nullopt;
            t.configs[k] = v.get<std::string>();
        }
    }
    return t;
}

}  // namespace

std::string_view describe(errc e) {
    switch (e) {
        case errc::topic_already_exists:
            return "topic already exists";
        case errc::unknown_topic:
            return "unknown topic";
        case errc::io_error:
            return "metadata i/o error";
        case errc::corrupt_metadata:
            return "metadata file is corrupt";
        case errc::producer_ids_exhausted:
            return "no producer ids left";
    }
    return "unknown metadata error";
}

embedded_metadata_store::embedded_metadata_store(std::filesystem::path data_dir)
    : _data_dir(std::move(data_dir)) {}

result<std::unique_ptr<embedded_metadata_store>, errc> embedded_metadata_store::open(
    const std::filesystem::path& data_dir) {
    std::unique_ptr<embedded_metadata_store> store(new embedded_metadata_store(data_dir));
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec) {
        logger()->error("cannot create data directory {}: {}", data_dir.string(), ec.message());
        return fail(errc::io_error);
    }
    auto path = data_dir / file_name;
    std::lock_guard lock(store->_mutex);
    if (!std::filesystem::exists(path)) {
        store->_cluster_id = uuid::random();
        if (auto r = store->persist(store->_topics, 0); !r) return fail(r.error());
        logger()->info("new cluster {} in {}", store->_cluster_id.to_string(), data_dir.string());
        return store;
    }
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    auto doc = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object() || doc.value("version", 0) != format_version) {
        logger()->error("{} is not a valid Fjord metadata file", path.string());
        return fail(errc::corrupt_metadata);
    }
    auto cluster_id = uuid::parse(doc.value("cluster_id", ""));
    if (!cluster_id) {
        logger()->error("{}: missing or invalid cluster_id", path.string());
        return fail(errc::corrupt_metadata);
    }
    store->_cluster_id = *cluster_id;
    // Absent in files written before producer ids existed: nothing was handed out yet.
    if (auto next = doc.find("next_producer_id"); next != doc.end()) {
        if (!next->is_number_integer() || next->get<int64_t>() < 0) {
            logger()->error("{}: invalid next_producer_id {}", path.string(), next->dump());
            return fail(errc::corrupt_metadata);
        }
        store->_next_producer_id = next->get<int64_t>();
    }
    if (auto topics = doc.find("topics"); topics != doc.end() && topics->is_array()) {
        for (const auto& j : *topics) {
            auto t = from_json(j);
            if (!t) {
                logger()->error("{}: invalid topic entry {}", path.string(), j.dump());
                return fail(errc::corrupt_metadata);
            }
            store->_topics.emplace(t->name, std::move(*t));
        }
    }
    return store;
}

uuid embedded_metadata_store::cluster_id() const {
    std::lock_guard lock(_mutex);
    return _cluster_id;
}

std::vector<topic_metadata> embedded_metadata_store::topics() const {
    std::lock_guard lock(_mutex);
    std::vector<topic_metadata> out;
    out.reserve(_topics.size());
    for (const auto& [_, t] : _topics) out.push_back(t);
    return out;
}

std::optional<topic_metadata> embedded_metadata_store::find_topic(std::string_view name) const {
    std::lock_guard lock(_mutex);
    auto it = _topics.find(name);
    if (it == _topics.end()) return std::nullopt;
    return it->second;
}

result<void, errc> embedded_metadata_store::create_topic(const topic_metadata& topic) {
    std::lock_guard lock(_mutex);
    if (_topics.contains(topic.name)) return fail(errc::topic_already_exists);
    auto next = _topics;
    next.emplace(topic.name, topic);
    if (auto r = persist(next, _next_producer_id); !r) return r;
    _topics = std::move(next);
    return {};
}

result<void, errc> embedded_metadata_store::delete_topic(std::string_view name) {
    std::lock_guard lock(_mutex);
    auto next = _topics;
    auto it = next.find(name);
    if (it == next.end()) return fail(errc::unknown_topic);
    next.erase(it);
    if (auto r = persist(next, _next_producer_id); !r) return r;
    _topics = std::move(next);
    return {};
}

result<void, errc> embedded_metadata_store::update_topic(const topic_metadata& topic) {
    std::lock_guard lock(_mutex);
    auto next = _topics;
    auto it = next.find(topic.name);
    if (it == next.end()) return fail(errc::unknown_topic);
    it->second = topic;
    if (auto r = persist(next, _next_producer_id); !r) return r;
    _topics = std::move(next);
    return {};
}

result<producer_id_block, errc> embedded_metadata_store::allocate_producer_ids(int64_t count) {
    vassert(count > 0, "a producer id block holds at least one id");
    std::lock_guard lock(_mutex);
    if (_next_producer_id > INT64_MAX - count) return fail(errc::producer_ids_exhausted);
    producer_id_block block{_next_producer_id, count};
    if (auto r = persist(_topics, block.first + count); !r) return fail(r.error());
    _next_producer_id = block.first + count;
    logger()->debug("reserved producer ids [{}, {})", block.first, _next_producer_id);
    return block;
}

result<void, errc> embedded_metadata_store::persist(
    const std::map<std::string, topic_metadata, std::less<>>& topics, int64_t next_producer_id) {
    nlohmann::json doc = {{"version", format_version},
                          {"cluster_id", _cluster_id.to_string()},
                          {"next_producer_id", next_producer_id},
                          {"topics", nlohmann::json::array()}};
    for (const auto& [_, t] : topics) doc["topics"].push_back(to_json(t));
    auto path = _data_dir / file_name;
    auto tmp = path;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << doc.dump(2) << '\n';
        out.flush();
        if (!out) {
            logger()->error("cannot write {}", tmp.string());
            return fail(errc::io_error);
        }
    }
    std::error_code ec;
    if (!fsync_path(tmp, O_RDONLY)) return fail(errc::io_error);
    std::filesystem::rename(tmp, path, ec);
    if (ec || !fsync_path(_data_dir, O_RDONLY | O_DIRECTORY)) {
        logger()->error("cannot replace {}: {}", path.string(), ec.message());
        return fail(errc::io_error);
    }
    return {};
}

}  // namespace fjord::cluster
