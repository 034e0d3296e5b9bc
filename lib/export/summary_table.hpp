#pragma once
/**
 * @file
 * Human-readable views of the run report: the end-of-run table and the one-line live status.
 */

#include <string>

#include "export/run_report.hpp"

namespace scanscope {

/** Multi-line summary printed at the end of every run. */
std::string render_summary_table(const run_report& report, const watched_ports& ports);

/**
 * One status line: rate since the previous snapshot, drops, top ports.
 * @param now      current snapshot
 * @param before   snapshot one interval ago
 * @param seconds  interval length
 * @param drops    device drops so far (imissed + ierrors + rx_nombuf)
 */
std::string render_status_line(const traffic_snapshot& now, const traffic_snapshot& before,
                               double seconds, uint64_t drops, const watched_ports& ports);

/** Format a Unix time in nanoseconds as ISO 8601 UTC with milliseconds. */
std::string format_utc(uint64_t time_ns);

}  // namespace scanscope
