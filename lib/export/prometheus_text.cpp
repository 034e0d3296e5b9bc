#include "export/prometheus_text.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>

#include "export/prometheus_family.hpp"
#include "export/prometheus_actors.hpp"
#include "export/fleet_text.hpp"
#include "export/prometheus_conversation.hpp"
#include "export/prometheus_techniques.hpp"
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
  family_writer started(out, "scanscope_campaigns_started_total", "counter",
                        "Campaigns started, by scope (see docs/report.md, Campaigns).");
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
  family_writer active(out, "scanscope_campaigns_active", "gauge",
                       "Campaigns not ended yet, by port and scope.");
  for (const auto& [k, n] : open) {
    active.sample(port_labels(ports, k.first) + "," +
                      label("scope", campaign_scope_name(static_cast<campaign_scope>(k.second))),
                  n);
  }
  std::map<std::pair<uint16_t, uint8_t>, uint64_t> leads;
  for (const lead_change& l : d.lead_changes()) {
    ++leads[{l.port, static_cast<uint8_t>(l.dimension)}];
  }
  family_writer changes(out, "scanscope_lead_changes_total", "counter",
                        "Lead changes of a port's sources, by port and dimension.");
  for (const auto& [k, n] : leads) {
    changes.sample(
        port_labels(ports, k.first) + "," +
            label("dimension", lead_dimension_name(static_cast<lead_dimension>(k.second))),
        n);
  }
}

}  // namespace

std::string render_prometheus(const run_report& r, const watched_ports& ports,
                              size_t top_countries) {
  const traffic_snapshot& t = r.traffic;
  std::string out;
  {
    family_writer f(out, "scanscope_build_info", "gauge", "Version of the running scanscope.");
    f.sample(label("version", SCANSCOPE_VERSION), uint64_t{1});
  }
  {
    family_writer f(out, "scanscope_frames_total", "counter", "Frames received, by protocol.");
    for (size_t i = 0; i < protocol_class_count; ++i) {
      f.sample(label("protocol", protocol_class_name(static_cast<protocol_class>(i))),
               t.protocols[i].packets);
    }
  }
  {
    family_writer f(out, "scanscope_frame_bytes_total", "counter",
                    "Bytes of the frames received, on the wire, by protocol.");
    for (size_t i = 0; i < protocol_class_count; ++i) {
      f.sample(label("protocol", protocol_class_name(static_cast<protocol_class>(i))),
               t.protocols[i].bytes);
    }
  }
  {
    family_writer f(out, "scanscope_parse_results_total", "counter",
                    "Frames by how far parsing got (ok, fragments, or why it stopped).");
    for (size_t i = 0; i < parse_result_count; ++i) {
      f.sample(label("result", parse_result_name(static_cast<parse_result>(i))), t.parse[i]);
    }
  }
  const size_t port_count = t.watched.size();
  {
    family_writer f(out, "scanscope_port_frames_total", "counter",
                    "TCP/UDP frames by watched destination port (other: every other port).");
    for (uint16_t i = 0; i < port_count; ++i) {
      f.sample(port_labels(ports, i), t.watched[i].packets);
    }
  }
  {
    family_writer f(out, "scanscope_port_frame_bytes_total", "counter",
                    "Bytes of TCP/UDP frames by watched destination port.");
    for (uint16_t i = 0; i < port_count; ++i) {
      f.sample(port_labels(ports, i), t.watched[i].bytes);
    }
  }
  {
    family_writer f(out, "scanscope_cluster_frames_total", "counter",
                    "TCP/UDP frames by destination port and cluster.");
    for (uint16_t i = 0; i < port_count && i < t.clusters.size(); ++i) {
      for (size_t k = 0; k < r.cluster_names.size(); ++k) {
        f.sample(port_labels(ports, i) + "," + label("cluster", r.cluster_names[k]),
                 t.clusters[i][k].packets);
      }
    }
  }
  {
    family_writer f(out, "scanscope_cluster_sources", "gauge",
                    "Distinct sources by destination port and cluster since start.");
    for (uint16_t i = 0; i < port_count && i < t.clusters.size(); ++i) {
      for (size_t k = 0; k < r.cluster_names.size(); ++k) {
        f.sample(port_labels(ports, i) + "," + label("cluster", r.cluster_names[k]),
                 t.clusters[i][k].sources);
      }
    }
  }
  // Countries: the top K per port by frames, the rest summed into "other".
  uint64_t folded = 0;
  std::vector<std::vector<std::pair<std::string, source_total>>> countries(port_count);
  for (uint16_t i = 0; i < port_count && i < t.countries.size(); ++i) {
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
        countries[i].emplace_back(r.country_codes[order[n]], v);
      } else {
        other.packets += v.packets;
        other.sources += v.sources;
        ++folded;
      }
    }
    if (other.packets != 0) {
      countries[i].emplace_back("other", other);
    }
  }
  {
    family_writer f(out, "scanscope_country_frames_total", "counter",
                    "TCP/UDP frames by destination port and source country (top K per port).");
    for (uint16_t i = 0; i < port_count; ++i) {
      for (const auto& [code, v] : countries[i]) {
        f.sample(port_labels(ports, i) + "," + label("country", code), v.packets);
      }
    }
  }
  {
    family_writer f(out, "scanscope_country_sources", "gauge",
                    "Distinct sources by destination port and source country since start.");
    for (uint16_t i = 0; i < port_count; ++i) {
      for (const auto& [code, v] : countries[i]) {
        f.sample(port_labels(ports, i) + "," + label("country", code), v.sources);
      }
    }
  }
  {
    family_writer f(out, "scanscope_country_series_folded", "gauge",
                    "(port, country) series folded into country=\"other\" by the top-K cap.");
    f.sample("", folded);
  }
  {
    family_writer f(out, "scanscope_signature_hits_total", "counter",
                    "Payload signature hits (TCP connections or UDP datagrams) by port and rule.");
    // Only (port, rule) pairs with a hit: a series for every rule on every watched port would
    // be 760 mostly-zero series with the default rules and 10,240 at the rule limit.
    for (uint16_t i = 0; i < port_count && i < t.signatures.size(); ++i) {
      for (size_t k = 0; k < r.rules.size(); ++k) {
        if (t.signatures[i][k].packets == 0) {
          continue;
        }
        f.sample(port_labels(ports, i) + "," + label("signature", r.rules[k].name) + "," +
                     label("category", r.rules[k].category),
                 t.signatures[i][k].packets);
      }
    }
  }
  {
    family_writer f(out, "scanscope_signature_country_hits_total", "counter",
                    "Payload signature hits by port, rule and source country.");
    for (const auto& [key, v] : t.signature_countries) {
      const uint16_t rule = series_key::dim_of(key);
      const uint8_t country = series_key::country_of(key);
      if (rule >= r.rules.size()) {
        continue;
      }
      const std::string code = country < r.country_codes.size() ? r.country_codes[country] : "ZZ";
      f.sample(port_labels(ports, series_key::port_of(key)) + "," +
                   label("signature", r.rules[rule].name) + "," +
                   label("category", r.rules[rule].category) + "," + label("country", code),
               v.packets);
    }
  }
  {
    family_writer f(out, "scanscope_tool_frames_total", "counter",
                    "IP frames by the scanning tool their headers name.");
    for (size_t k = 0; k < scan_tool_count; ++k) {
      f.sample(label("tool", scan_tool_name(static_cast<scan_tool>(k))), t.tools_total[k].packets);
    }
  }
  {
    family_writer f(out, "scanscope_tool_sources", "gauge",
                    "Distinct sources by the scanning tool their headers name since start.");
    for (size_t k = 0; k < scan_tool_count; ++k) {
      f.sample(label("tool", scan_tool_name(static_cast<scan_tool>(k))), t.tools_total[k].sources);
    }
  }
  write_technique_families(out, t, ports);
  write_actor_families(out, r, ports);
  if (r.series != nullptr) {
    std::map<std::string, uint64_t> by_scope = {
        {"port", 0}, {"port_country", 0}, {"port_cluster", 0}};
    uint64_t active = 0;
    for (const surge_event& e : r.series->surges()) {
      const char* scope = e.scope == surge_scope::port           ? "port"
                          : e.scope == surge_scope::port_country ? "port_country"
                                                                 : "port_cluster";
      ++by_scope[scope];
      active += e.end < 0;
    }
    family_writer f(out, "scanscope_surges_total", "counter", "Surge events started, by scope.");
    for (const auto& [scope, n] : by_scope) {
      f.sample(label("scope", scope), n);
    }
    family_writer g(out, "scanscope_surges_active", "gauge", "Surge events not ended yet.");
    g.sample("", active);
    write_campaign_families(out, r, ports);
  }
  write_conversation_families(out, r, ports);
  append_fleet_metrics(out, r.fleet);
  if (r.series != nullptr && !r.series->buckets().empty()) {
    // The last closed bucket: distinct sources per hour are not sums, so they are gauges of the
    // latest bucket, which dashboards sample once per bucket (max_over_time over the width).
    const auto& [bucket, points] = *r.series->buckets().rbegin();
    std::map<std::pair<uint16_t, uint8_t>, uint64_t> by_country;
    std::map<std::pair<uint16_t, uint16_t>, uint64_t> by_cluster;
    for (const auto& [key, p] : points) {
      if (series_key::kind_of(key) == series_key::kind::port) {
        by_country[{series_key::port_of(key), series_key::country_of(key)}] += p.sources;
      } else if (series_key::kind_of(key) == series_key::kind::cluster) {
        by_cluster[{series_key::port_of(key), series_key::dim_of(key)}] += p.sources;
      }
    }
    family_writer f(out, "scanscope_last_bucket_sources", "gauge",
                    "Distinct sources in the last closed time bucket, by port and country.");
    for (const auto& [k, n] : by_country) {
      const std::string code = k.second < r.country_codes.size() ? r.country_codes[k.second] : "ZZ";
      f.sample(port_labels(ports, k.first) + "," + label("country", code), n);
    }
    family_writer g(out, "scanscope_last_bucket_cluster_sources", "gauge",
                    "Distinct sources in the last closed time bucket, by port and cluster.");
    for (const auto& [k, n] : by_cluster) {
      const std::string name = k.second < r.cluster_names.size() ? r.cluster_names[k.second] : "?";
      g.sample(port_labels(ports, k.first) + "," + label("cluster", name), n);
    }
    family_writer h(out, "scanscope_last_bucket_start_seconds", "gauge",
                    "Start of the last closed time bucket, seconds since the Unix epoch.");
    h.sample("",
             static_cast<uint64_t>(static_cast<uint64_t>(bucket) * (r.bucket_ns / 1000000000U)));
  }
  {
    family_writer f(out, "scanscope_device_rx_frames_total", "counter",
                    "Frames the DPDK port delivered (rte_eth_stats ipackets).");
    for (const device_counters& d : r.devices) {
      f.sample(label("device", d.name), d.ipackets);
    }
  }
  {
    family_writer f(out, "scanscope_device_rx_missed_total", "counter",
                    "Frames the DPDK port dropped because its RX queues were full (imissed).");
    for (const device_counters& d : r.devices) {
      f.sample(label("device", d.name), d.imissed);
    }
  }
  {
    family_writer f(out, "scanscope_device_rx_kernel_dropped_total", "counter",
                    "Frames the kernel interface behind a socket-backed port (net_af_packet, "
                    "net_pcap iface) received but the port never delivered.");
    for (const device_counters& d : r.devices) {
      f.sample(label("device", d.name), d.kernel_dropped);
    }
  }
  {
    family_writer f(out, "scanscope_device_rx_errors_total", "counter",
                    "Erroneous frames the DPDK port counted (ierrors).");
    for (const device_counters& d : r.devices) {
      f.sample(label("device", d.name), d.ierrors);
    }
  }
  {
    family_writer f(out, "scanscope_device_rx_nombuf_total", "counter",
                    "Receive failures for lack of mbufs (rx_nombuf).");
    for (const device_counters& d : r.devices) {
      f.sample(label("device", d.name), d.rx_nombuf);
    }
  }
  {
    family_writer f(out, "scanscope_lcore_busy_ratio", "gauge",
                    "Share of an RX lcore's poll-loop cycles spent on bursts with frames.");
    for (const lcore_summary& l : r.lcores) {
      f.sample(label("lcore", std::to_string(l.lcore_id)), l.busy_ratio);
    }
  }
  {
    family_writer f(out, "scanscope_sources_live", "gauge", "Sources held in the source tables.");
    f.sample("", t.sources.live);
  }
  {
    family_writer f(out, "scanscope_sources_evicted_total", "counter",
                    "Sources pushed out of a full source table.");
    f.sample("", t.sources.evicted);
  }
  {
    family_writer f(out, "scanscope_payload_scanned_bytes_total", "counter",
                    "Payload bytes scanned for signatures.");
    f.sample("", t.payload.bytes);
  }
  {
    family_writer f(out, "scanscope_bucket_late_frames_total", "counter",
                    "Frames too late for their time bucket.");
    f.sample("", r.bucket_late);
  }
  {
    family_writer f(out, "scanscope_bucket_overflow_frames_total", "counter",
                    "Frames whose series key found no room in their time bucket.");
    f.sample("", r.bucket_overflow);
  }
  {
    // Counts that are lower bounds when these are not 0 (docs/report.md).
    family_writer f(out, "scanscope_table_overflow_total", "counter",
                    "Updates a full table could not place, by table.");
    f.sample(label("table", "unique_sources"), t.unique_overflow);
    f.sample(label("table", "fingerprints"), t.fingerprint_overflow);
    f.sample(label("table", "signature_countries"), t.signature_country_overflow);
  }
  {
    family_writer f(out, "scanscope_payload_scan_events_total", "counter",
                    "Payload scanner events: TCP holes that restarted a stream, payloads cut to "
                    "--scan-bytes, failed scans, TCP payloads without a stream state.");
    f.sample(label("event", "stream_gap"), t.payload.gaps);
    f.sample(label("event", "truncated"), t.payload.truncated);
    f.sample(label("event", "error"), t.payload.errors);
    f.sample(label("event", "no_stream"), t.payload.no_stream);
  }
  {
    family_writer f(out, "scanscope_series_write_errors_total", "counter",
                    "Closed buckets the series files could not take (the run exits 1).");
    f.sample("", r.series_write_errors);
  }
  if (r.mode == "pcap") {
    family_writer f(out, "scanscope_capture_clipped_records_total", "counter",
                    "Capture records longer than an mbuf, cut to fit (raise --mbuf-size).");
    f.sample("", r.clipped_records);
    family_writer g(out, "scanscope_capture_errors_total", "counter",
                    "Captures damaged partway or not readable at all.");
    g.sample(label("kind", "damaged"), r.damaged_inputs);
    g.sample(label("kind", "unreadable"), r.unreadable_inputs);
  }
  return out;
}

}  // namespace scanscope
