#pragma once
/**
 * @file
 * A fixed-size table of (64-bit key → packets, sources) for one RX lcore, for counters whose
 * keys are too many to lay out densely (port x signature x country, ...). The owning lcore adds;
 * other threads read entries whose key they see set. A full table, or a key that finds no slot
 * within a short probe, returns null and the caller counts the miss.
 */

#include <atomic>
#include <cstdint>
#include <memory>

#include "common/counter.hpp"
#include "table/unique_set.hpp"

namespace scanscope {

/** One (key → packets, sources) entry. */
struct keyed_entry {
  std::atomic<uint64_t> key{0}; /**< 0: empty; set (release) once the entry is in use */
  counter packets;              /**< packets or hits */
  counter sources;              /**< distinct sources */
};

class keyed_counters {
 public:
  /** @param entries capacity, rounded up to a power of two; it stops adding at 7/8 full */
  explicit keyed_counters(uint32_t entries);

  /** The entry of a non-zero key, added if new; null when there is no room. */
  keyed_entry* find_or_add(uint64_t key);

  /** The entry of `key` when present, else null; safe from another thread. */
  const keyed_entry* find(uint64_t key) const;

  /** Start loading the line find_or_add(key) looks at first. */
  void prefetch(uint64_t key) const { __builtin_prefetch(&entries_[home(key)]); }

  /** Forget every entry (owning lcore only, when no reader looks: see bucket_series). */
  void clear();

  /** Visit every entry in use; safe from another thread. */
  template <typename F>
  void for_each(F&& f) const {
    for (uint64_t i = 0; i <= mask_; ++i) {
      const uint64_t key = entries_[i].key.load(std::memory_order_acquire);
      if (key != 0) {
        f(key, entries_[i]);
      }
    }
  }

  uint64_t capacity() const { return mask_ + 1; }

 private:
  static constexpr unsigned max_probe = 16;
  uint64_t home(uint64_t key) const { return light_set_key(key, 0x5e7, 0) & mask_; }

  std::unique_ptr<keyed_entry[]> entries_;
  uint64_t mask_;
  uint64_t used_ = 0;
};

}  // namespace scanscope
