#pragma once
/**
 * @file
 * The sources of a closed bucket, in words: the (series key, source) arrivals the RX lcores
 * recorded (stats/bucket_series.hpp) grouped by source, each key named as the series files
 * name it. What the source store takes.
 */

#include <string>
#include <vector>

#include "export/series_files.hpp"
#include "stats/bucket_series.hpp"
#include "store/source_store.hpp"

namespace scanscope {

/**
 * @param arrivals   a closed bucket's arrivals (sorted here)
 * @param names      the names behind series keys
 * @param categories rule slot → its category in the rule file
 */
std::vector<source_sighting> sightings_of(std::vector<source_arrival> arrivals,
                                          const series_names& names,
                                          const std::vector<std::string>& categories);

}  // namespace scanscope
