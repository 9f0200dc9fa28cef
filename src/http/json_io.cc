#include "http/json_io.h"

#include <fmt/format.h>
#include <httplib.h>

#include <charconv>

namespace fjord::http {

void send_json(httplib::Response& res, const json_reply& reply) {
    res.status = reply.status;
    // Replace, not throw, on invalid UTF-8: record data is shown through base64 anyway.
    res.set_content(reply.body.dump(-1, ' ', false, json::error_handler_t::replace),
                    "application/json");
}

void send_error(httplib::Response& res, const api_error& error) {
    send_json(res, {.status = error.status,
                    .body = {{"error", {{"code", error.code}, {"message", error.message}}}}});
}

result<json, api_error> parse_object_body(const httplib::Request& req) {
    auto body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) {
        return fail(api_error{.status = 400,
                              .code = "INVALID_JSON",
                              .message = req.body.empty() ? "the request needs a JSON body"
                                                          : "the request body is not valid JSON"});
    }
    if (!body.is_object()) {
        return fail(api_error{.status = 400,
                              .code = "INVALID_JSON",
                              .message = "the request body must be an object"});
    }
    return body;
}

namespace {

std::optional<int64_t> parse_int(std::string_view text) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

api_error out_of_range(std::string_view what, std::string_view name, int64_t min, int64_t max) {
    if (max == INT64_MAX) {
        return bad_request(fmt::format("{} '{}' must be an integer >= {}", what, name, min));
    }
    return bad_request(
        fmt::format("{} '{}' must be an integer between {} and {}", what, name, min, max));
}

}  // namespace

result<std::optional<int64_t>, api_error> int_param(const httplib::Request& req,
                                                    const std::string& name, int64_t min,
                                                    int64_t max) {
    if (!req.has_param(name.c_str())) return std::optional<int64_t>{};
    auto value = parse_int(req.get_param_value(name.c_str()));
    if (!value || *value < min || *value > max) {
        return fail(out_of_range("parameter", name, min, max));
    }
    return value;
}

result<std::optional<int64_t>, api_error> int_field(const json& object, std::string_view name,
                                                    int64_t min, int64_t max) {
    auto it = object.find(name);
    if (it == object.end() || it->is_null()) return std::optional<int64_t>{};
    if (!it->is_number_integer()) return fail(out_of_range("field", name, min, max));
    auto value = it->get<int64_t>();
    if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
        return fail(out_of_range("field", name, min, max));
    }
    if (value < min || value > max) return fail(out_of_range("field", name, min, max));
    return std::optional<int64_t>(value);
}

result<std::optional<std::string>, api_error> string_field(const json& object,
                                                           std::string_view name) {
    auto it = object.find(name);
    if (it == object.end() || it->is_null()) return std::optional<std::string>{};
    if (!it->is_string())
        return fail(bad_request(fmt::format("field '{}' must be a string", name)));
    return std::optional<std::string>(it->get<std::string>());
}

result<std::optional<std::optional<std::string>>, api_error> nullable_string_field(
    const json& object, std::string_view name) {
    using value = std::optional<std::optional<std::string>>;
    auto it = object.find(name);
    if (it == object.end()) return value{};
    if (it->is_null()) return value(std::optional<std::string>{});
    if (!it->is_string()) {
        return fail(bad_request(fmt::format("field '{}' must be a string or null", name)));
    }
    return value(std::optional<std::string>(it->get<std::string>()));
}

bool is_valid_utf8(bytes_view data) {
    size_t i = 0;
    while (i < data.size()) {
        uint8_t c = data[i];
        size_t extra = 0;
        uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            extra = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + extra >= data.size()) return false;  // truncated sequence
        for (size_t k = 1; k <= extra; ++k) {
            if ((data[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (data[i + k] & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        static constexpr uint32_t min_for_length[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_for_length[extra] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
            return false;
        }
        i += extra + 1;
    }
    return true;
}

json text_or_null(const std::optional<bytes>& data) {
    if (!data || !is_valid_utf8(*data)) return nullptr;
    return std::string(reinterpret_cast<const char*>(data->data()), data->size());
}

json base64_or_null(const std::optional<bytes>& data) {
    if (!data) return nullptr;
    return base64_encode(*data);
}

namespace {
constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string base64_encode(bytes_view data) {
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        uint32_t n = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    if (size_t rest = data.size() - i; rest > 0) {
        uint32_t n = uint32_t{data[i]} << 16;
        if (rest == 2) n |= uint32_t{data[i + 1]} << 8;
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += rest == 2 ? alphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<bytes> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    bytes out;
    out.reserve(text.size() / 4 * 3);
    for (size_t i = 0; i < text.size(); i += 4) {
        uint32_t n = 0;
        int padding = 0;
        for (size_t k = 0; k < 4; ++k) {
            char c = text[i + k];
            uint32_t v = 0;
            if (c == '=' && i + 4 == text.size() && k >= 2) {
                ++padding;
            } else {
                if (padding > 0) return std::nullopt;  // data after padding
                auto pos = alphabet.find(c);
                if (pos == std::string_view::npos) return std::nullopt;
                v = static_cast<uint32_t>(pos);
            }
            n = (n << 6) | v;
        }
        out.push_back(static_cast<uint8_t>(n >> 16));
        if (padding < 2) out.push_back(static_cast<uint8_t>(n >> 8));
        if (padding < 1) out.push_back(static_cast<uint8_t>(n));
    }
    return out;
}

}  // namespace fjord::http
