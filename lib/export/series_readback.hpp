#pragma once
/**
 * @file
 * Reading series files back at start (`--series-dir`): the buckets an earlier run wrote become
 * the series store's memory again, so baselines and open campaigns survive a restart.
 */

#include <cstdint>
#include <map>
#include <string>

#include "export/series_files.hpp"
#include "stats/campaign_detector.hpp"

namespace scanscope {

/** What was read back. */
struct series_readback {
  std::map<int64_t, bucket_points> buckets; /**< the newest `retention` buckets */
  bool partial_last = false;                /**< the newest bucket was cut short by a stop */
  size_t files = 0;                         /**< JSON Lines files read */
  uint64_t lines = 0;                       /**< lines taken */
  uint64_t skipped = 0;      /**< lines naming a port, cluster, rule or country not known now */
  uint64_t malformed = 0;    /**< lines that are not series lines (a torn last write) */
  std::string first_problem; /**< FILE:LINE and the reason of the first skipped line */
  std::string error;         /**< the folder or a file cannot be read, or another width */
};

/**
 * Read every `scanscope-DAY.jsonl` under `dir` (a missing folder reads as empty). Lines of the
 * same bucket and key add up: a bucket a restart cut in two is written by both runs.
 */
series_readback read_series_files(const std::string& dir, const series_names& names,
                                  uint64_t bucket_ns, size_t retention);

}  // namespace scanscope
