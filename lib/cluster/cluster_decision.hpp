#pragma once
/**
 * @file
 * A source's cluster, decided once and held: the first packet whose cluster does not wait on
 * an unknown source-port behaviour decides it, and every later packet of the source counts
 * there. So per-cluster distinct sources add up to the port's sources, and a scanner's
 * retries, resets and other probes stay with its scan.
 *
 * Only a source's first probe can wait: the seed reports' clusters (fixed-port-w1024,
 * random-port-w65535) test `sport`, which the second probe tells for a tool without a
 * behaviour of its own (port_behaviour_of). That probe counts at once in the cluster the rules
 * give it without a behaviour, provisionally; when a later probe decides, its distinct-source
 * count moves to the decided cluster (counted frames stay where they were: they are counters,
 * and counters never go back). A source that never sends a second probe keeps the provisional
 * cluster.
 */

#include <cstdint>

#include "cluster/cluster_rules.hpp"
#include "source/source_state.hpp"

namespace scanscope {

/** What one packet does to its source's cluster. */
struct cluster_decision {
  uint8_t cluster = 0;   /**< the slot this packet counts in */
  bool moves = false;    /**< this packet decided: the first probe's source count moves */
  uint8_t from = 0;      /**< the provisional slot it leaves */
  bool from_udp = false; /**< the first probe was UDP (its port is the source's first) */
};

/**
 * Decide (or hold) a source's cluster for one TCP/UDP packet.
 * @param state    the source's cluster byte (source_state::cluster_state)
 * @param probe    the packet tells the source-port behaviour (a SYN or a UDP datagram): only
 *                 such a packet may end a provisional cluster
 * @param udp      the packet is UDP
 * @param seen     the source's behaviour including this packet
 * @param classify the rules' slot for this packet under a given behaviour
 */
template <typename Classify>
cluster_decision decide_cluster(uint8_t& state, const cluster_rules& rules, scan_tool tool,
                                bool probe, bool udp, source_port_behaviour seen,
                                Classify&& classify) {
  using s = source_state;
  cluster_decision d;
  if (state & s::cluster_decided) {
    d.cluster = state & s::cluster_slot_mask;
    return d;
  }
  const bool provisional = (state & s::cluster_provisional) != 0;
  if (provisional && !probe) {
    // A reset or a data segment after the first probe says nothing of its source ports.
    d.cluster = state & s::cluster_slot_mask;
    return d;
  }
  const uint8_t now = classify(seen);
  const bool waits = rules.tests_source_ports() &&
                     port_behaviour_of(tool, seen) == source_port_behaviour::unknown &&
                     (classify(source_port_behaviour::fixed) != now ||
                      classify(source_port_behaviour::random) != now);
  if (waits) {
    if (!probe) {
      // Not a probe: it cannot start a provisional cluster whose port the source remembers.
      d.cluster = now;
      return d;
    }
    if (!provisional) {
      state = static_cast<uint8_t>(s::cluster_provisional | now | (udp ? s::provisional_udp : 0));
    }
    d.cluster = state & s::cluster_slot_mask;
    return d;
  }
  if (provisional && (state & s::cluster_slot_mask) != now) {
    d.moves = true;
    d.from = state & s::cluster_slot_mask;
    d.from_udp = (state & s::provisional_udp) != 0;
  }
  state = static_cast<uint8_t>(s::cluster_decided | now);
  d.cluster = now;
  return d;
}

}  // namespace scanscope
