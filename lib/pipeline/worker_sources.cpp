// The worker's source side: finding a packet's source in the table (a new one is located and
// given its actor once). What each packet changes in the source's state is
// source_accounting.hpp's.
#include <cstring>

#include "packet/prefix_set.hpp"
#include "pipeline/worker.hpp"

namespace scanscope {

source_state* worker::resolve_source(const source_key& key, int32_t position, uint64_t time_ns) {
  source_state* s = position >= 0 ? &sources_->found(position) : nullptr;
  // A source added or evicted earlier in this burst makes the bulk answer stale.
  if (s == nullptr || !s->in_use || std::memcmp(s->key.bytes, key.bytes, sizeof key.bytes) != 0) {
    bool is_new = false;
    s = &sources_->touch(key, time_ns, is_new, [this](source_state& gone) { retire_source(gone); });
    if (is_new) {
      // Once per source, not per packet: the location and the actor are the source's, and
      // lookups stay off the path of repeat packets.
      const location_db* geo = geo_;
      uint32_t asn = 0;
      if (geo != nullptr) {
        const geo_result where = geo->locate(key.bytes);
        s->country = where.country;
        asn = where.asn;
      }
      if (actors_ != nullptr) {
        s->set_actor(actors_->match(key.bytes, asn));
      }
      repeats_.at(sources_->position_of(*s)).at.asn = asn;
    }
  }
  return s;
}

}  // namespace scanscope
