#include "converse/emulation.hpp"

#include <sys/random.h>

#include <bitset>
#include <fstream>
#include <sstream>

#include "converse/port_list.hpp"
#include "converse/syn_cookie.hpp"

namespace scanscope {

bool emulation_plan::any() const {
  for (uint8_t p : by_port) {
    if (p != 0) {
      return true;
    }
  }
  return false;
}

std::vector<uint16_t> default_emulated_ports(emulated_protocol p) {
  switch (p) {
    case emulated_protocol::ethereum:
      return {8545};
    case emulated_protocol::claymore:
      return {3333};
    case emulated_protocol::http:
      // Web servers, and the two router exploits Mirai's kin send: Realtek's UPnP SOAP
      // (52869) and Huawei HG532's (37215).
      return {80, 8080, 37215, 52869};
    case emulated_protocol::adb:
      return {5555};
    case emulated_protocol::telnet:
      return {23, 2323};
  }
  return {};
}

namespace {

std::string protocol_list() {
  std::string out;
  for (const char* name : emulated_protocol_names) {
    out += out.empty() ? "" : ", ";
    out += name;
  }
  return out + ", all";
}

/** A port answered by two protocols is a mistake worth naming. */
std::string assign(emulation_plan& plan, uint16_t port, emulated_protocol p) {
  const uint8_t code = static_cast<uint8_t>(static_cast<unsigned>(p) + 1);
  if (plan.by_port[port] != 0 && plan.by_port[port] != code) {
    return "port " + std::to_string(port) + " is given to both " +
           emulated_protocol_names[plan.by_port[port] - 1] + " and " +
           emulated_protocol_names[static_cast<size_t>(p)];
  }
  plan.by_port[port] = code;
  return {};
}

}  // namespace

std::string plan_emulation(std::string_view protocols, const std::vector<std::string>& ports,
                           emulation_plan& plan) {
  plan.by_port.fill(0);
  std::bitset<emulated_protocol_count> named;
  if (protocols == "all") {
    named.set();
  } else if (!protocols.empty() && protocols != "none") {
    std::stringstream list{std::string(protocols)};
    std::string item;
    while (std::getline(list, item, ',')) {
      emulated_protocol p;
      if (!named_in(emulated_protocol_names, item, p)) {
        return "'" + item + "' is not a protocol (" + protocol_list() + ")";
      }
      named.set(static_cast<size_t>(p));
    }
  }
  for (size_t i = 0; i < emulated_protocol_count; ++i) {
    if (!named.test(i)) {
      continue;
    }
    for (uint16_t port : default_emulated_ports(static_cast<emulated_protocol>(i))) {
      if (std::string e = assign(plan, port, static_cast<emulated_protocol>(i)); !e.empty()) {
        return e;
      }
    }
  }
  for (const std::string& entry : ports) {
    const size_t equals = entry.find('=');
    emulated_protocol p;
    if (equals == std::string::npos ||
        !named_in(emulated_protocol_names, std::string_view(entry).substr(0, equals), p)) {
      return "'" + entry + "' is not PROTOCOL=PORTS (protocols: " + protocol_list() + ")";
    }
    if (!named.test(static_cast<size_t>(p))) {
      return "'" + entry + "' gives ports to " + emulated_protocol_names[static_cast<size_t>(p)] +
             ", which --emulate does not name";
    }
    std::bitset<65536> set;
    const std::string list = entry.substr(equals + 1);
    if (list == "all") {
      return "'" + entry + "': name the ports, not all";
    }
    if (std::string e = parse_port_list(list, set); !e.empty()) {
      return "'" + entry + "': " + e;
    }
    for (uint32_t port = 1; port < 65536; ++port) {
      if (set.test(port)) {
        if (std::string e = assign(plan, static_cast<uint16_t>(port), p); !e.empty()) {
          return e;
        }
      }
    }
  }
  return {};
}

void draw_emulation_secret(uint64_t secret[2]) {
  // A fixed key: the machine id is the secret, this only spreads it over 128 bits.
  static constexpr uint64_t spread[2] = {0x736361'6e73636fULL, 0x70652d656d756cULL};
  std::ifstream in("/etc/machine-id");
  std::string id;
  if (in && std::getline(in, id) && id.size() >= 16) {
    secret[0] = siphash24(spread, id.data(), id.size());
    const std::string again = id + "/2";
    secret[1] = siphash24(spread, again.data(), again.size());
    return;
  }
  if (getrandom(secret, 2 * sizeof(uint64_t), 0) != 2 * sizeof(uint64_t)) {
    secret[0] = 0x9E3779B97F4A7C15ULL;  // no randomness at all: answers stay plausible
    secret[1] = 0xC2B2AE3D27D4EB4FULL;
  }
}

}  // namespace scanscope
