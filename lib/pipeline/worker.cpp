#include "pipeline/worker.hpp"

#include <cstring>

#include "fingerprint/fingerprint_key.hpp"

namespace scanscope {

namespace {

// Domains keep the unique-set keys of different counters apart.
constexpr uint64_t domain_cluster = 1;
constexpr uint64_t domain_tool = 2;
constexpr uint64_t domain_fingerprint = 3;
constexpr uint64_t domain_tool_total = 4;
// Aging looks at this many source slots per burst: a table of 256k sources is swept about
// once per 16k bursts, far more often than any sensible idle timeout.
constexpr uint32_t aging_slots_per_burst = 16;

uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

uint64_t address_hash(const uint8_t* addr16) {
  return unique_key(load64(addr16), load64(addr16 + 8), 0x5CA9);
}

}  // namespace

worker::worker(const worker_config& config, std::unique_ptr<source_table> sources)
    : ports_(*config.ports),
      clusters_(*config.clusters),
      counters_(std::make_unique<lcore_counters>()),
      sources_(std::move(sources)),
      uniques_(config.unique_slots),
      fingerprints_(config.fingerprint_slots) {}

std::unique_ptr<worker> worker::create(const worker_config& config, std::string& error) {
  auto sources = source_table::create("src_" + config.name, config.source_capacity, config.socket,
                                      config.source_idle_ns, error);
  if (!sources) {
    return nullptr;
  }
  return std::unique_ptr<worker>(new worker(config, std::move(sources)));
}

void worker::handle_burst(const frame_ref* frames, uint16_t n) {
  while (n > max_burst) {
    handle_burst(frames, max_burst);
    frames += max_burst;
    n = static_cast<uint16_t>(n - max_burst);
  }
  decoded_packet packets[max_burst];
  source_key keys[max_burst];
  const source_key* key_ptrs[max_burst];
  int32_t positions[max_burst];
  uint16_t keyed = 0;
  for (uint16_t i = 0; i < n; ++i) {
    decoded_packet& p = packets[i];
    parse_frame(frames[i].data, frames[i].captured, frames[i].wire_length, p);
    if (p.l3 != l3_kind::none) {
      keys[keyed] = make_source_key(p.src_addr, p.l3 == l3_kind::ipv6);
      key_ptrs[keyed] = &keys[keyed];
      ++keyed;
    }
  }
  if (keyed != 0) {
    sources_->lookup_bulk(key_ptrs, keyed, positions);
  }
  uint16_t k = 0;
  uint64_t latest = 0;
  for (uint16_t i = 0; i < n; ++i) {
    const decoded_packet& p = packets[i];
    const uint64_t t = frames[i].time_ns;
    latest = t > latest ? t : latest;
    source_state* s = nullptr;
    if (p.l3 != l3_kind::none) {
      const source_key& key = keys[k];
      const int32_t pos = positions[k++];
      if (pos >= 0) {
        s = &sources_->found(pos);
      }
      // A source added or evicted earlier in this burst makes the bulk answer stale.
      if (s == nullptr || !s->in_use || std::memcmp(s->addr, key.bytes, sizeof key.bytes) != 0) {
        bool is_new = false;
        s = &sources_->touch(key, t, is_new);
      }
    }
    account(p, frames[i].wire_length, t, s);
  }
  sources_->expire(latest, aging_slots_per_burst);
}

void worker::account_source(const decoded_packet& p, source_state& s, uint64_t time_ns) {
  if (s.packets != UINT32_MAX) {
    ++s.packets;
  }
  if (time_ns > s.last_seen_ns) {
    s.last_seen_ns = time_ns;
  }
  if (time_ns < s.first_seen_ns) {
    s.first_seen_ns = time_ns;
  }
  s.dst_addrs.add(address_hash(p.dst_addr));
  if (p.has_ports) {
    s.dst_ports.add(unique_key(p.dst_port, 0, 0x9047));
    observe_source_port(s, p.src_port, p.dst_port, p.l4 == l4_kind::tcp ? p.seq : 0);
  }
}

void worker::account(const decoded_packet& p, uint32_t wire_length, uint64_t time_ns,
                     source_state* source) {
  lcore_counters& c = *counters_;
  c.total.add(wire_length);
  c.protocols[static_cast<size_t>(classify(p))].add(wire_length);
  c.parse[static_cast<size_t>(p.result)].add();
  // Captures are not always in time order: keep the earliest and the latest.
  const uint64_t first = c.first_timestamp_ns.read();
  if (first == 0 || time_ns < first) {
    c.first_timestamp_ns.set(time_ns);
  }
  if (time_ns > c.last_timestamp_ns.read()) {
    c.last_timestamp_ns.set(time_ns);
  }
  if (source == nullptr) {
    return;
  }
  account_source(p, *source, time_ns);
  const uint64_t who = address_hash(source->addr);
  const scan_tool tool = identify_tool(p);
  const auto tool_index = static_cast<size_t>(tool);
  c.tools_total[tool_index].packets.add();
  if (uniques_.insert(unique_key(who, domain_tool_total, tool_index))) {
    c.tools_total[tool_index].sources.add();
  }
  if (!p.has_ports) {
    return;
  }
  const transport t = p.l4 == l4_kind::tcp ? transport::tcp : transport::udp;
  const uint16_t port = ports_.index(t, p.dst_port);
  c.watched[port].add(wire_length);
  c.by_dst_port[static_cast<size_t>(t)][p.dst_port].add();

  const uint8_t cluster = clusters_.classify(packet_traits{&p, tool, source->src_port_behaviour});
  source_counter& by_cluster = c.clusters[port][cluster];
  by_cluster.packets.add();
  if (uniques_.insert(unique_key(who, domain_cluster, (uint64_t{port} << 8) | cluster))) {
    by_cluster.sources.add();
  }
  source_counter& by_tool = c.tools[port][tool_index];
  by_tool.packets.add();
  if (uniques_.insert(unique_key(who, domain_tool, (uint64_t{port} << 8) | tool_index))) {
    by_tool.sources.add();
  }
  const fingerprint_key key = make_fingerprint_key(p);
  if (fingerprint_slot* slot = fingerprints_.find_or_add(port, key)) {
    slot->packets.add();
    if (uniques_.insert(unique_key(who, domain_fingerprint, key.hash() ^ port))) {
      slot->sources.add();
    }
  }
}

}  // namespace scanscope
