#pragma once
/**
 * @file
 * The index of a clock_hash_table: from a key's 64-bit hash to the position of its entry.
 * Buckets of one cache line hold seven (tag, position) pairs; a key lives in its home bucket
 * or, when that is full, in the next ones, and each bucket counts the keys that went past it
 * (`passed`), so a search stops at the first bucket no key went past: no tombstones, and
 * erasing a key leaves the index as if it had never been added. Sized at most 4/7 full, a key
 * is found in its home bucket nearly always: one cache miss, then the entry's own line.
 */

#include <cstdint>
#include <cstring>
#include <memory>

#include "table/table_array.hpp"

namespace scanscope {

/** A well-mixed 64-bit hash of a key's bytes (keys are a few 8-byte words). */
template <typename Key>
uint64_t key_hash64(const Key& key) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(&key);
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ sizeof(Key);
  size_t i = 0;
  for (; i + 8 <= sizeof(Key); i += 8) {
    uint64_t w;
    std::memcpy(&w, bytes + i, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 31;
  }
  if (i < sizeof(Key)) {
    uint64_t w = 0;
    std::memcpy(&w, bytes + i, sizeof(Key) - i);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
  }
  // Murmur3's finaliser: every input bit reaches the bucket bits and the tag.
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ULL;
  h ^= h >> 33;
  return h;
}

class key_index {
 public:
  static constexpr unsigned per_bucket = 7;

  /** @param entries the most positions ever held at once */
  explicit key_index(uint32_t entries) {
    uint64_t n = 1;
    while (n * per_bucket < uint64_t{entries} * 7 / 4) {
      n <<= 1;
    }
    buckets_ = table_array<bucket>(n);
    mask_ = n - 1;
  }

  /** Start loading the home bucket of a hash. */
  void prefetch(uint64_t hash) const { __builtin_prefetch(&buckets_[hash & mask_]); }

  /**
   * The position of the key with this hash for which `same(position)` is true, or -1.
   * @param same compares the key sought with the entry at a position
   */
  template <typename Same>
  int32_t find(uint64_t hash, Same&& same) const {
    const uint32_t tag = tag_of(hash);
    for (uint64_t b = hash & mask_;; b = (b + 1) & mask_) {
      const bucket& k = buckets_[b];
      for (unsigned i = 0; i < per_bucket; ++i) {
        if (k.position[i] != 0 && k.tag[i] == tag && same(k.position[i] - 1)) {
          return static_cast<int32_t>(k.position[i] - 1);
        }
      }
      if (k.passed == 0) {
        return -1;
      }
    }
  }

  /** The first position in the home bucket whose tag matches (the key unchecked), or -1. */
  int32_t candidate(uint64_t hash) const {
    const uint32_t tag = tag_of(hash);
    const bucket& k = buckets_[hash & mask_];
    for (unsigned i = 0; i < per_bucket; ++i) {
      if (k.position[i] != 0 && k.tag[i] == tag) {
        return static_cast<int32_t>(k.position[i] - 1);
      }
    }
    return -1;
  }

  /** Add a position under a hash (its key known to be absent). */
  void add(uint64_t hash, uint32_t position) {
    for (uint64_t b = hash & mask_;; b = (b + 1) & mask_) {
      bucket& k = buckets_[b];
      for (unsigned i = 0; i < per_bucket; ++i) {
        if (k.position[i] == 0) {
          k.tag[i] = tag_of(hash);
          k.position[i] = position + 1;
          return;
        }
      }
      ++k.passed;  // at most 4/7 full: a bucket with room comes soon
    }
  }

  /** Remove a position added under this hash; nothing happens when it is not there. */
  void erase(uint64_t hash, uint32_t position) {
    const uint64_t home = hash & mask_;
    for (uint64_t b = home;; b = (b + 1) & mask_) {
      bucket& k = buckets_[b];
      for (unsigned i = 0; i < per_bucket; ++i) {
        if (k.position[i] == position + 1) {
          k.position[i] = 0;
          // The key no longer goes past the buckets before its own.
          for (uint64_t p = home; p != b; p = (p + 1) & mask_) {
            --buckets_[p].passed;
          }
          return;
        }
      }
      if (k.passed == 0) {
        return;
      }
    }
  }

  /** Bytes the index takes. */
  uint64_t bytes() const { return (mask_ + 1) * sizeof(bucket); }

 private:
  struct alignas(64) bucket {
    uint32_t tag[per_bucket] = {};
    uint32_t passed = 0;                /**< keys whose search goes on past this bucket */
    uint32_t position[per_bucket] = {}; /**< position + 1; 0: empty */
    uint32_t unused = 0;
  };
  static_assert(sizeof(bucket) == 64, "one cache line per bucket");

  static uint32_t tag_of(uint64_t hash) { return static_cast<uint32_t>(hash >> 32); }

  table_array<bucket> buckets_;
  uint64_t mask_;
};

}  // namespace scanscope
