// One decoded request on its way through a handler. Handlers take it by value and may keep it
// (in a shared state) until they answer: the frame and the responder stay valid meanwhile.
#pragma once

#include <memory>
#include <optional>

#include "base/logger.h"
#include "broker/request_metrics.h"
#include "broker/services.h"
#include "net/server.h"
#include "protocol/header.h"
#include "protocol/wire.h"

namespace fjord::broker {

inline constexpr int16_t api_versions_key = 18;

struct request_context {
    protocol::request_header_info header;
    net::connection_info connection;
    net::responder responder;
    shared_buffer frame;    // the whole request; decoded record sets point into it
    protocol::reader body;  // positioned after the header
    broker_services* services;

    int16_t version() const { return header.api_version; }

    // Decodes the body as `Request`. A body that does not parse means the peer is not speaking
    // Kafka: the connection is closed and nullopt returned.
    template <typename Request>
    std::optional<Request> decode() {
        Request request;
        if (!request.decode(body, header.api_version) || !body.ok()) {
            responder.close_connection("malformed request body");
            return std::nullopt;
        }
        return request;
    }

    // Encodes `response` at the request's version under the right response header. A
    // top-level error code, for responses that have one, counts as a request error
    // (docs/metrics.md).
    template <typename Response>
    void respond(const Response& response) {
        if constexpr (requires { response.error_code; }) {
            count_request_error(header.api_key, response.error_code);
        }
        protocol::writer out;
        // ApiVersions answers with response header v0 at every version (KIP-511).
        bool flexible_header =
            Response::is_flexible(header.api_version) && header.api_key != api_versions_key;
        protocol::encode_response_header(out, header.correlation_id, flexible_header);
        response.encode(out, header.api_version);
        responder.respond(std::move(out).finish());
    }
};

}  // namespace fjord::broker
