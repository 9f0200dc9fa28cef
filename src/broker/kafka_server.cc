#include "broker/kafka_server.h"

#include "base/logger.h"
#include "broker/handlers/handlers.h"
#include "broker/kafka_error.h"
#include "broker/request_metrics.h"
#include "protocol/messages/api_versions.h"

namespace fjord::broker {
namespace {

auto& logger() {
    static auto l = module_logger("kafka");
    return l;
}

// KIP-511: an ApiVersions request at a version we do not know is answered in the v0 body
// format, whatever its version, with UNSUPPORTED_VERSION and our ApiVersions range, so the
// client can retry at a version we speak. Its body is not parsed.
void answer_unsupported_api_versions(const protocol::request_header_info& header,
                                     const handler_entry& entry, net::responder& responder) {
    protocol::api_versions_response response;
    response.error_code = code(kafka_error::unsupported_version);
    response.api_keys.push_back({.api_key = entry.api_key,
                                 .min_version = entry.min_version,
                                 .max_version = entry.max_version});
    protocol::writer out;
    protocol::encode_response_header(out, header.correlation_id, /*flexible=*/false);
    response.encode(out, 0);
    responder.respond(std::move(out).finish());
}

}  // namespace

kafka_server::kafka_server(broker_services& services) : _services(services) {
    register_request_metrics();
}

void kafka_server::handle(const net::connection_info& connection, shared_buffer frame,
                          net::responder responder) {
    protocol::reader in(frame.owner(), frame.view());
    protocol::request_header_info header;
    if (!protocol::decode_request_header(in, header)) {
        responder.close_connection("malformed request header");
        return;
    }
    const handler_entry* entry = find_handler(header.api_key);
    if (!entry) {
        logger()->info("{}: unsupported API key {}, closing", connection.peer, header.api_key);
        responder.close_connection("unsupported API key");
        return;
    }
    if (const api_metrics* m = metrics_of_api(header.api_key)) {
        m->requests->inc();
        responder.observe_duration(*m->duration);
    }
    if (header.api_version < entry->min_version || header.api_version > entry->max_version) {
        count_request_error(header.api_key, code(kafka_error::unsupported_version));
        if (header.api_key == api_versions_key) {
            answer_unsupported_api_versions(header, *entry, responder);
            return;
        }
        logger()->info("{}: {} v{} is not supported (v{}-v{}), closing", connection.peer,
                       entry->name, header.api_version, entry->min_version, entry->max_version);
        responder.close_connection("unsupported API version");
        return;
    }
    logger()->trace("{}: {} v{} correlation {}", connection.peer, entry->name, header.api_version,
                    header.correlation_id);
    entry->handle(request_context{.header = std::move(header),
                                  .connection = connection,
                                  .responder = std::move(responder),
                                  .frame = std::move(frame),
                                  .body = std::move(in),
                                  .services = &_services});
}

}  // namespace fjord::broker
