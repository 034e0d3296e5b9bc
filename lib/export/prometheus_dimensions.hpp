#pragma once
/**
 * @file
 * The /metrics families of the dimensions each RX lcore counts densely (clusters, tools,
 * actors, techniques, tools by payload): written by one walk of the registry
 * (stats/series_dimensions.hpp), each row's families as its `metrics` name them.
 */

#include <string>

#include "export/run_report.hpp"
#include "stats/watched_ports.hpp"

namespace scanscope {

void write_dimension_families(std::string& out, const run_report& r, const watched_ports& ports);

}  // namespace scanscope
