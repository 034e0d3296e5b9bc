#pragma once
/**
 * @file
 * The run report in the Prometheus text exposition format 0.0.4: one `scanscope_` prefix, base
 * units, `_total` counters, HELP and TYPE once per family, families grouped, label values escaped.
 * Countries per port are capped to the top K, the rest folded into country="other".
 */

#include <string>

#include "export/run_report.hpp"

namespace scanscope {

/**
 * Render the metrics page.
 * @param top_countries countries kept per port; the rest are summed into "other" and counted in
 *                      scanscope_country_series_folded
 */
std::string render_prometheus(const run_report& report, const watched_ports& ports,
                              size_t top_countries);

/** Escape a label value (backslash, double quote, newline). */
std::string escape_label(const std::string& value);

}  // namespace scanscope
