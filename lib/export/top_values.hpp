#pragma once
/**
 * @file
 * The top N values of a port in one bounded dimension (series_dimensions.hpp: AS numbers), by
 * packets, the rest summed as "other": one rule for the report and /metrics. Distinct sources
 * of "other" add up exactly when each source has one value (its AS).
 */

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "stats/traffic_snapshot.hpp"

namespace scanscope {

struct named_total {
  std::string name; /**< the value in words, or "other" */
  source_total total;
};

/**
 * Values and their totals, most packets first (ties: lower value first), at most `n` of them
 * and "other" for the rest.
 * @param folded incremented by the values summed into "other"
 */
std::vector<named_total> top_values(const std::map<uint32_t, source_total>& by_value, size_t n,
                                    uint64_t& folded);

/** The same for the values of `port` among series-keyed totals. */
std::vector<named_total> top_values_of_port(const std::map<uint64_t, source_total>& by_key,
                                            uint16_t port, size_t n, uint64_t& folded);

}  // namespace scanscope
