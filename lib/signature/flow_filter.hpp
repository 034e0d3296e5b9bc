#pragma once
/**
 * @file
 * Which TCP flows the scanner may be following: a counting filter in front of its flow table.
 * Every SYN to a port some rule covers must end a tracked flow on the same addresses and ports
 * (a scanner reusing its 4-tuple), and nearly every SYN a sensor sees belongs to no tracked
 * flow: the filter answers that from one byte instead of a hash-table lookup. It never says
 * "absent" for a tracked flow; a false "maybe" costs only the lookup it would have saved.
 */

#include <cstdint>
#include <cstring>
#include <vector>

#include "signature/flow_key.hpp"
#include "table/unique_set.hpp"

namespace scanscope {

class flow_filter {
 public:
  /** Two counters per flow the table holds, rounded up to a power of two: a full table answers
   *  a false "maybe" for two in five new flows, and the counters stay small enough for L2. */
  explicit flow_filter(uint32_t flow_capacity) {
    size_t n = 64;
    while (n < size_t{flow_capacity} * 2) {
      n *= 2;
    }
    counts_.assign(n, 0);
    mask_ = n - 1;
  }

  static uint64_t hash(const uint8_t* src16, const uint8_t* dst16, uint16_t src_port,
                       uint16_t dst_port) {
    uint64_t w[4];
    std::memcpy(w, src16, 16);
    std::memcpy(w + 2, dst16, 16);
    return light_set_key(w[0] ^ w[1], w[2] ^ w[3], (uint64_t{src_port} << 16) | dst_port);
  }
  static uint64_t hash(const flow_key& k) { return hash(k.src, k.dst, k.src_port, k.dst_port); }

  /** False only when no flow with this hash is tracked. */
  bool may_hold(uint64_t h) const { return counts_[h & mask_] != 0; }

  /** Start loading the counter of a hash (a burst's packets are classified before scanned). */
  void prefetch(uint64_t h) const { __builtin_prefetch(&counts_[h & mask_]); }

  void add(uint64_t h) {
    uint8_t& c = counts_[h & mask_];
    if (c != saturated) {
      ++c;
    }
  }

  /** A counter that reached `saturated` stays there: it can no longer say how many are left. */
  void remove(uint64_t h) {
    uint8_t& c = counts_[h & mask_];
    if (c != saturated && c != 0) {
      --c;
    }
  }

 private:
  static constexpr uint8_t saturated = 255;
  std::vector<uint8_t> counts_;
  size_t mask_ = 0;
};

}  // namespace scanscope
