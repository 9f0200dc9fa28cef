// Messages: read a page of a topic by partition and offset or timestamp, produce one record
// (docs/http-api.md, "Messages").
#include <fmt/format.h>
#include <httplib.h>

#include <chrono>
#include <future>
#include <random>

#include "broker/record_append.h"
#include "broker/services.h"
#include "http/routes.h"
#include "http/topic_lookup.h"
#include "protocol/murmur2.h"
#include "storage/partition_log.h"

namespace fjord::http {
namespace {

constexpr int64_t default_page = 50;
constexpr int64_t max_page = 1000;
// Bytes asked of the log per read; a larger first batch still comes whole.
constexpr size_t read_chunk_bytes = size_t{1} << 20;
// An append waits for the flusher's fsync; far longer means the disk is failing.
constexpr auto produce_timeout = std::chrono::seconds(30);

enum class start_kind { newest, oldest, offset, timestamp };

struct page_request {
    std::optional<int32_t> partition;
    start_kind start = start_kind::newest;
    int64_t position = 0;  // the offset or timestamp
    int64_t limit = default_page;
};

result<page_request, api_error> parse_page_request(const httplib::Request& req) {
    page_request out;
    auto partition = int_param(req, "partition", 0, INT32_MAX);
    if (!partition) return fail(partition.error());
    if (*partition) out.partition = static_cast<int32_t>(**partition);
    auto limit = int_param(req, "limit", 1, max_page);
    if (!limit) return fail(limit.error());
    if (*limit) out.limit = **limit;
    auto offset = int_param(req, "offset", 0, INT64_MAX);
    if (!offset) return fail(offset.error());
    auto timestamp = int_param(req, "timestamp", 0, INT64_MAX);
    if (!timestamp) return fail(timestamp.error());
    bool has_from = req.has_param("from");
    if ((*offset ? 1 : 0) + (*timestamp ? 1 : 0) + (has_from ? 1 : 0) > 1) {
        return fail(bad_request("give at most one of 'offset', 'timestamp' and 'from'"));
    }
    if (*offset) {
        out.start = start_kind::offset;
        out.position = **offset;
    } else if (*timestamp) {
        out.start = start_kind::timestamp;
        out.position = **timestamp;
    } else if (has_from) {
        auto from = req.get_param_value("from");
        if (from == "beginning") {
            out.start = start_kind::oldest;
        } else if (from != "end") {
            return fail(bad_request(
                fmt::format("parameter 'from' must be 'beginning' or 'end', got '{}'", from)));
        }
    }
    return out;
}

json record_view(int32_t partition, const protocol::batch_header& batch,
                 const protocol::record& r) {
    json headers = json::array();
    for (const auto& h : r.headers) {
        headers.push_back({{"key", h.key},
                           {"value", text_or_null(h.value)},
                           {"value_base64", base64_or_null(h.value)}});
    }
    return {
        {"partition", partition},
        {"offset", r.offset},
        {"timestamp", r.timestamp},
        {"timestamp_type", batch.log_append_time() ? "log_append_time" : "create_time"},
        {"key", text_or_null(r.key)},
        {"key_base64", base64_or_null(r.key)},
        {"value", text_or_null(r.value)},
        {"value_base64", base64_or_null(r.value)},
        {"headers", std::move(headers)},
    };
}

result<int64_t, api_error> start_offset(storage::partition_log& log, const page_request& page) {
    int64_t log_start = log.log_start_offset()();
    int64_t high_watermark = log.high_watermark()();
    switch (page.start) {
        case start_kind::oldest:
            return log_start;
        case start_kind::newest:
            return std::max(log_start, high_watermark - page.limit);
        case start_kind::offset:
            return std::clamp(page.position, log_start, std::max(log_start, high_watermark));
        case start_kind::timestamp: {
            auto found = log.find_offset_by_timestamp(model::timestamp(page.position));
            if (!found) {
                return fail(api_error{.status = 500,
                                      .code = "KAFKA_STORAGE_ERROR",
                                      .message = std::string(storage::describe(found.error()))});
            }
            if (!*found) return high_watermark;
            return std::clamp((*found)->offset(), log_start, std::max(log_start, high_watermark));
        }
    }
    return log_start;
}

// Reads up to page.limit records of one partition from `start`, below the high watermark.
// Returns the offset the next page starts at.
result<int64_t, api_error> read_partition(broker::partition& p, int64_t start,
                                          const page_request& page, json& messages) {
    auto& log = p.log();
    int32_t partition = p.id().partition();
    int64_t high_watermark = log.high_watermark()();
    int64_t next = start;
    int64_t taken = 0;
    while (taken < page.limit && next < high_watermark) {
        int64_t before = next;
        auto read = log.read(model::offset(next), read_chunk_bytes, model::offset(high_watermark),
                             /*min_one_batch=*/true);
        if (!read) {
            if (read.error() == storage::errc::offset_out_of_range &&
                next < log.log_start_offset()()) {
                next = log.log_start_offset()();  // retention removed the start meanwhile
                continue;
            }
            return fail(api_error{.status = 500,
                                  .code = "KAFKA_STORAGE_ERROR",
                                  .message = std::string(storage::describe(read.error()))});
        }
        bytes_view data = read->data.view;
        if (data.empty()) break;
        while (!data.empty() && taken < page.limit) {
            auto header = protocol::read_batch_header(data);
            if (!header) break;
            bytes_view batch = data.subspan(0, header->size_bytes());
            data = data.subspan(header->size_bytes());
            if (!header->is_control()) {
                auto records = protocol::decode_records(batch);
                if (!records) {
                    return fail(api_error{
                        .status = 500,
                        .code = "CORRUPT_MESSAGE",
                        .message =
                            fmt::format("partition {} batch at offset {}: {}", partition,
                                        header->base_offset, protocol::describe(records.error()))});
                }
                for (const auto& r : *records) {
                    if (r.offset < next) continue;
                    if (taken == page.limit) break;
                    messages.push_back(record_view(partition, *header, r));
                    ++taken;
                    next = r.offset + 1;
                }
            }
            if (taken < page.limit) next = std::max(next, header->last_offset() + 1);
        }
        if (next == before) break;  // nothing readable here: never spin
    }
    return next;
}

result<json_reply, api_error> read_page(broker::broker_services& services,
                                        const httplib::Request& req) {
    auto topic = find_topic(services.topics, req.matches[1]);
    if (!topic) return fail(topic.error());
    auto page = parse_page_request(req);
    if (!page) return fail(page.error());
    std::vector<std::shared_ptr<broker::partition>> selected;
    if (page->partition) {
        auto p = (*topic)->find_partition(*page->partition);
        if (!p) return fail(unknown_partition(**topic, *page->partition));
        selected.push_back(std::move(p));
    } else {
        selected = (*topic)->partitions;
    }
    json messages = json::array();
    json partitions = json::array();
    for (const auto& p : selected) {
        auto start = start_offset(p->log(), *page);
        if (!start) return fail(start.error());
        auto next = read_partition(*p, *start, *page, messages);
        if (!next) return fail(next.error());
        partitions.push_back({{"partition", p->id().partition()},
                              {"log_start_offset", p->log().log_start_offset()()},
                              {"high_watermark", p->log().high_watermark()()},
                              {"next_offset", *next}});
    }
    return json_reply{
        .body = {{"messages", std::move(messages)}, {"partitions", std::move(partitions)}}};
}

// A key, value or header value: text under `name`, or base64 under `name`_base64.
result<std::optional<bytes>, api_error> bytes_field(const json& object, const std::string& name) {
    auto base64_name = name + "_base64";
    bool has_text = object.contains(name);
    bool has_base64 = object.contains(base64_name);
    if (has_text && has_base64) {
        return fail(bad_request(fmt::format("give '{}' or '{}', not both", name, base64_name)));
    }
    if (has_base64) {
        auto text = nullable_string_field(object, base64_name);
        if (!text) return fail(text.error());
        if (!**text) return std::optional<bytes>{};
        auto decoded = base64_decode(***text);
        if (!decoded)
            return fail(bad_request(fmt::format("field '{}' is not base64", base64_name)));
        return std::optional<bytes>(std::move(*decoded));
    }
    auto text = nullable_string_field(object, name);
    if (!text) return fail(text.error());
    if (!*text || !**text) return std::optional<bytes>{};
    const std::string& s = ***text;
    return std::optional<bytes>(bytes(s.begin(), s.end()));
}

result<std::vector<protocol::record_header>, api_error> parse_headers(const json& body) {
    std::vector<protocol::record_header> headers;
    auto it = body.find("headers");
    if (it == body.end() || it->is_null()) return headers;
    if (it->is_object()) {  // {"name": "value"} shorthand
        for (const auto& [key, value] : it->items()) {
            if (!value.is_string() && !value.is_null()) {
                return fail(bad_request(fmt::format("header '{}' must be a string or null", key)));
            }
            std::optional<bytes> data;
            if (value.is_string()) {
                auto s = value.get<std::string>();
                data = bytes(s.begin(), s.end());
            }
            headers.push_back({.key = key, .value = std::move(data)});
        }
        return headers;
    }
    if (!it->is_array()) {
        return fail(bad_request("field 'headers' must be an array of {key, value} objects"));
    }
    for (const auto& h : *it) {
        if (!h.is_object()) {
            return fail(bad_request("field 'headers' must be an array of {key, value} objects"));
        }
        auto key = string_field(h, "key");
        if (!key) return fail(key.error());
        if (!*key) return fail(bad_request("every header needs a 'key'"));
        auto value = bytes_field(h, "value");
        if (!value) return fail(value.error());
        headers.push_back({.key = std::move(**key), .value = std::move(*value)});
    }
    return headers;
}

int32_t pick_partition(const std::optional<bytes>& key, int32_t partitions) {
    if (key) return protocol::java_partition_for_key(*key, partitions);
    thread_local std::minstd_rand random(std::random_device{}());
    return static_cast<int32_t>(random() % static_cast<uint32_t>(partitions));
}

result<json_reply, api_error> produce_one(broker::broker_services& services,
                                          const httplib::Request& req) {
    auto topic = find_topic(services.topics, req.matches[1]);
    if (!topic) return fail(topic.error());
    auto body = parse_object_body(req);
    if (!body) return fail(body.error());
    auto partition = int_field(*body, "partition", 0, INT32_MAX);
    if (!partition) return fail(partition.error());
    protocol::record record;
    record.timestamp = -1;
    auto key = bytes_field(*body, "key");
    if (!key) return fail(key.error());
    record.key = std::move(*key);
    auto value = bytes_field(*body, "value");
    if (!value) return fail(value.error());
    record.value = std::move(*value);
    auto headers = parse_headers(*body);
    if (!headers) return fail(headers.error());
    record.headers = std::move(*headers);

    auto count = static_cast<int32_t>((*topic)->partitions.size());
    int32_t index =
        *partition ? static_cast<int32_t>(**partition) : pick_partition(record.key, count);
    auto target = (*topic)->find_partition(index);
    if (!target) return fail(unknown_partition(**topic, index));

    auto answer =
        std::make_shared<std::promise<result<broker::appended_records, broker::topic_error>>>();
    auto future = answer->get_future();
    std::vector<protocol::record> records;
    records.push_back(std::move(record));
    broker::append_records(services, **topic, target, std::move(records),
                           [answer](result<broker::appended_records, broker::topic_error> r) {
                               answer->set_value(std::move(r));
                           });
    if (future.wait_for(produce_timeout) != std::future_status::ready) {
        return fail(from_kafka_error(broker::kafka_error::request_timed_out,
                                     "the record was appended but is not durable yet"));
    }
    auto appended = future.get();
    if (!appended) return fail(from_topic_error(appended.error()));
    return json_reply{.status = 201,
                      .body = {{"partition", index},
                               {"offset", appended->base_offset},
                               {"timestamp", appended->timestamp}}};
}

}  // namespace

void add_message_routes(api_router& router, api_context& context) {
    auto& services = context.services;
    router.get(R"(/api/v1/topics/([^/]+)/messages)",
               [&services](const httplib::Request& req) { return read_page(services, req); });
    router.post(R"(/api/v1/topics/([^/]+)/messages)",
                [&services](const httplib::Request& req) { return produce_one(services, req); });
}

}  // namespace fjord::http
