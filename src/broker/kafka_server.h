// Turns request frames from the network layer into handler calls: parses the header, checks the
// API key and version against the registry, and dispatches. Runs on reactor threads.
#pragma once

#include "broker/services.h"
#include "net/server.h"

namespace fjord::broker {

class kafka_server final : public net::request_handler {
public:
    // Registers the request metrics, so they are on /metrics before the first request.
    explicit kafka_server(broker_services& services);

    void handle(const net::connection_info& connection, shared_buffer frame,
                net::responder responder) override;

private:
    broker_services& _services;
};

}  // namespace fjord::broker
