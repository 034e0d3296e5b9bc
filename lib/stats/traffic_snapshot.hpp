#pragma once
/**
 * @file
 * Plain sums of every RX lcore's counters at one moment: what the stats lcore reports from.
 */

#include <array>
#include <cstdint>
#include <vector>

#include "stats/lcore_counters.hpp"

namespace scanscope {

/** Frames to one destination port, for the "top ports" views. */
struct port_count {
  transport proto;  /**< TCP or UDP */
  uint16_t port;    /**< destination port */
  uint64_t packets; /**< frames */
};

struct traffic_snapshot {
  traffic_total total;                                       /**< every frame */
  std::array<traffic_total, protocol_class_count> protocols; /**< by protocol class */
  std::array<uint64_t, parse_result_count> parse{};          /**< by parse result */
  std::vector<traffic_total> watched; /**< by watched-port counter index; [0] is other ports */
  std::vector<port_count> top_ports;  /**< busiest destination ports, most frames first */
  uint64_t first_timestamp_ns = 0;    /**< earliest frame time, 0 when none */
  uint64_t last_timestamp_ns = 0;     /**< latest frame time */
  uint64_t busy_cycles = 0;           /**< TSC cycles spent on non-empty bursts */
  uint64_t total_cycles = 0;          /**< TSC cycles of the poll loops */

  /** Malformed or truncated frames (every parse result that is_malformed()). */
  uint64_t malformed() const;
};

/**
 * Sum counters of several lcores.
 * @param lcores        the counters, one block per RX lcore
 * @param watched_count number of watched ports (the counters hold watched_count + 1 entries)
 * @param top_k         how many of the busiest destination ports to keep
 */
traffic_snapshot fold_counters(const std::vector<const lcore_counters*>& lcores,
                               size_t watched_count, size_t top_k);

}  // namespace scanscope
