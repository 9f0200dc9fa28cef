// fjord: the broker (`fjord serve`) and the command-line client (src/cli).
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/logger.h"
#include "broker/broker.h"
#include "broker/config_file.h"
#include "cli/cli.h"
#include "http/http_server.h"

namespace {

constexpr int exit_usage = 2;
constexpr int exit_failure = 1;

constexpr std::string_view usage_text = R"(usage: fjord serve [options]

Runs one broker that speaks the Kafka protocol.

options:
  --config FILE          read broker properties from FILE (Java properties syntax, e.g.
                         num.partitions=3); the options below override it
  --listen HOST:PORT     Kafka listener (default 127.0.0.1:9092; port 0 picks a free port)
  --data-dir DIR         where topics are stored (default ./data)
  --port-file FILE       write the bound Kafka port to FILE once listening
  --http HOST:PORT       console, admin API and /metrics (default 127.0.0.1:8080; port 0 picks
                         a free port; "off" serves no HTTP)
  --http-port-file FILE  write the bound HTTP port to FILE once listening
  --log-level LEVEL      trace, debug, info (default), warn, error
  --set NAME=VALUE       set a broker property by its Kafka name, e.g.
                         --set num.partitions=3 --set auto.create.topics.enable=false
  -h, --help             show this help
)";

int usage_error(const std::string& message) {
    std::fprintf(stderr, "fjord: %s\n\n%s", message.c_str(), std::string(usage_text).c_str());
    return exit_usage;
}

int config_error(const std::string& message) {
    std::fprintf(stderr, "fjord: %s\n", message.c_str());
    return exit_usage;
}

// Written then renamed, so a reader never sees a partial file.
bool write_port_file(const std::string& path, uint16_t port) {
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << port << '\n';
        if (!out.flush()) return false;
    }
    return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// Fetch reads land in fresh buffers of up to a partition's max bytes. With glibc's defaults the
// larger ones are mmapped and every free trims the arena, so each read faulted in and zeroed new
// pages (43% of the broker's fetch CPU in docs/profile.md). Keeping freed memory for reuse
// halves the broker's CPU per byte served (consume of 300k x 1 KiB: 154 -> 59 CPU ticks); the
// price is up to the trim threshold of free memory held per arena (RSS after a produce run:
// 22 -> 33 MiB).
void keep_freed_memory_for_reuse() {
    constexpr int mmap_threshold = 32 << 20;
    constexpr int trim_threshold = 16 << 20;
    mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    mallopt(M_TRIM_THRESHOLD, trim_threshold);
}

// A partition holds one descriptor per segment and a client one per connection, so the soft
// limit (often 1024 in a login shell) would stop a broker at a few hundred partitions. The hard
// limit is the administrator's; raising the soft one to it is what a JVM running Kafka does.
void raise_open_file_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
    limit.rlim_cur = limit.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &limit);
}

int serve(const std::vector<std::string_view>& args) {
    keep_freed_memory_for_reuse();
    raise_open_file_limit();
    fjord::broker::broker_config config;
    std::string port_file;
    std::string http_port_file;
    std::optional<fjord::http::http_config> http_config = fjord::http::http_config{};
    std::string log_level = "info";
    std::optional<std::string> config_file;
    // Properties from the command line, in order; applied after the config file so they win.
    std::vector<std::pair<std::string, std::string>> overrides;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (arg == "-h" || arg == "--help") {
            std::fputs(std::string(usage_text).c_str(), stdout);
            return 0;
        }
        if (i + 1 >= args.size()) {
            if (arg.starts_with("-")) return usage_error(fmt::format("{} needs a value", arg));
            return usage_error(fmt::format("unexpected argument '{}'", arg));
        }
        std::string_view value = args[++i];
        if (arg == "--config") {
            if (config_file) return usage_error("--config is given twice");
            config_file = std::string(value);
        } else if (arg == "--listen") {
            overrides.emplace_back("listeners", value);
        } else if (arg == "--data-dir") {
            overrides.emplace_back("log.dirs", value);
        } else if (arg == "--port-file") {
            port_file = std::string(value);
        } else if (arg == "--http") {
            if (value == "off") {
                http_config.reset();
            } else {
                auto parsed = fjord::http::parse_http_listen(value);
                if (!parsed) return usage_error(parsed.error());
                http_config = std::move(parsed).value();
            }
        } else if (arg == "--http-port-file") {
            http_port_file = std::string(value);
        } else if (arg == "--log-level") {
            if (value != "trace" && value != "debug" && value != "info" && value != "warn" &&
                value != "error") {
                return usage_error(fmt::format("unknown log level '{}'", value));
            }
            log_level = std::string(value);
        } else if (arg == "--set") {
            auto eq = value.find('=');
            if (eq == std::string_view::npos) {
                return usage_error(fmt::format("--set takes NAME=VALUE, got '{}'", value));
            }
            overrides.emplace_back(value.substr(0, eq), value.substr(eq + 1));
        } else {
            return usage_error(fmt::format("unknown option '{}'", arg));
        }
    }
    if (config_file) {
        if (auto r = fjord::broker::load_config_file(*config_file, config); !r) {
            return config_error(r.error());
        }
    }
    for (const auto& [name, value] : overrides) {
        if (auto r = config.set(name, value); !r) return usage_error(r.error());
    }
    if (auto r = config.resolve(); !r) return config_error(r.error());
    fjord::set_log_level(log_level);

    // Block the stop signals in every thread; the main thread waits for them below.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    fjord::broker::broker broker(std::move(config));
    if (auto r = broker.start(); !r) {
        fjord::module_logger("app")->critical("{}", r.error());
        return exit_failure;
    }
    std::unique_ptr<fjord::http::http_server> http;
    if (http_config) {
        http = std::make_unique<fjord::http::http_server>(*http_config, broker.services());
        if (auto r = http->start(); !r) {
            fjord::module_logger("app")->critical("{}", r.error());
            broker.stop();
            return exit_failure;
        }
    }
    // The HTTP port first: a reader of the Kafka port file may then rely on both.
    if (http && !http_port_file.empty() && !write_port_file(http_port_file, http->port())) {
        fjord::module_logger("app")->critical("cannot write port file {}", http_port_file);
        http->stop();
        broker.stop();
        return exit_failure;
    }
    if (!port_file.empty() && !write_port_file(port_file, broker.port())) {
        fjord::module_logger("app")->critical("cannot write port file {}", port_file);
        if (http) http->stop();
        broker.stop();
        return exit_failure;
    }
    int received = 0;
    sigwait(&stop_signals, &received);
    fjord::module_logger("app")->info("received {}, shutting down", strsignal(received));
    // HTTP handlers use the broker's state: they finish before the broker goes away.
    if (http) http->stop();
    broker.stop();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string_view> args(argv + 1, argv + argc);
    if (!args.empty() && args[0] == "serve") return serve({args.begin() + 1, args.end()});
    // Every other command, and the top-level help, belongs to the Kafka client (src/cli).
    return fjord::cli::run(args);
}
