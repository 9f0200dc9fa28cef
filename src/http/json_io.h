// Reading requests and writing JSON answers for the admin API. Every malformed input becomes an
// api_error naming the parameter or field, so handlers never see unchecked values.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "http/api_error.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace fjord::http {

using json = nlohmann::json;

struct json_reply {
    int status = 200;
    json body;
};

void send_json(httplib::Response& res, const json_reply& reply);
void send_error(httplib::Response& res, const api_error& error);

// The request body as a JSON object (INVALID_JSON when it does not parse or is not an object).
result<json, api_error> parse_object_body(const httplib::Request& req);

// Query parameter `name` as an integer in [min, max]; nullopt when absent.
result<std::optional<int64_t>, api_error> int_param(const httplib::Request& req,
                                                    const std::string& name, int64_t min,
                                                    int64_t max);

// Field `name` of a JSON object, type-checked; nullopt when absent (or null, for the optional
// string fields that allow it, see nullable_string_field).
result<std::optional<int64_t>, api_error> int_field(const json& object, std::string_view name,
                                                    int64_t min, int64_t max);
result<std::optional<std::string>, api_error> string_field(const json& object,
                                                           std::string_view name);
// Absent → nullopt; null → optional holding nullopt; a string → its text.
result<std::optional<std::optional<std::string>>, api_error> nullable_string_field(
    const json& object, std::string_view name);

// Bytes as the API shows them: UTF-8 text when valid (else null) and base64.
json text_or_null(const std::optional<bytes>& data);
json base64_or_null(const std::optional<bytes>& data);
std::string base64_encode(bytes_view data);
std::optional<bytes> base64_decode(std::string_view text);
bool is_valid_utf8(bytes_view data);

}  // namespace fjord::http
