#include "base/metrics.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "base/process_metrics.h"

namespace fjord::metrics {
namespace {

TEST(metrics, renders_counters_and_gauges_exactly) {
    registry r;
    auto& requests = r.counters("requests_total", "Requests handled.", {"request"});
    requests.labels({"Produce"})->inc(3);
    requests.labels({"Fetch"})->inc();
    r.gauges("connections", "Open connections.").labels({})->set(2);
    EXPECT_EQ(r.render(),
              "# HELP connections Open connections.\n"
              "# TYPE connections gauge\n"
              "connections 2\n"
              "# HELP requests_total Requests handled.\n"
              "# TYPE requests_total counter\n"
              "requests_total{request=\"Fetch\"} 1\n"
              "requests_total{request=\"Produce\"} 3\n");
}

TEST(metrics, unlabelled_family_renders_zero_before_first_use) {
    registry r;
    r.counters("flushes_total", "Flushes.");
    r.gauges("ratio", "A ratio.").labels({})->set(0.25);
    EXPECT_EQ(r.render(),
              "# HELP flushes_total Flushes.\n"
              "# TYPE flushes_total counter\n"
              "flushes_total 0\n"
              "# HELP ratio A ratio.\n"
              "# TYPE ratio gauge\n"
              "ratio 0.25\n");
}

TEST(metrics, labelled_family_without_children_renders_its_header) {
    registry r;
    r.counters("bytes_total", "Bytes.", {"topic"});
    EXPECT_EQ(r.render(), "# HELP bytes_total Bytes.\n# TYPE bytes_total counter\n");
}

TEST(metrics, histogram_buckets_are_cumulative_with_inf_sum_and_count) {
    registry r;
    const double bounds[] = {0.25, 1};
    auto h = r.histograms("latency_seconds", "Latency.", {"api"}, bounds).labels({"Produce"});
    h->observe(0.125);
    h->observe(0.25);  // le is inclusive
    h->observe(0.5);
    h->observe(7);
    EXPECT_EQ(r.render(),
              "# HELP latency_seconds Latency.\n"
              "# TYPE latency_seconds histogram\n"
              "latency_seconds_bucket{api=\"Produce\",le=\"0.25\"} 2\n"
              "latency_seconds_bucket{api=\"Produce\",le=\"1\"} 3\n"
              "latency_seconds_bucket{api=\"Produce\",le=\"+Inf\"} 4\n"
              "latency_seconds_sum{api=\"Produce\"} 7.875\n"
              "latency_seconds_count{api=\"Produce\"} 4\n");
}

TEST(metrics, unlabelled_histogram_has_only_le) {
    registry r;
    const double bounds[] = {0.5};
    r.histograms("flush_seconds", "Flush time.", {}, bounds).labels({})->observe(1);
    EXPECT_EQ(r.render(),
              "# HELP flush_seconds Flush time.\n"
              "# TYPE flush_seconds histogram\n"
              "flush_seconds_bucket{le=\"0.5\"} 0\n"
              "flush_seconds_bucket{le=\"+Inf\"} 1\n"
              "flush_seconds_sum 1\n"
              "flush_seconds_count 1\n");
}

TEST(metrics, escapes_label_values_and_help) {
    registry r;
    r.counters("odd_total", "Back\\slash and\nnewline \"quoted\".", {"v"})
        .labels({"a\"b\\c\nd"})
        ->inc();
    EXPECT_EQ(r.render(),
              "# HELP odd_total Back\\\\slash and\\nnewline \"quoted\".\n"
              "# TYPE odd_total counter\n"
              "odd_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(metrics, special_float_values) {
    registry r;
    auto& g = r.gauges("g", "G.", {"k"});
    g.labels({"inf"})->set(std::numeric_limits<double>::infinity());
    g.labels({"nan"})->set(std::numeric_limits<double>::quiet_NaN());
    g.labels({"neg"})->set(-1.5);
    EXPECT_EQ(r.render(),
              "# HELP g G.\n# TYPE g gauge\n"
              "g{k=\"inf\"} +Inf\ng{k=\"nan\"} NaN\ng{k=\"neg\"} -1.5\n");
}

TEST(metrics, same_name_returns_the_same_family_and_child) {
    registry r;
    auto& a = r.counters("c_total", "C.", {"x"});
    auto& b = r.counters("c_total", "C.", {"x"});
    EXPECT_EQ(&a, &b);
    EXPECT_EQ(a.labels({"1"}), b.labels({"1"}));
    EXPECT_NE(a.labels({"1"}), a.labels({"2"}));
}

TEST(metrics, mismatched_reregistration_asserts) {
    registry r;
    r.counters("c_total", "C.", {"x"});
    EXPECT_DEATH(r.counters("c_total", "C.", {"y"}), "registered twice");
    EXPECT_DEATH(r.gauges("c_total", "C."), "registered twice");
}

TEST(metrics, counter_names_must_end_in_total) {
    registry r;
    EXPECT_DEATH(r.counters("requests", "R."), "_total");
    EXPECT_DEATH(r.gauges("bad-name", "B."), "invalid metric name");
}

TEST(metrics, removed_child_stops_rendering_but_stays_usable) {
    registry r;
    auto& f = r.counters("bytes_total", "Bytes.", {"topic"});
    auto a = f.labels({"a"});
    f.labels({"b"})->inc(5);
    a->inc(2);
    EXPECT_EQ(r.sum("bytes_total"), 7);
    f.remove({"a"});
    a->inc();  // a holder may still count
    EXPECT_EQ(r.sum("bytes_total"), 5);
    EXPECT_EQ(
        r.render(),
        "# HELP bytes_total Bytes.\n# TYPE bytes_total counter\nbytes_total{topic=\"b\"} 5\n");
    EXPECT_EQ(f.labels({"a"})->value(), 0u);  // recreated at zero
}

TEST(metrics, sum_of_unknown_family_is_zero) {
    registry r;
    EXPECT_EQ(r.sum("nothing_total"), 0);
}

TEST(metrics, collectors_render_sorted_among_registered_families) {
    registry r;
    r.counters("b_total", "B.").labels({})->inc();
    auto handle = r.add_collector([](sample_sink& sink) {
        sink.gauge("c_size", "Size.", {{"topic", "t"}, {"partition", "0"}}, 42);
        sink.declare("a_lag", "Lag.", metric_type::gauge);
        sink.counter("b_total", "B.", {{"from", "collector"}}, 2);
    });
    EXPECT_EQ(r.render(),
              "# HELP a_lag Lag.\n# TYPE a_lag gauge\n"
              "# HELP b_total B.\n# TYPE b_total counter\n"
              "b_total 1\n"
              "b_total{from=\"collector\"} 2\n"
              "# HELP c_size Size.\n# TYPE c_size gauge\n"
              "c_size{topic=\"t\",partition=\"0\"} 42\n");
}

TEST(metrics, collector_sample_with_conflicting_type_is_dropped) {
    registry r;
    auto handle = r.add_collector([](sample_sink& sink) {
        sink.gauge("x", "X.", {}, 1);
        sink.counter("x_total", "X.", {}, 1);
        sink.add("x", "X.", metric_type::counter, {}, 2);  // dropped: x is a gauge
    });
    EXPECT_EQ(r.render(),
              "# HELP x X.\n# TYPE x gauge\nx 1\n"
              "# HELP x_total X.\n# TYPE x_total counter\nx_total 1\n");
}

TEST(metrics, destroyed_handle_unregisters_the_collector) {
    registry r;
    int calls = 0;
    {
        auto handle = r.add_collector([&](sample_sink& sink) {
            ++calls;
            sink.gauge("v", "V.", {}, 1);
        });
        EXPECT_NE(r.render().find("v 1"), std::string::npos);
        collector_handle moved = std::move(handle);
        EXPECT_FALSE(handle);
        EXPECT_NE(r.render().find("v 1"), std::string::npos);
    }
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(r.render(), "");
    EXPECT_EQ(calls, 2);
    auto again = r.add_collector([&](sample_sink&) { ++calls; });
    again.reset();
    r.render();
    EXPECT_EQ(calls, 2);
}

TEST(metrics, unregistering_waits_for_a_running_scrape) {
    registry r;
    std::atomic<bool> in_collector{false};
    std::atomic<bool> release{false};
    std::atomic<bool> finished{false};
    auto handle = r.add_collector([&](sample_sink&) {
        in_collector = true;
        while (!release) std::this_thread::yield();
        finished = true;
    });
    std::thread scraper([&] { r.render(); });
    while (!in_collector) std::this_thread::yield();
    std::thread unregister([&] {
        handle.reset();
        // The collector must have returned before reset() does.
        EXPECT_TRUE(finished.load());
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    release = true;
    unregister.join();
    scraper.join();
}

TEST(metrics, concurrent_updates_lose_nothing) {
    registry r;
    auto& counters = r.counters("n_total", "N.", {"thread"});
    auto& gauges = r.gauges("g", "G.");
    const double bounds[] = {0.5};
    auto& hist = r.histograms("h_seconds", "H.", {}, bounds);
    constexpr int threads = 4;
    constexpr int per_thread = 20000;
    std::vector<std::thread> workers;
    std::atomic<bool> stop_scraping{false};
    std::thread scraper([&] {
        while (!stop_scraping) r.render();
    });
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            // Half the threads share a child, half create their own: both paths race.
            auto mine = counters.labels({t % 2 == 0 ? "shared" : std::to_string(t)});
            auto g = gauges.labels({});
            auto h = hist.labels({});
            for (int i = 0; i < per_thread; ++i) {
                mine->inc();
                g->add(1);
                h->observe(i % 2 == 0 ? 0.25 : 1.0);
            }
        });
    }
    for (auto& w : workers) w.join();
    stop_scraping = true;
    scraper.join();
    EXPECT_EQ(r.sum("n_total"), threads * per_thread);
    EXPECT_EQ(counters.labels({"shared"})->value(), 2u * per_thread);
    EXPECT_EQ(gauges.labels({})->value(), threads * per_thread);
    auto s = hist.labels({})->read();
    EXPECT_EQ(s.count(), static_cast<uint64_t>(threads * per_thread));
    EXPECT_EQ(s.cumulative[0], static_cast<uint64_t>(threads * per_thread / 2));
    EXPECT_DOUBLE_EQ(s.sum, threads * per_thread / 2 * 1.25);
}

TEST(metrics, process_collector_reports_the_standard_names) {
    registry r;
    auto handle = r.add_collector(collect_process_metrics);
    auto text = r.render();
    for (const char* name :
         {"# TYPE process_cpu_seconds_total counter", "# TYPE process_resident_memory_bytes gauge",
          "# TYPE process_virtual_memory_bytes gauge", "# TYPE process_open_fds gauge",
          "# TYPE process_max_fds gauge", "# TYPE process_start_time_seconds gauge"}) {
        EXPECT_NE(text.find(name), std::string::npos) << name << " missing in\n" << text;
    }
}

TEST(metrics, global_registry_includes_process_metrics) {
    EXPECT_EQ(&global(), &global());
    EXPECT_NE(global().render().find("process_resident_memory_bytes "), std::string::npos);
}

}  // namespace
}  // namespace fjord::metrics
