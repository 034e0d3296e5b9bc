#include "converse/waiting_connections.hpp"

#include <cstring>

namespace scanscope {

waiting_connections::waiting_connections(uint32_t slots, uint64_t timeout_ns)
    : slots_(slots), mask_(slots - 1), timeout_ns_(timeout_ns) {}

bool waiting_connections::add(uint64_t key, uint64_t time_ns, const uint8_t* rst,
                              size_t length) {
  slot& s = slots_[key & mask_];
  const bool displaced = s.key != 0 && s.key != (key | 1);
  s.key = key | 1;  // never 0: 0 is an empty slot
  s.since_ns = time_ns;
  s.length = static_cast<uint16_t>(length);
  std::memcpy(s.frame, rst, length);
  return displaced;
}

void waiting_connections::forget(uint64_t key) {
  slot& s = slots_[key & mask_];
  if (s.key == (key | 1)) {
    s.key = 0;
  }
}

}  // namespace scanscope
