#include "export/top_values.hpp"

#include <algorithm>

#include "stats/series_dimensions.hpp"

namespace scanscope {

std::vector<named_total> top_values_of_port(const std::map<uint64_t, source_total>& by_key,
                                            uint16_t port, size_t n, uint64_t& folded) {
  std::map<uint32_t, source_total> by_value;
  for (const auto& [key, t] : by_key) {
    if (series_key::port_of(key) == port) {
      by_value[series_key::dim_of(key)] += t;
    }
  }
  return top_values(by_value, n, folded);
}

std::vector<named_total> top_values(const std::map<uint32_t, source_total>& by_value, size_t n,
                                    uint64_t& folded) {
  std::vector<std::pair<uint32_t, source_total>> values;
  for (const auto& [value, t] : by_value) {
    if (t.packets + t.sources != 0) {
      values.emplace_back(value, t);
    }
  }
  std::stable_sort(values.begin(), values.end(), [](const auto& a, const auto& b) {
    return a.second.packets > b.second.packets;
  });
  std::vector<named_total> top;
  source_total other;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i < n) {
      top.push_back({std::to_string(values[i].first), values[i].second});
    } else {
      other += values[i].second;
      ++folded;
    }
  }
  if (values.size() > n) {
    top.push_back({"other", other});
  }
  return top;
}

}  // namespace scanscope
