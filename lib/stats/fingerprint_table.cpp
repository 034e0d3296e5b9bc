#include "stats/fingerprint_table.hpp"

#include "table/unique_set.hpp"

namespace scanscope {

fingerprint_table::fingerprint_table(uint32_t slots) {
  const uint64_t n = table_slots(slots, 64);
  slots_ = std::make_unique<fingerprint_slot[]>(n);
  mask_ = n - 1;
  limit_ = n - n / 8;
}

fingerprint_slot* fingerprint_table::find_or_add(uint16_t port_index, const fingerprint_key& key,
                                                 uint64_t key_hash) {
  // Keys with random fields (Mirai's window) can fill the table; a bounded probe keeps the
  // cost of a miss at a few cache lines instead of a walk along a crowded table.
  constexpr unsigned max_probe = 16;
  uint64_t i = slot_of(port_index, key_hash);
  for (unsigned probe = 0;; ++probe) {
    fingerprint_slot& s = slots_[i];
    if (!s.used.load(std::memory_order_relaxed)) {
      break;
    }
    if (s.port_index == port_index && s.key == key) {
      return &s;
    }
    if (probe == max_probe) {
      overflow_.add();
      return nullptr;
    }
    i = (i + 1) & mask_;
  }
  if (size_ >= limit_) {
    overflow_.add();
    return nullptr;
  }
  fingerprint_slot& s = slots_[i];
  s.port_index = port_index;
  s.key = key;
  s.used.store(1, std::memory_order_release);
  ++size_;
  return &s;
}

}  // namespace scanscope
