#include "runtime/device_ports.hpp"

#include <rte_devargs.h>
#include <rte_ethdev.h>

#include <cstdio>

#include "runtime/burst_guard.hpp"
#include "runtime/kernel_drops.hpp"

namespace scanscope {

namespace {

std::string port_name(uint16_t port) {
  char name[RTE_ETH_NAME_MAX_LEN] = {};
  if (rte_eth_dev_get_name_by_port(port, name) != 0) {
    return "port" + std::to_string(port);
  }
  return name;
}

std::string fail(uint16_t port, const char* what, int rc) {
  return "port " + std::to_string(port) + " (" + port_name(port) + "): " + what + ": " +
         rte_strerror(-rc);
}

/**
 * Does what the port is given leave it? net_pcap has somewhere to send only with iface,
 * tx_iface or tx_pcap (a file, which a benchmark of the responder wants); with rx_pcap alone
 * it has no output. Every other driver is taken at its word (max_tx_queues).
 */
bool can_transmit(uint16_t port) {
  rte_eth_dev_info info{};
  if (rte_eth_dev_info_get(port, &info) != 0 || info.device == nullptr) {
    return false;
  }
  const std::string name = port_name(port);
  const rte_devargs* devargs = rte_dev_devargs(info.device);
  const std::string args = devargs != nullptr && devargs->args != nullptr ? devargs->args : "";
  if (name.rfind("net_pcap", 0) == 0) {
    return args.find("iface=") != std::string::npos || args.find("tx_pcap=") != std::string::npos;
  }
  return true;
}

/** The RX configuration: RSS on the source address if the device has it. */
rte_eth_conf rx_conf_for(uint16_t port, const rte_eth_dev_info& info, unsigned queues) {
  rte_eth_conf conf{};
  if (queues < 2) {
    return conf;
  }
  const uint64_t wanted = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;
  const uint64_t offered = info.flow_type_rss_offloads & wanted;
  const std::string name = port_name(port);
  if (offered == 0) {
    std::fprintf(
        stderr,
        "port %u (%s): no RSS on this device; %u queues get whatever the driver spreads, so "
        "one source may be counted on several lcores\n",
        port, name.c_str(), queues);
    return conf;
  }
  conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
  conf.rx_adv_conf.rss_conf.rss_key = nullptr;
  // Hash on the source address only, so each source lives on one lcore and per-lcore
  // unique-source counts add up exactly.
  const bool source_only = (info.flow_type_rss_offloads & RTE_ETH_RSS_L3_SRC_ONLY) != 0;
  conf.rx_adv_conf.rss_conf.rss_hf = offered | (source_only ? RTE_ETH_RSS_L3_SRC_ONLY : 0);
  std::fprintf(stderr,
               source_only ? "port %u (%s): RSS on the source address over %u queues\n"
                           : "port %u (%s): RSS without L3_SRC_ONLY; hashing on both addresses "
                             "over %u queues, so unique-source counts may count a source once "
                             "per lcore\n",
               port, name.c_str(), queues);
  return conf;
}

}  // namespace

std::string describe_ports() {
  std::string out;
  char line[512];
  uint16_t id;
  RTE_ETH_FOREACH_DEV(id) {
    rte_eth_dev_info info{};
    if (rte_eth_dev_info_get(id, &info) != 0) {
      continue;
    }
    char name[RTE_ETH_NAME_MAX_LEN] = {};
    rte_eth_dev_get_name_by_port(id, name);
    rte_eth_link link{};
    rte_eth_link_get_nowait(id, &link);
    // A port not started yet may say "down" whatever its cable does; a port that reads a Linux
    // interface (af_packet, pcap iface=) says "down" until started: ask the kernel instead.
    std::string state = link.link_status ? "up" : "down (the port is not started yet)";
    const std::string interface = kernel_interface_of(id);
    if (!interface.empty()) {
      const std::string kernel = kernel_link_state(interface);
      state = (kernel.empty() ? std::string("unknown") : kernel) + " (interface " + interface + ")";
    }
    const uint64_t rss = info.flow_type_rss_offloads;
    std::snprintf(line, sizeof line,
                  "port %u %s: driver %s, NUMA socket %d, RX queues up to %u, descriptors up "
                  "to %u\n  RSS: ip %s, tcp %s, udp %s, l3-src-only %s (reta %u entries)\n"
                  "  link %s, %u Mb/s\n",
                  id, name, info.driver_name, rte_eth_dev_socket_id(id), info.max_rx_queues,
                  info.rx_desc_lim.nb_max, (rss & RTE_ETH_RSS_IP) ? "yes" : "no",
                  (rss & RTE_ETH_RSS_TCP) ? "yes" : "no", (rss & RTE_ETH_RSS_UDP) ? "yes" : "no",
                  (rss & RTE_ETH_RSS_L3_SRC_ONLY) ? "yes" : "no", info.reta_size, state.c_str(),
                  link.link_speed);
    out += line;
  }
  if (out.empty()) {
    out = "no DPDK ports (bind a NIC to vfio-pci, or give EAL a --vdev)\n";
  }
  return out;
}

std::string select_ports(const std::vector<uint16_t>& requested, std::vector<uint16_t>& ports) {
  ports.clear();
  if (requested.empty()) {
    uint16_t id;
    RTE_ETH_FOREACH_DEV(id) {
      ports.push_back(id);
    }
    if (ports.empty()) {
      return "no DPDK ports: give EAL a device (e.g. `scanscope -l 0-1 -a 0000:3b:00.0 -- ...` or "
             "`--vdev net_pcap0,iface=eth1`), or analyse a capture with --pcap FILE; as a "
             "service, set SCANSCOPE_EAL in /etc/default/scanscope (config/systemd/"
             "scanscope.default)";
    }
    return {};
  }
  for (uint16_t id : requested) {
    if (!rte_eth_dev_is_valid_port(id)) {
      return "option 'port': no DPDK port " + std::to_string(id) + " (EAL found " +
             std::to_string(rte_eth_dev_count_avail()) + ")";
    }
    ports.push_back(id);
  }
  return {};
}

std::string start_ports(const std::vector<uint16_t>& ports, const app_options& o, rte_mempool* pool,
                        std::vector<rx_queue_ref>& queues) {
  queues.clear();
  for (uint16_t port : ports) {
    rte_eth_dev_info info{};
    int rc = rte_eth_dev_info_get(port, &info);
    if (rc != 0) {
      return fail(port, "cannot read device info", rc);
    }
    if (o.queues > info.max_rx_queues) {
      return "port " + std::to_string(port) + " (" + port_name(port) + ") has at most " +
             std::to_string(info.max_rx_queues) + " RX queues; option 'queues' asks for " +
             std::to_string(o.queues);
    }
    // DPDK's af_packet driver joins its sockets to a fanout group with the kernel's defrag flag
    // (PACKET_FANOUT_FLAG_DEFRAG, not an option in DPDK 22.11): fragments reach it reassembled,
    // and incomplete ones never. Said once per port; net_pcap,iface= sees them as sent.
    if (std::string(info.driver_name) == "net_af_packet") {
      std::fprintf(stderr,
                   "port %u (%s): warning: the kernel reassembles IP fragments before "
                   "net_af_packet sees them: fragments are counted (and answered) as whole "
                   "packets and incomplete ones never arrive; use net_pcap,iface= where "
                   "fragments matter (docs/responder.md)\n",
                   port, port_name(port).c_str());
    }
    // The responder answers out of the queue a frame came in on: a TX queue per RX queue.
    // Otherwise one, as some drivers refuse to start without any.
    const unsigned tx_queues = o.conversation.respond ? o.queues : 1;
    rte_eth_conf conf = rx_conf_for(port, info, o.queues);
    rc = rte_eth_dev_configure(port, static_cast<uint16_t>(o.queues),
                               static_cast<uint16_t>(tx_queues), &conf);
    if (rc != 0) {
      return fail(port, "cannot configure", rc);
    }
    uint16_t rx_desc = static_cast<uint16_t>(std::min(o.rx_descriptors, 65535u));
    uint16_t tx_desc = 512;
    rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rx_desc, &tx_desc);
    if (rc != 0) {
      return fail(port, "cannot set descriptor counts", rc);
    }
    const int socket = rte_eth_dev_socket_id(port);
    for (unsigned q = 0; q < o.queues; ++q) {
      rc = rte_eth_rx_queue_setup(port, static_cast<uint16_t>(q), rx_desc,
                                  static_cast<unsigned>(socket < 0 ? SOCKET_ID_ANY : socket),
                                  nullptr, pool);
      if (rc != 0) {
        return fail(port, ("cannot set up RX queue " + std::to_string(q)).c_str(), rc);
      }
      queues.push_back({port, static_cast<uint16_t>(q)});
    }
    for (unsigned q = 0; q < tx_queues; ++q) {
      rc = rte_eth_tx_queue_setup(port, static_cast<uint16_t>(q), tx_desc,
                                  static_cast<unsigned>(socket < 0 ? SOCKET_ID_ANY : socket),
                                  nullptr);
      if (rc != 0) {
        return fail(port, ("cannot set up TX queue " + std::to_string(q)).c_str(), rc);
      }
    }
    rc = rte_eth_dev_start(port);
    if (rc != 0) {
      return fail(port, "cannot start", rc);
    }
    // A sensor on a mirror port or tap sees frames for other MACs; some vdevs lack the mode.
    rc = rte_eth_promiscuous_enable(port);
    if (rc != 0 && rc != -ENOTSUP) {
      std::fprintf(stderr, "port %u (%s): promiscuous mode not enabled: %s\n", port,
                   port_name(port).c_str(), rte_strerror(-rc));
    }
    rte_eth_stats_reset(port);
  }
  return {};
}

std::string check_can_respond(const std::vector<uint16_t>& ports, unsigned queues) {
  for (uint16_t port : ports) {
    rte_eth_dev_info info{};
    if (rte_eth_dev_info_get(port, &info) != 0 || !can_transmit(port)) {
      return "port " + std::to_string(port) + " (" + port_name(port) +
             ") cannot transmit (a capture file, or nothing, as its output); option 'respond' "
             "needs a port that sends what it is given (net_pcap: iface= or tx_iface=)";
    }
    if (info.max_tx_queues < queues) {
      return "port " + std::to_string(port) + " (" + port_name(port) + ") has " +
             std::to_string(info.max_tx_queues) + " TX queues; option 'respond' answers out of "
             "the queue a frame came in on and needs " + std::to_string(queues);
    }
  }
  return {};
}

void stop_ports(const std::vector<uint16_t>& ports) {
  for (uint16_t port : ports) {
    rte_eth_dev_stop(port);
    rte_eth_dev_close(port);
  }
}

std::vector<device_counters> read_device_counters(const std::vector<uint16_t>& ports,
                                                  bool settled) {
  std::vector<device_counters> out;
  for (uint16_t port : ports) {
    rte_eth_stats st{};
    device_counters d;
    d.port_id = port;
    d.name = port_name(port);
    if (rte_eth_stats_get(port, &st) == 0) {
      d.ipackets = st.ipackets;
      d.imissed = st.imissed;
      d.ierrors = st.ierrors;
      d.rx_nombuf = st.rx_nombuf;
      d.kernel_dropped = kernel_dropped(port, st.ipackets, settled);
    }
    d.faulted_bursts = guarded_burst_faults(port);
    out.push_back(d);
  }
  return out;
}

}  // namespace scanscope
