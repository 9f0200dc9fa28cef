// Settings of the Kafka listener. Names follow the broker settings they come from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace fjord::net {

struct server_config {
    // Address to bind: an IP literal or a host name (resolved once, in server::start()).
    std::string host = "127.0.0.1";
    // 0 picks a free port; server::port() reports the one bound.
    uint16_t port = 9092;
    // Number of reactor threads; 0 means std::thread::hardware_concurrency().
    size_t reactor_count = 0;
    // socket.request.max.bytes: a frame announcing more than this closes the connection before
    // anything is allocated for it.
    size_t max_request_bytes = 104857600;
    // socket.send.buffer.bytes / socket.receive.buffer.bytes: SO_SNDBUF / SO_RCVBUF of each
    // connection (the receive size is set on the listening socket, so the window scale
    // negotiated at connect fits it); -1 leaves the operating system's default and autotuning.
    int32_t send_buffer_bytes = -1;
    int32_t receive_buffer_bytes = -1;
    // Connections accepted beyond this many are closed right away (with a log line).
    size_t max_connections = 10000;
    // Back-pressure: a connection stops being read while this many of its requests are
    // dispatched but not yet answered and written. Must be at least 1.
    size_t max_in_flight_per_connection = 64;
};

}  // namespace fjord::net
