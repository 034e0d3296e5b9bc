#pragma once
/**
 * @file
 * Which monitored hosts answered scanners, per (host, TCP port): the exposure view of a tap.
 * One table per RX lcore, bounded; when a probe window is full the entry answered least
 * recently is pushed out and counted. Single writer; the stats side reads the fields through
 * counter::read() and copies them out with collect().
 */

#include <cstdint>
#include <vector>

#include "common/counter.hpp"
#include "converse/conversation_counters.hpp"

namespace scanscope {

class exposure_table {
 public:
  /** Countries and rules kept per entry; more are not listed (the counts stay right). */
  static constexpr unsigned max_countries = 8;
  static constexpr unsigned max_rules = 4;

  /** @param slots a power of two */
  explicit exposure_table(uint32_t slots);

  /** The entry of (host, port), made when missing (evicting when full). */
  struct entry;
  entry& touch(const uint8_t* host16, uint16_t port, uint64_t time_ns, counter& evicted);
  /** The entry of (host, port), or null. */
  entry* find(const uint8_t* host16, uint16_t port);

  /** Record one answer to a scanner. `new_source`: first answer to this source here. */
  static void record_answer(entry& e, uint64_t time_ns, uint8_t tool, uint8_t country,
                            bool new_source);
  /** Record a signature hit on a connection the host answered. */
  static void record_rule(entry& e, uint16_t rule);

  /** Copy every entry out (stats side) and append to `out`. */
  void collect(std::vector<exposure_total>& out) const;

  struct entry {
    counter host_high;  /**< host address bytes 0-7 (0 with port_key 0: empty) */
    counter host_low;   /**< bytes 8-15 */
    counter port_key;   /**< port + 1; 0: empty slot */
    counter first_seen_ns;
    counter last_seen_ns;
    counter answers;
    counter sources;
    counter tools;      /**< bit per scan_tool */
    counter countries;  /**< up to 8 country indexes, a byte each (index + 1; 0: none) */
    counter rules;      /**< up to 4 rule slots, 16 bits each (slot + 1; 0: none) */
  };

 private:
  static constexpr unsigned probe_window = 8;
  std::vector<entry> slots_;
  uint64_t mask_;
};

}  // namespace scanscope
