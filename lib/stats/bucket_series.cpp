#include "stats/bucket_series.hpp"

namespace scanscope {

bucket_series::bucket_series(uint32_t entries, uint32_t unique_slots) {
  uint64_t n = 64;
  while (n < entries) {
    n <<= 1;
  }
  mask_ = n - 1;
  for (series_slot& s : slots_) {
    s.entries = std::make_unique<series_entry[]>(n);
    s.uniques = std::make_unique<unique_set>(unique_slots);
  }
}

series_slot* bucket_series::slot_for(int64_t bucket) {
  series_slot& s = slots_[static_cast<uint64_t>(bucket) % slots];
  const int64_t held = s.bucket.load(std::memory_order_relaxed);
  if (held == bucket) {
    // Once folded, a bucket takes no more packets: they would never be reported.
    return s.collected.load(std::memory_order_acquire) ? nullptr : &s;
  }
  // A slot is reused only for a later bucket, and only once the stats side has folded it.
  if (held > bucket || !s.collected.load(std::memory_order_acquire)) {
    return nullptr;
  }
  for (uint64_t i = 0; i <= mask_; ++i) {
    s.entries[i].key.store(0, std::memory_order_relaxed);
    s.entries[i].packets.set(0);
    s.entries[i].sources.set(0);
  }
  s.used = 0;
  s.uniques->clear();
  s.collected.store(false, std::memory_order_relaxed);
  s.bucket.store(bucket, std::memory_order_release);
  return &s;
}

series_entry* bucket_series::entry_for(series_slot& s, uint64_t key) {
  constexpr unsigned max_probe = 16;
  uint64_t i = quick_key(key, 0x5e7, 0) & mask_;
  for (unsigned probe = 0; probe <= max_probe; ++probe, i = (i + 1) & mask_) {
    series_entry& e = s.entries[i];
    const uint64_t k = e.key.load(std::memory_order_relaxed);
    if (k == key) {
      return &e;
    }
    if (k == 0) {
      if (s.used >= mask_ - mask_ / 8) {
        return nullptr;
      }
      ++s.used;
      e.key.store(key, std::memory_order_release);
      return &e;
    }
  }
  return nullptr;
}

bool bucket_series::add(int64_t bucket, uint64_t combination, const uint64_t* keys, size_t n,
                        uint64_t source_hash, bool known_repeat) {
  series_slot* s = slot_for(bucket);
  if (s == nullptr) {
    late_.add();
    return false;
  }
  const bool fresh =
      !known_repeat && s->uniques->insert(quick_key(source_hash, combination, 0xC0B));
  for (size_t i = 0; i < n; ++i) {
    series_entry* e = entry_for(*s, keys[i]);
    if (e == nullptr) {
      overflow_.add();
      continue;
    }
    e->packets.add();
    if (fresh && s->uniques->insert(quick_key(source_hash, keys[i], 0xB0C))) {
      e->sources.add();
    }
  }
  return true;
}

}  // namespace scanscope
