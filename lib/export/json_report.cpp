#include "export/json_report.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

#include "common/json_fields.hpp"
#include "export/json_actors.hpp"
#include "export/json_campaigns.hpp"
#include "export/fleet_text.hpp"
#include "export/store_text.hpp"
#include "export/json_conversation.hpp"
#include "export/json_series.hpp"
#include "export/summary_table.hpp"
#include "export/top_values.hpp"
#include "scanscope_build_config.hpp"
#include "geo/unknown_country.hpp"

namespace scanscope {

namespace {

void write_traffic(json_writer& w, const traffic_total& t) {
  put_uint(w, "packets", t.packets);
  put_uint(w, "bytes", t.bytes);
}

void write_table(json_writer& w, const table_counters_total& t) {
  w.StartObject();
  put_uint(w, "capacity", t.capacity);
  put_uint(w, "live", t.live);
  put_uint(w, "inserted", t.inserted);
  put_uint(w, "evicted", t.evicted);
  put_uint(w, "expired", t.expired);
  w.EndObject();
}

/** {name, hits, sources}: a tool payloads named, counted as its rules' hits are. */
void write_hit_total(json_writer& w, const char* name, const source_total& t) {
  w.StartObject();
  put_string(w, "name", name);
  put_uint(w, "hits", t.packets);
  put_uint(w, "sources", t.sources);
  w.EndObject();
}

void write_rule_head(json_writer& w, const rule_summary& rule, const source_total& t) {
  put_uint(w, "id", rule.id);
  put_string(w, "name", rule.name.c_str());
  put_string(w, "category", rule.category.c_str());
  if (rule.retired) {
    put_bool(w, "retired", true);
  }
  put_uint(w, "hits", t.packets);
  put_uint(w, "sources", t.sources);
}

/** Payload bytes as text: printable ASCII kept, anything else as \xNN. */
std::string escape_excerpt(const std::string& bytes) {
  std::string out;
  char hex[8];
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

/** A rule's excerpt as text, or null: the request's first line, then (after an ellipsis no
 *  payload byte can print as: every byte outside printable ASCII is written \xNN) the bytes up
 *  to the end of the match. */
void write_excerpt(json_writer& w, const payload_excerpt& e) {
  if (e.bytes.empty()) {
    w.Null();
    return;
  }
  const std::string text = e.head == 0 ? escape_excerpt(e.bytes)
                                        : escape_excerpt(e.bytes.substr(0, e.head)) + " \u2026 " +
                                              escape_excerpt(e.bytes.substr(e.head));
  w.String(text.c_str());
}

/** "signatures": every rule over all ports, with its excerpt. */
void write_rule_totals(json_writer& w, const run_report& r) {
  const traffic_snapshot& t = r.traffic;
  w.Key("signatures");
  w.StartArray();
  for (size_t k = 0; k < r.rules.size(); ++k) {
    w.StartObject();
    write_rule_head(w, r.rules[k], t.signature_totals[k]);
    w.Key("excerpt");
    write_excerpt(w, t.excerpts[k]);
    w.EndObject();
  }
  w.EndArray();
}

/** Countries with traffic, most packets first, as {code, packets, sources}. */
void write_countries(json_writer& w, const run_report& r, const std::vector<source_total>& by) {
  std::vector<size_t> order;
  for (size_t c = 0; c < by.size() && c < r.country_codes.size(); ++c) {
    if (by[c].packets != 0) {
      order.push_back(c);
    }
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return by[a].packets != by[b].packets ? by[a].packets > by[b].packets
                                          : r.country_codes[a] < r.country_codes[b];
  });
  w.StartArray();
  for (size_t c : order) {
    w.StartObject();
    put_string(w, "country", r.country_codes[c].c_str());
    put_packets_sources(w, by[c].packets, by[c].sources);
    w.EndObject();
  }
  w.EndArray();
}

/** `"tools": [...]` (or `"payload_tools"`, the row's plural of `k`): the tools of `tools`
 *  from value `first` on (`seen_only`: those with packets), each written by `write`. */
template <class Write>
void write_tools(json_writer& w, series_key::kind k, value_counts tools, size_t first,
                 bool seen_only, Write&& write) {
  w.Key(dimension_of(k).plural);
  w.StartArray();
  for (size_t v = first; v < tools.size(); ++v) {
    if (!seen_only || tools[v].packets != 0) {
      write(w, scan_tool_name(static_cast<scan_tool>(v)), tools[v]);
    }
  }
  w.EndArray();
}

/** Countries, clusters, tools, top fingerprints and signature hits of one watched port. */
void write_port_breakdown(json_writer& w, const run_report& r, uint16_t index) {
  const traffic_snapshot& t = r.traffic;
  w.Key("countries");
  if (index < t.countries.size()) {
    write_countries(w, r, t.countries[index]);
  } else {
    w.StartArray();
    w.EndArray();
  }
  w.Key("signatures");
  w.StartArray();
  for (size_t k = 0; k < r.rules.size() && index < t.signatures.size(); ++k) {
    if (t.signatures[index][k].packets != 0) {
      w.StartObject();
      write_rule_head(w, r.rules[k], t.signatures[index][k]);
      w.EndObject();
    }
  }
  w.EndArray();
  w.Key("clusters");
  w.StartArray();
  for (size_t k = 0; k < r.cluster_names.size(); ++k) {
    // A cluster may hold a source without frames on a port: its first probe moved there.
    const source_total& c = t.on_port(series_key::kind::cluster, index)[k];
    if (c.packets != 0 || c.sources != 0) {
      write_source_total(w, r.cluster_names[k].c_str(), c);
    }
  }
  w.EndArray();
  write_tools(w, series_key::kind::tool, t.on_port(series_key::kind::tool, index), 0, true,
              write_source_total);
  write_tools(w, series_key::kind::payload_tool, t.on_port(series_key::kind::payload_tool, index),
              0, true, write_hit_total);
  write_techniques(w, t.on_port(series_key::kind::technique, index).begin(), true);
  uint64_t folded = 0;
  w.Key("ases");
  w.StartArray();
  for (const named_total& as : top_values_of_port(t.port_ases, index, r.top_ases, folded)) {
    w.StartObject();
    put_string(w, "as", as.name.c_str());
    put_packets_sources(w, as.total.packets, as.total.sources);
    w.EndObject();
  }
  w.EndArray();
  write_actors(w, r, t.on_port(series_key::kind::actor, index).begin(), true);
  w.Key("fingerprints");
  w.StartArray();
  for (const fingerprint_count& f : t.fingerprints[index]) {
    w.StartObject();
    put_string(w, "key", to_string(f.key).c_str());
    put_packets_sources(w, f.packets, f.sources);
    w.EndObject();
  }
  w.EndArray();
}

void write_port(json_writer& w, const run_report& r, uint16_t index, const watched_port& p) {
  w.StartObject();
  put_uint(w, "port", p.port);
  put_string(w, "protocol", transport_name(p.proto));
  put_string(w, "name", p.name.c_str());
  write_traffic(w, r.traffic.watched[index]);
  write_port_breakdown(w, r, index);
  write_port_series(w, r, index);
  w.EndObject();
}

}  // namespace

namespace {

/** `"signature_countries": [...]`: hits and sources per (port, rule, country), and what the
 *  tables had no room for. */
void write_signature_countries(json_writer& w, const run_report& r, const watched_ports& ports) {
  w.Key("signature_countries");
  w.StartArray();
  for (const auto& [key, v] : r.traffic.signature_countries) {
    const uint16_t rule = series_key::dim_of(key);
    const uint8_t country = series_key::country_of(key);
    if (rule >= r.rules.size()) {
      continue;
    }
    w.StartObject();
    write_port(w, ports, series_key::port_of(key));
    put_string(w, "signature", r.rules[rule].name.c_str());
    put_string(
        w, "country",
        country < r.country_codes.size() ? r.country_codes[country].c_str() : unknown_country_code);
    put_uint(w, "hits", v.packets);
    put_uint(w, "sources", v.sources);
    w.EndObject();
  }
  w.EndArray();
  put_uint(w, "signature_country_overflow", r.traffic.signature_country_overflow);
  put_uint(w, "port_as_overflow", r.traffic.port_as_overflow);
}

}  // namespace

namespace {

/** The run, its time span, totals, protocols and parse results. */
void write_run_head(json_writer& w, const run_report& r) {
  const traffic_snapshot& t = r.traffic;
  put_string(w, "scanscope_version", SCANSCOPE_VERSION);
  put_string(w, "mode", r.mode.c_str());
  put_string(w, "input", r.input.c_str());
  put_double(w, "elapsed_seconds", r.elapsed_seconds);
  put_bool(w, "interrupted", r.interrupted);
  w.Key("first_packet_time");
  t.first_timestamp_ns ? w.String(format_utc(t.first_timestamp_ns).c_str()) : w.Null();
  w.Key("last_packet_time");
  t.last_timestamp_ns ? w.String(format_utc(t.last_timestamp_ns).c_str()) : w.Null();

  w.Key("totals");
  w.StartObject();
  write_traffic(w, t.total);
  put_uint(w, "malformed", t.malformed());
  w.EndObject();

  w.Key("protocols");
  w.StartObject();
  for (size_t i = 0; i < protocol_class_count; ++i) {
    w.Key(protocol_class_name(static_cast<protocol_class>(i)));
    w.StartObject();
    write_traffic(w, t.protocols[i]);
    w.EndObject();
  }
  w.EndObject();

  put_counts(
      w, "parse", parse_result_count,
      [](size_t i) { return parse_result_name(static_cast<parse_result>(i)); },
      [&](size_t i) { return t.parse[i]; });
}

/** Every watched port, and the other ports as one. */
void write_ports(json_writer& w, const run_report& r, const watched_ports& ports) {
  const traffic_snapshot& t = r.traffic;
  w.Key("ports");
  w.StartArray();
  for (uint16_t i = 1; i <= ports.size(); ++i) {
    write_port(w, r, i, ports.at(i));
  }
  w.EndArray();
  w.Key("other_ports");
  w.StartObject();
  write_traffic(w, t.watched[watched_ports::other_index]);
  write_port_breakdown(w, r, watched_ports::other_index);
  w.EndObject();
}

/** Counts over all traffic: clusters, tools, techniques, actors, sources, rules, countries. */
void write_overall(json_writer& w, const run_report& r) {
  const traffic_snapshot& t = r.traffic;
  w.Key("clusters");
  w.StartArray();
  for (const std::string& name : r.cluster_names) {
    w.String(name.c_str());
  }
  w.EndArray();
  write_tools(w, series_key::kind::tool, t.in_total(series_key::kind::tool), 0, false,
              write_source_total);
  // No rule names "none" (value 0): the list starts after it.
  write_tools(w, series_key::kind::payload_tool, t.in_total(series_key::kind::payload_tool), 1,
              false, write_hit_total);
  write_techniques(w, t.in_total(series_key::kind::technique).begin(), false);
  write_actors(w, r, t.in_total(series_key::kind::actor).begin(), false);
  w.Key("sources");
  write_table(w, t.sources);
  write_rule_totals(w, r);
  w.Key("countries");
  write_countries(w, r, t.country_totals);
}

/** The state of the buckets, the location database, the payload scanner and the tables. */
void write_tables(json_writer& w, const run_report& r, const watched_ports& ports) {
  const traffic_snapshot& t = r.traffic;
  w.Key("buckets");
  w.StartObject();
  put_uint(w, "width_seconds", r.bucket_ns / 1000000000ULL);
  put_uint(w, "retained", r.series ? r.series->buckets().size() : 0);
  put_uint(w, "late", r.bucket_late);
  put_uint(w, "overflow", r.bucket_overflow);
  put_uint(w, "unique_overflow", r.bucket_unique_overflow);
  w.EndObject();
  w.Key("geo");
  w.StartObject();
  w.Key("database");
  r.geo.path.empty() ? w.Null() : w.String(r.geo.path.c_str());
  put_string(w, "vendor", r.geo.vendor.c_str());
  put_string(w, "created", r.geo.created.c_str());
  put_uint(w, "networks_v4", r.geo.networks_v4);
  put_uint(w, "networks_v6", r.geo.networks_v6);
  put_double(w, "load_seconds", r.geo.load_seconds);
  w.EndObject();
  w.Key("payload_scan");
  w.StartObject();
  put_uint(w, "packets", t.payload.packets);
  put_uint(w, "bytes", t.payload.bytes);
  put_uint(w, "stream_gaps", t.payload.stream_gaps);
  put_uint(w, "truncated", t.payload.truncated);
  put_uint(w, "errors", t.payload.errors);
  put_uint(w, "no_stream", t.payload.no_stream);
  w.Key("flows");
  write_table(w, t.payload.flows);
  w.EndObject();
  put_uint(w, "fingerprint_overflow", t.fingerprint_overflow);
  put_uint(w, "unique_overflow", t.unique_overflow);
  write_signature_countries(w, r, ports);
}

/** The busiest destination ports, watched or not. */
void write_top_ports(json_writer& w, const run_report& r, const watched_ports& ports) {
  const traffic_snapshot& t = r.traffic;
  w.Key("top_ports");
  w.StartArray();
  for (const port_count& pc : t.top_ports) {
    w.StartObject();
    put_uint(w, "port", pc.port);
    put_string(w, "protocol", transport_name(pc.proto));
    const uint16_t index = ports.index(pc.proto, pc.port);
    w.Key("name");
    index == watched_ports::other_index ? w.Null() : w.String(ports.at(index).name.c_str());
    put_uint(w, "packets", pc.packets);
    w.EndObject();
  }
  w.EndArray();
}

/** Per device and per RX lcore. */
void write_devices(json_writer& w, const run_report& r) {
  w.Key("devices");
  w.StartArray();
  for (const device_counters& d : r.devices) {
    w.StartObject();
    put_uint(w, "port_id", d.port_id);
    put_string(w, "name", d.name.c_str());
    put_uint(w, "ipackets", d.ipackets);
    put_uint(w, "imissed", d.imissed);
    put_uint(w, "ierrors", d.ierrors);
    put_uint(w, "rx_nombuf", d.rx_nombuf);
    put_uint(w, "kernel_dropped", d.kernel_dropped);
    put_uint(w, "faulted_bursts", d.faulted_bursts);
    w.EndObject();
  }
  w.EndArray();

  w.Key("lcores");
  w.StartArray();
  for (const lcore_summary& l : r.lcores) {
    w.StartObject();
    put_uint(w, "lcore", l.lcore_id);
    put_string(w, "source", l.source.c_str());
    put_uint(w, "packets", l.packets);
    put_double(w, "busy_ratio", l.busy_ratio);
    w.EndObject();
  }
  w.EndArray();
}

/** Damaged, unreadable and clipped input, and the series files. */
void write_input_health(json_writer& w, const run_report& r) {
  put_uint(w, "input_errors", r.input_errors);
  w.Key("input_error");
  r.input_error.empty() ? w.Null() : w.String(r.input_error.c_str());
  put_uint(w, "damaged_inputs", r.damaged_inputs);
  put_uint(w, "unreadable_inputs", r.unreadable_inputs);
  put_uint(w, "clipped_records", r.clipped_records);
  w.Key("series_files");
  w.StartObject();
  put_uint(w, "lines", r.series_lines);
  put_uint(w, "write_errors", r.series_write_errors);
  w.Key("error");
  r.series_write_error.empty() ? w.Null() : w.String(r.series_write_error.c_str());
  w.EndObject();
}

}  // namespace

std::string render_json_report(const run_report& r, const watched_ports& ports) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  w.SetIndent(' ', 2);
  w.StartObject();
  write_run_head(w, r);
  write_ports(w, r, ports);
  write_overall(w, r);
  write_surges(w, r, ports);
  write_campaigns(w, r, ports);
  write_lead_changes(w, r, ports);
  write_conversation(w, r, ports);
  write_fleet(w, r.fleet);
  write_source_store(w, r.source_store);
  write_events(w, r.events);
  write_tables(w, r, ports);
  write_top_ports(w, r, ports);
  write_devices(w, r);
  write_input_health(w, r);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::string write_json_report(const std::string& path, const run_report& report,
                              const watched_ports& ports) {
  const std::string text = render_json_report(report, ports);
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) {
    return "cannot write report '" + tmp + "': " + std::strerror(errno);
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) {
    const std::string reason = std::strerror(errno);
    std::remove(tmp.c_str());
    return "cannot write report '" + tmp + "': " + reason;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(tmp.c_str());
    return "cannot rename report to '" + path + "': " + reason;
  }
  return {};
}

}  // namespace scanscope
