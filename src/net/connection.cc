#include "net/connection.h"

#include <asio/read.hpp>
#include <asio/write.hpp>
#include <cstring>
#include <limits>
#include <utility>

#include "base/endian.h"
#include "base/vassert.h"
#include "net/framing.h"

namespace fjord::net::detail {

namespace {
// Big enough for the typical metadata/fetch/offset request and many pipelined ones; a frame that
// does not fit is read into its own allocation. Per connection, so kept modest.
constexpr size_t read_buffer_bytes = 8192;
}  // namespace

connection::connection(server_context& server, asio_reactor& home, asio::ip::tcp::socket socket,
                       uint64_t id, std::string peer)
    : _server(server),
      _home(home),
      _socket(std::move(socket)),
      _info{id, std::move(peer), &home},
      _rbuf(read_buffer_bytes) {}

connection::~connection() = default;

void connection::start() {
    _server.log->debug("connection {} from {} opened on reactor {}", _info.id, _info.peer,
                       _home.index());
    process_buffer();
}

void connection::process_buffer() {
    vassert(!_reading && !_body, "process_buffer while a read is in progress");
    while (may_dispatch()) {
        size_t avail = _rend - _rbegin;
        if (avail < frame_prefix_bytes) break;
        int32_t size = load_be<int32_t>(_rbuf.data() + _rbegin);
        auto err = check_request_frame_size(size, _server.config.max_request_bytes);
        if (err != frame_size_error::none) {
            close(fmt::format("{} (size {}, limit {})", to_string(err), size,
                              _server.config.max_request_bytes),
                  spdlog::level::info);
            return;
        }
        size_t frame_bytes = static_cast<size_t>(size);
        const uint8_t* body = _rbuf.data() + _rbegin + frame_prefix_bytes;
        if (avail - frame_prefix_bytes >= frame_bytes) {
            _rbegin += frame_prefix_bytes + frame_bytes;
            dispatch(shared_buffer::copy_of(bytes_view(body, frame_bytes)));
            continue;
        }
        if (frame_prefix_bytes + frame_bytes > _rbuf.size()) {
            // Too big for the buffer: its size was checked, so allocate it whole (not zeroed:
            // the socket overwrites it) and read the rest straight into it.
            _body_have = avail - frame_prefix_bytes;
            _body = shared_buffer::for_overwrite(frame_bytes);
            std::memcpy(_body.data(), body, _body_have);
            _rbegin = _rend = 0;
            start_body_read();
            return;
        }
        break;  // a partial frame that fits: read more
    }
    if (!may_dispatch()) return;  // closed, stopping, or back-pressure: reading resumes later
    if (_rbegin > 0) {
        // Only a partial frame is left: move it to the front so the rest fits behind it.
        std::memmove(_rbuf.data(), _rbuf.data() + _rbegin, _rend - _rbegin);
        _rend -= _rbegin;
        _rbegin = 0;
    }
    start_read();
}

void connection::start_read() {
    _reading = true;
    _socket.async_read_some(asio::buffer(_rbuf.data() + _rend, _rbuf.size() - _rend),
                            [self = shared_from_this()](const asio::error_code& ec, size_t n) {
                                self->on_read(ec, n);
                            });
}

void connection::on_read(const asio::error_code& ec, size_t n) {
    _reading = false;
    if (_closed) return;
    if (ec) {
        read_failed(ec, "read");
        return;
    }
    _rend += n;
    if (_draining) {
        // Requests that arrive while stopping are not dispatched; the connection closes once the
        // dispatched ones are written.
        after_progress();
        return;
    }
    process_buffer();
}

void connection::start_body_read() {
    auto remaining = asio::buffer(_body.data() + _body_have, _body.size() - _body_have);
    asio::async_read(_socket, remaining,
                     [self = shared_from_this()](const asio::error_code& ec, size_t n) {
                         self->on_body_read(ec, n);
                     });
}

void connection::on_body_read(const asio::error_code& ec, size_t) {
    auto frame = std::exchange(_body, shared_buffer());
    if (_closed) return;
    if (ec) {
        read_failed(ec, "read of a frame body");
        return;
    }
    if (_draining) {
        after_progress();
        return;
    }
    dispatch(std::move(frame));
    process_buffer();
}

void connection::read_failed(const asio::error_code& ec, std::string_view what) {
    if (ec == asio::error::eof) {
        bool mid_frame = _body || _rend > _rbegin;
        close(mid_frame ? "peer closed the connection in the middle of a frame"
                        : "peer closed the connection",
              mid_frame ? spdlog::level::info : spdlog::level::debug);
    } else {
        close(fmt::format("{} failed: {}", what, ec.message()), spdlog::level::debug);
    }
}

void connection::dispatch(shared_buffer frame) {
    uint64_t seq = _next_seq++;
    _server.log->trace("connection {} from {}: request {} ({} bytes)", _info.id, _info.peer, seq,
                       frame.size());
    _slots.emplace_back();
    responder r(std::make_shared<responder_state>(_home.shared_from_this(), _info.id, seq));
    try {
        _server.handler.handle(_info, std::move(frame), std::move(r));
    } catch (const std::exception& e) {
        // Handlers must not throw; treat the connection as unusable rather than the process.
        _server.log->error("connection {} from {}: request handler threw: {}", _info.id, _info.peer,
                           e.what());
        close("request handler failed", spdlog::level::info);
    }
}

void connection::complete(uint64_t seq, completion c) {
    if (_closed) return;
    vassert(seq >= _front_seq && seq - _front_seq < _slots.size(),
            "completion for request {} outside [{}, {})", seq, _front_seq,
            _front_seq + _slots.size());
    auto& s = _slots[seq - _front_seq];
    vassert(s.state == slot_state::pending, "request {} completed twice", seq);
    switch (c.what) {
        case completion::kind::response:
            s.state = slot_state::response;
            s.response = std::move(c.response);
            break;
        case completion::kind::dropped:
            _server.log->warn(
                "connection {} from {}: request {} dropped by the handler without a response",
                _info.id, _info.peer, seq);
            s.state = slot_state::nothing;
            break;
        case completion::kind::nothing:
            s.state = slot_state::nothing;
            break;
        case completion::kind::close:
            close(fmt::format("closed by the request handler: {}", c.reason), spdlog::level::info);
            return;
    }
    maybe_write();
}

void connection::maybe_write() {
    if (_closed || _writing) return;
    size_t ready = 0;
    size_t responses = 0;
    for (const auto& s : _slots) {
        if (s.state == slot_state::pending) break;
        ++ready;
        if (s.state == slot_state::response) ++responses;
    }
    if (ready == 0) return;

    // Prefix storage is sized up front: the buffers below point into it.
    _write_prefixes.resize(responses * frame_prefix_bytes);
    _write_responses.clear();
    _write_buffers.clear();
    size_t r = 0;
    for (size_t i = 0; i < ready; ++i) {
        slot& s = _slots.front();
        if (s.state == slot_state::response) {
            // Handlers build responses from bounded requests; 2 GiB would be a bug upstream.
            vassert(s.response.size() <= static_cast<size_t>(std::numeric_limits<int32_t>::max()),
                    "response of {} bytes cannot be framed", s.response.size());
            uint8_t* prefix = _write_prefixes.data() + r * frame_prefix_bytes;
            store_be<int32_t>(prefix, static_cast<int32_t>(s.response.size()));
            _write_buffers.emplace_back(prefix, frame_prefix_bytes);
            for (const auto& f : s.response.fragments()) {
                _write_buffers.emplace_back(f.view.data(), f.view.size());
            }
            _write_responses.push_back(std::move(s.response));
            ++r;
        }
        _slots.pop_front();
        ++_front_seq;
    }

    if (responses == 0) {
        // Only respond_nothing() slots: nothing to send, but room was made.
        resume_later();
        return;
    }
    _writing = true;
    _writing_count = ready;
    asio::async_write(
        _socket, _write_buffers,
        [self = shared_from_this()](const asio::error_code& ec, size_t) { self->on_write(ec); });
}

void connection::on_write(const asio::error_code& ec) {
    _writing = false;
    _writing_count = 0;
    _write_responses.clear();
    if (_closed) return;
    if (ec) {
        close(fmt::format("write failed: {}", ec.message()), spdlog::level::debug);
        return;
    }
    maybe_write();
    after_progress();
}

void connection::resume_later() {
    if (_resume_posted) return;
    _resume_posted = true;
    _home.dispatch_later([self = shared_from_this()] {
        self->_resume_posted = false;
        self->after_progress();
    });
}

void connection::after_progress() {
    if (_closed) return;
    if (_draining) {
        if (in_flight() == 0) close("server stopping", spdlog::level::debug);
        return;
    }
    // Reading was paused by back-pressure (or buffered frames wait): pick it up again.
    if (!_reading && !_body) process_buffer();
}

void connection::drain() {
    if (_closed || _draining) return;
    _draining = true;
    after_progress();
}

void connection::close(std::string_view reason, spdlog::level::level_enum level) {
    if (_closed) return;
    _closed = true;
    auto self = shared_from_this();  // the registry may hold the last reference
    _server.log->log(level, "connection {} from {} closed: {}", _info.id, _info.peer, reason);
    asio::error_code ignored;
    _socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    _socket.close(ignored);
    _slots.clear();
    _home.remove(_info.id);
    try {
        _server.handler.on_disconnect(_info);
    } catch (const std::exception& e) {
        _server.log->error("connection {}: on_disconnect threw: {}", _info.id, e.what());
    }
    // Last: server::stop() may proceed once the count reaches zero.
    _server.connection_closed();
}

}  // namespace fjord::net::detail
