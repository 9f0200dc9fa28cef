#include "protocol/header.h"

#include "protocol/messages/api_table.h"

namespace fjord::protocol {

bool request_header_is_flexible(int16_t api_key, int16_t api_version) {
    const api_info* api = find_api(api_key);
    return api != nullptr && api->first_flexible_version >= 0 &&
           api_version >= api->first_flexible_version;
}

bool decode_request_header(reader& r, request_header_info& out) {
    out.api_key = r.read_int16();
    out.api_version = r.read_int16();
    out.correlation_id = r.read_int32();
    out.client_id = r.read_nullable_string();
    if (r.ok() && request_header_is_flexible(out.api_key, out.api_version)) {
        // The header defines no tagged fields; unknown ones are read and dropped.
        std::vector<tagged_field> ignored;
        r.read_tagged_fields(ignored);
    }
    return r.ok();
}

void encode_response_header(writer& w, int32_t correlation_id, bool flexible) {
    w.write_int32(correlation_id);
    if (flexible) w.write_uvarint(0);
}

}  // namespace fjord::protocol
