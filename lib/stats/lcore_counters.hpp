#pragma once
/**
 * @file
 * The counters one RX lcore owns. Single writer (the lcore), read by the stats lcore.
 */

#include <array>
#include <cstdint>

#include "common/counter.hpp"
#include "common/limits.hpp"
#include "common/x_list.hpp"
#include "packet/decoded_packet.hpp"
#include "stats/series_dimensions.hpp"
#include "stats/watched_ports.hpp"

namespace scanscope {

/** Traffic classes counted per packet: X(name, what it holds). */
#define SCANSCOPE_PROTOCOL_CLASSES(X)          \
  X(tcp, "TCP segments")                       \
  X(udp, "UDP datagrams")                      \
  X(icmp, "ICMP messages")                     \
  X(icmpv6, "ICMPv6 messages")                 \
  X(other_ip, "IP packets of other protocols") \
  X(non_ip, "ARP, LLDP and frames of other EtherTypes")

SCANSCOPE_ENUM_OF_LIST(protocol_class, SCANSCOPE_PROTOCOL_CLASSES);

/** Stable name of a protocol class for reports and metric labels. */
const char* protocol_class_name(protocol_class c);

/** Which class a decoded packet is counted under. */
protocol_class classify_protocol(const decoded_packet& p);

struct alignas(64) lcore_counters {
  traffic_counter total;                                       /**< every frame received */
  std::array<traffic_counter, protocol_class_count> protocols; /**< by protocol class */
  std::array<counter, parse_result_count> parse;               /**< by parse result */
  /** Watched ports by counter index (watched_ports::index); index 0 is every other port. */
  std::array<traffic_counter, watched_ports::max_ports + 1> watched;
  /** Frames per destination port for all ports, TCP then UDP: the "top ports" view. */
  std::array<std::array<counter, 65536>, 2> by_dst_port;
  /** Per (watched-port index, value of a dimension with dense values: cluster, tool,
   *  actor slot, technique, tool a payload named), at dense_slot(kind, value). Actor slot 0:
   *  sources of no known scanning organisation; payload tools count hits (a TCP connection or
   *  UDP datagram each) and distinct sources. */
  std::array<std::array<source_counter, dense_values.size>, watched_ports::max_ports + 1> per_port;
  /** The same over all traffic, for the rows counted `overall` (the others' slots stay 0). */
  std::array<source_counter, dense_values.size> overall;
  counter first_timestamp_ns; /**< time of the first frame (0 until one arrives) */
  counter last_timestamp_ns;  /**< time of the latest frame */
  counter busy_cycles;        /**< TSC cycles spent on bursts that held packets */
  counter total_cycles;       /**< TSC cycles of the poll loop */

  /** The count of `value` of dimension `k` on watched-port index `port`. */
  source_counter& on_port(series_key::kind k, size_t port, size_t value) {
    return per_port[port][dense_slot(k, value)];
  }
  const source_counter& on_port(series_key::kind k, size_t port, size_t value) const {
    return per_port[port][dense_slot(k, value)];
  }
  /** The count of `value` of dimension `k` over all traffic. */
  source_counter& in_total(series_key::kind k, size_t value) {
    return overall[dense_slot(k, value)];
  }
  const source_counter& in_total(series_key::kind k, size_t value) const {
    return overall[dense_slot(k, value)];
  }
};

}  // namespace scanscope
