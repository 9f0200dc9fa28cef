#include "coordinator/offset_store.h"

#include <algorithm>

#include "base/logger.h"
#include "base/vassert.h"
#include "coordinator/records.h"

namespace fjord::coordinator {

namespace {

// The classic int16-length string the offset value stores metadata in cannot hold more, whatever
// offset.metadata.max.bytes says.
constexpr size_t max_encodable_metadata = 32767;

// Set while this thread is inside coordinator_log::append() for a store: a completion that
// arrives inline is only recorded, and the store applies it after releasing its append lock, so
// no caller callback ever runs under a store lock.
thread_local const offset_store* t_appending = nullptr;

spdlog::logger& log() {
    static auto logger = module_logger("coordinator");
    return *logger;
}

}  // namespace

int64_t offset_store::system_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

offset_store::offset_store(offset_config config, coordinator_log& log,
                           std::function<int64_t()> now_ms)
    : _config(config), _log(log), _now_ms(std::move(now_ms)) {
    // Config validation rejects a non-positive offsets.topic.num.partitions before any store
    // exists; partition_for_group would divide by it.
    vassert(_config.offsets_partitions > 0, "offsets partitions must be positive, got {}",
            _config.offsets_partitions);
}

void offset_store::commit(std::string_view group, std::vector<offset_commit_entry> request,
                          std::function<void(std::vector<errc>)> done) {
    commit_entries(group, std::nullopt, std::move(request), std::move(done));
}

void offset_store::commit_transactional(std::string_view group, model::producer_id id,
                                        model::producer_epoch epoch,
                                        std::vector<offset_commit_entry> request,
                                        std::function<void(std::vector<errc>)> done) {
    commit_entries(group, txn_producer{id, epoch}, std::move(request), std::move(done));
}

void offset_store::complete_transaction(int32_t partition, model::producer_id id, bool commit) {
    std::lock_guard lock(_mutex);
    for (auto g = _groups.begin(); g != _groups.end();) {
        auto& state = g->second;
        auto p = state.pending.find(id);
        if (p == state.pending.end() ||
            partition_for_group(g->first, _config.offsets_partitions) != partition) {
            ++g;
            continue;
        }
        if (commit) {
            for (auto& [key, value] : p->second) state.applied.insert_or_assign(key, value);
        }
        state.pending.erase(p);
        g = state.empty() ? _groups.erase(g) : std::next(g);
    }
}

bool offset_store::has_pending_transactional(std::string_view group, std::string_view topic,
                                             int32_t partition) const {
    std::lock_guard lock(_mutex);
    auto g = _groups.find(group);
    if (g == _groups.end()) return false;
    return std::any_of(g->second.pending.begin(), g->second.pending.end(), [&](const auto& p) {
        return p.second.contains(tp_view{topic, partition});
    });
}

void offset_store::commit_entries(std::string_view group, std::optional<txn_producer> producer,
                                  std::vector<offset_commit_entry> request,
                                  std::function<void(std::vector<errc>)> done) {
    std::vector<errc> result(request.size(), errc::none);
    std::vector<size_t> written;
    entries to_write;
    const size_t max_metadata = std::min(_config.max_metadata_bytes, max_encodable_metadata);
    const int64_t now = _now_ms();
    for (size_t i = 0; i < request.size(); ++i) {
        auto& e = request[i];
        std::string metadata = e.metadata.value_or(std::string());
        if (metadata.size() > max_metadata) {
            result[i] = errc::offset_metadata_too_large;
            continue;
        }
        written.push_back(i);
        stored_offset s;
        s.value = committed_offset{e.offset, e.leader_epoch, std::move(metadata), now};
        to_write.emplace_back(tp_key{std::move(e.topic), e.partition}, std::move(s));
    }
    if (to_write.empty()) {
        done(std::move(result));
        return;
    }
    write(
        std::string(group), [&](const group_offsets*) { return std::move(to_write); },
        [result = std::move(result), written = std::move(written),
         done = std::move(done)](bool durable) mutable {
            if (!durable) {
                for (size_t i : written) result[i] = errc::coordinator_not_available;
            }
            done(std::move(result));
        },
        producer);
}

std::optional<committed_offset> offset_store::fetch(std::string_view group, std::string_view topic,
                                                    int32_t partition) const {
    std::lock_guard lock(_mutex);
    auto g = _groups.find(group);
    if (g == _groups.end()) return std::nullopt;
    auto it = g->second.applied.find(tp_view{topic, partition});
    if (it == g->second.applied.end()) return std::nullopt;
    return it->second.value;
}

std::vector<std::pair<topic_partition_ref, committed_offset>> offset_store::fetch_all(
    std::string_view group) const {
    std::vector<std::pair<topic_partition_ref, committed_offset>> out;
    std::lock_guard lock(_mutex);
    auto g = _groups.find(group);
    if (g == _groups.end()) return out;
    out.reserve(g->second.applied.size());
    for (const auto& [key, s] : g->second.applied) {
        out.emplace_back(topic_partition_ref{key.topic, key.partition}, s.value);
    }
    return out;
}

void offset_store::delete_offsets(std::string_view group,
                                  std::vector<topic_partition_ref> partitions,
                                  std::function<void(std::vector<errc>)> done) {
    const size_t n = partitions.size();
    auto select = [&](const group_offsets* g) {
        entries out;
        if (g == nullptr) return out;
        for (auto& p : partitions) {
            tp_view key{p.topic, p.partition};
            if (g->applied.contains(key) || g->in_flight.contains(key)) {
                out.emplace_back(tp_key{std::move(p.topic), p.partition}, std::nullopt);
            }
        }
        return out;
    };
    auto finish = [n, done](bool durable) {
        done(std::vector<errc>(n, durable ? errc::none : errc::coordinator_not_available));
    };
    if (!write(std::string(group), select, finish)) finish(true);
}

void offset_store::delete_group(std::string_view group, std::function<void(errc)> done) {
    auto select = [](const group_offsets* g) {
        entries out;
        if (g == nullptr) return out;
        // Commits still in flight are tombstoned too: they reach the log before these
        // tombstones, so the group ends with nothing either way.
        for (const auto& [key, s] : g->applied) out.emplace_back(key, std::nullopt);
        for (const auto& [key, n] : g->in_flight) {
            if (!g->applied.contains(key)) out.emplace_back(key, std::nullopt);
        }
        return out;
    };
    auto finish = [done](bool durable) {
        done(durable ? errc::none : errc::coordinator_not_available);
    };
    if (!write(std::string(group), select, finish)) finish(true);
}

void offset_store::remove_topic(std::string_view topic) {
    std::vector<std::string> names;
    {
        std::lock_guard lock(_mutex);
        for (const auto& [name, g] : _groups) names.push_back(name);
    }
    auto select = [&](const group_offsets* g) {
        entries out;
        if (g == nullptr) return out;
        // Keys sort by topic first, so the topic's partitions are one contiguous range.
        for (auto it = g->applied.lower_bound(tp_view{topic, INT32_MIN});
             it != g->applied.end() && it->first.topic == topic; ++it) {
            out.emplace_back(it->first, std::nullopt);
        }
        for (auto it = g->in_flight.lower_bound(tp_view{topic, INT32_MIN});
             it != g->in_flight.end() && it->first.topic == topic; ++it) {
            if (!g->applied.contains(it->first)) out.emplace_back(it->first, std::nullopt);
        }
        return out;
    };
    for (const auto& name : names) {
        write(name, select, [name, topic = std::string(topic)](bool durable) {
            if (!durable) {
                log().warn(
                    "[{}] could not write tombstones for deleted topic {}; its offsets "
                    "stay until the next attempt",
                    name, topic);
            }
        });
    }
}

bool offset_store::has_offsets(std::string_view group) const {
    std::lock_guard lock(_mutex);
    auto g = _groups.find(group);
    return g != _groups.end() && !g->second.applied.empty();
}

std::vector<std::string> offset_store::groups() const {
    std::vector<std::string> out;
    std::lock_guard lock(_mutex);
    for (const auto& [name, g] : _groups) {
        if (!g.applied.empty()) out.push_back(name);
    }
    return out;
}

std::optional<offset_store::decoded_record> offset_store::decode_record(
    bytes_view key, const std::optional<bytes>& value) {
    if (records::kind_of(key) != records::key_kind::offset_commit) return std::nullopt;
    auto k = records::decode_offset_key(key);
    if (!k) {
        log().warn("skipping an undecodable offset-commit key in __consumer_offsets");
        return std::nullopt;
    }
    decoded_record out{std::move(k->group), tp_key{std::move(k->topic), k->partition}, {}};
    if (!value) return out;
    auto v = records::decode_offset_value(*value);
    if (!v) {
        log().warn("[{}] skipping an undecodable offset for {}/{} in __consumer_offsets", out.group,
                   out.key.topic, out.key.partition);
        return std::nullopt;
    }
    stored_offset s;
    s.value =
        committed_offset{v->offset, v->leader_epoch, std::move(v->metadata), v->commit_timestamp};
    s.expire_timestamp = v->expire_timestamp;
    out.value = std::move(s);
    return out;
}

void offset_store::load_record(bytes_view key, const std::optional<bytes>& value) {
    auto r = decode_record(key, value);
    if (!r) return;
    std::lock_guard lock(_mutex);
    if (!r->value) {
        auto g = _groups.find(r->group);
        if (g == _groups.end()) return;
        g->second.applied.erase(r->key);
        erase_if_empty_locked(r->group);
        return;
    }
    _groups[r->group].applied.insert_or_assign(std::move(r->key), std::move(*r->value));
}

void offset_store::load_transactional_record(model::producer_id id, bytes_view key,
                                             const std::optional<bytes>& value) {
    auto r = decode_record(key, value);
    // TxnOffsetCommit writes no tombstones.
    if (!r || !r->value) return;
    std::lock_guard lock(_mutex);
    _groups[r->group].pending[id].insert_or_assign(std::move(r->key), std::move(*r->value));
}

void offset_store::expire(const std::function<bool(std::string_view group)>& is_empty) {
    std::vector<std::string> candidates;
    {
        std::lock_guard lock(_mutex);
        for (const auto& [name, g] : _groups) {
            if (!g.applied.empty()) candidates.push_back(name);
        }
    }
    const int64_t now = _now_ms();
    const int64_t retention_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(_config.retention).count();
    for (const auto& name : candidates) {
        // Outside the lock: the group manager may call back into the store.
        if (!is_empty(name)) continue;
        auto select = [&](const group_offsets* g) {
            entries out;
            if (g == nullptr) return out;
            for (const auto& [key, s] : g->applied) {
                if (g->in_flight.contains(key)) continue;  // being recommitted: not stale
                bool expired = s.expire_timestamp != -1
                                   ? now >= s.expire_timestamp
                                   : now - s.value.commit_timestamp >= retention_ms;
                if (expired) out.emplace_back(key, std::nullopt);
            }
            return out;
        };
        write(name, select, [name](bool durable) {
            if (durable) {
                log().debug("[{}] expired offsets removed", name);
            } else {
                log().warn("[{}] could not write tombstones for expired offsets", name);
            }
        });
    }
}

bool offset_store::write(std::string group,
                         const std::function<entries(const group_offsets*)>& select,
                         std::function<void(bool durable)> finish,
                         std::optional<txn_producer> producer) {
    const int32_t partition = partition_for_group(group, _config.offsets_partitions);
    std::unique_lock append_lock(_append_mutex);
    auto w = std::make_shared<pending_write>();
    std::vector<log_record> batch;
    {
        std::lock_guard lock(_mutex);
        auto g = _groups.find(group);
        entries chosen = select(g == _groups.end() ? nullptr : &g->second);
        if (chosen.empty()) return false;
        auto& state = _groups[group];
        batch.reserve(chosen.size());
        for (const auto& [key, value] : chosen) {
            ++state.in_flight[key];
            log_record r;
            r.key = records::encode_offset_key({group, key.topic, key.partition});
            if (value) {
                r.value = records::encode_offset_value(
                    {value->value.offset, value->value.leader_epoch, value->value.metadata,
                     value->value.commit_timestamp, value->expire_timestamp});
            }
            batch.push_back(std::move(r));
        }
        std::optional<model::producer_id> owner;
        if (producer) owner = producer->id;
        w->apply = [this, group = std::move(group), chosen = std::move(chosen),
                    owner](bool durable) { apply_locked(group, chosen, durable, owner); };
        w->finish = std::move(finish);
        _queues[partition].push_back(w);
    }
    t_appending = this;
    auto on_done = [this, partition, w](bool durable) { on_written(partition, w, durable); };
    if (producer) {
        _log.append_transactional(partition, producer->id, producer->epoch, std::move(batch),
                                  std::move(on_done));
    } else {
        _log.append(partition, std::move(batch), std::move(on_done));
    }
    t_appending = nullptr;
    append_lock.unlock();
    drain(partition);
    return true;
}

void offset_store::on_written(int32_t partition, const std::shared_ptr<pending_write>& w,
                              bool durable) {
    {
        std::lock_guard lock(_mutex);
        w->durable = durable;
    }
    if (t_appending == this) return;  // write() drains once the append lock is released
    drain(partition);
}

void offset_store::drain(int32_t partition) {
    std::vector<std::pair<std::function<void(bool)>, bool>> finished;
    {
        std::lock_guard lock(_mutex);
        auto q = _queues.find(partition);
        if (q == _queues.end()) return;
        while (!q->second.empty() && q->second.front()->durable) {
            auto w = std::move(q->second.front());
            q->second.pop_front();
            w->apply(*w->durable);
            finished.emplace_back(std::move(w->finish), *w->durable);
        }
        if (q->second.empty()) _queues.erase(q);
    }
    for (auto& [finish, durable] : finished) {
        if (finish) finish(durable);
    }
}

void offset_store::apply_locked(const std::string& group, const entries& written, bool durable,
                                std::optional<model::producer_id> producer) {
    auto g = _groups.find(group);
    // write() counted every entry in flight for this group, and a group is only erased once
    // nothing is in flight, so the group is still here.
    vassert(g != _groups.end(), "[{}] pending offsets write for a group with no state", group);
    auto& state = g->second;
    for (const auto& [key, value] : written) {
        auto f = state.in_flight.find(key);
        vassert(f != state.in_flight.end(), "[{}] write for {}/{} was not counted in flight", group,
                key.topic, key.partition);
        if (--f->second == 0) state.in_flight.erase(f);
        if (!durable) continue;
        if (producer) {
            if (value) state.pending[*producer].insert_or_assign(key, *value);
        } else if (value) {
            state.applied.insert_or_assign(key, *value);
        } else {
            state.applied.erase(key);
        }
    }
    erase_if_empty_locked(group);
}

void offset_store::erase_if_empty_locked(std::string_view group) {
    auto g = _groups.find(group);
    if (g != _groups.end() && g->second.empty()) _groups.erase(g);
}

}  // namespace fjord::coordinator
