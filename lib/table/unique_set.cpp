#include "table/unique_set.hpp"

#include <algorithm>

namespace scanscope {

unique_set::unique_set(uint32_t slots) {
  const uint64_t n = table_slots(slots, 1024);
  slots_.assign(n, 0);
  mask_ = n - 1;
  limit_ = n - n / 8;  // linear probing stays short below 7/8 load
}

void unique_set::clear() {
  std::fill(slots_.begin(), slots_.end(), 0);
  size_ = 0;
}

}  // namespace scanscope
