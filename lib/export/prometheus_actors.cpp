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
  {
    family_writer f(out, counter_family::actor_frames_total);
    for (size_t slot = 0; slot < slots; ++slot) {
      f.sample(labels(slot), t.actors_total[slot].packets);
    }
  }
  {
    family_writer f(out, counter_family::actor_sources);
    for (size_t slot = 0; slot < slots; ++slot) {
      f.sample(labels(slot), t.actors_total[slot].sources);
    }
  }
  family_writer frames(out, counter_family::port_actor_frames_total);
  for (size_t i = 0; i < t.actors.size(); ++i) {
    for (size_t slot = 0; slot < slots; ++slot) {
      if (t.actors[i][slot].packets != 0) {
        frames.sample(port_labels(ports, static_cast<uint16_t>(i)) + "," + labels(slot),
                      t.actors[i][slot].packets);
      }
    }
  }
  family_writer sources(out, counter_family::port_actor_sources);
  for (size_t i = 0; i < t.actors.size(); ++i) {
    for (size_t slot = 0; slot < slots; ++slot) {
      if (t.actors[i][slot].packets != 0) {
        sources.sample(port_labels(ports, static_cast<uint16_t>(i)) + "," + labels(slot),
                       t.actors[i][slot].sources);
      }
    }
  }
}

}  // namespace scanscope
