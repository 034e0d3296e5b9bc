// The worker's source side: finding a packet's source in the table (a new one is located and
// given its actor once) and updating its state.
#include <cstring>

#include "fingerprint/scan_tool.hpp"
#include "packet/prefix_set.hpp"
#include "pipeline/unique_domains.hpp"
#include "pipeline/worker.hpp"

namespace scanscope {

namespace {

/** Sketch bucket of a value: the top bits of one multiply are well spread. */
uint64_t sketch_hash(uint64_t v) {
  return (v * 0x9E3779B97F4A7C15ULL) >> 58;
}

}  // namespace

source_state* worker::resolve_source(const source_key& key, int32_t position, uint64_t time_ns) {
  source_state* s = position >= 0 ? &sources_->found(position) : nullptr;
  // A source added or evicted earlier in this burst makes the bulk answer stale.
  if (s == nullptr || !s->in_use || std::memcmp(s->key.bytes, key.bytes, sizeof key.bytes) != 0) {
    bool is_new = false;
    s = &sources_->touch(key, time_ns, is_new, [this](source_state& gone) { retire_source(gone); });
    if (is_new) {
      // Once per source, not per packet: the location and the actor are the source's, and
      // lookups stay off the path of repeat packets.
      const location_db* geo = geo_;
      uint32_t asn = 0;
      if (geo != nullptr) {
        const geo_result where = geo->locate(key.bytes);
        s->country = where.country;
        asn = where.asn;
      }
      if (actors_ != nullptr) {
        s->set_actor(actors_->match(key.bytes, asn));
      }
      repeats_.at(sources_->position_of(*s)).at.asn = asn;
    }
  }
  return s;
}

void worker::account_source(const decoded_packet& p, source_state& s, uint64_t time_ns) {
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
