#pragma once
/**
 * @file
 * The per-lcore packet function. One worker per RX lcore owns its counters, source table,
 * unique-source set and fingerprint table; nothing here is shared for writing. The same
 * function serves a NIC queue, an offline capture and the tests: it takes bytes, not mbufs.
 */

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "cluster/cluster_rules.hpp"
#include "converse/conversation_counters.hpp"
#include "converse/exposure_table.hpp"
#include "converse/indicator_table.hpp"
#include "converse/recent_memory.hpp"
#include "converse/responder.hpp"
#include "fingerprint/scan_tool.hpp"
#include "geo/actor_list.hpp"
#include "geo/location_db.hpp"
#include "packet/parser.hpp"
#include "pipeline/alert_ring.hpp"
#include "pipeline/count_point.hpp"
#include "pipeline/repeat_tally.hpp"
#include "signature/signature_scanner.hpp"
#include "source/source_table.hpp"
#include "stats/bucket_series.hpp"
#include "stats/fingerprint_table.hpp"
#include "stats/lcore_stats.hpp"
#include "stats/watched_ports.hpp"
#include "table/unique_set.hpp"
#include "table/value_marks.hpp"

namespace scanscope {

/** One frame handed to a worker. */
struct frame_ref {
  const uint8_t* data;  /**< first byte of the Ethernet header */
  uint32_t captured;    /**< bytes available at data */
  uint32_t wire_length; /**< length on the wire (>= captured when the capture was cut short) */
  uint64_t time_ns;     /**< arrival time, nanoseconds since the Unix epoch */
  /** Offline: the capture's link header minus the Ethernet header the frame is presented with;
   *  the bytes counted are wire_length + link_bytes, the record's own length. */
  int32_t link_bytes = 0;
};

/** The frame's length on its own link (the capture record's): what byte counts add. */
inline uint32_t link_length(const frame_ref& f) {
  const int64_t n = int64_t{f.wire_length} + f.link_bytes;
  return static_cast<uint32_t>(n > 0 ? n : 0);
}

/**
 * New tables for a running worker, made on the stats side (reload). The worker takes it between
 * bursts and hands it back: then each field holds what it gave up.
 */
struct rule_update {
  /** New location database, for sources new from now on (its country indexes must extend the
   *  old one's); null: keep. */
  const location_db* geo = nullptr;
  const cluster_rules* clusters = nullptr; /**< new cluster rules; null: keep */
  const actor_list* actors = nullptr;      /**< new actor list; null: keep */
  std::unique_ptr<rule_switch> signatures; /**< new payload rules; null: keep */
};

/** Sizes and shared read-only tables a worker is built from. */
struct worker_config {
  const watched_ports* ports = nullptr;              /**< must outlive the worker */
  const cluster_rules* clusters = nullptr;           /**< must outlive the worker */
  uint32_t source_capacity = 262144;                 /**< sources the table holds */
  uint64_t source_idle_ns = 3600ULL * 1000000000ULL; /**< idle sources age out after this */
  uint32_t unique_slots = 1u << 22;                  /**< (source, port, class) pairs remembered */
  uint32_t fingerprint_slots = 1u << 14;             /**< (port, fingerprint) pairs counted */
  const signature_db* signatures = nullptr;      /**< payload rules; null: no payload scanning */
  const location_db* geo = nullptr;              /**< source locations; null: every country "ZZ" */
  const actor_list* actors = nullptr;            /**< known scanners; null: no actors */
  uint32_t flow_capacity = 65536;                /**< TCP flows followed for stream matching */
  uint64_t flow_idle_ns = 60ULL * 1000000000ULL; /**< idle flows are forgotten after this */
  uint32_t scan_bytes = 65536;                   /**< payload bytes scanned per datagram / flow */
  uint64_t bucket_ns = 3600ULL * 1000000000ULL;  /**< width of a time bucket */
  uint32_t bucket_entries = 16384;               /**< distinct series keys per bucket */
  uint32_t bucket_unique_slots = 1u << 18;       /**< distinct (source, key) pairs per bucket */
  /** Source arrivals recorded per bucket for a fleet store (0: none, no cost). */
  uint32_t bucket_arrivals = 0;
  /** Signature alerts the lcore's ring holds for the event log (0: no alerts, no cost). */
  uint32_t alert_slots = 0;
  /** Monitored prefixes: only frames to them are scan traffic; null: every frame is. */
  const prefix_set* monitored = nullptr;
  /** The responder's settings; null: never answer (offline runs, taps). */
  const responder_config* respond = nullptr;
  /** Without a responder: the requests --emulate's protocols would read on their ports are
   *  read from what passes (taps, captures), a segment at a time, never answered. */
  const emulation_plan* observe = nullptr;
  uint32_t exposure_slots = 4096; /**< (monitored host, port) pairs in the exposure view */
  /** Longest a source's repeats wait before they are counted (repeat_tally.hpp): the lag of
   *  every packet count behind the traffic, in packet time. */
  uint64_t repeat_lag_ns = 1000000000ULL;
  /** A probe of its source's last shape takes the last tool and fingerprint key instead of
   *  running the rules (fingerprint/probe_shape.hpp). Off only to show it changes no count. */
  bool shape_shortcut = true;
  std::string name = "rx0";                      /**< unique per process: names DPDK objects */
};

class worker {
 public:
  /** Most frames handle_burst() takes at once, and the most --burst allows: 64 decoded
   *  packets and their keys keep the burst's arrays in the first-level cache. */
  static constexpr uint16_t max_burst = 64;

  /**
   * Build a worker; needs EAL (the source table lives in DPDK memory).
   * @return nullptr with `error` set when memory cannot be had
   */
  static std::unique_ptr<worker> create(const worker_config& config, std::string& error);
  ~worker();

  /**
   * Account up to max_burst frames (more are handled in chunks). Cost, measured: about 177
   * cycles per SYN from 1,000 sources, 218 with monitored prefixes, 484 answering each SYN
   * (`build-release/test/stage_bench --packets 8000000 --sources 1000`, 2026-12-07,
   * BENCHMARKS.md).
   */
  void handle_burst(const frame_ref* frames, uint16_t n);

  /**
   * Hand the worker new tables (stats side; one update at a time). The lcore takes them at its
   * next between_bursts(); collect them back with take_applied(). Country, cluster and rule
   * slots must extend the current ones (the `previous` argument of the loaders). Sources
   * already seen keep their country.
   */
  void offer(std::unique_ptr<rule_update> update) {
    offered_.store(update.release(), std::memory_order_release);
  }
  /** The update the lcore applied, holding the rules it gave up; null until it has. */
  std::unique_ptr<rule_update> take_applied() {
    return std::unique_ptr<rule_update>(applied_.exchange(nullptr, std::memory_order_acquire));
  }
  /** Called by the owning lcore between bursts: takes an offered update. */
  void between_bursts() {
    if (offered_.load(std::memory_order_relaxed) != nullptr) {
      apply_offered();
    }
  }

  /** Account one frame, its repeats counted at once (tests, tools: no lag). */
  void handle(const uint8_t* frame, uint32_t captured, uint32_t wire_length, uint64_t time_ns) {
    const frame_ref f{frame, captured, wire_length, time_ns};
    handle_burst(&f, 1);
    fold_repeats();
  }

  /** Count every repeat still waiting (repeat_tally.hpp): the owning lcore calls it when it
   *  stops, before the last read of the counters. */
  void fold_repeats() { fold_due(0, true); }

  /** Everything this worker counts; read it from another thread only through counter::read(). */
  const lcore_stats& stats() const { return stats_; }
  /** The fixed counters of stats(). */
  const lcore_counters& counters() const { return *stats_.block; }
  lcore_counters& counters() { return *stats_.block; }
  const source_table& sources() const { return *sources_; }
  const fingerprint_table& fingerprints() const { return fingerprints_; }
  const unique_set& uniques() const { return uniques_; }
  /** The values each (source, port) was counted under since start. */
  const value_marks& marks() const { return marks_; }
  /** The payload scanner, or null when no rules were given. */
  const signature_scanner* scanner() const { return scanner_.get(); }
  /** Time-bucketed counters; the stats side folds and releases closed buckets. */
  bucket_series& series() { return series_; }
  const bucket_series& series() const { return series_; }
  /** Signature alerts for the event log; null without --events. */
  alert_ring* alerts() const { return alerts_.get(); }
  /** Direction, responder and two-phase counters (in stats()). */
  conversation_counters& conversation() { return stats_.conversation; }
  /** Monitored hosts that answered scanners (taps). */
  const exposure_table& exposure() const { return exposure_; }
  /** What emulated conversations gave away; null without --emulate. */
  const indicator_table* indicators() const { return indicators_.get(); }
  /** Answers of the last bursts, for the lcore's loop to transmit and clear. */
  answer_queue& answers() { return answers_; }
  /** The lcore saw no frame for a while (live): count repeats whose wait is over, reset
   *  silent connections. */
  void idle(uint64_t now_ns) {
    fold_due(now_ns, false);
    if (responder_) {
      responder_->expire(now_ns, answers_, stats_.conversation);
    }
  }
  /** Probes that took their source's last answer from its shape memo (tests, benchmarks). */
  uint64_t shape_matches() const { return shape_matches_; }
  /** Repeats counted from their shape and record alone, no combination key made (tests,
   *  benchmarks). */
  uint64_t continued_repeats() const { return continued_repeats_; }
  /** Is the responder on? */
  bool responding() const { return responder_ != nullptr; }

 private:
  /** What the classify phase found out about one packet of a burst. */
  struct packet_class {
    source_state* source; /**< null for frames without an IP source */
    uint32_t position;    /**< the source's position in the table (its repeat record) */
    uint64_t source_hash; /**< hash of the source address */
    set_entry combination; /**< unique-set key of (source, port, cluster, tool, fingerprint) */
    int64_t bucket;       /**< time bucket of the packet */
    uint32_t repeat_memo; /**< combination and bucket in 32 bits: the source's repeat memo */
    fingerprint_key key;  /**< header fingerprint (TCP/UDP), when key_made */
    bool key_made;        /**< the key was built (the shape's memo gives only its hash) */
    uint64_t key_hash;    /**< key.hash() */
    uint64_t flow_hash;   /**< signature_scanner::flow_hash() (TCP, when scanning payloads) */
    uint64_t pair;        /**< SYN to a monitored address: (source, destination) key */
    uint64_t connection;  /**< SYN to a monitored address: its connection's key */
    uint16_t port;        /**< watched-port counter index (TCP/UDP) */
    uint8_t cluster;      /**< cluster index (TCP/UDP) */
    /** This packet decided its source's cluster: the slot the first probe's source count
     *  leaves (no_move: none), on watched-port index moved_port. */
    uint8_t moved_from;
    uint16_t moved_port;
    scan_tool tool;       /**< built-in tool fingerprint */
    /** A TCP probe of its source's last shape, decided cluster, port and bucket: it repeats
     *  the source's last combination if the record still says so when it is counted, and
     *  classify() left `combination` and `repeat_memo` unset (name_combination). */
    bool continues_last;
  };

  worker(const worker_config& config, std::unique_ptr<source_table> sources);
  source_state* resolve_source(const source_key& key, int32_t position, uint64_t time_ns);
  void classify(const decoded_packet& p, uint64_t time_ns, packet_class& k);
  /** The packet's tool and, with ports, its fingerprint key's hash: the source's last answer
   *  when the packet repeats its last shape, else the rules' (remembered for the next).
   *  @return the packet repeats its source's last shape */
  bool identify(const decoded_packet& p, source_state& s, packet_class& c);
  /** The combination key and repeat memo of a TCP/UDP packet whose port, cluster, tool and
   *  fingerprint hash are known. */
  void name_combination(packet_class& c) const;
  /** A burst's totals, added once: its frames and bytes, the time span it reaches. */
  void count_burst(uint16_t frames, uint64_t bytes, uint64_t earliest, uint64_t latest);
  /** Every frame's own totals: bytes and frames by protocol, the parse result. */
  void count_frame(const decoded_packet& p, const frame_ref& f);
  /** A scan packet's counts (its source known): in full or as a repeat, then its payload and
   *  conversation. */
  void account(const decoded_packet& p, const frame_ref& f, const packet_class& k);
  /** The distinct-source counts over all traffic at `at` (country and actor, technique, and
   *  the tool when the combination is new), from the source's entry there; `look`: the
   *  packet may be new to any of them. @return the source is new to the tool */
  bool count_total_sources(const count_point& at, uint64_t source_hash, bool look,
                           bool new_combination);
  /** The distinct-source counts on the packet's port at `at` (country and actor, AS, the
   *  dense rows), from the source's entry on the port, when the combination is new. */
  void count_port_sources(const count_point& at, uint64_t source_hash, bool new_combination);
  /** Count a packet in every family (not a repeat its record took). @return its combination
   *  is new to its source */
  bool count_in_full(const decoded_packet& p, const frame_ref& f, const packet_class& k,
                     bool repeat, uint8_t technique);
  /** Count a packet as a repeat (its record takes it) or in full. @return its combination is
   *  new to its source */
  bool count_combination(const decoded_packet& p, const frame_ref& f, const packet_class& k);
  /** `n` packets (`bytes` on the link) into every family's packet count at `at`: the one list
   *  of them, for packets counted in full and folded repeats alike (the keyed AS count, the
   *  series and the fingerprint slot are each caller's). Without ports, only the totals over
   *  all traffic. */
  void add_packets(const count_point& at, uint64_t n, uint64_t bytes, bool has_ports);
  /** Does the packet count under its fingerprint key in the hour's series? A probe no rule
   *  names does (a campaign of one key is a new tool found without a rule); named tools' keys
   *  stay out (Mirai's random window alone would make a key per packet), and so do segments
   *  after a handshake, every stack's. */
  static bool names_fingerprint(const decoded_packet& p, scan_tool tool) {
    return tool == scan_tool::none && (p.l4 == l4_kind::udp || is_syn_probe(p));
  }
  // Repeats counted later (worker_repeats.cpp).
  /** Add a repeat of the source's last combination to its record; false when the record
   *  cannot take it (the packet is then counted in full). */
  bool tally_repeat(const decoded_packet& p, const frame_ref& f, const packet_class& k,
                    uint8_t technique);
  /** A packet classify() found to continue its source's last combination: tallied when the
   *  record, as the burst's earlier packets left it, still says so. */
  bool tally_continued(const decoded_packet& p, const frame_ref& f, const packet_class& k);
  /** The packet was counted in full: its combination's later repeats go to the record. */
  void start_record(const count_point& at, const fingerprint_slot* slot, int64_t bucket,
                    uint32_t position);
  /** Count a record's waiting repeats. */
  void fold_record(repeat_record& r);
  /** Fold the queued records that are due at now_ns (all of them when `everything`). */
  void fold_due(uint64_t now_ns, bool everything);
  /** A source leaves the table: its repeats are counted, its record ends. */
  void retire_source(source_state& s);
  void decide_source_cluster(const decoded_packet& p, source_state& s, packet_class& c);
  /** The source's first probe, counted at `at` but for its port and provisional cluster
   *  (k.moved_port, k.moved_from), counts under k.cluster instead. */
  void move_first_probe(const packet_class& k, const count_point& at);
  void scan_payload(const decoded_packet& p, const frame_ref& f, const packet_class& k);
  void count_hits();
  // Direction and conversation (worker_conversation.cpp).
  /** Count the frame by direction; true when it is inbound scan traffic (not a reply to a
   *  connection a monitored host opened). Called in frame order, so a reply later in the
   *  burst is known by the host's frame before it. */
  bool count_direction(const decoded_packet& p, const frame_ref& f);
  /** A monitored host's frame: remember the connection when the host opened it. */
  void note_opened(const decoded_packet& p, uint64_t time_ns);
  /** Whether an inbound frame answers a connection a monitored host opened. */
  bool is_reply(const decoded_packet& p, uint64_t time_ns);
  void observe_outbound(const decoded_packet& p, const frame_ref& f);
  void converse(const decoded_packet& p, const frame_ref& f, const packet_class& k,
                bool new_combination);
  void note_exposed_hit(const decoded_packet& p, uint16_t rule);
  /** The first hit of (source, bucket, port, rule) to the event log, with its payload. */
  void alert(const decoded_packet& p, const frame_ref& f, const packet_class& k, uint16_t rule);
  void prefetch_conversation(const decoded_packet& p, packet_class& c);
  void count_step(const packet_class& k, uint32_t syn_tag, int what);
  /** The steps an emulated conversation's requests reached, and what they gave away. */
  void count_emulated(const decoded_packet& p, const frame_ref& f, const packet_class& k,
                      const conversation_event& e);
  /** Read a passing request as its emulated protocol would (no answer), and count it. */
  void observe_payload(const decoded_packet& p, const frame_ref& f, const packet_class& k);

  /** A signature hit of the burst, counted once the burst's scans are done. */
  struct pending_hit {
    uint64_t by_port; /**< unique-set key of (source, port, rule) */
    uint64_t series;  /**< series_key of (port, rule, country) */
    uint64_t source_hash; /**< hash of the source address */
    int64_t bucket;   /**< time bucket of the packet */
    uint16_t port;    /**< watched-port counter index */
    uint16_t rule;    /**< rule slot */
    /** The tool the rule names by payload, or none (also for a second rule of the same tool
     *  on one packet: the packet counts under its tool once). */
    scan_tool tool;
    uint8_t source[16]; /**< the source's address, for the bucket's arrivals */
  };
  /** A hit's count under the tool its rule names by payload (after count_hits' own). */
  void count_payload_tool(const pending_hit& h);

  /** Cluster of a recent (fingerprint key, tool, source-port behaviour); key 0 is empty. */
  struct cluster_memo {
    uint64_t key = 0;
    uint8_t cluster = 0;
  };
  /** Direct-mapped: evaluating the rules costs ~40 cycles on mixed traffic, a hit ~5. */
  static constexpr size_t cluster_memo_size = 1024;
  static constexpr uint8_t no_move = 0xFF;

  uint8_t cluster_of(const decoded_packet& p, const packet_class& c, source_port_behaviour b);
  /** Start loading the value-mark entries of the packet's distinct-source counts. */
  void prefetch_count_keys(const packet_class& c);
  void apply_offered();

  const watched_ports& ports_;
  const cluster_rules* clusters_;
  const actor_list* actors_;
  bool memoize_clusters_;
  bool shape_shortcut_;
  uint64_t shape_matches_ = 0;
  uint64_t continued_repeats_ = 0;
  std::unique_ptr<cluster_memo[]> memo_;
  lcore_stats stats_;
  std::unique_ptr<source_table> sources_;
  repeat_tally repeats_;
  unique_set uniques_;
  value_marks marks_;
  fingerprint_table fingerprints_;
  std::unique_ptr<signature_scanner> scanner_;
  /** Rules from the stats side, and the same update handed back once applied. */
  std::atomic<rule_update*> offered_{nullptr};
  std::atomic<rule_update*> applied_{nullptr};
  /** Hits waiting for the end of their burst; reserved for a whole burst, so never grows. */
  std::vector<pending_hit> pending_hits_;
  std::unique_ptr<alert_ring> alerts_;
  /** Read once per new source; swapped by a rule_update. */
  const location_db* geo_;
  uint64_t bucket_ns_;
  /** The bucket of the last packet and where it ends: most packets need no division. */
  int64_t current_bucket_ = 0;
  uint64_t bucket_start_ns_ = 1;
  uint64_t bucket_end_ns_ = 0;
  int64_t bucket_of(uint64_t time_ns) {
    if (time_ns < bucket_start_ns_ || time_ns >= bucket_end_ns_) {
      current_bucket_ = static_cast<int64_t>(time_ns / bucket_ns_);
      bucket_start_ns_ = static_cast<uint64_t>(current_bucket_) * bucket_ns_;
      bucket_end_ns_ = bucket_start_ns_ + bucket_ns_;
    }
    return current_bucket_;
  }
  bucket_series series_;

  /** A SYN probe remembered by (source, destination): the first phase of a two-phase scan. */
  struct probe_memo {
    uint8_t tool = 0;
  };
  /** An inbound SYN remembered by its connection, for the host's SYN-ACK (taps). */
  struct syn_memo {
    uint8_t tool = 0;
    uint8_t country = 0;
    bool answered = false;
  };
  const prefix_set* monitored_;
  std::unique_ptr<responder> responder_;
  answer_queue answers_;
  recent_memory<probe_memo> probes_{1u << 14};
  recent_memory<syn_memo> syns_{1u << 14};
  /** A connection a monitored host opened: its SYN, or a UDP datagram from an ephemeral port. */
  struct opened_memo {
    uint8_t unused = 0;
  };
  // 64K slots (1 MiB): a tap's hosts keep many client connections open at once, and one
  // forgotten early turns its replies into scan traffic.
  recent_memory<opened_memo> opened_{1u << 16};
  bool opened_any_ = false;  /**< a monitored host has opened one: replies are looked for */
  exposure_table exposure_;
  std::unique_ptr<indicator_table> indicators_; /**< with --emulate */
  const emulation_plan* observe_ = nullptr;
  /** What observe_payload() reads into: the answers it throws away, what it finds. */
  struct observation {
    uint8_t answer[max_answer_data];
    uint8_t state[max_state_bytes];
    emulated_indicator indicators[16];
  };
  std::unique_ptr<observation> observation_;
};

}  // namespace scanscope
