#pragma once
/**
 * @file
 * Frames lost between a Linux interface and a DPDK port that reads it through a socket
 * (net_af_packet, net_pcap with iface=). Those drivers report no drops of their own: when the
 * RX lcore falls behind, the kernel's packet ring overflows and DPDK never sees the frames.
 * The interface's rx_packets counter saw them, so the loss is what the interface received
 * since the port started minus what the port delivered.
 */

#include <cstdint>
#include <string>
#include <vector>

namespace scanscope {

/** The Linux interface a socket-backed port reads ("iface=eth1" in its device arguments), or
 *  "" for other ports. */
std::string kernel_interface_of(uint16_t port);

/** The interface's operational state as the kernel says it ("up", "down", ...; "" unknown). */
std::string kernel_link_state(const std::string& interface);

/** Note each socket-backed port's interface counter; call right after the ports started. */
void note_kernel_baselines(const std::vector<uint16_t>& ports);

/**
 * Frames the interface of `port` received since the baseline that the port did not deliver
 * (0 for ports not read through a kernel interface). While the port runs, only frames the
 * interface received at least a second before count (younger ones may be on their way); once
 * the RX lcores have stopped (`settled`), every frame received and not delivered. The value
 * never goes back: a counter.
 * @param ipackets the port's frames delivered so far
 * @param settled  the RX lcores have stopped polling the port
 */
uint64_t kernel_dropped(uint16_t port, uint64_t ipackets, bool settled);

}  // namespace scanscope
