// INTERNAL to net (includes asio): one client connection. Lives on one reactor; every method runs
// on that reactor's thread. Owned by the reactor's registry while open and by its pending I/O
// callbacks; nothing outside the reactor holds it, so it is always destroyed on its reactor (or
// while the reactor's io_context is torn down).
//
// Reading: a small buffer is filled with read_some and every complete frame in it is dispatched,
// so many small pipelined requests cost one syscall; a frame larger than the buffer gets its own
// allocation (after its size was checked) and the rest of it is read straight into it.
//
// Writing: responses wait in `_slots` in request order; whenever no write is in progress, every
// ready response at the front goes out in one gathered write (size prefixes as separate buffers,
// the iobuf fragments as they are).
#pragma once

#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "net/asio_reactor.h"
#include "net/responder.h"
#include "net/server_context.h"

namespace fjord::net::detail {

class connection : public std::enable_shared_from_this<connection> {
public:
    connection(server_context& server, asio_reactor& home, asio::ip::tcp::socket socket,
               uint64_t id, std::string peer);
    ~connection();

    const connection_info& info() const { return _info; }

    // Starts reading. The connection must already be in the reactor's registry.
    void start();
    // A responder completed request `seq`.
    void complete(uint64_t seq, completion c);
    // Server stop: dispatch nothing more; close once every dispatched request is written.
    void drain();
    // Idempotent. Logs `reason` at `level`, releases the socket, leaves the registry, then tells
    // the handler.
    void close(std::string_view reason, spdlog::level::level_enum level);

private:
    enum class slot_state : uint8_t { pending, response, nothing };
    struct slot {
        slot_state state = slot_state::pending;
        iobuf response;
    };

    size_t in_flight() const { return _slots.size() + _writing_count; }
    bool may_dispatch() const {
        return !_closed && !_draining && in_flight() < _server.config.max_in_flight_per_connection;
    }

    void process_buffer();
    void start_read();
    void on_read(const asio::error_code& ec, size_t n);
    void start_body_read();
    void on_body_read(const asio::error_code& ec, size_t n);
    void dispatch(shared_buffer frame);
    void maybe_write();
    void on_write(const asio::error_code& ec);
    // In-flight count went down outside an I/O callback: resume from a fresh callback so the
    // handler is never re-entered from within its own respond() call.
    void resume_later();
    void after_progress();
    void read_failed(const asio::error_code& ec, std::string_view what);

    server_context& _server;
    asio_reactor& _home;
    asio::ip::tcp::socket _socket;
    connection_info _info;
    bool _closed = false;
    bool _draining = false;

    // Read side.
    bytes _rbuf;
    size_t _rbegin = 0;  // first unparsed byte
    size_t _rend = 0;    // end of the bytes read
    bool _reading = false;
    shared_buffer _body;  // a large frame being read directly
    size_t _body_have = 0;
    bool _resume_posted = false;

    // Write side.
    uint64_t _next_seq = 0;   // sequence number of the next request dispatched
    uint64_t _front_seq = 0;  // sequence number of _slots.front()
    std::deque<slot> _slots;  // dispatched, not yet handed to a write
    bool _writing = false;
    size_t _writing_count = 0;  // requests whose responses the current write carries
    std::vector<iobuf> _write_responses;
    std::vector<uint8_t> _write_prefixes;
    std::vector<asio::const_buffer> _write_buffers;
};

}  // namespace fjord::net::detail
