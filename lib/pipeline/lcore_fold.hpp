#pragma once
/**
 * @file
 * Folding the RX lcores' counters into one traffic_snapshot: what the stats side reads of each
 * worker (its counter block, tables and scanner), summed. It sits above the counters
 * (lib/stats), the source tables (lib/source) and the payload scanner (lib/signature), which
 * know nothing of each other.
 */

#include <vector>

#include "converse/exposure_table.hpp"
#include "converse/indicator_table.hpp"
#include "pipeline/worker.hpp"
#include "signature/signature_scanner.hpp"
#include "source/source_table.hpp"
#include "stats/fingerprint_table.hpp"
#include "stats/lcore_stats.hpp"
#include "stats/traffic_snapshot.hpp"
#include "table/unique_set.hpp"
#include "table/value_marks.hpp"

namespace scanscope {

/** What one RX lcore exposes to the stats lcore. */
struct lcore_view {
  const lcore_stats* stats;              /**< everything the lcore counts */
  const fingerprint_table* fingerprints; /**< may be null */
  const source_table* sources;           /**< may be null */
  const unique_set* uniques;             /**< may be null */
  const signature_scanner* scanner;      /**< may be null (no payload rules) */
  const exposure_table* exposure;        /**< may be null */
  const indicator_table* indicators;     /**< may be null (no --emulate) */
  const value_marks* marks = nullptr;    /**< may be null; its overflow is the uniques' too */
};

/** What a worker exposes, every pointer set that the worker has. */
lcore_view view_of(const worker& w);

/**
 * Sum counters of several lcores.
 * @param lcores        the counters, one block per RX lcore
 * @param watched_count number of watched ports (the counters hold watched_count + 1 entries)
 * @param top_k         how many of the busiest destination ports (and fingerprints per port)
 *                      to keep
 * @param rule_count    payload rules (0: no payload scanning)
 */
traffic_snapshot fold_counters(const std::vector<lcore_view>& lcores, size_t watched_count,
                               size_t top_k, size_t rule_count = 0);

}  // namespace scanscope
