#pragma once
/**
 * @file
 * Which values a source was already counted under, one entry per (source, port) (or per source
 * over all traffic): a bit per value of the few dimensions a source shows several values of on
 * one port. A new (source, port) pair is one entry added, and each of its counts one bit set in
 * that entry, where a key per count would be a look each in the unique set (unique_set.hpp).
 * Open addressing in 64-byte lines of four entries; fixed size, no deletion until clear().
 */

#include <cstdint>

#include "common/counter.hpp"
#include "table/table_array.hpp"

namespace scanscope {

/** One (source, port)'s marks: the values it was counted under. */
struct alignas(16) marked_values {
  static constexpr unsigned value_bits = 64;
  uint64_t key;  /**< 0: an empty entry */
  uint64_t bits; /**< value bit i: counted under value i (stats/series_dimensions.hpp) */

  /** Mark value bit `i`. @return true when it was not marked before */
  bool mark(unsigned i) {
    const uint64_t bit = uint64_t{1} << i;
    const bool fresh = (bits & bit) == 0;
    bits |= bit;
    return fresh;
  }
  bool marked(unsigned i) const { return (bits >> i & 1) != 0; }
};
static_assert(sizeof(marked_values) == 16, "four entries a cache line");

class value_marks {
 public:
  /** @param entries capacity, rounded up to a power of two (at least 64); it stops adding at
   *  7/8 full */
  explicit value_marks(uint64_t entries);

  /**
   * The entry of `key`, added (all values unmarked, `added` true) when it was not there. Null
   * when the table is too full to add: counted in overflow(), and the counts it would have
   * made are lower bounds.
   */
  marked_values* find_or_add(uint64_t key, bool& added) {
    added = false;
    const uint64_t k = key | 1;  // 0 marks an empty entry
    marked_values* e = find(k);
    if (e != nullptr && e->key == k) {
      return e;
    }
    if (e == nullptr || size_ >= limit_) {
      overflow_.add();
      return nullptr;
    }
    e->key = k;
    ++size_;
    added = true;
    return e;
  }

  /** The entry of `key`, or null when it was never added. */
  marked_values* find_existing(uint64_t key) {
    marked_values* e = find(key | 1);
    return e != nullptr && e->key == (key | 1) ? e : nullptr;
  }

  /** Start loading the line `key` is looked up in first (its stored form's home). */
  void prefetch(uint64_t key) const { __builtin_prefetch(&lines_[line_of(key | 1, 0)]); }

  /** Forget every entry (a new time bucket). */
  void clear();
  /** Entries in the table. */
  uint64_t size() const { return size_; }
  /** Entries refused because the table was full. */
  const counter& overflow() const { return overflow_; }

 private:
  static constexpr unsigned per_line = 4;
  /** Lines an entry may be placed in: its home line, then lines picked by double hashing on
   *  the key's own bits (as the unique set's keys that share a home). Twice the set's: a
   *  line of four fills sooner than one of eight. */
  static constexpr unsigned max_lines = 16;

  /** The entry holding key `k`, or else the first empty entry of its probe lines; null when
   *  all of them are full without it. */
  marked_values* find(uint64_t k) {
    for (unsigned probe = 0; probe < max_lines; ++probe) {
      line& l = lines_[line_of(k, probe)];
      for (marked_values& e : l.entry) {
        if (e.key == k || e.key == 0) {
          return &e;
        }
      }
    }
    return nullptr;
  }
  uint64_t line_of(uint64_t k, unsigned probe) const {
    return probe == 0 ? k & line_mask_ : ((k >> 24) + probe * ((k >> 44) | 1)) & line_mask_;
  }
  struct alignas(64) line {
    marked_values entry[per_line];
  };
  table_array<line> lines_;
  uint64_t line_mask_;
  uint64_t size_ = 0;
  uint64_t limit_;
  counter overflow_;
};

}  // namespace scanscope
