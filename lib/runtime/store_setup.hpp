#pragma once
/**
 * @file
 * The source store for a run: opened at start (a store that cannot be opened stops the run
 * before it starts), fed every bucket the clock closes, its counters in the report, and the
 * list --sources-out writes after an offline run.
 */

#include <memory>
#include <string>

#include "export/json_campaigns.hpp"
#include "export/run_report.hpp"
#include "runtime/options.hpp"
#include "runtime/run_context.hpp"
#include "runtime/source_queries.hpp"
#include "stats/series_clock.hpp"
#include "store/store_feed.hpp"

namespace scanscope {

/**
 * Open the store (unless --source-store none) and hand it every bucket `clock` closes.
 * @return the feed (null with `error` set when the store cannot be used, or without a store)
 */
std::unique_ptr<store_feed> attach_source_store(series_clock& clock, const app_options& o,
                                                const rx_lcores& rx,
                                                const rules_and_databases& tables,
                                                std::string& error);

/**
 * A live run's lookups beyond the store: the buckets `feed` has not written yet and the ones
 * the lcores still fill, named with the current rules. Called on the stats loop's thread (the
 * one that folds buckets), as the HTTP queries are.
 */
unwritten_lookup live_unwritten(const store_feed& feed, const rx_lcores& rx,
                                const rules_and_databases& tables);

/**
 * Every campaign's pivots (what else its sources did while it lasted) from the store, into
 * `r.pivots`. `r` holds the series store and the names (fill_names()). Fingerprint campaigns
 * have none: the store keeps no fingerprints.
 */
void fill_pivots(run_report& r, const source_store& store, const watched_ports& ports,
                 const campaign_filter& only = {});

/** The store's counters into the report, and the lcores' arrivals it had no room for. */
void note_source_store(run_report& report, const store_feed* feed, const rx_lcores& rx);

/**
 * After an offline run: every bucket in the store, then --sources-out written.
 * @return empty, or what went wrong (naming the file or the query)
 */
std::string finish_source_store(store_feed* feed, const app_options& o);

}  // namespace scanscope
