#include "export/prometheus_techniques.hpp"

#include "export/prometheus_family.hpp"

namespace scanscope {

void write_technique_families(std::string& out, const traffic_snapshot& t,
                              const watched_ports& ports) {
  const auto name = [](size_t k) { return scan_technique_name(static_cast<scan_technique>(k)); };
  {
    family_writer f(out, counter_family::technique_frames_total);
    for (size_t k = 0; k < scan_technique_count; ++k) {
      f.sample(label("technique", name(k)), t.techniques_total[k].packets);
    }
  }
  {
    family_writer f(out, counter_family::technique_sources);
    for (size_t k = 0; k < scan_technique_count; ++k) {
      f.sample(label("technique", name(k)), t.techniques_total[k].sources);
    }
  }
  // Per port only the techniques seen there: 13 rows for each of 20 ports would be mostly 0.
  family_writer frames(out, counter_family::port_technique_frames_total);
  for (size_t i = 0; i < t.techniques.size(); ++i) {
    for (size_t k = 0; k < scan_technique_count; ++k) {
      if (t.techniques[i][k].packets != 0) {
        frames.sample(port_labels(ports, static_cast<uint16_t>(i)) + "," +
                          label("technique", name(k)),
                      t.techniques[i][k].packets);
      }
    }
  }
  family_writer sources(out, counter_family::port_technique_sources);
  for (size_t i = 0; i < t.techniques.size(); ++i) {
    for (size_t k = 0; k < scan_technique_count; ++k) {
      if (t.techniques[i][k].packets != 0) {
        sources.sample(port_labels(ports, static_cast<uint16_t>(i)) + "," +
                           label("technique", name(k)),
                       t.techniques[i][k].sources);
      }
    }
  }
}

}  // namespace scanscope
