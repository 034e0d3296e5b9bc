#pragma once
/**
 * @file
 * A direct-mapped memory of recent events by a 64-bit key: a slot holds the latest event whose
 * key maps there, and a newer one simply overwrites it. What the two-phase and exposure joins
 * need: "did this source (or connection) do X within the last minutes", in constant memory
 * however many sources there are, at the price of forgetting a few events under heavy load.
 */

#include <cstdint>
#include <vector>

namespace scanscope {

template <class Value>
class recent_memory {
 public:
  /** @param slots a power of two */
  explicit recent_memory(uint32_t slots) : slots_(slots), mask_(slots - 1) {}

  /** The value stored under `key` no earlier than `since_s`, or null. */
  Value* find(uint64_t key, uint32_t since_s) {
    slot& s = slots_[key & mask_];
    return s.key == (key | 1) && s.time_s >= since_s ? &s.value : nullptr;
  }
  /** Store (or overwrite) the value under `key` at time `time_s`. */
  Value& put(uint64_t key, uint32_t time_s, const Value& value) {
    slot& s = slots_[key & mask_];
    s.key = key | 1;  // never 0, so an empty slot matches nothing
    s.time_s = time_s;
    s.value = value;
    return s.value;
  }
  void prefetch(uint64_t key) const { __builtin_prefetch(&slots_[key & mask_]); }

 private:
  struct slot {
    uint64_t key = 0;
    uint32_t time_s = 0;
    Value value{};
  };
  std::vector<slot> slots_;
  uint64_t mask_;
};

}  // namespace scanscope
