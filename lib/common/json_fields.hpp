#pragma once
/**
 * @file
 * Fields that many JSON objects share, for any rapidjson writer (plain or pretty).
 */

#include <cstdint>

namespace scanscope {

/** `"packets": p, "sources": s` inside the object being written. */
template <class Writer>
void put_packets_sources(Writer& w, uint64_t packets, uint64_t sources) {
  w.Key("packets");
  w.Uint64(packets);
  w.Key("sources");
  w.Uint64(sources);
}

}  // namespace scanscope
