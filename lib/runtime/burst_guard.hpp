#pragma once
/**
 * @file
 * Receive bursts on ports whose driver may free the rings under them. DPDK 22.11's memif
 * driver handles the peer's disconnect on the EAL interrupt thread and frees the shared
 * regions without waiting for a burst in flight on the data path: an RX lcore inside
 * rte_eth_rx_burst() then reads freed memory (SIGSEGV or SIGBUS) when the sender leaves. A
 * guarded burst turns such a fault, while the port's link is down, into an empty burst and a
 * count; a fault anywhere else, or with the link up, still ends the process as it would have.
 * app/scanscope-replay guards its transmit bursts the same way (the receiver leaving).
 */

#include <rte_mbuf.h>

#include <cstdint>

namespace scanscope {

/** Does the port's driver free its rings when the peer leaves (memif)? */
bool needs_burst_guard(uint16_t port_id);

/** Is the port's link up (a memif port's goes down when the peer leaves)? */
bool port_link_up(uint16_t port_id);

/** Install the fault handler guarded bursts need; once, before the bursts run. */
void install_burst_guard();

/**
 * rte_eth_rx_burst(), with a fault inside it while the link is down ending the burst.
 * @return frames received; 0 after such a fault (the frames of that burst are lost)
 */
uint16_t guarded_rx_burst(uint16_t port_id, uint16_t queue, rte_mbuf** pkts, uint16_t n);

/**
 * rte_eth_tx_burst(), guarded the same way.
 * @param faulted set when a fault ended the burst: its frames are lost, neither sent nor freed
 */
uint16_t guarded_tx_burst(uint16_t port_id, uint16_t queue, rte_mbuf** pkts, uint16_t n,
                          bool& faulted);

/** Bursts on the port ended by a fault since start, over all lcores. */
uint64_t guarded_burst_faults(uint16_t port_id);

/** The same over all ports. */
uint64_t guarded_burst_faults();

}  // namespace scanscope
