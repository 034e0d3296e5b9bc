#pragma once
/**
 * @file
 * The stats side's series for one run, live or offline, set up in one place: the store (read
 * back from --series-dir), the clock that closes its buckets over the RX lcores' slots, and what
 * the clock feeds (the series files, the fleet store's exporter).
 */

#include <memory>
#include <optional>
#include <string>

#include "export/series_files.hpp"
#include "fleet/clickhouse_exporter.hpp"
#include "runtime/event_log.hpp"
#include "store/store_feed.hpp"
#include "runtime/options.hpp"
#include "runtime/run_context.hpp"
#include "stats/series_clock.hpp"
#include "stats/series_store.hpp"

namespace scanscope {

struct run_series {
  run_series(const app_options& o, const rules_and_databases& tables, const rx_lcores& rx);

  /** What the captures are (capture_identity); none for a live run, or captures not read. */
  std::optional<uint64_t> input;
  series_store store;
  series_clock clock;                           /**< closes buckets of `store` */
  std::unique_ptr<series_files> files;          /**< null without --series-dir */
  std::unique_ptr<clickhouse_exporter> fleet;   /**< null without --clickhouse */
  std::unique_ptr<store_feed> sources;          /**< null without --source-store */
  std::unique_ptr<event_log> events;            /**< null without --events */
};

/**
 * The run's series, attached to the RX lcores' bucket slots.
 * @return null, with `error` set, when the series folder or the fleet store cannot be used
 *         (the run should not start)
 */
std::unique_ptr<run_series> set_up_series(const app_options& o, const rules_and_databases& tables,
                                          const rx_lcores& rx, std::string& error);

}  // namespace scanscope
