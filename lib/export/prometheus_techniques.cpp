#include "export/prometheus_techniques.hpp"

#include "export/prometheus_family.hpp"

namespace scanscope {

void write_technique_families(std::string& out, const traffic_snapshot& t,
                              const watched_ports& ports) {
  const auto labels = [](size_t k) {
    return label("technique", scan_technique_name(static_cast<scan_technique>(k)));
  };
  write_totals(out, {counter_family::technique_frames_total, counter_family::technique_sources},
               t.in_total(series_key::kind::technique), scan_technique_count, labels);
  // Per port only the techniques seen there: 13 rows for each of 20 ports would be mostly 0.
  write_seen_per_port(
      out, {counter_family::port_technique_frames_total, counter_family::port_technique_sources},
      ports, t, series_key::kind::technique, labels);
}

}  // namespace scanscope
