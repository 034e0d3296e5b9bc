#include "stats/traffic_snapshot.hpp"

namespace scanscope {

uint64_t traffic_snapshot::malformed() const {
  uint64_t n = 0;
  for (size_t i = 0; i < parse_result_count; ++i) {
    if (is_malformed(static_cast<parse_result>(i))) {
      n += parse[i];
    }
  }
  return n;
}

}  // namespace scanscope
