// The single-node metadata store: one JSON document in the data directory, rewritten atomically
// (write a temporary file, fsync it, rename over the old one, fsync the directory) on every
// change, so a crash leaves either the old or the new state, never a torn one.
// Format: docs/formats/cluster-metadata.md.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "cluster/metadata_store.h"

namespace fjord::cluster {

class embedded_metadata_store final : public metadata_store {
public:
    static constexpr std::string_view file_name = "cluster-metadata.json";

    // Loads the store from `data_dir`, creating a new cluster id on first start.
    static result<std::unique_ptr<embedded_metadata_store>, errc> open(
        const std::filesystem::path& data_dir);

    uuid cluster_id() const override;
    std::vector<topic_metadata> topics() const override;
    std::optional<topic_metadata> find_topic(std::string_view name) const override;
    result<void, errc> create_topic(const topic_metadata& topic) override;
    result<void, errc> delete_topic(std::string_view name) override;
    result<void, errc> update_topic(const topic_metadata& topic) override;
    result<producer_id_block, errc> allocate_producer_ids(int64_t count) override;

private:
    explicit embedded_metadata_store(std::filesystem::path data_dir);
    // Writes the whole document with `topics` and `next_producer_id`. REQUIRES: _mutex held.
    result<void, errc> persist(const std::map<std::string, topic_metadata, std::less<>>& topics,
                               int64_t next_producer_id);

    const std::filesystem::path _data_dir;
    mutable std::mutex _mutex;
    uuid _cluster_id;                                            // GUARDED_BY(_mutex)
    std::map<std::string, topic_metadata, std::less<>> _topics;  // GUARDED_BY(_mutex)
    int64_t _next_producer_id = 0;                               // GUARDED_BY(_mutex)
};

}  // namespace fjord::cluster
