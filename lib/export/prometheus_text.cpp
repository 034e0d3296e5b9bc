#include "export/prometheus_text.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>

#include "export/fleet_text.hpp"
#include "export/prometheus_conversation.hpp"
#include "export/prometheus_dimensions.hpp"
#include "export/prometheus_family.hpp"
#include "export/store_text.hpp"
#include "export/top_values.hpp"
#include "scanscope_build_config.hpp"

namespace scanscope {

std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

/** Campaigns started by scope, campaigns open by port and scope, and lead changes. */
void write_campaign_families(std::string& out, const run_report& r, const watched_ports& ports) {
  const campaign_detector& d = r.series->campaigns();
  family_writer started(out, counter_family::campaigns_started_total);
  for (size_t s = 0; s < campaign_scope_count; ++s) {
    started.sample(label("scope", campaign_scope_name(static_cast<campaign_scope>(s))),
                   d.started()[s]);
  }
  std::map<std::pair<uint16_t, uint8_t>, uint64_t> open;
  for (const campaign& c : d.campaigns()) {
    if (c.end < 0) {
      ++open[{c.port, static_cast<uint8_t>(c.scope)}];
    }
  }
  family_writer active(out, counter_family::campaigns_active);
  for (const auto& [k, n] : open) {
    active.sample(port_labels(ports, k.first) + "," +
                      label("scope", campaign_scope_name(static_cast<campaign_scope>(k.second))),
                  n);
  }
  std::map<std::pair<uint16_t, uint8_t>, uint64_t> leads;
  for (const lead_change& l : d.lead_changes()) {
    ++leads[{l.port, static_cast<uint8_t>(l.dimension)}];
  }
  family_writer changes(out, counter_family::lead_changes_total);
  for (const auto& [k, n] : leads) {
    changes.sample(
        port_labels(ports, k.first) + "," +
            label("dimension", lead_dimension_name(static_cast<lead_dimension>(k.second))),
        n);
  }
}

/** Frames and bytes by protocol, and parse results. */
void write_frame_families(std::string& out, const traffic_snapshot& t) {
  family_writer frames(out, counter_family::frames_total);
  for (size_t i = 0; i < protocol_class_count; ++i) {
    frames.sample(label("protocol", protocol_class_name(static_cast<protocol_class>(i))),
                  t.protocols[i].packets);
  }
  family_writer bytes(out, counter_family::frame_bytes_total);
  for (size_t i = 0; i < protocol_class_count; ++i) {
    bytes.sample(label("protocol", protocol_class_name(static_cast<protocol_class>(i))),
                 t.protocols[i].bytes);
  }
  family_writer parse(out, counter_family::parse_results_total);
  for (size_t i = 0; i < parse_result_count; ++i) {
    parse.sample(label("result", parse_result_name(static_cast<parse_result>(i))), t.parse[i]);
  }
}

/** Frames and bytes per watched port. */
void write_port_families(std::string& out, const run_report& r, const watched_ports& ports) {
  const traffic_snapshot& t = r.traffic;
  const size_t port_count = t.watched.size();
  family_writer frames(out, counter_family::port_frames_total);
  for (uint16_t i = 0; i < port_count; ++i) {
    frames.sample(port_labels(ports, i), t.watched[i].packets);
  }
  family_writer bytes(out, counter_family::port_frame_bytes_total);
  for (uint16_t i = 0; i < port_count; ++i) {
    bytes.sample(port_labels(ports, i), t.watched[i].bytes);
  }
}

/** The three families of a per-port dimension capped at the top values of each port: frames,
 *  distinct sources, and how many series the cap folded into "other". */
struct top_families {
  counter_family frames;
  counter_family sources;
  counter_family folded;
  const char* label_name;
};

void write_top_families(std::string& out, const watched_ports& ports,
                        const std::vector<std::vector<named_total>>& by_port,
                        const top_families& ids, uint64_t folded) {
  for (const auto& [id, field] : {std::pair{ids.frames, &source_total::packets},
                                  std::pair{ids.sources, &source_total::sources}}) {
    family_writer f(out, id);
    for (uint16_t i = 0; i < by_port.size(); ++i) {
      for (const named_total& v : by_port[i]) {
        f.sample(port_labels(ports, i) + "," + label(ids.label_name, v.name), v.total.*field);
      }
    }
  }
  family_writer f(out, ids.folded);
  f.sample("", folded);
}

/** Countries per port: the top K by frames, the rest summed into "other". */
void write_country_families(std::string& out, const run_report& r, const watched_ports& ports,
                            size_t top_countries) {
  const traffic_snapshot& t = r.traffic;
  uint64_t folded = 0;
  std::vector<std::vector<named_total>> countries(t.watched.size());
  for (uint16_t i = 0; i < countries.size() && i < t.countries.size(); ++i) {
    std::vector<size_t> order;
    for (size_t c = 0; c < t.countries[i].size() && c < r.country_codes.size(); ++c) {
      if (t.countries[i][c].packets != 0) {
        order.push_back(c);
      }
    }
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return t.countries[i][a].packets > t.countries[i][b].packets;
    });
    source_total other;
    for (size_t n = 0; n < order.size(); ++n) {
      const source_total& v = t.countries[i][order[n]];
      if (n < top_countries) {
        countries[i].push_back({r.country_codes[order[n]], v});
      } else {
        other += v;
        ++folded;
      }
    }
    if (other.packets != 0) {
      countries[i].push_back({"other", other});
    }
  }
  write_top_families(out, ports, countries,
                     {counter_family::country_frames_total, counter_family::country_sources,
                      counter_family::country_series_folded, "country"},
                     folded);
}

/** Origin ASes per port: the top --top-ases by frames, the rest in "other". */
void write_as_families(std::string& out, const run_report& r, const watched_ports& ports) {
  uint64_t folded = 0;
  std::vector<std::vector<named_total>> ases(r.traffic.watched.size());
  for (uint16_t i = 0; i < ases.size(); ++i) {
    ases[i] = top_values_of_port(r.traffic.port_ases, i, r.top_ases, folded);
  }
  write_top_families(out, ports, ases,
                     {counter_family::port_as_frames_total, counter_family::port_as_sources,
                      counter_family::port_as_series_folded, "asn"},
                     folded);
}

/** Signature hits by (port, rule), only pairs with a hit, and by (port, rule, country). */
void write_signature_families(std::string& out, const run_report& r, const watched_ports& ports) {
  const traffic_snapshot& t = r.traffic;
  family_writer f(out, counter_family::signature_hits_total);
  // Only (port, rule) pairs with a hit: a series for every rule on every watched port would
  // be 760 mostly-zero series with the default rules and 10,240 at the rule limit.
  for (uint16_t i = 0; i < t.watched.size() && i < t.signatures.size(); ++i) {
    for (size_t k = 0; k < r.rules.size(); ++k) {
      if (t.signatures[i][k].packets == 0) {
        continue;
      }
      f.sample(port_labels(ports, i) + "," + label("signature", r.rules[k].name) + "," +
                   label("category", r.rules[k].category),
               t.signatures[i][k].packets);
    }
  }
  family_writer g(out, counter_family::signature_country_hits_total);
  const report_names names{r};
  for (const auto& [key, v] : t.signature_countries) {
    const uint32_t rule = series_key::dim_of(key);
    if (rule >= r.rules.size()) {
      continue;
    }
    g.sample(port_labels(ports, series_key::port_of(key)) + "," +
                 label("signature", r.rules[rule].name) + "," +
                 label("category", r.rules[rule].category) + "," +
                 label("country", names.country(series_key::country_of(key))),
             v.packets);
  }
}

/** Surges by scope and open, and the campaign families. */
void write_surge_families(std::string& out, const run_report& r, const watched_ports& ports) {
  std::map<std::string, uint64_t> by_scope;
  for (size_t scope = 0; scope < surge_scope_count; ++scope) {
    by_scope[surge_scope_name(static_cast<surge_scope>(scope))] = 0;
  }
  uint64_t active = 0;
  for (const surge_event& e : r.series->surges()) {
    ++by_scope[surge_scope_name(e.scope)];
    active += e.end < 0;
  }
  family_writer f(out, counter_family::surges_total);
  for (const auto& [scope, n] : by_scope) {
    f.sample(label("scope", scope), n);
  }
  family_writer g(out, counter_family::surges_active);
  g.sample("", active);
  write_campaign_families(out, r, ports);
}

/** The last closed bucket: distinct sources per hour are not sums, so they are gauges of the
 *  latest bucket, which dashboards sample once per bucket (max_over_time over the width). */
void write_last_bucket_families(std::string& out, const run_report& r,
                                const watched_ports& ports) {
  const auto& [bucket, points] = *r.series->buckets().rbegin();
  std::map<std::pair<uint16_t, uint8_t>, uint64_t> by_country;
  std::map<std::pair<uint16_t, uint32_t>, uint64_t> by_cluster;
  for (const auto& [key, p] : points) {
    if (series_key::kind_of(key) == series_key::kind::port) {
      by_country[{series_key::port_of(key), series_key::country_of(key)}] += p.sources;
    } else if (series_key::kind_of(key) == series_key::kind::cluster) {
      by_cluster[{series_key::port_of(key), series_key::dim_of(key)}] += p.sources;
    }
  }
  const report_names names{r};
  family_writer f(out, counter_family::last_bucket_sources);
  for (const auto& [k, n] : by_country) {
    f.sample(port_labels(ports, k.first) + "," + label("country", names.country(k.second)), n);
  }
  family_writer g(out, counter_family::last_bucket_cluster_sources);
  for (const auto& [k, n] : by_cluster) {
    g.sample(port_labels(ports, k.first) + "," + label("cluster", names.cluster(k.second)), n);
  }
  family_writer h(out, counter_family::last_bucket_start_seconds);
  h.sample("", static_cast<uint64_t>(static_cast<uint64_t>(bucket) * (r.bucket_ns / 1000000000U)));
}

/** Each device counter as its own family, one sample per device; lcore busy ratios. */
void write_device_families(std::string& out, const run_report& r) {
  const std::pair<counter_family, uint64_t device_counters::*> device_families[] = {
      {counter_family::device_rx_frames_total, &device_counters::ipackets},
      {counter_family::device_rx_missed_total, &device_counters::imissed},
      {counter_family::device_rx_kernel_dropped_total, &device_counters::kernel_dropped},
      {counter_family::device_rx_errors_total, &device_counters::ierrors},
      {counter_family::device_rx_nombuf_total, &device_counters::rx_nombuf},
      {counter_family::device_rx_faulted_bursts_total, &device_counters::faulted_bursts},
  };
  for (const auto& [id, field] : device_families) {
    family_writer f(out, id);
    for (const device_counters& d : r.devices) {
      f.sample(label("device", d.name), d.*field);
    }
  }
  family_writer f(out, counter_family::lcore_busy_ratio);
  for (const lcore_summary& l : r.lcores) {
    f.sample(label("lcore", std::to_string(l.lcore_id)), l.busy_ratio);
  }
}

/** Single-sample families of the tables and the run: what is live, what did not fit, errors.
 *  Overflows mean counts are lower bounds (docs/report.md). */
void write_health_families(std::string& out, const run_report& r) {
  const traffic_snapshot& t = r.traffic;
  const std::pair<counter_family, uint64_t> singles[] = {
      {counter_family::sources_live, t.sources.live},
      {counter_family::sources_evicted_total, t.sources.evicted},
      {counter_family::payload_scanned_bytes_total, t.payload.bytes},
      {counter_family::bucket_late_frames_total, r.bucket_late},
      {counter_family::bucket_overflow_frames_total, r.bucket_overflow},
      {counter_family::bucket_unique_overflow_total, r.bucket_unique_overflow},
  };
  for (const auto& [id, value] : singles) {
    family_writer f(out, id);
    f.sample("", value);
  }
  family_writer overflow(out, counter_family::table_overflow_total);
  overflow.sample(label("table", "unique_sources"), t.unique_overflow);
  overflow.sample(label("table", "fingerprints"), t.fingerprint_overflow);
  overflow.sample(label("table", "signature_countries"), t.signature_country_overflow);
  overflow.sample(label("table", "port_ases"), t.port_as_overflow);
  family_writer events(out, counter_family::payload_scan_events_total);
  events.sample(label("event", "stream_gap"), t.payload.stream_gaps);
  events.sample(label("event", "truncated"), t.payload.truncated);
  events.sample(label("event", "error"), t.payload.errors);
  events.sample(label("event", "no_stream"), t.payload.no_stream);
  family_writer writes(out, counter_family::series_write_errors_total);
  writes.sample("", r.series_write_errors);
  if (r.mode == "pcap") {
    family_writer f(out, counter_family::capture_clipped_records_total);
    f.sample("", r.clipped_records);
    family_writer g(out, counter_family::capture_errors_total);
    g.sample(label("kind", "damaged"), r.damaged_inputs);
    g.sample(label("kind", "unreadable"), r.unreadable_inputs);
  }
}

}  // namespace

std::string render_prometheus(const run_report& r, const watched_ports& ports,
                              size_t top_countries) {
  std::string out;
  {
    family_writer f(out, counter_family::build_info);
    f.sample(label("version", SCANSCOPE_VERSION), uint64_t{1});
  }
  write_frame_families(out, r.traffic);
  write_port_families(out, r, ports);
  write_country_families(out, r, ports, top_countries);
  write_as_families(out, r, ports);
  write_signature_families(out, r, ports);
  write_dimension_families(out, r, ports);
  if (r.series != nullptr) {
    write_surge_families(out, r, ports);
  }
  write_conversation_families(out, r, ports);
  append_fleet_metrics(out, r.fleet);
  append_store_metrics(out, r.source_store);
  append_event_metrics(out, r.events);
  if (r.series != nullptr && !r.series->buckets().empty()) {
    write_last_bucket_families(out, r, ports);
  }
  write_device_families(out, r);
  write_health_families(out, r);
  return out;
}

}  // namespace scanscope
