#pragma once
/**
 * @file
 * Packets and sources per (destination port, fingerprint key) for one RX lcore: the data
 * behind "top fingerprints per port". Fixed size; a full table counts what it could not place.
 * The owning lcore writes; the stats lcore reads slots whose `used` flag it sees set.
 */

#include <atomic>
#include <cstdint>
#include <memory>

#include "common/counter.hpp"
#include "fingerprint/fingerprint_key.hpp"

namespace scanscope {

struct fingerprint_slot {
  std::atomic<uint32_t> used{0}; /**< set (release) after port_index and key are written */
  uint16_t port_index = 0;       /**< watched-port counter index (0: other ports) */
  fingerprint_key key;           /**< the header fingerprint */
  counter packets;               /**< packets with this key to this port */
  counter sources;               /**< distinct sources that sent them */
};

class fingerprint_table {
 public:
  /** @param slots capacity, rounded up to a power of two; it stops adding at 7/8 full */
  explicit fingerprint_table(uint32_t slots);

  /**
   * The slot of (port, key), added if new; nullptr (and counted) when the table is full.
   * @param key_hash key.hash(), which the caller usually has already
   */
  fingerprint_slot* find_or_add(uint16_t port_index, const fingerprint_key& key, uint64_t key_hash);
  fingerprint_slot* find_or_add(uint16_t port_index, const fingerprint_key& key) {
    return find_or_add(port_index, key, key.hash());
  }

  /** A slot's index, for at(); slots never move nor change key. */
  uint32_t index_of(const fingerprint_slot& s) const {
    return static_cast<uint32_t>(&s - slots_.get());
  }
  fingerprint_slot& at(uint32_t index) { return slots_[index]; }
  /** Count `n` more packets that found no slot (their key was refused before). */
  void refused(uint64_t n) { overflow_.add(n); }

  /** Start loading the slot (port, key) would probe first. */
  void prefetch(uint16_t port_index, uint64_t key_hash) const {
    __builtin_prefetch(&slots_[slot_of(port_index, key_hash)]);
  }

  /** Visit every used slot; safe from another thread. */
  template <typename F>
  void for_each(F&& f) const {
    for (uint64_t i = 0; i <= mask_; ++i) {
      if (slots_[i].used.load(std::memory_order_acquire)) {
        f(slots_[i]);
      }
    }
  }

  /** Packets that found no slot. */
  const counter& overflow() const { return overflow_; }

 private:
  uint64_t slot_of(uint16_t port_index, uint64_t key_hash) const {
    return (key_hash ^ (uint64_t{port_index} * 0x9E3779B97F4A7C15ULL)) & mask_;
  }

  std::unique_ptr<fingerprint_slot[]> slots_;
  uint64_t mask_;
  uint64_t size_ = 0;
  uint64_t limit_;
  counter overflow_;
};

}  // namespace scanscope
