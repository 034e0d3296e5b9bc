#include "export/prometheus_actors.hpp"

#include "export/prometheus_family.hpp"

namespace scanscope {

void write_actor_families(std::string& out, const run_report& r, const watched_ports& ports) {
  const traffic_snapshot& t = r.traffic;
  const size_t slots = std::min(r.actors.size() + 1, actor_slots);
  const auto labels = [&](size_t slot) {
    return slot == 0 ? label("actor", "none") + "," + label("kind", "none")
                     : label("actor", r.actors[slot - 1].name) + "," +
                           label("kind", r.actors[slot - 1].kind);
  };
  write_totals(out, {counter_family::actor_frames_total, counter_family::actor_sources},
               t.in_total(series_key::kind::actor), slots, labels);
  write_seen_per_port(out,
                      {counter_family::port_actor_frames_total, counter_family::port_actor_sources},
                      ports, t, series_key::kind::actor, labels, slots);
}

}  // namespace scanscope
