#pragma once
/**
 * @file
 * scanscope's options: command line after `--` (or the whole command line when there is no
 * `--`), then the config file. EAL arguments before `--` pass through to DPDK untouched.
 */

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/conversation_options.hpp"
#include "runtime/fleet_options.hpp"
#include "runtime/event_options.hpp"
#include "runtime/store_options.hpp"
#include "stats/campaign_detector.hpp"
#include "stats/series_store.hpp"
#include "stats/watched_ports.hpp"

namespace scanscope {

struct app_options {
  std::string config_path; /**< config file that was read ("" when none) */
  std::vector<std::string>
      eal_args;                    /**< EAL arguments given before `--` (empty: scanscope's own) */
  std::vector<std::string> pcaps;  /**< offline captures, read in order; empty for a live run */
  std::vector<uint16_t> ports;     /**< DPDK port ids to poll; empty: every port */
  unsigned queues = 1;             /**< RX queues (and RX lcores) per port */
  bool list_ports = false;         /**< print the ports EAL found and exit */
  unsigned workers = 1;            /**< offline: RX lcores fed from the capture */
  double duration = 0;             /**< live: stop after this many seconds (0: on signal) */
  unsigned mbufs = 0;              /**< mbufs in the pool (0: sized from queues and rings) */
  unsigned mbuf_cache = 256;       /**< per-lcore mempool cache */
  unsigned mbuf_size = 2176;       /**< mbuf data room in bytes, headroom included */
  unsigned rx_descriptors = 1024;  /**< RX descriptors per queue */
  unsigned ring_size = 4096;       /**< offline: ring slots per RX lcore (power of two) */
  unsigned burst = 32;             /**< frames per rx_burst / ring dequeue */
  unsigned memory_mb = 512;        /**< EAL memory when scanscope sets EAL up itself */
  std::vector<watched_port> watch; /**< watched destination ports */
  unsigned top_ports = 10;         /**< busiest ports listed in reports */
  std::string clusters;            /**< cluster rule file ("" : built-in rules) */
  unsigned source_capacity = 262144;     /**< sources per RX lcore */
  double source_idle = 3600;             /**< seconds before an idle source ages out */
  unsigned unique_slots = 1u << 22;      /**< per-lcore distinct (source, port, class) memory */
  unsigned fingerprint_slots = 1u << 14; /**< per-lcore (port, fingerprint) counters */
  double bucket = 3600;                  /**< time bucket width, seconds */
  double bucket_grace = 60;        /**< seconds a closed-off bucket still takes late packets */
  unsigned retention = 744;        /**< closed buckets kept (31 days of hours) */
  unsigned bucket_entries = 16384; /**< per lcore: series keys per bucket */
  unsigned bucket_unique_slots = 1u << 18; /**< per lcore: (source, key) pairs per bucket */
  surge_settings surge;       /**< surge detection (defaults in stats/series_store.hpp) */
  campaign_settings campaign; /**< campaign detection (defaults in stats/campaign_detector.hpp) */
  std::string geo_db;                  /**< location database ("" : Debian's; "none": no lookups) */
  std::string geo_cache;               /**< folder for its built lookup tables ("" : no cache) */
  std::string signatures;              /**< payload rule file ("" or "none": no payload scanning) */
  std::string signature_cache;         /**< folder for compiled rule databases ("" : no cache) */
  unsigned flow_capacity = 65536;      /**< TCP flows followed per RX lcore */
  double flow_idle = 60;               /**< seconds before an idle flow is forgotten */
  unsigned scan_bytes = 65536;         /**< payload bytes scanned per datagram and per TCP flow */
  std::string json_out;                /**< write the final report here */
  std::string series_dir;              /**< append closed buckets here ("" : no files) */
  /** A run over captures already counted: "fill" (what is written stays; the fleet store's rows
   *  are replaced) or "append" (counted again, as a new run). */
  std::string rerun = "fill";
  std::string http = "127.0.0.1:9477"; /**< where /metrics and the JSON API listen ("none": off) */
  bool serve = false;                  /**< offline: keep serving after the run until a signal */
  unsigned top_countries = 20;         /**< countries per port in /metrics; the rest: other */
  unsigned top_ases = 10; /**< ASes per port in the report and /metrics; the rest: other */
  bool quiet = false;                  /**< no status lines */
  double status_interval = 1.0;        /**< seconds between status lines */
  bool verbose = false;                /**< keep DPDK's own informational log */
  conversation_settings conversation;  /**< monitored prefixes, responder */
  fleet_settings fleet;                /**< the fleet store (ClickHouse) */
  store_options store;                 /**< the source store */
  event_options events;                /**< the event log */
};

/** What parse_options() decided. */
struct parse_outcome {
  std::optional<app_options> options; /**< set when the program should run */
  int exit_code = 0;                  /**< when options is empty: 0 after --help, 2 on error */
  std::string error; /**< on error: the message, naming the file and line or the command line */
  /** Per option set: "command line: " or "FILE:LINE: ", the start of a message about it. */
  std::map<std::string, std::string> origins;

  /** Where `option` was set, as a message's start ("" when it was left at its default). */
  std::string origin_of(const std::string& option) const;
};

/**
 * Parse argv. Prints --help and --version output itself; errors come back in `error`.
 * @param default_config config file read when --config is not given and the file exists
 */
parse_outcome parse_options(int argc, char** argv, const std::string& default_config);

}  // namespace scanscope
