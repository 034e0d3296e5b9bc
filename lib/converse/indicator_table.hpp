#pragma once
/**
 * @file
 * What emulated conversations gave away, per RX lcore: one entry per (kind, port, value) with
 * how often it came, from how many sources, when first and last, and the first source. Bounded:
 * a full table counts what it could not hold. Single writer (the lcore); an entry's value is
 * written once, before its key is published, so the stats side reads it whole (collect()).
 */

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/counter.hpp"
#include "converse/conversation_counters.hpp"
#include "converse/emulation.hpp"

namespace scanscope {

class indicator_table {
 public:
  /** @param slots a power of two */
  explicit indicator_table(uint32_t slots);

  /** Hash of an indicator: its key in the table and, with the source, in the unique set. */
  static uint64_t hash_of(indicator_kind kind, uint16_t port, std::string_view value);

  /**
   * Count one: `new_source` when the source gave this indicator for the first time.
   * @return false when the table had no room (counted in dropped())
   */
  bool record(uint64_t hash, indicator_kind kind, uint16_t port, std::string_view value,
              const uint8_t* source16, uint64_t time_ns, bool new_source);

  /** Copy every entry out (stats side) and append to `out`. */
  void collect(std::vector<indicator_total>& out) const;
  const counter& dropped() const { return dropped_; }

 private:
  static constexpr unsigned probe_window = 16;
  struct entry {
    std::atomic<uint64_t> key{0}; /**< hash | 1 once the entry is whole; 0: empty */
    indicator_kind kind = indicator_kind::url;
    uint8_t length = 0;
    uint16_t port = 0;
    char text[emulated_indicator::max_text];
    uint8_t first_source[16];
    counter count;
    counter sources;
    counter first_seen_ns;
    counter last_seen_ns;
  };
  std::vector<entry> slots_;
  uint64_t mask_;
  counter dropped_;
};

/** Sum the lcores' entries of one (kind, port, value) and order them: most sources first. */
void merge_indicators(std::vector<indicator_total>& entries);

}  // namespace scanscope
