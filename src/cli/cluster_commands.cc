// fjord cluster info
#include <fmt/format.h>

#include <algorithm>

#include "cli/command.h"
#include "cli/format.h"

namespace fjord::cli {
namespace {

constexpr option_spec info_options[] = {{"--json", "", "print one JSON object"}};
constexpr command_spec info_spec{
    "cluster info", "", 0, 0, "Shows the cluster id, the controller and the brokers.",
    info_options,   {}};

cli_result<void> cluster_info(const client_options& options, const parsed_args& args) {
    auto client = make_client(RD_KAFKA_PRODUCER, options);
    if (!client) return fail(client.error());
    rd_kafka_t* rk = client->get();
    auto md = fetch_metadata(rk, options);
    if (!md) return fail(md.error());
    // Both come from the metadata just fetched, so these return without another round trip.
    std::optional<std::string> cluster_id;
    if (char* id = rd_kafka_clusterid(rk, options.timeout_ms())) {
        cluster_id = id;
        rd_kafka_mem_free(rk, id);
    }
    int32_t controller = rd_kafka_controllerid(rk, options.timeout_ms());
    std::vector<const rd_kafka_metadata_broker_t*> brokers;
    for (int i = 0; i < (*md)->broker_cnt; ++i) brokers.push_back(&(*md)->brokers[i]);
    std::sort(brokers.begin(), brokers.end(), [](auto* a, auto* b) { return a->id < b->id; });

    if (args.has("--json")) {
        json_writer w;
        w.begin_object().key("cluster_id");
        cluster_id ? w.string(*cluster_id) : w.null();
        w.key("controller_id").number(controller);
        w.key("brokers").begin_array();
        for (const auto* b : brokers) {
            w.begin_object().key("id").number(b->id).key("host").string(b->host);
            w.key("port").number(b->port).end_object();
        }
        w.end_array().end_object();
        print(w.str() + "\n");
        return {};
    }
    std::string out = fmt::format("CLUSTER ID  {}\nCONTROLLER  {}\n\n", cluster_id.value_or("-"),
                                  controller >= 0 ? fmt::to_string(controller) : "-");
    text_table table({"ID", "HOST", "PORT", "CONTROLLER"});
    for (const auto* b : brokers) {
        table.add_row({fmt::to_string(b->id), b->host, fmt::to_string(b->port),
                       b->id == controller ? "yes" : ""});
    }
    out += table.render();
    print(out);
    return {};
}

constexpr command table[] = {{&info_spec, cluster_info}};

}  // namespace

std::span<const command> cluster_commands() {
    return table;
}

}  // namespace fjord::cli
