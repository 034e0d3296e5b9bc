#include "stats/traffic_snapshot.hpp"

#include <algorithm>

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

traffic_snapshot fold_counters(const std::vector<const lcore_counters*>& lcores,
                               size_t watched_count, size_t top_k) {
  traffic_snapshot s;
  s.watched.resize(watched_count + 1);
  std::vector<uint64_t> ports(2 * 65536, 0);
  for (const lcore_counters* c : lcores) {
    s.total.add(c->total);
    for (size_t i = 0; i < protocol_class_count; ++i) {
      s.protocols[i].add(c->protocols[i]);
    }
    for (size_t i = 0; i < parse_result_count; ++i) {
      s.parse[i] += c->parse[i].read();
    }
    for (size_t i = 0; i <= watched_count; ++i) {
      s.watched[i].add(c->watched[i]);
    }
    for (size_t t = 0; t < 2; ++t) {
      for (size_t p = 0; p < 65536; ++p) {
        ports[t * 65536 + p] += c->by_dst_port[t][p].read();
      }
    }
    const uint64_t first = c->first_timestamp_ns.read();
    if (first != 0 && (s.first_timestamp_ns == 0 || first < s.first_timestamp_ns)) {
      s.first_timestamp_ns = first;
    }
    s.last_timestamp_ns = std::max(s.last_timestamp_ns, c->last_timestamp_ns.read());
    s.busy_cycles += c->busy_cycles.read();
    s.total_cycles += c->total_cycles.read();
  }
  for (size_t i = 0; i < ports.size(); ++i) {
    if (ports[i] != 0) {
      s.top_ports.push_back(port_count{i < 65536 ? transport::tcp : transport::udp,
                                       static_cast<uint16_t>(i % 65536), ports[i]});
    }
  }
  const size_t keep = std::min(top_k, s.top_ports.size());
  std::partial_sort(s.top_ports.begin(), s.top_ports.begin() + keep, s.top_ports.end(),
                    [](const port_count& a, const port_count& b) {
                      return a.packets != b.packets ? a.packets > b.packets : a.port < b.port;
                    });
  s.top_ports.resize(keep);
  return s;
}

}  // namespace scanscope
