#include "pipeline/worker.hpp"

namespace scanscope {

worker::worker(const watched_ports& ports)
    : ports_(ports), counters_(std::make_unique<lcore_counters>()) {}

void worker::account(const decoded_packet& p, uint32_t wire_length, uint64_t time_ns) {
  lcore_counters& c = *counters_;
  c.total.add(wire_length);
  c.protocols[static_cast<size_t>(classify(p))].add(wire_length);
  c.parse[static_cast<size_t>(p.result)].add();
  if (p.has_ports) {
    const transport t = p.l4 == l4_kind::tcp ? transport::tcp : transport::udp;
    c.watched[ports_.index(t, p.dst_port)].add(wire_length);
    c.by_dst_port[static_cast<size_t>(t)][p.dst_port].add();
  }
  // Captures are not always in time order: keep the earliest and the latest.
  const uint64_t first = c.first_timestamp_ns.read();
  if (first == 0 || time_ns < first) {
    c.first_timestamp_ns.set(time_ns);
  }
  if (time_ns > c.last_timestamp_ns.read()) {
    c.last_timestamp_ns.set(time_ns);
  }
}

}  // namespace scanscope
