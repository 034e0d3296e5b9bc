#pragma once
/**
 * @file
 * What an RX lcore remembers about one source address, and the pure rules that update it.
 */

#include <cmath>
#include <cstdint>

#include "common/limits.hpp"
#include "common/x_list.hpp"

namespace scanscope {

/** X(behaviour, meaning): how a source picks its TCP/UDP source ports. */
#define SCANSCOPE_SOURCE_PORT_BEHAVIOURS(X)                                           \
  X(unknown, "fewer than two packets to tell from")                                   \
  X(fixed, "the same source port towards different destinations (masscan, nmap -sS)") \
  X(random, "a different source port on the next probe (ZMap, OS stacks, Mirai)")

SCANSCOPE_ENUM_OF_LIST(source_port_behaviour, SCANSCOPE_SOURCE_PORT_BEHAVIOURS);

/** Name for configs and reports: "unknown", "fixed", "random". */
const char* source_port_behaviour_name(source_port_behaviour b);

/**
 * A 64-bit linear-counting sketch of distinct values: one bit per hash bucket. Good to a few
 * hundred distinct values, which is what telling a scanner from a client needs, in 8 bytes.
 */
struct distinct_sketch {
  uint64_t bits = 0;

  void add(uint64_t hash) { bits |= uint64_t{1} << (hash & 63); }
  /** Estimated number of distinct values added (saturates near 265). */
  double estimate() const {
    const int zeros = 64 - __builtin_popcountll(bits);
    if (zeros == 0) {
      return 64.0 * std::log(64.0);
    }
    return -64.0 * std::log(static_cast<double>(zeros) / 64.0);
  }
};

/** Key of a source: 16 bytes, IPv4 mapped into IPv6 (::ffff:a.b.c.d). */
struct source_key {
  uint8_t bytes[16];
};

/** Per-source state: one cache line. */
struct alignas(64) source_state {
  source_key key;            /**< source address (IPv4 as ::ffff:a.b.c.d) */
  uint32_t first_seen_s;     /**< first packet, seconds since the Unix epoch */
  uint32_t last_combination; /**< memo of the previous packet's (combination, bucket): a
                                  repeat cannot be new to any count */
  uint64_t last_seen_ns;     /**< latest packet */
  uint32_t packets;          /**< packets from this source (saturates) */
  uint32_t first_seq;        /**< TCP sequence number of the first TCP/UDP packet */
  distinct_sketch dst_addrs; /**< distinct destination addresses */
  distinct_sketch dst_ports; /**< distinct destination ports */
  uint16_t first_src_port;   /**< source port of the first TCP/UDP packet */
  uint16_t first_dst_port;   /**< destination port of that packet */
  uint8_t country;           /**< location_db country index (0: unknown) */
  /** Bits 0-1: source_port_behaviour; bit 2: a TCP/UDP packet was seen; bits 3-7: the
   *  source's actor slot (actor_list, 0: none), set once when the source is new. */
  uint8_t port_state;
  /** The source's cluster (config/clusters.conf), decided once (see cluster_decision):
   *  bits 0-4: cluster slot; bit 5: decided; bit 6: a first probe is counted in a provisional
   *  cluster (held in bits 0-4) until the source-port behaviour decides; bit 7: that probe
   *  was UDP. */
  uint8_t cluster_state;
  uint8_t referenced : 1; /**< seen again since the eviction hand last passed */
  uint8_t in_use : 1;     /**< slot holds a source */
  /** chance_rule bits (fingerprint/scan_tool.hpp): tool rules this source's probes contradict */
  uint8_t tool_doubts : 2;

  /** How the source picks source ports, decided from its first two probes. */
  source_port_behaviour src_port_behaviour() const {
    return static_cast<source_port_behaviour>(port_state & 3);
  }
  /** The known scanning organisation this source belongs to (0: none). */
  uint8_t actor() const { return static_cast<uint8_t>(port_state >> 3); }
  void set_actor(uint8_t slot) { port_state = static_cast<uint8_t>((port_state & 7) | (slot << 3)); }

  static constexpr uint8_t cluster_slot_mask = 0x1F;
  static constexpr uint8_t cluster_decided = 0x20;
  static constexpr uint8_t cluster_provisional = 0x40;
  static constexpr uint8_t provisional_udp = 0x80;
  /** The decided or provisional cluster slot (meaningful when one of them is set). */
  uint8_t cluster_slot() const { return cluster_state & cluster_slot_mask; }
};
static_assert(sizeof(source_state) == 64, "one cache line per source");
static_assert(max_clusters <= source_state::cluster_slot_mask + 1,
              "a cluster slot fits cluster_state's low bits");

/**
 * Update the source-port behaviour with one more TCP/UDP packet (seq is 0 for UDP). The second
 * probe decides: another source port means random; the same source port means fixed (a random
 * 16-bit port repeats by chance once in 65536) unless the packet is a retransmission, which
 * reuses port and sequence number on any stack: then it waits for the next packet.
 */
inline void observe_source_port(source_state& s, uint16_t src_port, uint16_t dst_port,
                                uint32_t seq) {
  constexpr uint8_t seen = 4;
  // The behaviour and the "seen" bit change; the actor bits stay.
  const auto set_behaviour = [](source_state& st, source_port_behaviour b) {
    st.port_state = static_cast<uint8_t>((st.port_state & 0xF8) | seen | static_cast<uint8_t>(b));
  };
  if (!(s.port_state & seen)) {
    s.first_src_port = src_port;
    s.first_dst_port = dst_port;
    s.first_seq = seq;
    set_behaviour(s, source_port_behaviour::unknown);
  } else if (s.src_port_behaviour() == source_port_behaviour::unknown) {
    if (src_port != s.first_src_port) {
      set_behaviour(s, source_port_behaviour::random);
    } else if (dst_port != s.first_dst_port || seq != s.first_seq) {
      set_behaviour(s, source_port_behaviour::fixed);
    }
  }
}

}  // namespace scanscope
