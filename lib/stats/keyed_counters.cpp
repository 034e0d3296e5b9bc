#include "stats/keyed_counters.hpp"

namespace scanscope {

keyed_counters::keyed_counters(uint32_t entries) {
  const uint64_t n = table_slots(entries, 64);
  entries_ = std::make_unique<keyed_entry[]>(n);
  mask_ = n - 1;
}

keyed_entry* keyed_counters::find_or_add(uint64_t key) {
  uint64_t i = home(key);
  for (unsigned probe = 0; probe <= max_probe; ++probe, i = (i + 1) & mask_) {
    keyed_entry& e = entries_[i];
    const uint64_t k = e.key.load(std::memory_order_relaxed);
    if (k == key) {
      return &e;
    }
    if (k == 0) {
      if (used_ >= mask_ - mask_ / 8) {
        return nullptr;
      }
      ++used_;
      e.key.store(key, std::memory_order_release);
      return &e;
    }
  }
  return nullptr;
}

const keyed_entry* keyed_counters::find(uint64_t key) const {
  uint64_t i = home(key);
  for (unsigned probe = 0; probe <= max_probe; ++probe, i = (i + 1) & mask_) {
    const uint64_t k = entries_[i].key.load(std::memory_order_acquire);
    if (k == key) {
      return &entries_[i];
    }
    if (k == 0) {
      return nullptr;
    }
  }
  return nullptr;
}

void keyed_counters::clear() {
  for (uint64_t i = 0; i <= mask_; ++i) {
    entries_[i].key.store(0, std::memory_order_relaxed);
    entries_[i].packets.set(0);
    entries_[i].sources.set(0);
  }
  used_ = 0;
}

}  // namespace scanscope
