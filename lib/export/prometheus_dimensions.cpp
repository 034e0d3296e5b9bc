#include "export/prometheus_dimensions.hpp"

#include <algorithm>

#include "export/prometheus_family.hpp"

namespace scanscope {

namespace {

/** How many of a dimension's `bound` values have a name in this run: clusters and actors as
 *  many as their files hold (actor slot 0 is "none"), the others all. */
size_t named_values(value_form form, const run_report& r, size_t bound) {
  switch (form) {
    case value_form::cluster:
      return std::min(r.cluster_names.size(), bound);
    case value_form::actor:
      return std::min(r.actors.size() + 1, bound);
    default:
      return bound;
  }
}

/** A value's labels: one named after its form, and an actor's kind beside its name. */
std::string value_labels(value_form form, const run_report& r, size_t v) {
  switch (form) {
    case value_form::cluster:
      return label("cluster", r.cluster_names[v]);
    case value_form::tool:
      return label("tool", scan_tool_name(static_cast<scan_tool>(v)));
    case value_form::technique:
      return label("technique", scan_technique_name(static_cast<scan_technique>(v)));
    case value_form::actor:
      return v == 0
                 ? label("actor", "none") + "," + label("kind", "none")
                 : label("actor", r.actors[v - 1].name) + "," + label("kind", r.actors[v - 1].kind);
    default:
      return {};
  }
}

}  // namespace

void write_dimension_families(std::string& out, const run_report& r, const watched_ports& ports) {
  for (const series_dimension& d : series_dimensions) {
    if (d.values == 0) {
      continue;
    }
    const dense_metrics& m = d.metrics;
    const size_t count = named_values(d.form, r, d.values);
    const auto labels = [&](size_t v) { return value_labels(d.form, r, v); };
    if (m.frames != no_family) {
      write_totals(out, {m.frames, m.sources}, r.traffic.in_total(d.kind), count, labels, m.first);
    }
    // Per port, most rows only the values a port has seen: 13 techniques for each of 20 ports
    // would be mostly 0.
    if (m.port_frames != no_family) {
      write_per_port(out, {m.port_frames, m.port_sources}, ports, r.traffic, d.kind, labels, count,
                     m.every_value);
    }
  }
}

}  // namespace scanscope
