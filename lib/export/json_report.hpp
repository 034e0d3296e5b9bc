#pragma once
/**
 * @file
 * The run report as a JSON document (see docs/report.md for the schema).
 */

#include <string>

#include "export/run_report.hpp"

namespace scanscope {

/** Render the report; `ports` names the watched-port counters. */
std::string render_json_report(const run_report& report, const watched_ports& ports);

/**
 * Write the report to `path` (atomically: a temporary file renamed over it).
 * @return empty on success, else a message naming the path and the OS error
 */
std::string write_json_report(const std::string& path, const run_report& report,
                              const watched_ports& ports);

}  // namespace scanscope
