#include "table/value_marks.hpp"

#include <algorithm>

#include "table/unique_set.hpp"

namespace scanscope {

value_marks::value_marks(uint64_t entries) {
  const uint64_t n = table_slots(entries, 64);
  lines_ = table_array<line>(n / per_line);
  line_mask_ = n / per_line - 1;
  limit_ = n - n / 8;  // as the unique set: probes stay short below 7/8 load
}

void value_marks::clear() {
  if (size_ != 0) {  // nothing was written since the last clear (a bucket slot's first use)
    lines_.clear();
  }
  size_ = 0;
}

}  // namespace scanscope
