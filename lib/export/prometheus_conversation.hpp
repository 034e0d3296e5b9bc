#pragma once
/**
 * @file
 * The conversation families of /metrics: frames by direction, the responder's counters, per
 * (port, tool) how far scanners went, and the exposure view (docs/metrics.md).
 */

#include <string>

#include "export/run_report.hpp"

namespace scanscope {

/** Append the families to `out`. */
void write_conversation_families(std::string& out, const run_report& r, const watched_ports& ports);

}  // namespace scanscope
