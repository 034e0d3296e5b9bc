#include "runtime/kernel_drops.hpp"

#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>

#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <string>

namespace scanscope {
namespace {

struct baseline {
  std::string interface;
  uint64_t rx_packets = 0;
  uint64_t ipackets = 0;
};

std::mutex baselines_lock;
std::map<uint16_t, baseline> baselines;

}  // namespace

std::string kernel_interface_of(uint16_t port) {
  rte_eth_dev_info info{};
  if (rte_eth_dev_info_get(port, &info) != 0 || info.device == nullptr ||
      info.driver_name == nullptr) {
    return "";
  }
  const std::string driver = info.driver_name;
  if (driver != "net_af_packet" && driver != "net_pcap") {
    return "";
  }
  const rte_devargs* devargs = rte_dev_devargs(info.device);
  if (devargs == nullptr || devargs->args == nullptr) {
    return "";
  }
  const std::string args = devargs->args;
  const size_t at = args.find("iface=");
  if (at == std::string::npos) {
    return "";
  }
  const size_t end = args.find(',', at);
  return args.substr(at + 6, end == std::string::npos ? std::string::npos : end - at - 6);
}

std::string kernel_link_state(const std::string& interface) {
  if (interface.empty() || interface.find('/') != std::string::npos) {
    return "";
  }
  std::ifstream f("/sys/class/net/" + interface + "/operstate");
  std::string state;
  return f >> state ? state : "";
}

namespace {

bool read_rx_packets(const std::string& interface, uint64_t& out) {
  if (interface.find('/') != std::string::npos) {
    return false;
  }
  std::ifstream f("/sys/class/net/" + interface + "/statistics/rx_packets");
  return static_cast<bool>(f >> out);
}

}  // namespace

void note_kernel_baselines(const std::vector<uint16_t>& ports) {
  std::lock_guard<std::mutex> guard(baselines_lock);
  for (uint16_t port : ports) {
    baseline b;
    b.interface = kernel_interface_of(port);
    rte_eth_stats st{};
    if (b.interface.empty() || !read_rx_packets(b.interface, b.rx_packets) ||
        rte_eth_stats_get(port, &st) != 0) {
      continue;
    }
    b.ipackets = st.ipackets;
    baselines[port] = b;
  }
}

uint64_t kernel_dropped(uint16_t port, uint64_t ipackets) {
  std::lock_guard<std::mutex> guard(baselines_lock);
  const auto it = baselines.find(port);
  uint64_t rx = 0;
  if (it == baselines.end() || !read_rx_packets(it->second.interface, rx)) {
    return 0;
  }
  const uint64_t received = rx - it->second.rx_packets;
  const uint64_t delivered = ipackets - it->second.ipackets;
  return received > delivered ? received - delivered : 0;
}

}  // namespace scanscope
