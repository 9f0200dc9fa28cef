#include "protocol/messages/api_versions.h"

#include <regex>

#include "broker/handlers/handlers.h"
#include "broker/kafka_error.h"

namespace fjord::broker {
namespace {

// KIP-511: client software names and versions must match this pattern from v3 on.
bool valid_software_token(const std::string& s) {
    static const std::regex pattern("[a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?");
    return std::regex_match(s, pattern);
}

}  // namespace

void handle_api_versions(request_context&& ctx) {
    auto request = ctx.decode<protocol::api_versions_request>();
    if (!request) return;
    protocol::api_versions_response response;
    if (ctx.version() >= 3 && (!valid_software_token(request->client_software_name) ||
                               !valid_software_token(request->client_software_version))) {
        response.error_code = code(kafka_error::invalid_request);
    }
    for (const auto& h : handler_registry()) {
        response.api_keys.push_back(
            {.api_key = h.api_key, .min_version = h.min_version, .max_version = h.max_version});
    }
    ctx.respond(response);
}

}  // namespace fjord::broker
