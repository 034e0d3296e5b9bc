#include "pipeline/lcore_fold.hpp"

#include <algorithm>
#include <cstring>
#include <tuple>

namespace scanscope {

namespace {

void fold_fingerprints(const std::vector<lcore_view>& lcores, size_t watched_count, size_t top_k,
                       traffic_snapshot& s) {
  std::vector<fingerprint_count> all;
  for (const lcore_view& v : lcores) {
    if (v.fingerprints == nullptr) {
      continue;
    }
    s.fingerprint_overflow += v.fingerprints->overflow().read();
    v.fingerprints->for_each([&](const fingerprint_slot& slot) {
      all.push_back({slot.port_index, slot.key, slot.packets.read(), slot.sources.read()});
    });
  }
  // The same key seen on several lcores: sum (sources live on one lcore, so sources add up).
  std::sort(all.begin(), all.end(), [](const fingerprint_count& a, const fingerprint_count& b) {
    return std::tie(a.port_index, a.key.hi, a.key.lo) < std::tie(b.port_index, b.key.hi, b.key.lo);
  });
  s.fingerprints.assign(watched_count + 1, {});
  for (size_t i = 0; i < all.size();) {
    fingerprint_count sum = all[i];
    size_t j = i + 1;
    for (; j < all.size() && all[j].port_index == sum.port_index && all[j].key == sum.key; ++j) {
      sum.packets += all[j].packets;
      sum.sources += all[j].sources;
    }
    if (sum.port_index <= watched_count) {
      s.fingerprints[sum.port_index].push_back(sum);
    }
    i = j;
  }
  for (auto& per_port : s.fingerprints) {
    const size_t keep = std::min(top_k, per_port.size());
    std::partial_sort(per_port.begin(), per_port.begin() + static_cast<long>(keep), per_port.end(),
                      [](const fingerprint_count& a, const fingerprint_count& b) {
                        return a.packets != b.packets ? a.packets > b.packets
                                                      : a.sources > b.sources;
                      });
    per_port.resize(keep);
  }
}

/** One entry per (host, port): the lcores' entries of the same pair summed (each lcore
 *  answers its own sources, so their distinct counts add up). Sorted by host, then port. */
void merge_exposure(std::vector<exposure_total>& entries) {
  std::sort(entries.begin(), entries.end(), [](const exposure_total& a, const exposure_total& b) {
    const int c = std::memcmp(a.host, b.host, sizeof a.host);
    return c != 0 ? c < 0 : a.port < b.port;
  });
  std::vector<exposure_total> merged;
  for (exposure_total& e : entries) {
    if (merged.empty() || std::memcmp(merged.back().host, e.host, sizeof e.host) != 0 ||
        merged.back().port != e.port) {
      merged.push_back(std::move(e));
      continue;
    }
    exposure_total& m = merged.back();
    m.first_seen_ns = std::min(m.first_seen_ns, e.first_seen_ns);
    m.last_seen_ns = std::max(m.last_seen_ns, e.last_seen_ns);
    m.answers += e.answers;
    m.sources += e.sources;
    m.tools |= e.tools;
    for (uint8_t c : e.countries) {
      if (std::find(m.countries.begin(), m.countries.end(), c) == m.countries.end()) {
        m.countries.push_back(c);
      }
    }
    for (uint16_t r : e.rules) {
      if (std::find(m.rules.begin(), m.rules.end(), r) == m.rules.end()) {
        m.rules.push_back(r);
      }
    }
  }
  entries = std::move(merged);
}

}  // namespace

namespace {

void add_table(table_counters_total& t, const table_counters& c, uint32_t capacity) {
  t.capacity += capacity;
  t.live += c.live.read();
  t.inserted += c.inserted.read();
  t.evicted += c.evicted.read();
  t.expired += c.expired.read();
}

void fold_signatures(const lcore_view& v, size_t watched_count, size_t rule_count,
                     traffic_snapshot& s) {
  const lcore_stats& st = *v.stats;
  if (v.scanner == nullptr || st.rule_slots < rule_count) {
    return;
  }
  for (size_t port = 0; port <= watched_count; ++port) {
    for (size_t rule = 0; rule < rule_count; ++rule) {
      s.signatures[port][rule].add(st.signature_counts[port * st.rule_slots + rule]);
    }
  }
  for (size_t rule = 0; rule < rule_count; ++rule) {
    s.signature_totals[rule].add(st.signature_totals[rule]);
  }
  for (size_t rule = 0; rule < rule_count; ++rule) {
    const signature_excerpt& e = v.scanner->excerpt(rule);
    if (s.excerpts[rule].bytes.empty() && e.set.load(std::memory_order_acquire)) {
      s.excerpts[rule].bytes.assign(reinterpret_cast<const char*>(e.bytes), e.length);
      s.excerpts[rule].head = e.head;
    }
  }
  const scanner_counters& c = v.scanner->counters();
  s.payload.packets += c.packets.read();
  s.payload.bytes += c.bytes.read();
  s.payload.stream_gaps += c.stream_gaps.read();
  s.payload.truncated += c.truncated.read();
  s.payload.errors += c.errors.read();
  s.payload.no_stream += c.no_stream.read();
  add_table(s.payload.flows, v.scanner->flow_counters(), v.scanner->flow_capacity());
}

}  // namespace

namespace {

/** Per port and over all traffic: every dimension with dense values. */
void fold_dense_values(const lcore_counters& c, size_t watched_count, traffic_snapshot& s) {
  for (size_t i = 0; i <= watched_count; ++i) {
    for (size_t k = 0; k < dense_values.size; ++k) {
      s.per_port[i][k].add(c.per_port[i][k]);
    }
  }
  for (size_t k = 0; k < dense_values.size; ++k) {
    s.overall[k].add(c.overall[k]);
  }
}

/** A keyed table's entries added to `into`, by key. */
void fold_keyed(const keyed_counters& table, std::map<uint64_t, source_total>& into) {
  table.for_each([&](uint64_t key, const keyed_entry& e) {
    source_total& t = into[key];
    t.packets += e.packets.read();
    t.sources += e.sources.read();
  });
}

/** Per (port, country) and per country. */
void fold_countries(const lcore_stats& st, size_t watched_count, traffic_snapshot& s) {
  const size_t lcore_countries = std::min(location_db::max_countries, st.countries);
  for (size_t port = 0; port <= watched_count; ++port) {
    for (size_t c = 0; c < lcore_countries; ++c) {
      s.countries[port][c].add(st.country_counts[port * st.countries + c]);
    }
  }
  for (size_t c = 0; c < lcore_countries; ++c) {
    s.country_totals[c].add(st.country_totals[c]);
  }
}

/** Frames and bytes by protocol, parse result and watched port; frames by destination port
 *  into `ports` ([transport * 65536 + port]); the time span and the lcore's cycles. */
void fold_traffic(const lcore_counters& c, size_t watched_count, std::vector<uint64_t>& ports,
                  traffic_snapshot& s) {
  s.total.add(c.total);
  for (size_t i = 0; i < protocol_class_count; ++i) {
    s.protocols[i].add(c.protocols[i]);
  }
  for (size_t i = 0; i < parse_result_count; ++i) {
    s.parse[i] += c.parse[i].read();
  }
  for (size_t i = 0; i <= watched_count; ++i) {
    s.watched[i].add(c.watched[i]);
  }
  for (size_t t = 0; t < 2; ++t) {
    for (size_t p = 0; p < 65536; ++p) {
      ports[t * 65536 + p] += c.by_dst_port[t][p].read();
    }
  }
  const uint64_t first = c.first_timestamp_ns.read();
  if (first != 0 && (s.first_timestamp_ns == 0 || first < s.first_timestamp_ns)) {
    s.first_timestamp_ns = first;
  }
  s.last_timestamp_ns = std::max(s.last_timestamp_ns, c.last_timestamp_ns.read());
  s.busy_cycles += c.busy_cycles.read();
  s.total_cycles += c.total_cycles.read();
}

/** The `top_k` destination ports with the most frames (ties: lower port first). */
void pick_top_ports(const std::vector<uint64_t>& ports, size_t top_k, traffic_snapshot& s) {
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
}

}  // namespace

traffic_snapshot fold_counters(const std::vector<lcore_view>& lcores, size_t watched_count,
                               size_t top_k, size_t rule_count) {
  traffic_snapshot s;
  s.signatures.assign(watched_count + 1, std::vector<source_total>(rule_count));
  s.excerpts.assign(rule_count, payload_excerpt{});
  s.signature_totals.assign(rule_count, source_total{});
  s.countries.assign(watched_count + 1, std::vector<source_total>(location_db::max_countries));
  s.country_totals.assign(location_db::max_countries, source_total{});
  s.watched.resize(watched_count + 1);
  s.per_port.resize(watched_count + 1);
  std::vector<uint64_t> ports(2 * 65536, 0);
  for (const lcore_view& v : lcores) {
    const lcore_stats& st = *v.stats;
    fold_dense_values(*st.block, watched_count, s);
    if (v.sources != nullptr) {
      add_table(s.sources, v.sources->counters(), v.sources->capacity());
    }
    fold_signatures(v, watched_count, rule_count, s);
    s.signature_country_overflow += st.signature_country_overflow.read();
    fold_keyed(st.signature_countries, s.signature_countries);
    s.port_as_overflow += st.port_as_overflow.read();
    fold_keyed(st.port_ases, s.port_ases);
    fold_countries(st, watched_count, s);
    if (v.uniques != nullptr) {
      s.unique_overflow += v.uniques->overflow().read();
    }
    if (v.marks != nullptr) {
      s.unique_overflow += v.marks->overflow().read();
    }
    s.conversation.add(st.conversation);
    if (v.exposure != nullptr) {
      v.exposure->collect(s.conversation.exposure);
    }
    if (v.indicators != nullptr) {
      v.indicators->collect(s.conversation.indicators);
    }
    fold_traffic(*st.block, watched_count, ports, s);
  }
  pick_top_ports(ports, top_k, s);
  fold_fingerprints(lcores, watched_count, top_k, s);
  merge_exposure(s.conversation.exposure);
  merge_indicators(s.conversation.indicators);
  return s;
}

lcore_view view_of(const worker& w) {
  return {&w.stats(),  &w.fingerprints(), &w.sources(),   &w.uniques(),
          w.scanner(), &w.exposure(),     w.indicators(), &w.marks()};
}

}  // namespace scanscope
