#pragma once
/**
 * @file
 * The fleet store exporter's counters in the JSON report ("fleet") and in /metrics
 * (scanscope_clickhouse_*), both walked from SCANSCOPE_FLEET_NUMBERS.
 */

#include <string>

#include "export/fleet_delivery.hpp"
#include "export/json_series.hpp"

namespace scanscope {

/** The "fleet" object: null without --clickhouse. */
void write_fleet(json_writer& w, const fleet_delivery& d);

/** The scanscope_clickhouse_* families (nothing without --clickhouse). */
void append_fleet_metrics(std::string& out, const fleet_delivery& d);

}  // namespace scanscope
