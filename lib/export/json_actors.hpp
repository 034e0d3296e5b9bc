#pragma once
/**
 * @file
 * Known scanning organisations in the JSON report and the API: per actor (and "none", the
 * sources of no known organisation) packets and distinct sources, overall and per port.
 */

#include "export/json_series.hpp"

namespace scanscope {

/** `"actors": [...]` of `counts` (actor_slots entries; null: none); only those with packets
 *  when `seen_only`. */
void write_actors(json_writer& w, const run_report& r, const source_total* counts,
                  bool seen_only);

}  // namespace scanscope
