// Request and response headers (RequestHeader.json, ResponseHeader.json).
//
// Request header versions: v1 is api key, api version, correlation id and a nullable client id;
// v2 adds a tagged-field section. v2 applies when the request's API version is flexible, v1
// otherwise (v0, without a client id, was only used by ControlledShutdown v0, which Fjord does
// not serve). The client id keeps the classic int16-length encoding even in v2, so the header of
// an ApiVersions request of any version can be parsed before versions are negotiated.
//
// Response header versions: v0 is the correlation id; v1 adds a tagged-field section and applies
// when the response version is flexible. Exception (KIP-511): the ApiVersions response always
// uses header v0, even for its flexible versions (v3+), because the client does not know yet
// whether the broker understands flexible headers. Clients such as librdkafka depend on it.
// encode_response_header() does not apply this exception: the caller passes flexible = false
// for ApiVersions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/wire.h"

namespace fjord::protocol {

struct request_header_info {
    int16_t api_key = 0;
    int16_t api_version = 0;
    int32_t correlation_id = 0;
    // Kafka treats a null client id as "".
    std::optional<std::string> client_id;
};

// Reads a request header, choosing v2 or v1 from the API version (v1 for unknown API keys, so
// the caller can still answer with the correlation id). Tagged fields in a v2 header are skipped.
// Returns false if the header is malformed or truncated.
bool decode_request_header(reader& r, request_header_info& out);

// Writes a response header: v1 (with an empty tagged-field section) if `flexible`, else v0.
void encode_response_header(writer& w, int32_t correlation_id, bool flexible);

// Whether the request header for this API and version is v2 (flexible). False for unknown keys.
bool request_header_is_flexible(int16_t api_key, int16_t api_version);

}  // namespace fjord::protocol
