#include "cli/topic_id_probe.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/endian.h"
#include "base/varint.h"

namespace fjord::cli {
namespace {

constexpr int16_t metadata_api_key = 3;
constexpr int16_t metadata_version = 12;  // flexible; request header v2, response header v1
constexpr size_t max_response_bytes = 16 << 20;

class writer {
public:
    template <typename T>
    void fixed(T v) {
        size_t at = _out.size();
        _out.resize(at + sizeof(T));
        store_be<T>(_out.data() + at, v);
    }
    void uvarint(uint64_t v) {
        uint8_t buf[varint::max_length_64];
        _out.insert(_out.end(), buf, buf + varint::encode_unsigned(v, buf));
    }
    void raw(std::string_view s) { _out.insert(_out.end(), s.begin(), s.end()); }
    bytes take() { return std::move(_out); }

private:
    bytes _out;
};

// Reads the subset of the flexible encoding the response needs; every read is bounds-checked
// and a failed read poisons the reader.
class reader {
public:
    explicit reader(bytes_view in) : _p(in.data()), _end(in.data() + in.size()) {}
    bool ok() const { return _ok; }

    template <typename T>
    T fixed() {
        if (!need(sizeof(T))) return T{};
        T v = load_be<T>(_p);
        _p += sizeof(T);
        return v;
    }
    uint64_t uvarint() {
        if (!_ok) return 0;
        auto d = varint::decode_unsigned(_p, _end, varint::max_length_64);
        if (!d) {
            _ok = false;
            return 0;
        }
        _p += d->length;
        return d->value;
    }
    // Compact (nullable) string: length + 1 as a uvarint; 0 is null.
    std::optional<std::string_view> compact_string() {
        uint64_t n = uvarint();
        if (n == 0 || !need(n - 1)) return std::nullopt;
        std::string_view s(reinterpret_cast<const char*>(_p), n - 1);
        _p += n - 1;
        return s;
    }
    // Element count of a compact array (-1 for null).
    int64_t compact_array_length() {
        uint64_t n = uvarint();
        return n == 0 ? -1 : static_cast<int64_t>(n - 1);
    }
    void skip(uint64_t n) {
        if (need(n)) _p += n;
    }
    void skip_tagged_fields() {
        for (uint64_t i = 0, n = uvarint(); _ok && i < n; ++i) {
            uvarint();  // tag
            skip(uvarint());
        }
    }
    void skip_int32_array() {
        int64_t n = compact_array_length();
        if (n > 0) skip(static_cast<uint64_t>(n) * 4);
    }

private:
    bool need(uint64_t n) {
        if (!_ok || static_cast<uint64_t>(_end - _p) < n) _ok = false;
        return _ok;
    }
    const uint8_t* _p;
    const uint8_t* _end;
    bool _ok = true;
};

using clock = std::chrono::steady_clock;

int remaining_ms(clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    return static_cast<int>(std::max<int64_t>(left.count(), 0));
}

bool wait_for(int fd, short events, clock::time_point deadline) {
    pollfd p{fd, events, 0};
    while (true) {
        int r = ::poll(&p, 1, remaining_ms(deadline));
        if (r > 0) return (p.revents & (events | POLLERR | POLLHUP)) != 0;
        if (r == 0 || errno != EINTR) return false;
    }
}

int connect_with_deadline(const std::string& host, int port, clock::time_point deadline) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return -1;
    int fd = -1;
    for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        int error = 0;
        socklen_t len = sizeof(error);
        if (errno == EINPROGRESS && wait_for(fd, POLLOUT, deadline) &&
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0) {
            break;
        }
        ::close(fd);
        fd = -1;
    }
    ::freeaddrinfo(found);
    return fd;
}

bool send_all(int fd, const bytes& data, clock::time_point deadline) {
    size_t sent = 0;
    while (sent < data.size()) {
        ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (!wait_for(fd, POLLOUT, deadline)) return false;
        } else {
            return false;
        }
    }
    return true;
}

bool recv_exact(int fd, uint8_t* out, size_t size, clock::time_point deadline) {
    size_t got = 0;
    while (got < size) {
        ssize_t n = ::recv(fd, out + got, size - got, 0);
        if (n > 0) {
            got += static_cast<size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (!wait_for(fd, POLLIN, deadline)) return false;
        } else {
            return false;
        }
    }
    return true;
}

}  // namespace

bytes encode_topic_metadata_request(std::string_view topic, int32_t correlation_id) {
    constexpr std::string_view client_id = "fjord-cli";
    writer w;
    w.fixed<int32_t>(0);  // size, patched below
    w.fixed<int16_t>(metadata_api_key);
    w.fixed<int16_t>(metadata_version);
    w.fixed<int32_t>(correlation_id);
    w.fixed<int16_t>(static_cast<int16_t>(client_id.size()));  // header client_id: not compact
    w.raw(client_id);
    w.uvarint(0);                                      // header tagged fields
    w.uvarint(2);                                      // topics: one
    for (int i = 0; i < 16; ++i) w.fixed<uint8_t>(0);  // topic_id: zero, look up by name
    w.uvarint(topic.size() + 1);
    w.raw(topic);
    w.uvarint(0);         // topic tagged fields
    w.fixed<uint8_t>(0);  // allow_auto_topic_creation
    w.fixed<uint8_t>(0);  // include_topic_authorized_operations
    w.uvarint(0);         // tagged fields
    bytes frame = w.take();
    store_be<int32_t>(frame.data(), static_cast<int32_t>(frame.size() - 4));
    return frame;
}

std::optional<uuid> decode_topic_id(bytes_view body, int32_t correlation_id,
                                    std::string_view topic) {
    reader r(body);
    if (r.fixed<int32_t>() != correlation_id) return std::nullopt;
    r.skip_tagged_fields();  // response header v1
    r.fixed<int32_t>();      // throttle_time_ms
    int64_t brokers = r.compact_array_length();
    for (int64_t i = 0; r.ok() && i < brokers; ++i) {
        r.fixed<int32_t>();  // node_id
        r.compact_string();  // host
        r.fixed<int32_t>();  // port
        r.compact_string();  // rack
        r.skip_tagged_fields();
    }
    r.compact_string();  // cluster_id
    r.fixed<int32_t>();  // controller_id
    int64_t topics = r.compact_array_length();
    for (int64_t i = 0; r.ok() && i < topics; ++i) {
        int16_t error = r.fixed<int16_t>();
        auto name = r.compact_string();
        uuid id;
        for (auto& b : id.data) b = r.fixed<uint8_t>();
        if (r.ok() && error == 0 && name == topic && !id.is_zero()) return id;
        r.fixed<uint8_t>();  // is_internal
        int64_t partitions = r.compact_array_length();
        for (int64_t p = 0; r.ok() && p < partitions; ++p) {
            r.skip(2 + 4 + 4 + 4);  // error_code, partition_index, leader_id, leader_epoch
            r.skip_int32_array();   // replica_nodes
            r.skip_int32_array();   // isr_nodes
            r.skip_int32_array();   // offline_replicas
            r.skip_tagged_fields();
        }
        r.fixed<int32_t>();  // topic_authorized_operations
        r.skip_tagged_fields();
    }
    return std::nullopt;
}

std::optional<uuid> probe_topic_id(const std::string& host, int port, std::string_view topic,
                                   std::chrono::milliseconds timeout) {
    auto deadline = clock::now() + timeout;
    int fd = connect_with_deadline(host, port, deadline);
    if (fd < 0) return std::nullopt;
    constexpr int32_t correlation_id = 1;
    std::optional<uuid> id;
    uint8_t size_prefix[4];
    if (send_all(fd, encode_topic_metadata_request(topic, correlation_id), deadline) &&
        recv_exact(fd, size_prefix, sizeof(size_prefix), deadline)) {
        auto size = load_be<int32_t>(size_prefix);
        if (size > 0 && static_cast<size_t>(size) <= max_response_bytes) {
            bytes body(static_cast<size_t>(size));
            if (recv_exact(fd, body.data(), body.size(), deadline)) {
                id = decode_topic_id(body, correlation_id, topic);
            }
        }
    }
    ::close(fd);
    return id;
}

}  // namespace fjord::cli
