#include <future>

#include "net/framing.h"
#include "net/tests/test_support.h"

namespace fjord::net::test {
namespace {

using namespace std::chrono_literals;

TEST(net_framing, request_size_checks) {
    EXPECT_EQ(check_request_frame_size(-1, 100), frame_size_error::negative);
    EXPECT_EQ(check_request_frame_size(7, 100), frame_size_error::too_small);
    EXPECT_EQ(check_request_frame_size(8, 100), frame_size_error::none);
    EXPECT_EQ(check_request_frame_size(100, 100), frame_size_error::none);
    EXPECT_EQ(check_request_frame_size(101, 100), frame_size_error::too_large);
}

class net_reactor : public ::testing::Test {
protected:
    void SetUp() override { srv.start(); }

    test_handler handler;
    server srv{test_config(), handler};
};

TEST_F(net_reactor, post_runs_on_the_reactor_thread) {
    for (reactor* r : srv.reactors()) {
        EXPECT_FALSE(r->on_this_thread());
        std::promise<bool> on_thread;
        r->post([&] { on_thread.set_value(r->on_this_thread()); });
        EXPECT_TRUE(on_thread.get_future().get());
    }
}

TEST_F(net_reactor, run_after_fires_on_the_reactor_thread) {
    reactor* r = srv.reactors()[1];
    std::promise<bool> fired;
    auto start = std::chrono::steady_clock::now();
    auto handle = r->run_after(20ms, [&] { fired.set_value(r->on_this_thread()); });
    EXPECT_TRUE(fired.get_future().get());
    EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
    handle.cancel();  // after it fired: harmless
    handle.cancel();
}

TEST_F(net_reactor, cancelled_timer_never_runs_and_releases_its_callback) {
    reactor* r = srv.reactors()[0];
    auto sentinel = std::make_shared<int>(0);
    std::atomic<int> ran{0};
    auto handle = r->run_after(50ms, [&ran, sentinel] { ++ran; });
    handle.cancel();
    EXPECT_TRUE(wait_until([&] { return sentinel.use_count() == 1; }));

    // Cancelled from its own reactor, even while already due.
    std::promise<void> done;
    r->post([&] {
        auto h = r->run_after(0ms, [&ran] { ++ran; });
        h.cancel();
        r->run_after(20ms, [&] { done.set_value(); });
    });
    done.get_future().get();
    EXPECT_EQ(ran.load(), 0);
    timer_handle empty;
    empty.cancel();
}

TEST_F(net_reactor, posts_after_stop_are_dropped) {
    reactor* r = srv.reactors()[0];
    srv.stop();
    auto sentinel = std::make_shared<int>(0);
    bool ran = false;
    r->post([&ran, sentinel] { ran = true; });
    r->run_after(0ms, [&ran, sentinel] { ran = true; });
    EXPECT_EQ(sentinel.use_count(), 1);
    EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace fjord::net::test

namespace fjord::net::test {
namespace {

TEST(net_reactor_shutdown, work_still_queued_at_stop_is_released) {
    std::mutex mu;
    std::vector<responder> held;
    test_handler handler([&](const connection_info&, shared_buffer, responder r) {
        // Park the responder inside a far-away timer and a chain of posts on its reactor, so
        // the server's teardown is what destroys it.
        reactor& home = r.home();
        home.run_after(std::chrono::hours(1), [r] {});
        std::lock_guard g(mu);
        held.push_back(std::move(r));
    });
    auto sentinel = std::make_shared<int>(0);
    {
        server srv(test_config(), handler);
        srv.start();
        for (reactor* r : srv.reactors()) {
            r->run_after(std::chrono::hours(1), [sentinel] {});
        }
        test_client client(srv.port());
        client.send_request(0, 1);
        ASSERT_TRUE(wait_until([&] { return handler.requests.load() == 1; }));
        srv.stop(std::chrono::milliseconds(50));
        EXPECT_EQ(sentinel.use_count(), 1);
        std::lock_guard g(mu);
        held.front().respond(iobuf{});
    }
    std::lock_guard g(mu);
    held.clear();  // the last copy goes after the server: a no-op
    EXPECT_EQ(handler.disconnect_count(), 1);
}

}  // namespace
}  // namespace fjord::net::test
