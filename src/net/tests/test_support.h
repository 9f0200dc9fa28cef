// Helpers for the net tests: a blocking raw-socket Kafka-framed client, a configurable handler,
// and a thread that completes work after a delay (to answer requests out of order, off-reactor).
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/bytes.h"
#include "base/endian.h"
#include "net/server.h"

namespace fjord::net::test {

// Polls `pred` until true or `timeout`; returns its last value.
inline bool wait_until(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > until) return pred();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

// A request frame: size prefix, api_key, api_version 0, correlation_id, payload.
inline bytes make_request(int16_t api_key, int32_t correlation_id, std::string_view payload) {
    bytes out(4 + 8 + payload.size());
    store_be<int32_t>(out.data(), static_cast<int32_t>(8 + payload.size()));
    store_be<int16_t>(out.data() + 4, api_key);
    store_be<int16_t>(out.data() + 6, 0);
    store_be<int32_t>(out.data() + 8, correlation_id);
    std::copy(payload.begin(), payload.end(), out.data() + 12);
    return out;
}

inline int16_t api_key_of(bytes_view frame) {
    return load_be<int16_t>(frame.data());
}
inline int32_t correlation_id_of(bytes_view frame) {
    return load_be<int32_t>(frame.data() + 4);
}

// Echo response: correlation id then the request payload, as two fragments; the payload fragment
// is a view into the request frame (no copy).
inline iobuf echo_response(const shared_buffer& frame) {
    iobuf out;
    bytes corr(frame.data() + 4, frame.data() + 8);
    out.append(std::move(corr));
    out.append(shared_bytes{frame.owner(), frame.view().subspan(8)});
    return out;
}

struct response {
    int32_t correlation_id;
    std::string payload;
};

class test_client {
public:
    explicit test_client(uint16_t port) {
        _fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
            ADD_FAILURE() << "connect failed: " << errno;
        }
        timeval tv{10, 0};  // a broken test fails instead of hanging
        ::setsockopt(_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        int one = 1;
        ::setsockopt(_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    ~test_client() { close(); }
    test_client(const test_client&) = delete;
    test_client& operator=(const test_client&) = delete;

    void close() {
        if (_fd >= 0) ::close(_fd);
        _fd = -1;
    }

    void send_raw(bytes_view data) {
        size_t done = 0;
        while (done < data.size()) {
            ssize_t n = ::send(_fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
            if (n <= 0) {
                ADD_FAILURE() << "send failed: " << errno;
                return;
            }
            done += static_cast<size_t>(n);
        }
    }
    void send_request(int16_t api_key, int32_t correlation_id, std::string_view payload = "") {
        send_raw(make_request(api_key, correlation_id, payload));
    }

    // The next response frame, or nullopt at end of stream (or on timeout, which fails the test).
    std::optional<response> read_response() {
        uint8_t prefix[4];
        if (!read_exact(prefix, 4)) return std::nullopt;
        int32_t size = load_be<int32_t>(prefix);
        if (size < 4) {
            ADD_FAILURE() << "bad response size " << size;
            return std::nullopt;
        }
        bytes body(static_cast<size_t>(size));
        if (!read_exact(body.data(), body.size())) {
            ADD_FAILURE() << "truncated response";
            return std::nullopt;
        }
        return response{load_be<int32_t>(body.data()), std::string(body.begin() + 4, body.end())};
    }

    // True if the server closed the connection (EOF or reset) without sending anything more.
    bool closed_by_server() {
        uint8_t b;
        ssize_t n = ::recv(_fd, &b, 1, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            ADD_FAILURE() << "timed out waiting for the server to close";
            return false;
        }
        return n <= 0;
    }

private:
    bool read_exact(uint8_t* p, size_t n) {
        size_t done = 0;
        while (done < n) {
            ssize_t r = ::recv(_fd, p + done, n - done, 0);
            if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                ADD_FAILURE() << "timed out reading from the server";
                return false;
            }
            if (r <= 0) return false;
            done += static_cast<size_t>(r);
        }
        return true;
    }

    int _fd = -1;
};

// Runs callbacks on its own thread after a delay.
class delayer {
public:
    delayer() : _thread([this] { run(); }) {}
    ~delayer() {
        {
            std::lock_guard g(_mu);
            _stop = true;
        }
        _cv.notify_all();
        _thread.join();
    }
    void after(std::chrono::microseconds d, std::function<void()> fn) {
        {
            std::lock_guard g(_mu);
            _queue.emplace(std::chrono::steady_clock::now() + d, std::move(fn));
        }
        _cv.notify_all();
    }

private:
    void run() {
        std::unique_lock lock(_mu);
        while (!_stop) {
            if (_queue.empty()) {
                _cv.wait(lock);
                continue;
            }
            auto first = _queue.begin();
            if (std::chrono::steady_clock::now() < first->first) {
                _cv.wait_until(lock, first->first);
                continue;
            }
            auto fn = std::move(first->second);
            _queue.erase(first);
            lock.unlock();
            fn();
            lock.lock();
        }
    }

    std::mutex _mu;
    std::condition_variable _cv;
    std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> _queue;
    bool _stop = false;
    std::thread _thread;
};

// Delegates to `on_request`; counts requests and disconnects.
class test_handler final : public request_handler {
public:
    using request_fn = std::function<void(const connection_info&, shared_buffer, responder)>;

    explicit test_handler(request_fn fn = {}) : on_request(std::move(fn)) {}

    void handle(const connection_info& conn, shared_buffer frame, responder r) override {
        if (!conn.home->on_this_thread()) ++wrong_thread;
        ++requests;
        if (on_request) {
            on_request(conn, std::move(frame), std::move(r));
        } else {
            r.respond(echo_response(frame));
        }
    }
    void on_disconnect(const connection_info& conn) override {
        if (!conn.home->on_this_thread()) ++wrong_thread;
        std::lock_guard g(mu);
        ++disconnects_by_connection[conn.id];
        ++disconnects;
    }
    int disconnect_count() {
        std::lock_guard g(mu);
        return disconnects;
    }
    bool each_disconnected_once() {
        std::lock_guard g(mu);
        for (auto& [id, n] : disconnects_by_connection) {
            if (n != 1) return false;
        }
        return true;
    }

    request_fn on_request;
    std::atomic<int> requests{0};
    std::atomic<int> wrong_thread{0};
    std::mutex mu;
    std::map<uint64_t, int> disconnects_by_connection;
    int disconnects = 0;
};

inline server_config test_config() {
    server_config c;
    c.port = 0;
    c.reactor_count = 2;
    return c;
}

}  // namespace fjord::net::test
