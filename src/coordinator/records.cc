#include "coordinator/records.h"

#include "base/endian.h"
#include "protocol/wire.h"

namespace fjord::coordinator::records {

namespace {

using protocol::reader;
using protocol::writer;

// The readers never hand out views that outlive the call, so no owner is needed.
reader make_reader(bytes_view b) {
    return reader(nullptr, b);
}

// Reads the int16 version prefix; nullopt if the buffer cannot hold it.
std::optional<int16_t> version_of(bytes_view b) {
    if (b.size() < 2) return std::nullopt;
    return load_be<int16_t>(b.data());
}

// Flexible and classic strings differ only in their length prefix; these helpers keep the
// per-version decoders readable.
std::string read_str(reader& r, bool flexible) {
    return flexible ? r.read_compact_string() : r.read_string();
}
std::optional<std::string> read_nullable_str(reader& r, bool flexible) {
    return flexible ? r.read_compact_nullable_string() : r.read_nullable_string();
}
bytes read_bin(reader& r, bool flexible) {
    return flexible ? r.read_compact_bytes() : r.read_bytes();
}
void skip_tags(reader& r) {
    std::vector<protocol::tagged_field> ignored;
    r.read_tagged_fields(ignored);
}

}  // namespace

key_kind kind_of(bytes_view key) {
    auto v = version_of(key);
    if (!v) return key_kind::unknown;
    switch (*v) {
        case 0:
        case 1:
            return key_kind::offset_commit;
        case 2:
            return key_kind::group_metadata;
        default:
            return key_kind::unknown;
    }
}

bytes encode_offset_key(const offset_key& k) {
    writer w;
    w.write_int16(offset_key_version);
    w.write_string(k.group);
    w.write_string(k.topic);
    w.write_int32(k.partition);
    return std::move(w).finish_bytes();
}

std::optional<offset_key> decode_offset_key(bytes_view b) {
    if (kind_of(b) != key_kind::offset_commit) return std::nullopt;
    reader r = make_reader(b);
    r.read_int16();
    offset_key k;
    k.group = r.read_string();
    k.topic = r.read_string();
    k.partition = r.read_int32();
    // A key is the compaction identity: bytes beyond the fields would make two different keys
    // mean the same partition, so they are rejected rather than ignored.
    if (!r.ok() || r.remaining() != 0) return std::nullopt;
    return k;
}

bytes encode_offset_value(const offset_value& v) {
    writer w;
    if (v.expire_timestamp != -1) {
        w.write_int16(offset_value_version_with_expiry);
        w.write_int64(v.offset);
        w.write_string(v.metadata);
        w.write_int64(v.commit_timestamp);
        w.write_int64(v.expire_timestamp);
    } else {
        w.write_int16(offset_value_version);
        w.write_int64(v.offset);
        w.write_int32(v.leader_epoch);
        w.write_string(v.metadata);
        w.write_int64(v.commit_timestamp);
    }
    return std::move(w).finish_bytes();
}

std::optional<offset_value> decode_offset_value(bytes_view b) {
    auto version = version_of(b);
    if (!version || *version < 0 || *version > offset_value_max_version) return std::nullopt;
    const bool flexible = *version >= 4;
    reader r = make_reader(b);
    r.read_int16();
    offset_value v;
    v.offset = r.read_int64();
    if (*version >= 3) v.leader_epoch = r.read_int32();
    v.metadata = read_str(r, flexible);
    v.commit_timestamp = r.read_int64();
    if (*version == 1) v.expire_timestamp = r.read_int64();
    if (flexible) skip_tags(r);
    if (!r.ok()) return std::nullopt;
    return v;
}

bytes encode_group_metadata_key(std::string_view group) {
    writer w;
    w.write_int16(group_metadata_key_version);
    w.write_string(group);
    return std::move(w).finish_bytes();
}

std::optional<std::string> decode_group_metadata_key(bytes_view b) {
    if (kind_of(b) != key_kind::group_metadata) return std::nullopt;
    reader r = make_reader(b);
    r.read_int16();
    std::string group = r.read_string();
    if (!r.ok() || r.remaining() != 0) return std::nullopt;  // see decode_offset_key
    return group;
}

bytes encode_group_metadata_value(const group_metadata_value& v) {
    writer w;
    w.write_int16(group_metadata_value_version);
    w.write_string(v.protocol_type);
    w.write_int32(v.generation);
    w.write_nullable_string(v.protocol);
    w.write_nullable_string(v.leader);
    w.write_int64(v.current_state_timestamp);
    w.write_array_length(v.members.size());
    for (const auto& m : v.members) {
        w.write_string(m.member_id);
        w.write_nullable_string(m.group_instance_id);
        w.write_string(m.client_id);
        w.write_string(m.client_host);
        w.write_int32(m.rebalance_timeout);
        w.write_int32(m.session_timeout);
        w.write_bytes(m.subscription);
        w.write_bytes(m.assignment);
    }
    return std::move(w).finish_bytes();
}

std::optional<group_metadata_value> decode_group_metadata_value(bytes_view b) {
    auto version = version_of(b);
    if (!version || *version < 0 || *version > group_metadata_value_max_version) {
        return std::nullopt;
    }
    const int16_t ver = *version;
    const bool flexible = ver >= 4;
    reader r = make_reader(b);
    r.read_int16();
    group_metadata_value v;
    v.protocol_type = read_str(r, flexible);
    v.generation = r.read_int32();
    v.protocol = read_nullable_str(r, flexible);
    v.leader = read_nullable_str(r, flexible);
    if (ver >= 2) v.current_state_timestamp = r.read_int64();
    auto count = flexible ? r.read_compact_array_length() : r.read_array_length();
    if (!r.ok() || !count) return std::nullopt;  // members is not nullable
    v.members.reserve(*count);                   // bounded by the bytes left (reader checks)
    for (size_t i = 0; i < *count && r.ok(); ++i) {
        member_metadata m;
        m.member_id = read_str(r, flexible);
        if (ver >= 3) m.group_instance_id = read_nullable_str(r, flexible);
        m.client_id = read_str(r, flexible);
        m.client_host = read_str(r, flexible);
        if (ver >= 1) m.rebalance_timeout = r.read_int32();
        m.session_timeout = r.read_int32();
        // Version 0 predates a separate rebalance timeout; the session timeout served as both.
        if (ver == 0) m.rebalance_timeout = m.session_timeout;
        m.subscription = read_bin(r, flexible);
        m.assignment = read_bin(r, flexible);
        if (flexible) skip_tags(r);
        v.members.push_back(std::move(m));
    }
    if (flexible) skip_tags(r);
    if (!r.ok()) return std::nullopt;
    return v;
}

}  // namespace fjord::coordinator::records
