#include "signature/port_groups.hpp"

#include <algorithm>
#include <map>

namespace scanscope {

port_groups port_groups::of(const std::vector<signature_rule>& rules) {
  port_groups g;
  g.group_of_.assign(2 * 65536, 0);
  std::map<std::vector<uint16_t>, uint8_t> index;  // rule set -> group + 1
  bool too_many = false;
  for (const bool tcp : {false, true}) {
    // The set of rules changes only where a rule's port range starts or ends, so it is worked
    // out once per stretch between those points, not once per port.
    std::vector<uint32_t> edges = {0, 65536};
    for (const signature_rule& r : rules) {
      for (const auto& [lo, hi] : r.ports) {
        edges.push_back(lo);
        edges.push_back(uint32_t{hi} + 1);
      }
    }
    std::sort(edges.begin(), edges.end());
    edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
    for (size_t e = 0; e + 1 < edges.size(); ++e) {
      std::vector<uint16_t> set;
      for (size_t slot = 0; slot < rules.size(); ++slot) {
        if (rules[slot].applies(tcp, static_cast<uint16_t>(edges[e]))) {
          set.push_back(static_cast<uint16_t>(slot));
        }
      }
      if (set.empty()) {
        continue;
      }
      auto [it, added] = index.try_emplace(std::move(set), static_cast<uint8_t>(0));
      if (added) {
        if (g.rules.size() == max_groups) {
          too_many = true;
          it->second = 1;  // any non-zero: the groups are merged below
        } else {
          g.rules.push_back(it->first);
          it->second = static_cast<uint8_t>(g.rules.size());
        }
      }
      const uint32_t base = tcp ? 65536u : 0u;
      std::fill(g.group_of_.begin() + base + edges[e], g.group_of_.begin() + base + edges[e + 1],
                it->second);
    }
  }
  if (too_many) {
    g.merged = true;
    g.rules.assign(1, {});
    for (size_t slot = 0; slot < rules.size(); ++slot) {
      if (!rules[slot].retired) {
        g.rules[0].push_back(static_cast<uint16_t>(slot));
      }
    }
    for (uint8_t& v : g.group_of_) {
      v = v != 0 ? 1 : 0;
    }
  }
  for (const std::vector<uint16_t>& group : g.rules) {
    auto& bits = g.members_.emplace_back();
    bits.fill(0);
    for (const uint16_t slot : group) {
      bits[slot / 64] |= uint64_t{1} << (slot % 64);
    }
  }
  return g;
}

}  // namespace scanscope
