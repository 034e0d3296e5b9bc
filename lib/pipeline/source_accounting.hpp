#pragma once
/**
 * @file
 * What every scan packet changes in its source's own state: its packet count, first and last
 * time, the sketches of its destinations and ports, and how it picks source ports. Inline: it
 * runs on every scan packet, in the worker's classify phase (out of line, the call cost about
 * 2% of a SYN in stage_bench).
 */

#include <cstdint>

#include "fingerprint/scan_tool.hpp"
#include "packet/decoded_packet.hpp"
#include "source/source_state.hpp"
#include "table/unique_set.hpp"

namespace scanscope {

namespace source_accounting_detail {

/** Sketch bucket of a value: the top bits of one multiply are well spread. */
inline uint64_t sketch_hash(uint64_t v) {
  return (v * 0x9E3779B97F4A7C15ULL) >> 58;
}

}  // namespace source_accounting_detail

inline void account_source(const decoded_packet& p, source_state& s, uint64_t time_ns) {
  using source_accounting_detail::sketch_hash;
  if (s.packets != UINT32_MAX) {
    ++s.packets;
  }
  if (time_ns > s.last_seen_ns) {
    s.last_seen_ns = time_ns;
  }
  const auto seconds = static_cast<uint32_t>(time_ns / 1000000000ULL);
  if (s.first_seen_s == 0 || seconds < s.first_seen_s) {
    s.first_seen_s = seconds;
  }
  s.dst_addrs.add(sketch_hash(load64(p.dst_addr) ^ load64(p.dst_addr + 8)));
  if (p.has_ports) {
    s.dst_ports.add(sketch_hash(p.dst_port));
    // Only probes tell how a source picks ports: the ACK and data segments that follow a SYN
    // on the same connection reuse its port whatever the tool, and would read as "fixed".
    const bool tcp_probe = is_syn_probe(p);
    if (tcp_probe || p.l4 == l4_kind::udp) {
      observe_source_port(s, p.src_port, p.dst_port, tcp_probe ? p.seq : 0);
    }
  }
}

}  // namespace scanscope
