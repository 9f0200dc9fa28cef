// The standard process_* metrics every Prometheus exporter offers (memory, CPU, file
// descriptors, start time), read from /proc/self at scrape time. Linux only; a value that
// cannot be read is left out of the scrape.
#pragma once

#include "base/metrics.h"

namespace fjord::metrics {

// A collector (registry::add_collector); metrics::global() registers it.
void collect_process_metrics(sample_sink& sink);

}  // namespace fjord::metrics
