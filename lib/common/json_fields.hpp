#pragma once
/**
 * @file
 * Fields that many JSON objects share, for any rapidjson writer (plain or pretty).
 */

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace scanscope {

/** Writes `"key": value` of one JSON type inside the object being written. */
template <class Value>
struct json_field {
  template <class Writer>
  void operator()(Writer& w, const char* key, Value value) const {
    w.Key(key);
    if constexpr (std::is_same_v<Value, uint64_t>) {
      w.Uint64(value);
    } else if constexpr (std::is_same_v<Value, int64_t>) {
      w.Int64(value);
    } else if constexpr (std::is_same_v<Value, double>) {
      w.Double(value);
    } else if constexpr (std::is_same_v<Value, bool>) {
      w.Bool(value);
    } else {
      static_assert(std::is_same_v<Value, const char*>);
      w.String(value);
    }
  }
};

inline constexpr json_field<uint64_t> put_uint{};
inline constexpr json_field<int64_t> put_int{};
inline constexpr json_field<double> put_double{};
inline constexpr json_field<bool> put_bool{};
inline constexpr json_field<const char*> put_string{};

/** `"key": {name(0): value(0), ...}`: one member for each index below `count`. */
template <class Writer, class Name, class Value>
void put_counts(Writer& w, const char* key, size_t count, Name&& name, Value&& value) {
  w.Key(key);
  w.StartObject();
  for (size_t i = 0; i < count; ++i) {
    put_uint(w, name(i), value(i));
  }
  w.EndObject();
}

/** `"packets": p, "sources": s` inside the object being written. */
template <class Writer>
void put_packets_sources(Writer& w, uint64_t packets, uint64_t sources) {
  put_uint(w, "packets", packets);
  put_uint(w, "sources", sources);
}

}  // namespace scanscope
