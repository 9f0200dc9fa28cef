// The admin API's route groups (docs/http-api.md), one file each. They reach the broker only
// through broker_services (DESIGN.md: the http layer knows no storage internals beyond the
// partition log's public read API).
#pragma once

#include <cstdint>

#include "http/api_router.h"

namespace fjord::broker {
struct broker_services;
}

namespace fjord::http {

struct api_context {
    broker::broker_services& services;
    int64_t started_at_ms = 0;
};

void add_cluster_routes(api_router& router, api_context& context);
void add_topic_routes(api_router& router, api_context& context);
void add_message_routes(api_router& router, api_context& context);
void add_group_routes(api_router& router, api_context& context);

}  // namespace fjord::http
