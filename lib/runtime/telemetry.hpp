#pragma once
/**
 * @file
 * DPDK telemetry commands under /scanscope/, readable with dpdk-telemetry.py while a live run
 * (EAL telemetry on) is up: /scanscope/totals, /scanscope/ports, /scanscope/tools. They answer
 * from the figures the main lcore publishes once per status interval.
 */

#include <cstdint>
#include <map>
#include <string>

#include "export/run_report.hpp"

namespace scanscope {

/** Register the commands (once per process, after EAL init). */
void register_telemetry();

/** Publish the figures the commands answer with (main lcore, once per status interval). */
void publish_telemetry(const run_report& report, const watched_ports& ports);

}  // namespace scanscope
