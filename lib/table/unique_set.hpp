#pragma once
/**
 * @file
 * Exact "have I seen this (source, port, class) before?" for one RX lcore: an open-addressing
 * set of 64-bit hashes, fixed size, no deletion until reset. Since each source lives on one
 * lcore, per-lcore unique counts add up across lcores.
 */

#include <cstdint>
#include <vector>

#include "common/counter.hpp"

namespace scanscope {

/** Slots of an open-addressing table: `wanted` rounded up to a power of two, at least `least`. */
inline uint64_t table_slots(uint64_t wanted, uint64_t least) {
  uint64_t n = least;
  while (n < wanted) {
    n <<= 1;
  }
  return n;
}

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
    for (unsigned probe = 0;; ++probe) {
      const uint64_t k = slots_[i];
      if (k == key) {
        return false;
      }
      if (k == 0) {
        break;
      }
      // Keys are never placed further than this from their home slot, so a longer search
      // would find nothing: a crowded neighbourhood counts as full.
      if (probe == max_probe) {
        overflow_.add();
        return false;
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

  /** Whether a key was added (and not refused as overflow). */
  bool contains(uint64_t key) const {
    key |= 1;
    uint64_t i = key & mask_;
    for (unsigned probe = 0; probe <= max_probe && slots_[i] != 0; ++probe) {
      if (slots_[i] == key) {
        return true;
      }
      i = (i + 1) & mask_;
    }
    return false;
  }

  /** Start loading the slot a key would probe first. */
  void prefetch(uint64_t key) const { __builtin_prefetch(&slots_[(key | 1) & mask_]); }

  /** Forget every key (a new time bucket). */
  void clear();
  /** Keys in the set. */
  uint64_t size() const { return size_; }
  /** Inserts refused because the set was full. */
  const counter& overflow() const { return overflow_; }

 private:
  static constexpr unsigned max_probe = 32;
  std::vector<uint64_t> slots_;
  uint64_t mask_;
  uint64_t size_ = 0;
  uint64_t limit_;
  counter overflow_;
};

/** Mix several 64-bit words into one key (splitmix64 rounds). */
inline uint64_t set_key(uint64_t a, uint64_t b, uint64_t c) {
  auto mix = [](uint64_t x) {
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
  };
  return mix(a ^ mix(b ^ mix(c)));
}

/**
 * One mixing round over three words: enough to spread keys over the set, a third of the cost
 * of set_key(). For the keys checked on every packet.
 */
inline uint64_t light_set_key(uint64_t a, uint64_t b, uint64_t c) {
  uint64_t x = a ^ ((b * 0x9E3779B97F4A7C15ULL) >> 7 | (b * 0x9E3779B97F4A7C15ULL) << 57) ^
               (c * 0xC2B2AE3D27D4EB4FULL);
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ULL;
  return x ^ (x >> 29);
}

}  // namespace scanscope
