#pragma once
/**
 * @file
 * The destination ports an operator cares about, with names (8545/tcp ethereum-jsonrpc, ...).
 * Built once at start-up and shared read-only by every RX lcore: the per-packet lookup is one
 * array load.
 */

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scanscope {

enum class transport : uint8_t { tcp, udp };

/** Name of a transport as written in config files and reports ("tcp", "udp"). */
const char* transport_name(transport t);

/** One watched destination port. */
struct watched_port {
  uint16_t port;    /**< destination port */
  transport proto;  /**< TCP or UDP */
  std::string name; /**< label used in reports and metrics, e.g. "ethereum-jsonrpc" */
};

/**
 * Parse "PORT/PROTO NAME" (e.g. "8545/tcp ethereum-jsonrpc").
 * @return the port, or std::nullopt with `error` set to the reason.
 */
std::optional<watched_port> parse_watched_port(std::string_view text, std::string& error);

/** The built-in list used when the config names no ports. */
std::vector<watched_port> default_watched_ports();

class watched_ports {
 public:
  /** Index 0 of the counters is "other": any port not in the list. */
  static constexpr uint16_t other_index = 0;
  /** At most this many ports can be watched; counters are sized for it at compile time. */
  static constexpr size_t max_ports = 255;

  /**
   * @param ports the list; duplicates (same port and protocol) are an error
   * @param error set when the list is rejected
   */
  static std::optional<watched_ports> build(std::vector<watched_port> ports, std::string& error);

  /** Counter index of a destination port (1..size()), or other_index. */
  uint16_t index(transport t, uint16_t port) const {
    return t == transport::tcp ? tcp_[port] : udp_[port];
  }
  /** The watched port behind counter index i (1..size()). */
  const watched_port& at(uint16_t i) const { return ports_[i - 1]; }
  /** Number of watched ports. */
  size_t size() const { return ports_.size(); }

 private:
  std::vector<watched_port> ports_;
  std::vector<uint8_t> tcp_, udp_;
};

}  // namespace scanscope
