#include "table/unique_set.hpp"

#include <algorithm>

namespace scanscope {

unique_set::unique_set(uint32_t slots) {
  const uint64_t n = table_slots(slots, 1024);
  lines_ = table_array<line_of_slots>(n / slots_per_line);
  line_mask_ = n / slots_per_line - 1;
  limit_ = n - n / 8;  // probes stay short below 7/8 load (overflow: docs/operator-guide.md)
}

void unique_set::clear() {
  if (size_ != 0) {  // nothing was written since the last clear (a bucket slot's first use)
    lines_.clear();
  }
  size_ = 0;
}

}  // namespace scanscope
