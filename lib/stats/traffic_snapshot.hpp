#pragma once
/**
 * @file
 * Plain sums of every RX lcore's counters at one moment: what the stats lcore reports from.
 */

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "converse/conversation_counters.hpp"
#include "fingerprint/fingerprint_key.hpp"
#include "stats/fingerprint_table.hpp"
#include "stats/keyed_counters.hpp"
#include "stats/lcore_counters.hpp"

namespace scanscope {

/** Frames to one destination port, for the "top ports" views. */
struct port_count {
  transport proto;  /**< TCP or UDP */
  uint16_t port;    /**< destination port */
  uint64_t packets; /**< frames */
};

/** One fingerprint key's traffic to one port. */
struct fingerprint_count {
  uint16_t port_index = 0; /**< watched-port counter index */
  fingerprint_key key;     /**< the header fingerprint */
  uint64_t packets = 0;    /**< packets */
  uint64_t sources = 0;    /**< distinct sources */
};

/** Bounded-table activity summed over lcores. */
struct table_counters_total {
  uint64_t capacity = 0; /**< sources the tables can hold */
  uint64_t live = 0;     /**< sources held now */
  uint64_t inserted = 0; /**< sources added */
  uint64_t evicted = 0;  /**< pushed out by a full table */
  uint64_t expired = 0;  /**< aged out */
};

/** Payload scanning summed over lcores. */
struct payload_scan_total {
  uint64_t packets = 0;       /**< payloads scanned */
  uint64_t bytes = 0;         /**< bytes scanned */
  uint64_t stream_gaps = 0;   /**< TCP holes that restarted a stream */
  uint64_t truncated = 0;     /**< payloads cut to --scan-bytes */
  uint64_t errors = 0;        /**< failed scan calls */
  uint64_t no_stream = 0;     /**< TCP payloads without a stream state */
  table_counters_total flows; /**< TCP flow tables */
};

/** A rule's first matching payload: raw bytes, the first `head` of them its request's first
 *  line, then a gap before the rest (head 0: one run of bytes from the payload's start). */
struct payload_excerpt {
  std::string bytes;
  size_t head = 0;
};

/** The counts of one dimension's values, [value] below size(); a port past the snapshot's has
 *  none (size() 0). */
struct value_counts {
  const source_total* first = nullptr;
  size_t count = 0;

  const source_total& operator[](size_t value) const { return first[value]; }
  size_t size() const { return count; }
  const source_total* begin() const { return first; }
  const source_total* end() const { return first + count; }
};

struct traffic_snapshot {
  traffic_total total;                                       /**< every frame */
  std::array<traffic_total, protocol_class_count> protocols; /**< by protocol class */
  std::array<uint64_t, parse_result_count> parse{};          /**< by parse result */
  std::vector<traffic_total> watched; /**< by watched-port counter index; [0] is other ports */
  std::vector<port_count> top_ports;  /**< busiest destination ports, most frames first */
  uint64_t first_timestamp_ns = 0;    /**< earliest frame time, 0 when none */
  uint64_t last_timestamp_ns = 0;     /**< latest frame time */
  uint64_t busy_cycles = 0;           /**< TSC cycles spent on non-empty bursts */
  uint64_t total_cycles = 0;          /**< TSC cycles of the poll loops */
  /** [watched-port index][dense_slot(kind, value)]: the dimensions with dense values
   *  (series_dimensions.hpp: clusters, tools, actors, techniques, tools a payload named);
   *  read through on_port(). */
  std::vector<std::array<source_total, dense_values.size>> per_port;
  /** [dense_slot(kind, value)] over all IP traffic; read through in_total(). */
  std::array<source_total, dense_values.size> overall{};
  /** The busiest fingerprints of each watched-port index, most packets first. */
  std::vector<std::vector<fingerprint_count>> fingerprints;
  uint64_t fingerprint_overflow = 0; /**< packets the fingerprint tables had no room for */
  uint64_t unique_overflow = 0;      /**< distinct-source checks the unique sets had no room for */
  table_counters_total sources;      /**< source-table activity */
  /** [watched-port index][rule index]: hits and distinct sources */
  std::vector<std::vector<source_total>> signatures;
  /** [rule index]: hits and distinct sources over all ports */
  std::vector<source_total> signature_totals;
  /** Per rule: the first matching payload bytes any lcore kept (empty when none). */
  std::vector<payload_excerpt> excerpts;
  payload_scan_total payload; /**< scanner activity */
  /** [watched-port index][country index]: packets and distinct sources */
  std::vector<std::vector<source_total>> countries;
  /** [country index]: packets and distinct sources over all IP traffic */
  std::vector<source_total> country_totals;
  /** series_key::signature key (port, rule, country) → hits and distinct sources */
  std::map<uint64_t, source_total> signature_countries;
  uint64_t signature_country_overflow =
      0; /**< hits the (port, rule, country) tables had no room for */
  /** series_key::as key (port, AS number) → packets and distinct sources since start */
  std::map<uint64_t, source_total> port_ases;
  uint64_t port_as_overflow = 0; /**< packets the (port, AS) tables had no room for */

  conversation_totals conversation; /**< direction, responder, two-phase, exposure */

  /** Malformed or truncated frames (every parse result that is_malformed()). */
  uint64_t malformed() const;

  /** The values of dimension `k` on watched-port index `port` (none past the ports). */
  value_counts on_port(series_key::kind k, size_t port) const {
    return port < per_port.size()
               ? value_counts{&per_port[port][dense_slot(k, 0)], dimension_of(k).values}
               : value_counts{};
  }
  /** The values of dimension `k` over all traffic. */
  value_counts in_total(series_key::kind k) const {
    return {&overall[dense_slot(k, 0)], dimension_of(k).values};
  }
};

}  // namespace scanscope
