#pragma once
/**
 * @file
 * All the metric families scanscope exports: the declared
 * families (stats/counter_families.hpp), the responder's scalar counters and the fleet store's
 * numbers. What `scanscope --counter-families` prints and the tests walk.
 */

#include <string>
#include <vector>

namespace scanscope {

struct catalogued_family {
  std::string metric; /**< full metric name */
  std::string kind;   /**< "counter" or "gauge" */
  std::string labels; /**< label names, space-separated */
  std::string report; /**< paths in the JSON report, space-separated ('*': every element) */
  std::string when;   /**< "always", "offline", "bucket_closed", or "clickhouse" (with --clickhouse) */
  std::string help;
};

/** Every family, declared order. */
const std::vector<catalogued_family>& counter_catalogue();

/** The catalogue as a JSON array of objects with the fields above. */
std::string counter_catalogue_json();

}  // namespace scanscope
