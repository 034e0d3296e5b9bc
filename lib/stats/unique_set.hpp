#pragma once
/**
 * @file
 * Exact "have I seen this (source, port, class) before?" for one RX lcore: an open-addressing
 * set of 64-bit hashes, fixed size, no deletion until reset. Since each source lives on one
 * lcore, per-lcore unique counts add up across lcores.
 */

#include <cstdint>
#include <vector>

#include "stats/counter.hpp"

namespace scanscope {

class unique_set {
 public:
  /** @param slots capacity, rounded up to a power of two; it stops adding at 7/8 full */
  explicit unique_set(uint32_t slots);

  /**
   * Add a key. @return true when the key was not in the set. When the set is too full to add,
   * returns false and counts the miss in overflow(): unique counts are then lower bounds.
   */
  bool insert(uint64_t key) {
    key |= 1;  // 0 marks an empty slot
    uint64_t i = key & mask_;
    for (;;) {
      const uint64_t k = slots_[i];
      if (k == key) {
        return false;
      }
      if (k == 0) {
        break;
      }
      i = (i + 1) & mask_;
    }
    if (size_ >= limit_) {
      overflow_.add();
      return false;
    }
    slots_[i] = key;
    ++size_;
    return true;
  }

  /** Forget every key (a new time bucket). */
  void clear();
  /** Keys in the set. */
  uint64_t size() const { return size_; }
  /** Inserts refused because the set was full. */
  const counter& overflow() const { return overflow_; }

 private:
  std::vector<uint64_t> slots_;
  uint64_t mask_;
  uint64_t size_ = 0;
  uint64_t limit_;
  counter overflow_;
};

/** Mix several 64-bit words into one key (splitmix64 rounds). */
inline uint64_t unique_key(uint64_t a, uint64_t b, uint64_t c) {
  auto mix = [](uint64_t x) {
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
  };
  return mix(a ^ mix(b ^ mix(c)));
}

}  // namespace scanscope
