#pragma once
/**
 * @file
 * The event log for a run: opened at start over the RX lcores' alert rings (a file that cannot
 * be opened stops the start), fed each closed bucket's campaign events, its rule names kept in
 * step with reloads, its counters in the report.
 */

#include <memory>
#include <string>

#include "export/run_report.hpp"
#include "runtime/event_log.hpp"
#include "runtime/options.hpp"
#include "runtime/run_context.hpp"
#include "stats/series_clock.hpp"
#include "stats/series_store.hpp"

namespace scanscope {

/**
 * With --events, open the log and hand it the campaign events of every bucket `clock` closes.
 * @return the log (null without --events, or with `error` set)
 */
std::unique_ptr<event_log> attach_event_log(series_clock& clock, const app_options& o,
                                            const rules_and_databases& tables,
                                            const rx_lcores& rx, const series_store& store,
                                            std::string& error);

/** The rule file's names and categories by slot, for the log's alerts. */
std::vector<alert_rule> alert_rules_of(const rules_and_databases& tables);

/** The log's counters into the report. */
void note_events(run_report& report, const event_log* log);

}  // namespace scanscope
