#pragma once
/**
 * @file
 * Writing the Prometheus text format: a metric family's HELP and TYPE lines, then its samples,
 * and the label sets every family shares.
 */

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "common/counter.hpp"
#include "export/prometheus_text.hpp"
#include "stats/counter_families.hpp"
#include "stats/traffic_snapshot.hpp"
#include "stats/watched_ports.hpp"

namespace scanscope {

/** Writes one metric family: HELP and TYPE once, then its samples. */
class family_writer {
 public:
  family_writer(std::string& out, const char* name, const char* type, const char* help)
      : out_(out), name_(name) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  /** A declared family (stats/counter_families.hpp): its name, type and HELP from there. */
  family_writer(std::string& out, counter_family f)
      : family_writer(out, family(f).metric, family(f).kind, family(f).help) {}

  /** One sample; labels as "a=\"x\",b=\"y\"" (already escaped), or empty. */
  void sample(const std::string& labels, uint64_t value) {
    char number[32];
    std::snprintf(number, sizeof number, "%" PRIu64, value);
    line(labels, number);
  }
  void sample(const std::string& labels, double value) {
    char number[32];
    std::snprintf(number, sizeof number, "%.6g", value);
    line(labels, number);
  }

 private:
  void line(const std::string& labels, const char* value) {
    out_ += name_;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }

  std::string& out_;
  const char* name_;
};

inline std::string label(const char* key, const std::string& value) {
  return std::string(key) + "=\"" + escape_label(value) + "\"";
}

/** port="8545",protocol="tcp",name="ethereum-jsonrpc" (port="other" for index 0). */
inline std::string port_labels(const watched_ports& ports, uint16_t index) {
  if (index == watched_ports::other_index) {
    return label("port", "other") + "," + label("protocol", "any") + "," + label("name", "other");
  }
  const watched_port& p = ports.at(index);
  return label("port", std::to_string(p.port)) + "," + label("protocol", transport_name(p.proto)) +
         "," + label("name", p.name);
}

/** A family of packets and one of distinct sources, both read from source_totals. */
struct frames_and_sources {
  counter_family frames;
  counter_family sources;

  /** Each family with the field of source_total its samples take. */
  std::pair<counter_family, uint64_t source_total::*> with_field(bool packets) const {
    return packets ? std::pair{frames, &source_total::packets}
                   : std::pair{sources, &source_total::sources};
  }
};

/** Both families over the values `first` .. `count` - 1: a sample each, labelled labels(k),
 *  from totals[k]. */
template <class Totals, class Labels>
void write_totals(std::string& out, frames_and_sources families, const Totals& totals, size_t count,
                  Labels&& labels, size_t first = 0) {
  for (const bool packets : {true, false}) {
    const auto [family, field] = families.with_field(packets);
    family_writer f(out, family);
    for (size_t k = first; k < count; ++k) {
      f.sample(labels(k), totals[k].*field);
    }
  }
}

/** One family over every (watched-port index, value) entry of `per_port` ([index][value],
 *  values below `count`) that `seen` keeps: labelled by the port and `value_label(value)`,
 *  sampled as `sample(entry)`. */
template <class PerPort, class Seen, class ValueLabel, class Sample>
void port_value_family(std::string& out, counter_family family, const watched_ports& ports,
                       const PerPort& per_port, size_t count, Seen&& seen, ValueLabel&& value_label,
                       Sample&& sample) {
  family_writer f(out, family);
  for (size_t index = 0; index < per_port.size(); ++index) {
    for (size_t v = 0; v < count && v < per_port[index].size(); ++v) {
      if (seen(per_port[index][v])) {
        f.sample(port_labels(ports, static_cast<uint16_t>(index)) + "," + value_label(v),
                 sample(per_port[index][v]));
      }
    }
  }
}

/** Both families of dimension `k` by watched port, over its first `count` values: every one
 *  (`every_value`), or only those a port has seen. */
template <class Labels>
void write_per_port(std::string& out, frames_and_sources families, const watched_ports& ports,
                    const traffic_snapshot& t, series_key::kind k, Labels&& labels, size_t count,
                    bool every_value) {
  std::vector<value_counts> per_port;
  for (size_t i = 0; i < t.per_port.size(); ++i) {
    per_port.push_back(t.on_port(k, i));
  }
  const auto seen = [&](const source_total& v) { return every_value || v.packets != 0; };
  for (const bool packets : {true, false}) {
    const auto [family, field] = families.with_field(packets);
    port_value_family(out, family, ports, per_port, count, seen, labels,
                      [field = field](const source_total& v) { return v.*field; });
  }
}

}  // namespace scanscope
