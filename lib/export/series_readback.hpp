#pragma once
/**
 * @file
 * Reading series files back at start (`--series-dir`): the buckets an earlier run wrote become
 * the series store's memory again, so baselines and open campaigns survive a restart.
 */

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "export/series_files.hpp"
#include "stats/campaign_detector.hpp"

namespace scanscope {

/** The lines a rerun over the same captures counts again: its input's, of these buckets. */
struct recount_filter {
  std::string input;                        /**< the lines' `input` field */
  const std::set<int64_t>* buckets = nullptr;
};

/** What was read back. */
struct series_readback {
  std::map<int64_t, bucket_points> buckets; /**< the newest `retention` buckets */
  bool partial_last = false;                /**< the newest bucket was cut short by a stop */
  size_t files = 0;                         /**< JSON Lines files read */
  uint64_t lines = 0;                       /**< lines taken */
  uint64_t skipped = 0;      /**< lines naming a port, cluster, rule or country not known now */
  uint64_t malformed = 0;    /**< lines that are not series lines (a torn last write) */
  /** Lines set aside: a bucket after the input's start (a clock that jumped ahead, then back),
   *  or counts no sensor can reach in one bucket. Detection goes on as if they were not there. */
  uint64_t set_aside = 0;
  uint64_t recounted = 0;    /**< lines this run counts again (a rerun's own), not read */
  std::set<int64_t> recounted_buckets; /**< the buckets those lines were of */
  std::string first_problem; /**< FILE:LINE and the reason of the first skipped line */
  std::string first_set_aside; /**< FILE:LINE and the reason of the first line set aside */
  std::string error;         /**< the folder or a file cannot be read, or another width */
};

/**
 * Read every `scanscope-DAY.jsonl` under `dir` (a missing folder reads as empty). Lines of the
 * same bucket and key add up: a bucket a restart cut in two is written by both runs.
 * @param not_after_ns the input's start: a bucket starting later is set aside, not read
 * @param recounted lines this run counts again (a rerun over the same captures): not read
 */
series_readback read_series_files(const std::string& dir, const series_names& names,
                                  uint64_t bucket_ns, size_t retention,
                                  uint64_t not_after_ns = UINT64_MAX,
                                  const struct recount_filter* recounted = nullptr);

}  // namespace scanscope
