#pragma once
/**
 * @file
 * Quantiles of a bucket history, for the surge and campaign detectors' baselines.
 */

#include <algorithm>
#include <cstdint>
#include <vector>

namespace scanscope {

/** The p-th quantile (0..1) of sorted, non-empty values, by linear interpolation. */
inline double quantile_of_sorted(const std::vector<uint64_t>& sorted, double p) {
  const double at = p * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<size_t>(at);
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return static_cast<double>(sorted[lo]) +
         (at - static_cast<double>(lo)) *
             (static_cast<double>(sorted[hi]) - static_cast<double>(sorted[lo]));
}

}  // namespace scanscope
