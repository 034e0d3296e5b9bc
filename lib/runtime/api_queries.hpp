#pragma once
/**
 * @file
 * The JSON API's query endpoints, answered on the main lcore (which owns the series store):
 *   /api/v1/series?port=&cluster=&signature=&country=&from=&to=&group=
 *   /api/v1/surges
 *   /api/v1/campaigns?port=&scope=&from=&to=   (campaigns and lead changes)
 *   /api/v1/fingerprints/top?port=&n=
 *   /api/v1/sources/top?n=        (once the RX lcores have stopped: after an offline run)
 *   /api/v1/sources/<address>, /api/v1/sources?class=&since=&format=  (the source store:
 *                                 runtime/source_queries.hpp)
 * Examples are in docs/api.md.
 */

#include <string>

#include "runtime/run_context.hpp"
#include "runtime/source_queries.hpp"
#include "store/source_store.hpp"

namespace scanscope {

/** What the queries read. */
struct api_context {
  const series_store* store;
  const rules_and_databases* tables;
  const rx_lcores* rx;
  const app_options* options;
  const source_store* sources; /**< null with --source-store none */
  bool lcores_stopped; /**< the source tables can be read (no RX lcore writes them any more) */
  unwritten_lookup unwritten = {}; /**< live: what the source store has not taken yet */
};

/** Answer one query (404 for an unknown path, 400 naming a bad parameter). */
http_response answer_api(const std::string& target, const api_context& c);

}  // namespace scanscope
