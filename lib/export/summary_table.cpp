#include "export/summary_table.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace scanscope {

namespace {

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

std::string format(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return buf;
}

double percent(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

std::string human_rate(double per_second) {
  if (per_second >= 1e6) {
    return format("%.2fM", per_second / 1e6);
  }
  if (per_second >= 1e3) {
    return format("%.1fk", per_second / 1e3);
  }
  return format("%.0f", per_second);
}

std::string port_label(const port_count& pc, const watched_ports& ports) {
  const uint16_t i = ports.index(pc.proto, pc.port);
  return format("%u/%s%s%s", pc.port, transport_name(pc.proto),
                i == watched_ports::other_index ? "" : " ",
                i == watched_ports::other_index ? "" : ports.at(i).name.c_str());
}

}  // namespace

std::string format_utc(uint64_t time_ns) {
  const std::time_t seconds = static_cast<std::time_t>(time_ns / 1000000000ULL);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return format("%s.%03u", buf, static_cast<unsigned>((time_ns / 1000000ULL) % 1000)) + "Z";
}

namespace {

/** The run, its frames and time span, and the share of each protocol. */
void summary_head(std::string& out, const run_report& r) {
  const traffic_snapshot& t = r.traffic;
  out += format("scanscope summary (%s: %s)%s\n", r.mode.c_str(), r.input.c_str(),
                r.interrupted ? " [interrupted]" : "");
  out += format(
      "  frames %" PRIu64 ", bytes %" PRIu64 ", malformed %" PRIu64
      ", elapsed %.2f s (%s frames/s)\n",
      t.total.packets, t.total.bytes, t.malformed(), r.elapsed_seconds,
      human_rate(r.elapsed_seconds > 0 ? static_cast<double>(t.total.packets) / r.elapsed_seconds
                                       : 0)
          .c_str());
  if (t.first_timestamp_ns != 0) {
    out += format("  traffic from %s to %s\n", format_utc(t.first_timestamp_ns).c_str(),
                  format_utc(t.last_timestamp_ns).c_str());
  }
  out += "\n  protocol        frames        bytes      share\n";
  for (size_t i = 0; i < protocol_class_count; ++i) {
    const traffic_total& p = t.protocols[i];
    out += format("  %-10s %11" PRIu64 " %12" PRIu64 " %9.1f%%\n",
                  protocol_class_name(static_cast<protocol_class>(i)), p.packets, p.bytes,
                  percent(p.packets, t.total.packets));
  }
}

/** Frames and bytes per watched port with traffic, and the other ports. */
void watched_port_rows(std::string& out, const run_report& r, const watched_ports& ports) {
  const traffic_snapshot& t = r.traffic;
  out += "\n  watched port                   frames        bytes\n";
  for (uint16_t i = 1; i <= ports.size(); ++i) {
    const watched_port& p = ports.at(i);
    if (t.watched[i].packets == 0) {
      continue;
    }
    const std::string label = format("%u/%s %s", p.port, transport_name(p.proto), p.name.c_str());
    out += format("  %-26s %11" PRIu64 " %12" PRIu64 "\n", label.c_str(), t.watched[i].packets,
                  t.watched[i].bytes);
  }
  out += format("  %-26s %11" PRIu64 " %12" PRIu64 "\n", "other tcp/udp ports",
                t.watched[watched_ports::other_index].packets,
                t.watched[watched_ports::other_index].bytes);
}

/** Frames and sources per cluster of each port with traffic. */
void cluster_rows(std::string& out, const run_report& r, const watched_ports& ports) {
  const traffic_snapshot& t = r.traffic;
  bool cluster_header = false;
  for (uint16_t i = 0; i <= ports.size(); ++i) {
    if (t.watched[i].packets == 0 || t.per_port.size() <= i) {
      continue;
    }
    if (!cluster_header) {
      out += "\n  port / cluster                 frames    sources\n";
      cluster_header = true;
    }
    out += i == watched_ports::other_index
               ? std::string("  other ports\n")
               : format("  %u/%s %s\n", ports.at(i).port, transport_name(ports.at(i).proto),
                        ports.at(i).name.c_str());
    for (size_t k = 0; k < r.cluster_names.size(); ++k) {
      const source_total& c = t.on_port(series_key::kind::cluster, i)[k];
      if (c.packets != 0 || c.sources != 0) {
        out += format("    %-24s %11" PRIu64 " %10" PRIu64 "\n", r.cluster_names[k].c_str(),
                      c.packets, c.sources);
      }
    }
  }
}

/** Per tool seen, under `header`: frames (or hits) and sources. */
void tool_rows(std::string& out, const char* header, value_counts totals) {
  bool tool_header = false;
  for (size_t k = 1; k < scan_tool_count; ++k) {
    const source_total& c = totals[k];
    if (c.packets == 0) {
      continue;
    }
    if (!tool_header) {
      out += header;
      tool_header = true;
    }
    out += format("  %-26s %11" PRIu64 " %10" PRIu64 "\n",
                  scan_tool_name(static_cast<scan_tool>(k)), c.packets, c.sources);
  }
}

/** The tools headers named, then those payloads named. */
void tool_rows(std::string& out, const run_report& r) {
  tool_rows(out, "\n  tool                           frames    sources\n",
            r.traffic.in_total(series_key::kind::tool));
  tool_rows(out, "\n  tool by payload                  hits    sources\n",
            r.traffic.in_total(series_key::kind::payload_tool));
}

/** The ten countries with the most frames. */
void country_rows(std::string& out, const run_report& r) {
  const traffic_snapshot& t = r.traffic;
  std::vector<size_t> countries;
  for (size_t c = 0; c < t.country_totals.size() && c < r.country_codes.size(); ++c) {
    if (t.country_totals[c].packets != 0) {
      countries.push_back(c);
    }
  }
  std::sort(countries.begin(), countries.end(), [&](size_t a, size_t b) {
    return t.country_totals[a].packets > t.country_totals[b].packets;
  });
  if (!countries.empty()) {
    out += "\n  source country                 frames    sources\n";
    for (size_t i = 0; i < countries.size() && i < 10; ++i) {
      const source_total& c = t.country_totals[countries[i]];
      out += format("  %-26s %11" PRIu64 " %10" PRIu64 "\n", r.country_codes[countries[i]].c_str(),
                    c.packets, c.sources);
    }
    if (countries.size() > 10) {
      out += format("  (%zu more countries in the JSON report)\n", countries.size() - 10);
    }
  }
}

/** Hits and sources per (port, rule) with a hit. */
void signature_rows(std::string& out, const run_report& r, const watched_ports& ports) {
  const traffic_snapshot& t = r.traffic;
  bool rule_header = false;
  for (uint16_t i = 0; i < t.signatures.size(); ++i) {
    for (size_t k = 0; k < r.rules.size(); ++k) {
      const source_total& c = t.signatures[i][k];
      if (c.packets == 0) {
        continue;
      }
      if (!rule_header) {
        out += "\n  port / signature (category)             hits    sources\n";
        rule_header = true;
      }
      const std::string port =
          i == watched_ports::other_index
              ? std::string("other")
              : format("%u/%s", ports.at(i).port, transport_name(ports.at(i).proto));
      const std::string label = port + " " + r.rules[k].name + " (" + r.rules[k].category + ")";
      out += format("  %-36s %8" PRIu64 " %10" PRIu64 "\n", label.c_str(), c.packets, c.sources);
    }
  }
}

/** The source table, the busiest destination ports, frames not fully parsed. */
void health_rows(std::string& out, const run_report& r, const watched_ports& ports) {
  const traffic_snapshot& t = r.traffic;
  if (t.sources.inserted != 0) {
    out += format("\n  sources: %" PRIu64 " seen, %" PRIu64 " held of %" PRIu64 ", %" PRIu64
                  " evicted, %" PRIu64 " aged out\n",
                  t.sources.inserted, t.sources.live, t.sources.capacity, t.sources.evicted,
                  t.sources.expired);
  }
  if (!t.top_ports.empty()) {
    out += "\n  top destination ports          frames\n";
    for (const port_count& pc : t.top_ports) {
      out += format("  %-26s %11" PRIu64 "\n", port_label(pc, ports).c_str(), pc.packets);
    }
  }
  bool header = false;
  for (size_t i = 0; i < parse_result_count; ++i) {
    const auto result = static_cast<parse_result>(i);
    if (t.parse[i] == 0 || result == parse_result::ok) {
      continue;
    }
    if (!header) {
      out += "\n  not fully parsed               frames\n";
      header = true;
    }
    out += format("  %-26s %11" PRIu64 "\n", parse_result_name(result), t.parse[i]);
  }
}

/** Per device and per RX lcore, and input errors. */
void device_rows(std::string& out, const run_report& r) {
  if (!r.devices.empty()) {
    out +=
        "\n  device               ipackets    imissed    ierrors  rx_nombuf  kernel_dropped"
        "  faulted_bursts\n";
    for (const device_counters& d : r.devices) {
      out += format("  %-16s %12" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %15" PRIu64
                    " %15" PRIu64 "\n",
                    d.name.c_str(), d.ipackets, d.imissed, d.ierrors, d.rx_nombuf, d.kernel_dropped,
                    d.faulted_bursts);
    }
  }
  if (!r.lcores.empty()) {
    out += "\n  lcore  source                 frames   busy\n";
    for (const lcore_summary& l : r.lcores) {
      out += format("  %5u  %-18s %11" PRIu64 " %5.1f%%\n", l.lcore_id, l.source.c_str(), l.packets,
                    100.0 * l.busy_ratio);
    }
  }
  if (r.input_errors != 0 || !r.input_error.empty()) {
    out += format("\n  input errors: %" PRIu64 " (%s)\n", r.input_errors, r.input_error.c_str());
  }
}

}  // namespace

std::string render_summary_table(const run_report& r, const watched_ports& ports) {
  std::string out;
  summary_head(out, r);
  watched_port_rows(out, r, ports);
  cluster_rows(out, r, ports);
  tool_rows(out, r);
  country_rows(out, r);
  signature_rows(out, r, ports);
  health_rows(out, r, ports);
  device_rows(out, r);
  return out;
}

std::string render_status_line(const traffic_snapshot& now, const traffic_snapshot& before,
                               double seconds, uint64_t drops, const watched_ports& ports) {
  const double pps =
      seconds > 0 ? static_cast<double>(now.total.packets - before.total.packets) / seconds : 0;
  const double bps =
      seconds > 0 ? 8.0 * static_cast<double>(now.total.bytes - before.total.bytes) / seconds : 0;
  std::string line = format(
      "%s pps %sbit/s frames %" PRIu64 " malformed %" PRIu64 " drops %" PRIu64 " top",
      human_rate(pps).c_str(), human_rate(bps).c_str(), now.total.packets, now.malformed(), drops);
  const size_t shown = now.top_ports.size() < 3 ? now.top_ports.size() : 3;
  for (size_t i = 0; i < shown; ++i) {
    line +=
        " " + port_label(now.top_ports[i], ports) + format("=%" PRIu64, now.top_ports[i].packets);
  }
  if (shown == 0) {
    line += " -";
  }
  return line;
}

}  // namespace scanscope
