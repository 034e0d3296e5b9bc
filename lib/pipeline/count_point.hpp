#pragma once
/**
 * @file
 * Where a packet counts: its value in each dimension of the registry (stats/series_dimensions.hpp)
 * and the series keys those values make in its time bucket. The one place a dimension's value
 * is taken from a packet; the keys follow the registry's rows.
 */

#include <cstddef>
#include <cstdint>
#include <utility>

#include "stats/series_dimensions.hpp"

namespace scanscope {

/** A packet's (or a folded repeat's) values: what every family it counts in is keyed by. */
struct count_point {
  uint16_t port;      /**< watched-port index */
  uint16_t dst_port;  /**< destination port */
  uint32_t asn;       /**< the source's origin AS (0: none known) */
  uint8_t cluster;    /**< cluster index */
  uint8_t tool;       /**< scan_tool */
  uint8_t technique;  /**< scan_technique */
  uint8_t country;    /**< country index */
  uint8_t actor;      /**< actor slot (0: no known organisation) */
  bool tcp;           /**< TCP (else UDP) */
  bool fingerprint;   /**< counts under its fingerprint key (worker::names_fingerprint) */
  uint16_t key_short; /**< series_key::fingerprint_short of its fingerprint key */
};

/** The value `at` has in dimension `k`, and whether it makes a series entry there (an actor
 *  only for a known organisation, a fingerprint only where no built-in tool names it). */
constexpr bool packet_value(series_key::kind k, const count_point& at, uint32_t& value) {
  switch (k) {
    case series_key::kind::port:
      value = series_key::all;
      return true;
    case series_key::kind::cluster:
      value = at.cluster;
      return true;
    case series_key::kind::tool:
      value = at.tool;
      return true;
    case series_key::kind::technique:
      value = at.technique;
      return true;
    case series_key::kind::fingerprint:
      value = at.key_short;
      return at.fingerprint;
    case series_key::kind::actor:
      value = at.actor;
      return at.actor != 0;
    case series_key::kind::as:
      value = at.asn;
      return true;
    default:
      return false;  // counted elsewhere: signatures, conversation steps, payload tools
  }
}

/** Rows whose series entries are made per packet: the most keys a packet makes. */
constexpr size_t per_packet_rows() {
  size_t n = 0;
  for (const series_dimension& d : series_dimensions) {
    n += d.per_packet ? 1 : 0;
  }
  return n;
}

inline constexpr size_t max_series_keys = per_packet_rows();

namespace detail {

template <size_t I>
inline void add_series_key(const count_point& at, uint64_t* keys, size_t& n) {
  constexpr const series_dimension& d = series_dimensions[I];
  if constexpr (d.per_packet) {
    uint32_t value = 0;
    if (packet_value(d.kind, at, value)) {
      keys[n++] = series_key::make(d.kind, at.port, value, d.per_country ? at.country : 0);
    }
  }
}

template <size_t... I>
inline size_t series_keys_of(const count_point& at, uint64_t* keys, std::index_sequence<I...>) {
  size_t n = 0;
  (add_series_key<I>(at, keys, n), ...);
  return n;
}

}  // namespace detail

/** The series keys of `at` in its time bucket, one per per-packet row it has a value in, by
 *  country where the row is split by country; the walk is unrolled at compile time.
 *  @return how many of `keys` are set */
inline size_t series_keys(const count_point& at, uint64_t (&keys)[max_series_keys]) {
  constexpr size_t rows = sizeof(series_dimensions) / sizeof(series_dimensions[0]);
  return detail::series_keys_of(at, keys, std::make_index_sequence<rows>{});
}

}  // namespace scanscope
