#pragma once
/**
 * @file
 * Where a packet counts: its value in each dimension of the registry (stats/series_dimensions.hpp)
 * and the series keys those values make in its time bucket. The one place a dimension's value
 * is taken from a packet; the keys follow the registry's rows.
 */

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "stats/series_dimensions.hpp"

namespace scanscope {

/** A packet's (or a folded repeat's) values: what every family it counts in is keyed by. 16
 *  bytes: a source's repeat record keeps one (pipeline/repeat_tally.hpp). */
struct count_point {
  uint32_t asn;       /**< the source's origin AS (0: none known) */
  uint16_t port;      /**< watched-port index */
  uint16_t dst_port;  /**< destination port */
  uint16_t key_short; /**< series_key::fingerprint_short of its fingerprint key */
  uint8_t cluster;    /**< cluster index */
  uint8_t tool;       /**< scan_tool */
  uint8_t technique;  /**< scan_technique */
  uint8_t country;    /**< country index */
  uint8_t actor;      /**< actor slot (0: no known organisation) */
  uint8_t marks;      /**< tcp_mark, fingerprint_mark (a repeat record adds its own bits) */

  static constexpr uint8_t tcp_mark = 2;         /**< TCP (else UDP) */
  static constexpr uint8_t fingerprint_mark = 4; /**< counts under its fingerprint key */
  static constexpr uint8_t marks_of(bool tcp, bool fingerprint) {
    return static_cast<uint8_t>((tcp ? tcp_mark : 0) | (fingerprint ? fingerprint_mark : 0));
  }
  bool tcp() const { return (marks & tcp_mark) != 0; }
  bool fingerprint() const { return (marks & fingerprint_mark) != 0; }
};
static_assert(sizeof(count_point) == 16, "a count point and four counts make a repeat record");

/** The value `at` has in dimension `k` (0 in the dimensions a packet does not count in:
 *  signatures, conversation steps and payload tools are counted from hits and answers). */
constexpr uint32_t packet_value(series_key::kind k, const count_point& at) {
  switch (k) {
    case series_key::kind::port:
      return series_key::all;
    case series_key::kind::cluster:
      return at.cluster;
    case series_key::kind::tool:
      return at.tool;
    case series_key::kind::technique:
      return at.technique;
    case series_key::kind::fingerprint:
      return at.key_short;
    case series_key::kind::actor:
      return at.actor;
    case series_key::kind::as:
      return at.asn;
    default:
      return 0;
  }
}

/** Whether `at` makes a series entry in per-packet dimension `k`: an actor only for a known
 *  organisation, a fingerprint only where no built-in tool names it. */
constexpr bool in_series(series_key::kind k, const count_point& at) {
  switch (k) {
    case series_key::kind::fingerprint:
      return at.fingerprint();
    case series_key::kind::actor:
      return at.actor != 0;
    default:
      return true;
  }
}

/** Calls f(std::integral_constant<size_t, I>) for each row I of series_dimensions, unrolled
 *  at compile time, so `series_dimensions[I]` is a constant in `f` (`if constexpr` on it). */
template <class F, size_t... I>
inline void each_dimension_of(F&& f, std::index_sequence<I...>) {
  (f(std::integral_constant<size_t, I>{}), ...);
}
template <class F>
inline void each_dimension(F&& f) {
  constexpr size_t rows = sizeof(series_dimensions) / sizeof(series_dimensions[0]);
  each_dimension_of(f, std::make_index_sequence<rows>{});
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

/** The series keys of `at` in its time bucket, one per per-packet row it has an entry in, by
 *  country where the row is split by country. @return how many of `keys` are set */
inline size_t series_keys(const count_point& at, uint64_t (&keys)[max_series_keys]) {
  size_t n = 0;
  each_dimension([&](auto row) {
    constexpr const series_dimension& d = series_dimensions[row];
    if constexpr (d.per_packet) {
      if (in_series(d.kind, at)) {
        keys[n++] = series_key::make(d.kind, at.port, packet_value(d.kind, at),
                                     d.per_country ? at.country : 0);
      }
    }
  });
  return n;
}

}  // namespace scanscope
