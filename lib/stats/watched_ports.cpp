#include "stats/watched_ports.hpp"

#include <cctype>
#include <charconv>

#include "common/label.hpp"
#include "common/text.hpp"

namespace scanscope {

const char* transport_name(transport t) {
  return t == transport::tcp ? "tcp" : "udp";
}

namespace {}  // namespace

std::optional<watched_port> parse_watched_port(std::string_view text, std::string& error) {
  text = trim(text);
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    error = "expected PORT/PROTO NAME (e.g. 8545/tcp ethereum-jsonrpc), got '" + std::string(text) +
            "'";
    return std::nullopt;
  }
  const std::string_view port_text = text.substr(0, slash);
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    error = "port '" + std::string(port_text) + "' is not a number from 1 to 65535";
    return std::nullopt;
  }
  std::string_view rest = text.substr(slash + 1);
  const auto space = rest.find_first_of(" \t");
  const std::string_view proto_text = rest.substr(0, space);
  const std::string_view name =
      space == std::string_view::npos ? std::string_view{} : trim(rest.substr(space));
  watched_port w{static_cast<uint16_t>(port), transport::tcp, std::string(name)};
  if (proto_text == "tcp") {
    w.proto = transport::tcp;
  } else if (proto_text == "udp") {
    w.proto = transport::udp;
  } else {
    error = "protocol '" + std::string(proto_text) + "' is neither tcp nor udp";
    return std::nullopt;
  }
  if (!is_label(name)) {
    error = "name '" + std::string(name) + "' must be " + label_rule;
    return std::nullopt;
  }
  return w;
}

std::vector<watched_port> default_watched_ports() {
  // The seed campaigns first, then ports that scanners hit every day, so "other" stays small.
  return {
      {8545, transport::tcp, "ethereum-jsonrpc"},
      {3333, transport::tcp, "claymore"},
      {5555, transport::tcp, "adb"},
      {52869, transport::tcp, "upnp-realtek"},
      {37215, transport::tcp, "huawei-hg532"},
      {23, transport::tcp, "telnet"},
      {2323, transport::tcp, "telnet-alt"},
      {22, transport::tcp, "ssh"},
      {80, transport::tcp, "http"},
      {443, transport::tcp, "https"},
      {8080, transport::tcp, "http-alt"},
      {7547, transport::tcp, "tr-069"},
      {445, transport::tcp, "smb"},
      {3389, transport::tcp, "rdp"},
      {6379, transport::tcp, "redis"},
      {53, transport::udp, "dns"},
      {123, transport::udp, "ntp"},
      {1900, transport::udp, "ssdp"},
      {5060, transport::udp, "sip"},
  };
}

std::optional<watched_ports> watched_ports::build(std::vector<watched_port> ports,
                                                  std::string& error) {
  if (ports.size() > max_ports) {
    error = "at most " + std::to_string(max_ports) + " watched ports, got " +
            std::to_string(ports.size());
    return std::nullopt;
  }
  watched_ports w;
  w.tcp_.assign(65536, other_index);
  w.udp_.assign(65536, other_index);
  for (size_t i = 0; i < ports.size(); ++i) {
    auto& table = ports[i].proto == transport::tcp ? w.tcp_ : w.udp_;
    if (table[ports[i].port] != other_index) {
      error = "port " + std::to_string(ports[i].port) + "/" + transport_name(ports[i].proto) +
              " is listed twice";
      return std::nullopt;
    }
    table[ports[i].port] = static_cast<uint8_t>(i + 1);
  }
  w.ports_ = std::move(ports);
  return w;
}

}  // namespace scanscope
