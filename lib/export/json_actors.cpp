#include "export/json_actors.hpp"

#include "common/json_fields.hpp"

namespace scanscope {

void write_actors(json_writer& w, const run_report& r, const source_total* counts,
                  bool seen_only) {
  w.Key("actors");
  w.StartArray();
  for (size_t slot = 0; counts != nullptr && slot <= r.actors.size() && slot < actor_slots;
       ++slot) {
    if (seen_only && counts[slot].packets == 0) {
      continue;
    }
    w.StartObject();
    put_string(w, "name", slot == 0 ? "none" : r.actors[slot - 1].name.c_str());
    put_string(w, "kind", slot == 0 ? "none" : r.actors[slot - 1].kind.c_str());
    if (slot != 0 && r.actors[slot - 1].retired) {
      put_bool(w, "retired", true);
    }
    put_packets_sources(w, counts[slot].packets, counts[slot].sources);
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace scanscope
