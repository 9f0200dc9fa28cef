#pragma once

// The consumer group benchmarks; see bench/README.md for what each measures. Both print
// their report to stdout, throw client_error when the broker fails them, and return the
// process's exit code.

#include "options.h"

namespace fjord::bench {

// --members consumers of one new group settle on --topic; then --rounds times a member joins
// and the oldest leaves, and each rebalance is timed until every member has its assignment.
int run_group_join(const options& opts);

// One member of a new group owning every partition commits explicit offsets for all of them,
// --commit sync or async, for --duration seconds or --commits commits.
int run_offset_commit(const options& opts);

}  // namespace fjord::bench
