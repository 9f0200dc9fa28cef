#include <future>
#include <random>
#include <set>

#include "net/tests/test_support.h"

namespace fjord::net::test {
namespace {

using namespace std::chrono_literals;

TEST(net_server, pipelined_requests_are_answered_in_order_when_completed_out_of_order) {
    delayer later;
    std::mutex rng_mu;
    std::mt19937 rng(42);
    test_handler handler([&](const connection_info&, shared_buffer frame, responder r) {
        int delay_us;
        {
            std::lock_guard g(rng_mu);
            delay_us = static_cast<int>(rng() % 3000);
        }
        later.after(std::chrono::microseconds(delay_us),
                    [frame, r]() mutable { r.respond(echo_response(frame)); });
    });
    server srv(test_config(), handler);
    srv.start();

    test_client client(srv.port());
    constexpr int count = 300;
    bytes all;
    for (int i = 0; i < count; ++i) {
        auto req = make_request(0, i, "payload-" + std::to_string(i));
        all.insert(all.end(), req.begin(), req.end());
    }
    client.send_raw(all);  // every request in one burst: they are pipelined
    for (int i = 0; i < count; ++i) {
        auto resp = client.read_response();
        ASSERT_TRUE(resp);
        EXPECT_EQ(resp->correlation_id, i);
        EXPECT_EQ(resp->payload, "payload-" + std::to_string(i));
    }
    EXPECT_EQ(handler.wrong_thread.load(), 0);
}

TEST(net_server, responses_completed_inside_handle_are_written) {
    test_handler handler;  // echoes synchronously
    server srv(test_config(), handler);
    srv.start();
    test_client client(srv.port());
    for (int i = 0; i < 50; ++i)
        client.send_request(0, i, std::string(static_cast<size_t>(i), 'x'));
    for (int i = 0; i < 50; ++i) {
        auto resp = client.read_response();
        ASSERT_TRUE(resp);
        EXPECT_EQ(resp->correlation_id, i);
        EXPECT_EQ(resp->payload.size(), static_cast<size_t>(i));
    }
}

TEST(net_server, minimum_size_frame_is_accepted) {
    test_handler handler;
    server srv(test_config(), handler);
    srv.start();
    test_client client(srv.port());
    client.send_request(0, 7);  // exactly 8 bytes: the header and nothing else
    auto resp = client.read_response();
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->correlation_id, 7);
}

TEST(net_server, oversized_length_prefix_closes_only_that_connection) {
    test_handler handler;
    auto cfg = test_config();
    cfg.max_request_bytes = 1024;
    server srv(cfg, handler);
    srv.start();

    test_client good(srv.port());
    test_client bad(srv.port());
    good.send_request(0, 1);
    ASSERT_TRUE(good.read_response());

    bytes prefix(4);
    store_be<int32_t>(prefix.data(), 1025);
    bad.send_raw(prefix);
    EXPECT_TRUE(bad.closed_by_server());

    good.send_request(0, 2, std::string(1016, 'y'));  // exactly at the limit
    auto resp = good.read_response();
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->correlation_id, 2);
    EXPECT_TRUE(wait_until([&] { return handler.disconnect_count() == 1; }));
    EXPECT_EQ(srv.connection_count(), 1u);
}

class net_server_bad_size : public ::testing::TestWithParam<int32_t> {};

TEST_P(net_server_bad_size, closes_the_connection_without_calling_the_handler) {
    test_handler handler;
    server srv(test_config(), handler);
    srv.start();
    test_client client(srv.port());
    bytes frame(12, 0);
    store_be<int32_t>(frame.data(), GetParam());
    client.send_raw(frame);
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_TRUE(wait_until([&] { return handler.disconnect_count() == 1; }));
    EXPECT_EQ(handler.requests.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(sizes, net_server_bad_size,
                         ::testing::Values(-1, std::numeric_limits<int32_t>::min(), 0, 7,
                                           std::numeric_limits<int32_t>::max()));

TEST(net_server, truncated_frame_then_disconnect_calls_on_disconnect_once) {
    test_handler handler;
    server srv(test_config(), handler);
    srv.start();
    {
        test_client client(srv.port());
        bytes partial(4 + 50, 0);
        store_be<int32_t>(partial.data(), 100);
        client.send_raw(partial);
    }
    {
        // Larger than the read buffer: the frame has its own allocation when the peer leaves.
        test_client client(srv.port());
        bytes partial(4 + 20000, 0);
        store_be<int32_t>(partial.data(), 100000);
        client.send_raw(partial);
    }
    EXPECT_TRUE(wait_until([&] { return handler.disconnect_count() == 2; }));
    EXPECT_TRUE(wait_until([&] { return srv.connection_count() == 0; }));
    EXPECT_EQ(handler.requests.load(), 0);
    EXPECT_TRUE(handler.each_disconnected_once());
}

TEST(net_server, large_frames_and_trickled_frames_arrive_whole) {
    test_handler handler;
    auto cfg = test_config();
    cfg.max_request_bytes = 4 << 20;
    server srv(cfg, handler);
    srv.start();
    test_client client(srv.port());

    std::string big(3 << 20, 'b');
    for (size_t i = 0; i < big.size(); i += 4093) big[i] = static_cast<char>('a' + i % 26);
    client.send_request(0, 1, "small");
    client.send_request(0, 2, big);
    client.send_request(0, 3, "after");
    // One byte at a time, including the size prefix.
    auto trickle = make_request(0, 4, "trickled");
    for (uint8_t b : trickle) client.send_raw(bytes_view(&b, 1));

    auto r1 = client.read_response();
    auto r2 = client.read_response();
    auto r3 = client.read_response();
    auto r4 = client.read_response();
    ASSERT_TRUE(r1 && r2 && r3 && r4);
    EXPECT_EQ(r1->payload, "small");
    EXPECT_EQ(r2->correlation_id, 2);
    EXPECT_TRUE(r2->payload == big);
    EXPECT_EQ(r3->payload, "after");
    EXPECT_EQ(r4->payload, "trickled");
}

TEST(net_server, respond_nothing_and_dropped_responders_free_their_slot) {
    test_handler handler([](const connection_info&, shared_buffer frame, responder r) {
        switch (api_key_of(frame.view())) {
            case 1:
                r.respond_nothing();
                break;
            case 2:
                break;  // dropped without completing: treated as respond_nothing()
            default:
                r.respond(echo_response(frame));
        }
    });
    server srv(test_config(), handler);
    srv.start();
    test_client client(srv.port());
    client.send_request(0, 1);
    client.send_request(1, 2);
    client.send_request(2, 3);
    client.send_request(0, 4);
    client.send_request(1, 5);
    client.send_request(1, 6);
    client.send_request(0, 7);
    for (int expected : {1, 4, 7}) {
        auto resp = client.read_response();
        ASSERT_TRUE(resp);
        EXPECT_EQ(resp->correlation_id, expected);
    }
}

TEST(net_server, close_connection_closes_only_that_connection) {
    test_handler handler([](const connection_info&, shared_buffer frame, responder r) {
        if (api_key_of(frame.view()) == 3) {
            r.close_connection("test asked for it");
        } else {
            r.respond(echo_response(frame));
        }
    });
    server srv(test_config(), handler);
    srv.start();
    test_client victim(srv.port());
    test_client other(srv.port());
    victim.send_request(0, 1);
    ASSERT_TRUE(victim.read_response());
    victim.send_request(3, 2);
    EXPECT_TRUE(victim.closed_by_server());
    other.send_request(0, 3);
    auto resp = other.read_response();
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->correlation_id, 3);
    EXPECT_TRUE(wait_until([&] { return handler.disconnect_count() == 1; }));
    srv.stop();
    EXPECT_EQ(handler.disconnect_count(), 2);
    EXPECT_TRUE(handler.each_disconnected_once());
}

TEST(net_server, many_connections_spread_over_reactors) {
    delayer later;
    std::mutex mu;
    std::set<size_t> reactors_seen;
    test_handler handler([&](const connection_info& conn, shared_buffer frame, responder r) {
        {
            std::lock_guard g(mu);
            reactors_seen.insert(conn.home->index());
        }
        later.after(std::chrono::microseconds(correlation_id_of(frame.view()) % 7 * 100),
                    [frame, r]() mutable { r.respond(echo_response(frame)); });
    });
    auto cfg = test_config();
    cfg.reactor_count = 4;
    server srv(cfg, handler);
    srv.start();
    ASSERT_EQ(srv.reactors().size(), 4u);

    constexpr int connections = 200;
    constexpr int per_connection = 20;
    std::vector<std::unique_ptr<test_client>> clients;
    for (int c = 0; c < connections; ++c) {
        clients.push_back(std::make_unique<test_client>(srv.port()));
        for (int i = 0; i < per_connection; ++i) {
            clients.back()->send_request(0, c * 1000 + i, std::to_string(c));
        }
    }
    for (int c = 0; c < connections; ++c) {
        for (int i = 0; i < per_connection; ++i) {
            auto resp = clients[c]->read_response();
            ASSERT_TRUE(resp);
            EXPECT_EQ(resp->correlation_id, c * 1000 + i);
            EXPECT_EQ(resp->payload, std::to_string(c));
        }
    }
    EXPECT_EQ(srv.connection_count(), static_cast<size_t>(connections));
    std::lock_guard g(mu);
    EXPECT_EQ(reactors_seen.size(), 4u);
}

TEST(net_server, back_pressure_stops_dispatching_at_max_in_flight) {
    std::mutex mu;
    std::vector<std::pair<shared_buffer, responder>> held;
    test_handler handler([&](const connection_info&, shared_buffer frame, responder r) {
        std::lock_guard g(mu);
        held.emplace_back(std::move(frame), std::move(r));
    });
    auto cfg = test_config();
    cfg.max_in_flight_per_connection = 4;
    server srv(cfg, handler);
    srv.start();
    test_client client(srv.port());
    for (int i = 0; i < 10; ++i) client.send_request(0, i);

    ASSERT_TRUE(wait_until([&] { return handler.requests.load() == 4; }));
    // Proving that nothing else arrives needs a pause.
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(handler.requests.load(), 4);

    int next = 0;
    while (next < 10) {
        std::vector<std::pair<shared_buffer, responder>> batch;
        ASSERT_TRUE(wait_until([&] {
            std::lock_guard g(mu);
            return !held.empty();
        }));
        {
            std::lock_guard g(mu);
            batch.swap(held);
        }
        EXPECT_LE(batch.size(), 4u);
        // Answer newest first: order on the wire must still be request order.
        for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
            it->second.respond(echo_response(it->first));
        }
        for (size_t i = 0; i < batch.size(); ++i) {
            auto resp = client.read_response();
            ASSERT_TRUE(resp);
            EXPECT_EQ(resp->correlation_id, next++);
        }
    }
    EXPECT_EQ(handler.requests.load(), 10);
}

TEST(net_server, stop_waits_for_in_flight_responses) {
    std::mutex mu;
    std::vector<std::pair<shared_buffer, responder>> held;
    test_handler handler([&](const connection_info&, shared_buffer frame, responder r) {
        std::lock_guard g(mu);
        held.emplace_back(std::move(frame), std::move(r));
    });
    server srv(test_config(), handler);
    srv.start();
    test_client client(srv.port());
    client.send_request(0, 1, "late");
    client.send_request(0, 2, "later");
    ASSERT_TRUE(wait_until([&] { return handler.requests.load() == 2; }));

    auto stopped = std::async(std::launch::async, [&] { srv.stop(10s); });
    EXPECT_EQ(stopped.wait_for(100ms), std::future_status::timeout);
    {
        std::lock_guard g(mu);
        held[1].second.respond(echo_response(held[1].first));
    }
    EXPECT_EQ(stopped.wait_for(50ms), std::future_status::timeout);
    {
        std::lock_guard g(mu);
        held[0].second.respond(echo_response(held[0].first));
    }
    ASSERT_EQ(stopped.wait_for(10s), std::future_status::ready);
    auto r1 = client.read_response();
    auto r2 = client.read_response();
    ASSERT_TRUE(r1 && r2);
    EXPECT_EQ(r1->payload, "late");
    EXPECT_EQ(r2->payload, "later");
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_EQ(handler.disconnect_count(), 1);
    EXPECT_EQ(srv.connection_count(), 0u);
}

TEST(net_server, stop_gives_up_at_the_deadline_and_late_responders_are_harmless) {
    std::mutex mu;
    std::vector<responder> held;
    test_handler handler([&](const connection_info&, shared_buffer, responder r) {
        std::lock_guard g(mu);
        held.push_back(std::move(r));
    });
    auto srv = std::make_unique<server>(test_config(), handler);
    srv->start();
    test_client client(srv->port());
    test_client idle(srv->port());
    client.send_request(0, 1);
    ASSERT_TRUE(wait_until([&] { return handler.requests.load() == 1; }));

    auto start = std::chrono::steady_clock::now();
    srv->stop(200ms);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, 200ms);
    EXPECT_LT(took, 5s);
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_TRUE(idle.closed_by_server());
    EXPECT_EQ(handler.disconnect_count(), 2);

    reactor& home = held[0].home();
    held[0].respond(iobuf{});  // after stop: a no-op
    srv.reset();
    // After the server is gone, responders and reactors still held are safe to use.
    held.push_back(held[0]);
    held[1].respond_nothing();
    int ran = 0;
    home.post([&] { ++ran; });
    home.run_after(1ms, [&] { ++ran; }).cancel();
    held.clear();
    EXPECT_EQ(ran, 0);
}

TEST(net_server, peer_disconnect_makes_pending_responders_no_ops) {
    std::mutex mu;
    std::vector<std::pair<shared_buffer, responder>> held;
    test_handler handler([&](const connection_info&, shared_buffer frame, responder r) {
        if (api_key_of(frame.view()) == 5) {
            r.respond(echo_response(frame));
            return;
        }
        std::lock_guard g(mu);
        held.emplace_back(std::move(frame), std::move(r));
    });
    server srv(test_config(), handler);
    srv.start();
    {
        test_client client(srv.port());
        client.send_request(0, 1);
        client.send_request(0, 2);
        ASSERT_TRUE(wait_until([&] { return handler.requests.load() == 2; }));
    }
    ASSERT_TRUE(wait_until([&] { return handler.disconnect_count() == 1; }));
    {
        std::lock_guard g(mu);
        held[0].second.respond(echo_response(held[0].first));
        held[1].second.close_connection("too late");
        held.clear();
    }
    test_client next(srv.port());
    next.send_request(5, 9);  // reactors are fine afterwards
    ASSERT_TRUE(next.read_response());
    EXPECT_EQ(handler.disconnect_count(), 1);
}

TEST(net_server, max_connections_rejects_extra_connections) {
    test_handler handler;
    auto cfg = test_config();
    cfg.max_connections = 2;
    server srv(cfg, handler);
    srv.start();
    auto a = std::make_unique<test_client>(srv.port());
    test_client b(srv.port());
    a->send_request(0, 1);
    b.send_request(0, 2);
    ASSERT_TRUE(a->read_response());
    ASSERT_TRUE(b.read_response());

    test_client c(srv.port());
    EXPECT_TRUE(c.closed_by_server());
    EXPECT_EQ(srv.connection_count(), 2u);

    a.reset();
    ASSERT_TRUE(wait_until([&] { return srv.connection_count() == 1; }));
    test_client d(srv.port());
    d.send_request(0, 4);
    auto resp = d.read_response();
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->correlation_id, 4);
}

TEST(net_server, handler_exception_closes_that_connection) {
    test_handler handler([](const connection_info&, shared_buffer frame, responder r) {
        if (api_key_of(frame.view()) == 9) throw std::runtime_error("boom");
        r.respond(echo_response(frame));
    });
    server srv(test_config(), handler);
    srv.start();
    test_client bad(srv.port());
    test_client good(srv.port());
    bad.send_request(9, 1);
    EXPECT_TRUE(bad.closed_by_server());
    good.send_request(0, 2);
    ASSERT_TRUE(good.read_response());
}

TEST(net_server, start_fails_when_the_port_is_taken) {
    test_handler handler;
    server first(test_config(), handler);
    first.start();
    auto cfg = test_config();
    cfg.port = first.port();
    server second(cfg, handler);
    EXPECT_THROW(second.start(), std::system_error);
}

TEST(net_server, stop_with_no_connections_is_quick_and_idempotent) {
    test_handler handler;
    server srv(test_config(), handler);
    srv.start();
    auto start = std::chrono::steady_clock::now();
    srv.stop();
    srv.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

}  // namespace
}  // namespace fjord::net::test
