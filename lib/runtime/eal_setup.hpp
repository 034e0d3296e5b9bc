#pragma once
/**
 * @file
 * EAL start-up. When the command line has no `--`, scanscope sets EAL up itself for an offline
 * run: no hugepages, no PCI scan, private memory, and lcores floating over the machine's CPUs.
 */

#include <string>
#include <vector>

#include "runtime/options.hpp"

namespace scanscope {

/** EAL arguments scanscope uses when the user gives none. */
std::vector<std::string> default_eal_args(const app_options& o, unsigned lcores);

/**
 * Start EAL with `args` (args[0] is the program name).
 * @return empty on success, else a message with DPDK's reason
 */
std::string init_eal(const std::vector<std::string>& args);

/**
 * The network interfaces that `--vdev` arguments name (`iface=`, `rx_iface=`, `tx_iface=`,
 * `rx_iface_in=` of net_af_packet and net_pcap) and that do not exist, checked before EAL
 * starts: DPDK's own message names the device, not the interface, and is followed by a
 * misleading "no DPDK ports".
 * @return empty, or "EAL argument '--vdev ...': no network interface 'eth9' ..."
 */
std::string check_vdev_interfaces(const std::vector<std::string>& eal_args);

}  // namespace scanscope
