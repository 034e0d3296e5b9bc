#include "runtime/kernel_drops.hpp"

#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <string>

namespace scanscope {
namespace {

using steady = std::chrono::steady_clock;

// A frame the interface received this long ago and the port has still not delivered was lost:
// the packet ring holds frames for microseconds, not seconds. Younger ones may be in flight.
constexpr std::chrono::milliseconds settle_time{1000};
// How often the interface's counter is sampled for the lagged view.
constexpr std::chrono::milliseconds sample_every{200};

struct rx_sample {
  steady::time_point at;
  uint64_t rx_packets = 0;
};

struct baseline {
  std::string interface;
  uint64_t rx_packets = 0;
  uint64_t ipackets = 0;
  std::deque<rx_sample> samples;  /**< newest last; the front is the newest settled one */
  uint64_t reported = 0;          /**< the most said so far: the count never goes back */
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

uint64_t kernel_dropped(uint16_t port, uint64_t ipackets, bool settled) {
  std::lock_guard<std::mutex> guard(baselines_lock);
  const auto it = baselines.find(port);
  uint64_t rx = 0;
  if (it == baselines.end() || !read_rx_packets(it->second.interface, rx)) {
    return 0;
  }
  baseline& b = it->second;
  const steady::time_point now = steady::now();
  if (b.samples.empty() || now - b.samples.back().at >= sample_every) {
    b.samples.push_back({now, rx});
  }
  // Keep one sample at least settle_time old at the front, and nothing older.
  while (b.samples.size() > 1 && now - b.samples[1].at >= settle_time) {
    b.samples.pop_front();
  }
  // Running: what the interface had received settle_time ago; stopped: everything it received.
  uint64_t counted_rx = b.rx_packets;
  if (settled) {
    counted_rx = rx;
  } else if (now - b.samples.front().at >= settle_time) {
    counted_rx = b.samples.front().rx_packets;
  }
  const uint64_t received = counted_rx - b.rx_packets;
  const uint64_t delivered = ipackets - b.ipackets;
  if (received > delivered && received - delivered > b.reported) {
    b.reported = received - delivered;
  }
  return b.reported;
}

}  // namespace scanscope
