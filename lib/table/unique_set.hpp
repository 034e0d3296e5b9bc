#pragma once
/**
 * @file
 * Exact "have I seen this (source, port, class) before?" for one RX lcore: an open-addressing
 * set of 64-bit hashes in cache lines of eight, probed line by line from a key's home line;
 * fixed size, no deletion until reset. Since each source lives on one lcore, per-lcore unique
 * counts add up across lcores.
 */

#include <cstdint>
#include <cstring>
#include <vector>

#include "common/counter.hpp"
#include "table/table_array.hpp"

namespace scanscope {

/** Slots of an open-addressing table: `wanted` rounded up to a power of two, at least `least`. */
inline uint64_t table_slots(uint64_t wanted, uint64_t least) {
  uint64_t n = least;
  while (n < wanted) {
    n <<= 1;
  }
  return n;
}

/**
 * A unique-set key and its home, the hash that picks the cache line the key is kept in. Keys
 * that are looked up together (one source's counts on one port) share a home, so one cache
 * miss brings them all; a key that is its own home spreads like any hash. Every look at a key
 * must give the same home: make both with one helper.
 */
struct set_entry {
  uint64_t key;
  uint64_t home;
};

class unique_set {
 public:
  /** @param slots capacity, rounded up to a power of two; it stops adding at 7/8 full */
  explicit unique_set(uint32_t slots);

  /**
   * Add a key. @return true when the key was not in the set. When the set is too full to add,
   * returns false and counts the miss in overflow(): unique counts are then lower bounds.
   */
  bool insert(set_entry e) {
    const uint64_t key = e.key | 1;  // 0 marks an empty slot
    const uint64_t at = find(e);
    if (at != none && slot(at) == key) {
      return false;
    }
    if (at == none || size_ >= limit_) {
      overflow_.add();
      return false;
    }
    lines_[at / slots_per_line].slot[at % slots_per_line] = key;
    ++size_;
    return true;
  }
  /** A key that is its own home. */
  bool insert(uint64_t key) { return insert({key, key}); }

  /** Whether a key was added (and not refused as overflow). */
  bool contains(set_entry e) const {
    const uint64_t at = find(e);
    return at != none && slot(at) == (e.key | 1);
  }
  bool contains(uint64_t key) const { return contains({key, key}); }

  /** Start loading the line a home picks. */
  void prefetch_home(uint64_t home) const { __builtin_prefetch(&lines_[home & line_mask_]); }
  void prefetch(set_entry e) const { prefetch_home(e.home); }
  void prefetch(uint64_t key) const { prefetch_home(key); }

  /** Forget every key (a new time bucket). */
  void clear();
  /** Keys in the set. */
  uint64_t size() const { return size_; }
  /** Inserts refused because the set was full. */
  const counter& overflow() const { return overflow_; }

 private:
  static constexpr unsigned slots_per_line = 8;
  /** Lines a key may be placed in: 64 slots. */
  static constexpr unsigned max_lines = 8;
  /**
   * The probe-th line of a key: its home line first; then the lines after it for a key that
   * is its own home (linear probing), and for a key that shares its home, lines picked by
   * double hashing on the key's own bits. A group's keys come in bursts of several, and
   * spilling them all into the next lines would build runs of full lines that reach
   * max_lines (overflow) far more often than single keys do; spilled one by one to lines of
   * their own they stay rare.
   */
  static constexpr uint64_t none = ~uint64_t{0};
  /**
   * The slot holding the key, or else the first empty slot of its probe lines (line_of()),
   * where it belongs: no key is ever removed, so the first empty slot ends a search. `none`
   * when all max_lines lines are full without it: a crowded neighbourhood counts as full.
   */
  uint64_t find(set_entry e) const {
    const uint64_t key = e.key | 1;
    for (unsigned probe = 0; probe < max_lines; ++probe) {
      const uint64_t line = line_of(e, probe);
      for (unsigned i = 0; i < slots_per_line; ++i) {
        const uint64_t k = lines_[line].slot[i];
        if (k == key || k == 0) {
          return line * slots_per_line + i;
        }
      }
    }
    return none;
  }
  uint64_t slot(uint64_t at) const { return lines_[at / slots_per_line].slot[at % slots_per_line]; }
  uint64_t line_of(set_entry e, unsigned probe) const {
    if (probe == 0) {
      return e.home & line_mask_;
    }
    if (e.home == e.key) {
      return (e.home + probe) & line_mask_;
    }
    return ((e.key >> 24) + probe * ((e.key >> 44) | 1)) & line_mask_;
  }
  struct alignas(64) line_of_slots {
    uint64_t slot[slots_per_line];
  };
  table_array<line_of_slots> lines_;
  uint64_t line_mask_;
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

inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

/** Hash of a 16-byte source address (IPv4 mapped): what the per-source keys start from. */
inline uint64_t address_hash(const uint8_t* addr16) {
  return light_set_key(load64(addr16), load64(addr16 + 8), 0x5CA9);
}

}  // namespace scanscope
