// The command table of the `fjord` client: every command is a spec (options, usage) and a
// function. Each command group lives in its own file and exposes its table here.
#pragma once

#include <span>
#include <string_view>

#include "cli/args.h"
#include "cli/client.h"
#include "cli/error.h"

namespace fjord::cli {

using command_fn = cli_result<void> (*)(const client_options&, const parsed_args&);

struct command {
    const command_spec* spec;  // static storage
    command_fn run;
};

std::span<const command> topic_commands();
std::span<const command> produce_commands();
std::span<const command> consume_commands();
std::span<const command> group_commands();
std::span<const command> cluster_commands();
std::span<const command> config_commands();

// Writes to stdout; the commands' only output channel for results (errors go to stderr through
// the dispatcher).
void print(std::string_view text);

}  // namespace fjord::cli
