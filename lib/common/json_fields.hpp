#pragma once
/**
 * @file
 * Fields that many JSON objects share, for any rapidjson writer (plain or pretty).
 */

#include <cstdint>

namespace scanscope {

/** `"key": value` inside the object being written, one helper per JSON type. */
template <class Writer>
void put_uint(Writer& w, const char* key, uint64_t value) {
  w.Key(key);
  w.Uint64(value);
}
template <class Writer>
void put_int(Writer& w, const char* key, int64_t value) {
  w.Key(key);
  w.Int64(value);
}
template <class Writer>
void put_double(Writer& w, const char* key, double value) {
  w.Key(key);
  w.Double(value);
}
template <class Writer>
void put_bool(Writer& w, const char* key, bool value) {
  w.Key(key);
  w.Bool(value);
}
template <class Writer>
void put_string(Writer& w, const char* key, const char* value) {
  w.Key(key);
  w.String(value);
}

/** `"packets": p, "sources": s` inside the object being written. */
template <class Writer>
void put_packets_sources(Writer& w, uint64_t packets, uint64_t sources) {
  w.Key("packets");
  w.Uint64(packets);
  w.Key("sources");
  w.Uint64(sources);
}

}  // namespace scanscope
