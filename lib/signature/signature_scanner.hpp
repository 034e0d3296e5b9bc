#pragma once
/**
 * @file
 * Payload matching on one RX lcore: its own Hyperscan scratch, its own table of TCP flows with
 * their stream state, and its own hit counters. UDP datagrams are scanned in block mode against
 * the rules of their destination port only (signature_db::block_for); TCP payloads in stream
 * mode against every rule, so a signature split over segments (adb's CNXN header and its host::
 * banner, an HTTP body after its headers) still matches. Stream states are opened once at start
 * (one per flow slot, and a spare) and reset on reuse: nothing is allocated per packet. A
 * segment that both carries payload and ends a connection the table does not hold is that
 * connection's whole payload: it is scanned in block mode and never enters the table. A
 * connection that ends with FIN or RST reports the matches that need the end of its data (`$`,
 * a `\b` after the last byte); one evicted, idle or cut at --scan-bytes does not.
 */

#include <hs/hs.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/counter.hpp"
#include "packet/decoded_packet.hpp"
#include "signature/flow_filter.hpp"
#include "signature/flow_key.hpp"
#include "signature/signature_db.hpp"
#include "table/clock_hash_table.hpp"

namespace scanscope {

struct flow_state {
  flow_key key;          /**< the connection */
  uint64_t last_seen_ns; /**< latest segment */
  hs_stream_t* stream;   /**< Hyperscan stream state, owned by the scanner's pool */
  uint32_t next_seq;     /**< sequence number of the next byte to scan */
  uint32_t scanned;      /**< payload bytes scanned so far */
  uint8_t in_use;        /**< slot holds a flow */
  uint8_t referenced;    /**< seen again since the eviction hand last passed */
};

/** Rules that matched one packet (each at most once). */
struct signature_hits {
  static constexpr unsigned max_hits = 16;
  unsigned count = 0;      /**< entries used */
  uint16_t rule[max_hits]; /**< rule indexes into signature_db::rules() */
};

/**
 * The first payload that matched a rule on this lcore, for analysts, read as a person reads a
 * request: from its start to the end of the match. When that is longer than max_bytes, the
 * payload's first line (up to max_head bytes) is kept, then the bytes that end at the match.
 */
struct signature_excerpt {
  static constexpr unsigned max_bytes = 128;
  static constexpr unsigned max_head = 40;
  std::atomic<uint8_t> set{0}; /**< written (release) after bytes and lengths */
  uint8_t length = 0;          /**< bytes used */
  uint8_t head = 0;            /**< bytes of the first line before a gap; 0: no gap */
  uint8_t bytes[max_bytes];    /**< payload up to the end of the match */
};

/** Scanner activity, readable from the stats lcore. */
struct scanner_counters {
  counter packets;   /**< payloads scanned */
  counter bytes;     /**< payload bytes scanned */
  counter stream_gaps; /**< TCP segments after a hole: the stream restarted there */
  counter truncated; /**< payloads cut to --scan-bytes (per datagram or flow) */
  counter errors;    /**< Hyperscan scan calls that failed */
  counter no_stream; /**< TCP payloads not scanned for want of a stream state */
};

/**
 * A rule set made ready for one scanner off the RX lcore (scratch and one stream state per flow
 * slot). After signature_scanner::switch_rules() it holds what the scanner gave up, which is
 * then freed off the RX lcore too.
 */
struct rule_switch {
  const signature_db* db = nullptr;  /**< the rules; must outlive the scanner's use of them */
  hs_scratch_ptr scratch;            /**< scratch for db */
  std::vector<hs_stream_t*> streams; /**< stream states for db, one per flow slot */

  rule_switch() = default;
  rule_switch(const rule_switch&) = delete;
  rule_switch& operator=(const rule_switch&) = delete;
  ~rule_switch();
};

class signature_scanner {
 public:
  ~signature_scanner();
  signature_scanner(const signature_scanner&) = delete;
  signature_scanner& operator=(const signature_scanner&) = delete;

  /**
   * @param db             compiled rules, shared read-only; must outlive the scanner
   * @param name           unique per process (names the flow table)
   * @param flow_capacity  TCP flows followed at once; a full table evicts (counted)
   * @param flow_idle_ns   a flow idle this long is forgotten
   * @param scan_bytes     payload bytes scanned per datagram and per TCP flow
   */
  static std::unique_ptr<signature_scanner> create(const signature_db& db, const std::string& name,
                                                   uint32_t flow_capacity, uint64_t flow_idle_ns,
                                                   uint32_t scan_bytes, std::string& error);

  /**
   * Scan one packet's payload (TCP or UDP to a port some rule applies to) and follow its TCP
   * flow; FIN or RST ends the flow, a SYN without ACK starts it anew.
   * @param frame the frame the decoded packet came from
   */
  void scan(const decoded_packet& p, const uint8_t* frame, uint64_t time_ns, signature_hits& hits) {
    scan(p, frame, time_ns, hits, flow_hash(p));
  }

  /** The same with the packet's flow_hash() worked out earlier (the worker does, to prefetch). */
  void scan(const decoded_packet& p, const uint8_t* frame, uint64_t time_ns, signature_hits& hits,
            uint64_t flow_hash);

  /** Hash of a TCP packet's 4-tuple, as the flow filter keys it. */
  static uint64_t flow_hash(const decoded_packet& p) {
    return flow_filter::hash(p.src_addr, p.dst_addr, p.src_port, p.dst_port);
  }

  /** False only when no followed flow has this flow_hash(): then a TCP packet without payload
   *  changes nothing here. */
  bool may_follow(uint64_t flow_hash) const { return tracked_.may_hold(flow_hash); }

  /** Start loading what scan() will look at first for a TCP packet of this flow_hash(). */
  void prefetch(uint64_t flow_hash) const { tracked_.prefetch(flow_hash); }

  /** Whether any rule applies to this transport and destination port. */
  bool wants(bool tcp, uint16_t dst_port) const { return db_->wants(tcp, dst_port); }

  /**
   * Make another rule set ready for this scanner (any thread; allocates). Its slots must extend
   * the current set's (signature_db::build with `previous`).
   */
  std::unique_ptr<rule_switch> prepare(const signature_db& db, std::string& error) const;

  /**
   * Scan with `next`'s rules from now on (the owning lcore, between packets; allocates nothing).
   * Flows in progress keep their place in the stream and restart matching with the new rules.
   * Counters and excerpts are kept. `next` then holds the old rules' scratch and streams.
   */
  void switch_rules(rule_switch& next);

  /** The rules scanned with. */
  const signature_db& rules() const { return *db_; }

  /** Forget flows idle past the timeout, looking at `budget` slots. */
  void expire(uint64_t now_ns, uint32_t budget);

  const scanner_counters& counters() const { return counters_; }
  const table_counters& flow_counters() const { return flows_->counters(); }
  uint32_t flow_capacity() const { return flows_->capacity(); }
  /** First match of a rule slot (signature_db::max_rules of them). */
  const signature_excerpt& excerpt(size_t rule) const { return excerpts_[rule]; }

 private:
  signature_scanner(const signature_db& db, uint32_t scan_bytes, uint32_t flow_capacity);
  /** Take a flow's stream state back without end-of-data matches (the data did not end). */
  void release(flow_state& f);
  /** The same for a flow that ended (FIN or RST), reporting its end-of-data matches; `bytes`
   *  and `n` are the last segment scanned, if this one carried any. */
  void end_flow(flow_state& f, const uint8_t* bytes, uint32_t n, uint16_t dst_port,
                signature_hits& hits);
  /** Return the state to the pool and forget the flow in the filter (the stream is reset). */
  void give_back(flow_state& f);
  /** Scan one whole payload in block mode. */
  void scan_block(const uint8_t* bytes, uint32_t n, bool tcp, uint16_t dst_port,
                  signature_hits& hits);
  void scan_tcp(const decoded_packet& p, const uint8_t* payload, uint32_t length, uint64_t time_ns,
                signature_hits& hits, uint64_t hash);
  /** One stream state per flow slot, and one for a segment scanned outside the table (a
   *  request closed in its own segment but cut at --scan-bytes), so that one is free even when
   *  every slot is taken. */
  uint32_t stream_pool_size() const { return flows_->capacity() + 1; }
  /** Scan the next `n` bytes of a stream that starts `base` bytes before them. */
  void scan_segment(hs_stream_t* stream, const uint8_t* bytes, uint32_t n, uint64_t base,
                    uint16_t dst_port, signature_hits& hits);

  const signature_db* db_;
  uint32_t scan_bytes_;
  hs_scratch_ptr scratch_;
  std::unique_ptr<clock_hash_table<flow_key, flow_state>> flows_;
  flow_filter tracked_;  // in front of flows_: most SYNs need no lookup
  std::vector<hs_stream_t*> free_streams_;
  std::unique_ptr<signature_excerpt[]> excerpts_;
  scanner_counters counters_;
};

}  // namespace scanscope
