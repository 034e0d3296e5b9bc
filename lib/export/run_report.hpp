#pragma once
/**
 * @file
 * Everything a finished (or running) analysis reports: the input, the folded counters and the
 * devices' own drop counters. The JSON report and the summary table are two views of it.
 */

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "geo/actor_list.hpp"
#include "stats/series_store.hpp"
#include "stats/traffic_snapshot.hpp"
#include "export/fleet_delivery.hpp"
#include "export/event_summary.hpp"
#include "export/store_summary.hpp"
#include "stats/watched_ports.hpp"
#include "geo/unknown_country.hpp"

namespace scanscope {

/** Receive counters read from one ethdev (rte_eth_stats). */
struct device_counters {
  uint16_t port_id = 0;   /**< DPDK port id */
  std::string name;       /**< device name, e.g. 0000:01:00.0 or net_pcap0 */
  uint64_t ipackets = 0;  /**< frames the device delivered */
  uint64_t imissed = 0;   /**< frames dropped by the device because RX queues were full */
  uint64_t ierrors = 0;   /**< erroneous frames */
  uint64_t rx_nombuf = 0; /**< receive failures for lack of mbufs */
  /** Frames the kernel interface behind a socket-backed port received that never reached the
   * port (the packet socket's ring overflowed); 0 for other ports. */
  uint64_t kernel_dropped = 0;
  /** Bursts ended by a fault when the peer left under them (memif; their frames are lost). */
  uint64_t faulted_bursts = 0;
};

/** Frames one RX lcore handled. */
struct lcore_summary {
  unsigned lcore_id = 0; /**< EAL lcore id */
  std::string source;    /**< what it polls, e.g. "port 0 queue 1" or "pcap ring 0" */
  uint64_t packets = 0;  /**< frames handled */
  double busy_ratio = 0; /**< share of poll-loop cycles spent on non-empty bursts */
};

/** What the report says about one payload rule. */
struct rule_summary {
  uint32_t id = 0;      /**< rule id */
  std::string name;     /**< rule name */
  std::string category; /**< rule category */
  bool retired = false; /**< dropped by a reload; its counts are kept */
};

/** The location database a run used. */
struct geo_summary {
  std::string path;         /**< database file ("" : none loaded) */
  std::string vendor;       /**< who made it */
  std::string created;      /**< its date, ISO 8601 */
  uint64_t networks_v4 = 0; /**< IPv4 networks loaded */
  uint64_t networks_v6 = 0; /**< IPv6 networks loaded */
  double load_seconds = 0;  /**< time to build the lookup tables */
};

/** Another activity of a campaign's sources (the source store's pivot). */
struct campaign_pivot {
  std::string kind;     /**< port, signature, tool, payload_tool, conversation, indicator */
  uint16_t port = 0;    /**< where (0: an unwatched port) */
  std::string protocol;
  /** The signature, tool, step or "indicator-kind value"; empty for a port */
  std::string name;
  std::string category; /**< a signature's category */
  uint64_t sources = 0; /**< the campaign's sources that had it */
};

/** What else a campaign's sources did while it lasted (docs/sources.md, "Pivots"). */
struct campaign_pivots {
  uint64_t sources = 0; /**< the campaign's sources the store holds */
  std::vector<campaign_pivot> rows;
};

struct run_report {
  std::string mode;                       /**< "pcap" (offline) or "live" */
  std::string input;                      /**< capture path, or the device list */
  double elapsed_seconds = 0;             /**< wall-clock time of the run */
  bool interrupted = false;               /**< stopped by SIGINT/SIGTERM before the input ended */
  traffic_snapshot traffic;               /**< folded counters */
  std::vector<std::string> cluster_names; /**< cluster names in rule order */
  std::vector<rule_summary> rules;        /**< payload rules in file order (empty: none) */
  std::vector<std::string> country_codes; /**< country index → ISO code ("ZZ": unknown) */
  std::vector<scanning_actor> actors;     /**< actor slot - 1 → the known scanner */
  geo_summary geo;                        /**< location database */
  /** Fingerprint keys in words by (watched-port index << 16 | fingerprint_short), for the
   *  fingerprint campaigns and drivers the report names. */
  std::map<uint32_t, std::string> fingerprint_words;
  const series_store* series = nullptr; /**< closed buckets, surges, campaigns (may be null) */
  uint64_t bucket_ns = 0;               /**< bucket width */
  /** ASes per port the report and /metrics list (per bucket too); the rest are "other". */
  size_t top_ases = 10;
  uint64_t bucket_late = 0;             /**< packets too late for their bucket */
  uint64_t bucket_overflow = 0;         /**< packets whose key found no room in a bucket */
  uint64_t bucket_unique_overflow = 0;  /**< distinct-source checks a bucket had no room for */
  std::vector<device_counters> devices; /**< per-ethdev drop counters (live runs) */
  std::vector<lcore_summary> lcores;    /**< per RX lcore */
  uint64_t input_errors = 0;      /**< offline: damaged captures and captures that cannot be read */
  std::string input_error;        /**< offline: the first of their messages */
  uint64_t damaged_inputs = 0;    /**< offline: captures damaged partway (read up to the damage) */
  uint64_t unreadable_inputs = 0; /**< offline: captures that could not be read at all */
  uint64_t clipped_records = 0;   /**< offline: records longer than an mbuf, cut to fit */
  uint64_t series_lines = 0;      /**< lines appended to the series files */
  uint64_t series_write_errors = 0; /**< closed buckets the series files could not take */
  std::string series_write_error;   /**< the first such failure: path and reason */
  fleet_delivery fleet;             /**< the fleet store exporter */
  store_summary source_store;       /**< the source store */
  event_summary events;             /**< the event log */
  /** Per campaign (index into the detector's campaigns), with a source store. */
  std::map<size_t, campaign_pivots> pivots;
};

/** The names behind a report's indexes, for value_words() (export/value_words.hpp). */
struct report_names {
  const run_report& r;

  std::string cluster(uint32_t i) const {
    return i < r.cluster_names.size() ? r.cluster_names[i] : "?";
  }
  std::string rule(uint32_t i) const { return i < r.rules.size() ? r.rules[i].name : "?"; }
  std::string actor(uint32_t slot) const {
    return slot >= 1 && slot <= r.actors.size() ? r.actors[slot - 1].name : "?";
  }
  /** The fingerprint key in words, or "#" and its hex when the report holds no words for it. */
  std::string fingerprint(uint16_t port, uint32_t short_hash) const {
    const auto it = r.fingerprint_words.find((uint32_t{port} << 16) | (short_hash & 0xFFFF));
    if (it != r.fingerprint_words.end()) {
      return it->second;
    }
    char hex[16];
    std::snprintf(hex, sizeof hex, "#%04x", short_hash & 0xFFFF);
    return hex;
  }
  std::string country(uint32_t i) const {
    return i < r.country_codes.size() ? r.country_codes[i] : unknown_country_code;
  }
};

}  // namespace scanscope
