#include "broker/listeners.h"

#include <gtest/gtest.h>

namespace fjord::broker {
namespace {

TEST(parse_listeners, takes_names_hosts_and_ports) {
    auto r = parse_listeners("listeners", "PLAINTEXT://:9092, controller://h.example:9093", false);
    ASSERT_TRUE(r) << r.error();
    ASSERT_EQ(r->size(), 2u);
    EXPECT_EQ((*r)[0].name, "PLAINTEXT");
    EXPECT_EQ((*r)[0].host, "");  // every interface
    EXPECT_EQ((*r)[0].port, 9092);
    EXPECT_EQ((*r)[1].name, "CONTROLLER");  // upper-cased, as Kafka does
    EXPECT_EQ((*r)[1].host, "h.example");
    EXPECT_EQ((*r)[1].port, 9093);

    auto bare = parse_listeners("listeners", "127.0.0.1:0", true);
    ASSERT_TRUE(bare) << bare.error();
    EXPECT_TRUE((*bare)[0].bare);
    EXPECT_EQ((*bare)[0].name, "PLAINTEXT");
}

TEST(parse_listeners, refuses_what_is_not_a_listener_list) {
    for (const char* bad : {"", "localhost", "127.0.0.1:0", "PLAINTEXT://h", "PLAINTEXT://h:99999",
                            "://h:1", "A://h:1,a://h:2"}) {
        auto r = parse_listeners("listeners", bad, false);
        ASSERT_FALSE(r) << bad;
        EXPECT_TRUE(r.error().starts_with("listeners: ")) << r.error();
    }
    EXPECT_FALSE(parse_listeners("listeners", "a:1,b:2", true));  // bare: one address only
}

TEST(parse_protocol_map, takes_kafka_protocols_only) {
    auto r = parse_protocol_map("m", "CONTROLLER:PLAINTEXT, broker:sasl_ssl");
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->at("BROKER"), "SASL_SSL");
    for (const char* bad : {"X", "X:TLS", ":PLAINTEXT", "A:SSL,A:PLAINTEXT"}) {
        EXPECT_FALSE(parse_protocol_map("m", bad)) << bad;
    }
}

listener_settings kraft(std::string listeners, std::string advertised = "") {
    listener_settings s;
    s.listeners = std::move(listeners);
    s.advertised = std::move(advertised);
    s.controller_names = "CONTROLLER";
    s.protocol_map = "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,BROKER:PLAINTEXT";
    return s;
}

TEST(resolve_listeners, serves_the_one_listener_that_is_not_the_controllers) {
    // Kafka 3.9's stock file advertises the controller listener too.
    auto r = resolve_listeners(kraft("PLAINTEXT://:9092,CONTROLLER://:9093",
                                     "PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093"));
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->host, "0.0.0.0");
    EXPECT_EQ(r->port, 9092);
    EXPECT_EQ(r->advertised_host, "localhost");
    EXPECT_EQ(r->advertised_port, 9092);
    EXPECT_EQ(r->unbound, std::vector<std::string>{"CONTROLLER"});

    auto named = resolve_listeners(kraft("BROKER://10.0.0.1:9092,CONTROLLER://10.0.0.1:9093"));
    ASSERT_TRUE(named) << named.error();
    EXPECT_EQ(named->host, "10.0.0.1");
    EXPECT_EQ(named->advertised_host, "");  // the bound address
    EXPECT_EQ(named->advertised_port, 0);   // the bound port
}

TEST(resolve_listeners, advertises_the_host_name_for_every_interface) {
    auto r = resolve_listeners(kraft("PLAINTEXT://:9092"));
    ASSERT_TRUE(r) << r.error();
    EXPECT_FALSE(r->advertised_host.empty());
    EXPECT_NE(r->advertised_host, "0.0.0.0");
}

TEST(resolve_listeners, explains_what_fjord_cannot_serve) {
    auto error = [](const listener_settings& s) {
        auto r = resolve_listeners(s);
        return r ? std::string("(resolved)") : r.error();
    };
    EXPECT_EQ(error(kraft("PLAINTEXT://:9092,BROKER://:9094")),
              "listeners: Fjord serves clients on one listener, and PLAINTEXT, BROKER are not "
              "controller listeners (controller.listener.names)");
    EXPECT_EQ(error(kraft("CONTROLLER://:9093")),
              "listeners: every listener (CONTROLLER) is a controller listener "
              "(controller.listener.names); Fjord needs one for clients");
    EXPECT_EQ(error(kraft("SSL://:9093")),
              "listeners: listener SSL uses SSL (listener.security.protocol.map); Fjord serves "
              "PLAINTEXT only");
    EXPECT_EQ(error(kraft("INTERNAL://:9093")),
              "listener.security.protocol.map: no security protocol for listener INTERNAL");
    auto inter = kraft("PLAINTEXT://:9092,CONTROLLER://:9093");
    inter.inter_broker_name = "CONTROLLER";
    EXPECT_EQ(error(inter),
              "inter.broker.listener.name: CONTROLLER is not the listener Fjord serves "
              "(PLAINTEXT; the others are controller listeners)");
    EXPECT_EQ(error(kraft("PLAINTEXT://:9092,CONTROLLER://:9093", "CONTROLLER://h:9093")),
              "advertised.listeners: no address for listener PLAINTEXT, which Fjord serves");
    EXPECT_EQ(error(kraft("PLAINTEXT://:9092", "OTHER://h:1")),
              "advertised.listeners: OTHER is not a listener (listeners has PLAINTEXT)");
}

TEST(resolve_listeners, a_bare_address_is_plaintext_whatever_the_map) {
    listener_settings s;
    s.listeners = "127.0.0.1:0";
    s.protocol_map = "BROKER:PLAINTEXT";
    auto r = resolve_listeners(s);
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->host, "127.0.0.1");
}

}  // namespace
}  // namespace fjord::broker
