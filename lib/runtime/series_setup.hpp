#pragma once
/**
 * @file
 * The stats side's time series for a run: the series store read back from the series files,
 * the clock that closes buckets and logs what the detectors found, the series files it appends
 * to, and the names behind series keys.
 */

#include <memory>
#include <optional>
#include <string>

#include "export/run_report.hpp"
#include "export/series_files.hpp"
#include "export/series_ledger.hpp"
#include "runtime/options.hpp"
#include "runtime/run_context.hpp"
#include "stats/series_clock.hpp"
#include "stats/series_store.hpp"

namespace scanscope {

/**
 * With --series-dir, read back what earlier runs wrote there into `store` (before any bucket
 * closes), and say on standard error what was read.
 * @return empty, or why the folder cannot be used (the run should not start)
 */
std::string restore_series(series_store& store, const app_options& o,
                           const rules_and_databases& tables, series_ledger* ledger);

/**
 * With --series-dir, open the folder's written-buckets record for this input (a capture
 * identity, or none for a live run): a bucket whose write a crash cut short is taken back
 * (said on standard error). Call before restore_series.
 * @return null without --series-dir, or with `error` set when the record cannot be used
 */
std::unique_ptr<series_ledger> open_series_ledger(const app_options& o,
                                                  std::optional<uint64_t> input,
                                                  std::string& error);

/** A series clock that logs surges, campaigns and lead changes with their names. */
series_clock make_series_clock(series_store& store, const app_options& o,
                               const rules_and_databases& tables, const rx_lcores& rx);

/** The names behind series keys, from the tables in use. */
series_names names_of(const rules_and_databases& tables);

/**
 * With --series-dir, append each closed bucket to the day's series files.
 * @return the writer (null without --series-dir); keep it for the run
 */
std::unique_ptr<series_files> attach_series_files(series_clock& clock, const app_options& o,
                                                  const rules_and_databases& tables,
                                                  std::unique_ptr<series_ledger> ledger);

/** What the series files wrote and failed to write, into the report (files may be null). */
void note_series_files(run_report& report, const series_files* files);

/**
 * The report's names: clusters, rules, countries, the bucket width, and the fingerprint keys
 * the campaigns name, in words (looked up in the RX lcores' fingerprint tables).
 */
void fill_names(run_report& report, const rx_lcores& rx, const rules_and_databases& tables,
                const app_options& o, const series_store& series);

}  // namespace scanscope
