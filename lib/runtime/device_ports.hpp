#pragma once
/**
 * @file
 * Live input: configure each ethdev with N RX queues, RSS on the source address where the
 * device can, promiscuous mode, and read its drop counters.
 */

#include <rte_mempool.h>

#include <cstdint>
#include <string>
#include <vector>

#include "export/run_report.hpp"
#include "runtime/options.hpp"

namespace scanscope {

/** One RX queue, polled by one RX lcore. */
struct rx_queue_ref {
  uint16_t port_id; /**< DPDK port id */
  uint16_t queue;   /**< RX queue index */
};

/**
 * The ports to poll into `ports`: `requested`, or every available port when empty.
 * @return what is wrong when a requested port does not exist or none exist; empty on success
 */
std::string select_ports(const std::vector<uint16_t>& requested, std::vector<uint16_t>& ports);

/**
 * Configure and start the ports; their RX queues, one per RX lcore, into `queues`.
 * @return what failed, naming the port; empty on success
 */
std::string start_ports(const std::vector<uint16_t>& ports, const app_options& o, rte_mempool* pool,
                        std::vector<rx_queue_ref>& queues);

/**
 * What an operator sizing a sensor needs to know about each port EAL found: driver, NUMA
 * socket, queues, the RSS hash functions it offers (scanscope wants L3_SRC_ONLY), link.
 */
std::string describe_ports();

/** Can every port answer out of each of its `queues` queues? Empty when it can, else why not. */
std::string check_can_respond(const std::vector<uint16_t>& ports, unsigned queues);

/** Stop and close the ports. */
void stop_ports(const std::vector<uint16_t>& ports);

/**
 * Read the devices' receive and drop counters.
 * @param settled the RX lcores have stopped: a kernel interface's frames not delivered by now
 *                never will be (kernel_drops.hpp)
 */
std::vector<device_counters> read_device_counters(const std::vector<uint16_t>& ports,
                                                  bool settled = false);

}  // namespace scanscope
