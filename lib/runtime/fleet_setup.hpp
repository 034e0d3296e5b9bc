#pragma once
/**
 * @file
 * The fleet store for a run: with --clickhouse, an exporter that each closed bucket is handed
 * to as rows, its counters in the report, and its flush at the end of the run.
 */

#include <memory>
#include <optional>
#include <string>

#include "export/run_report.hpp"
#include "fleet/clickhouse_exporter.hpp"
#include "runtime/options.hpp"
#include "runtime/run_context.hpp"
#include "stats/series_clock.hpp"
#include "stats/series_store.hpp"

namespace scanscope {

/**
 * With --clickhouse, start the exporter and hand it every bucket `clock` closes. With
 * `input` (the captures' identity) and --rerun fill, it is the rows' `run` key.
 * @return the exporter (null without --clickhouse, or with `error` set when its spool folder
 *         cannot be used)
 */
std::unique_ptr<clickhouse_exporter> attach_fleet(series_clock& clock, const app_options& o,
                                                  const rules_and_databases& tables,
                                                  const rx_lcores& rx, const series_store& store,
                                                  std::optional<uint64_t> input,
                                                  std::string& error);

/** The exporter's counters into the report; call before fill_report(), which adds the
 *  lcores' arrivals_dropped. */
void note_fleet(run_report& report, const clickhouse_exporter* exporter);

/** End of the run: deliver within --clickhouse-flush, spool the rest, and say which. */
void finish_fleet(clickhouse_exporter* exporter, const app_options& o);

}  // namespace scanscope
