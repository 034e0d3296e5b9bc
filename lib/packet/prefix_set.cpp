#include "packet/prefix_set.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace scanscope {

namespace {

bool parse_length(std::string_view text, unsigned limit, unsigned& out) {
  if (text.empty() || text.size() > 3) {
    return false;
  }
  unsigned v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  out = v;
  return v <= limit;
}

bool inside(const address_prefix& p, const uint8_t* addr16) {
  for (unsigned i = 0; i < 16; ++i) {
    if ((addr16[i] & p.mask[i]) != p.bytes[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string prefix_set::add(std::string_view prefix) {
  const std::string item(prefix);
  const size_t slash = prefix.find('/');
  const std::string address(prefix.substr(0, slash));
  address_prefix p{};
  unsigned length = 0;
  if (address.find(':') == std::string::npos) {
    in_addr a{};
    if (inet_pton(AF_INET, address.c_str(), &a) != 1) {
      return "'" + item + "' is not an IPv4 or IPv6 prefix";
    }
    length = 32;
    if (slash != std::string_view::npos && !parse_length(prefix.substr(slash + 1), 32, length)) {
      return "'" + item + "': the length after '/' must be 0 to 32";
    }
    std::memcpy(p.bytes, v4_mapped_head, sizeof v4_mapped_head);
    std::memcpy(p.bytes + 12, &a, 4);
    p.v4 = true;
    length += 96;
  } else {
    if (inet_pton(AF_INET6, address.c_str(), p.bytes) != 1) {
      return "'" + item + "' is not an IPv4 or IPv6 prefix";
    }
    length = 128;
    if (slash != std::string_view::npos && !parse_length(prefix.substr(slash + 1), 128, length)) {
      return "'" + item + "': the length after '/' must be 0 to 128";
    }
  }
  p.length = static_cast<uint8_t>(length);
  for (unsigned i = 0; i < 16; ++i) {
    const unsigned bits = length > i * 8 ? std::min(8u, length - i * 8) : 0;
    p.mask[i] = static_cast<uint8_t>(bits == 0 ? 0 : 0xFF << (8 - bits));
    if ((p.bytes[i] & ~p.mask[i]) != 0) {
      return "'" + item + "' has host bits set below its length (did you mean another length?)";
    }
  }
  prefixes_.push_back(p);
  if (p.v4) {
    const uint32_t bits = length - 96;
    const uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
    const uint32_t net = load_be32(p.bytes + 12);
    v4_.push_back({net, mask});
  }
  return {};
}

std::string prefix_set::add_list(std::string_view list) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    while (!item.empty() && item.back() == ' ') {
      item.remove_suffix(1);
    }
    if (item.empty()) {
      return "empty item in the prefix list";
    }
    if (std::string e = add(item); !e.empty()) {
      return e;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    list.remove_prefix(comma + 1);
  }
  return {};
}

bool prefix_set::contains(const uint8_t* addr16) const {
  return std::any_of(prefixes_.begin(), prefixes_.end(),
                     [&](const address_prefix& p) { return inside(p, addr16); });
}

bool prefix_set::contains_v6(const uint8_t* addr16) const {
  // An IPv6 address is never inside an IPv4 prefix (::ffff:0:0/96 is not IPv6 traffic).
  return std::any_of(prefixes_.begin(), prefixes_.end(),
                     [&](const address_prefix& p) { return !p.v4 && inside(p, addr16); });
}

std::string format_address(const uint8_t* addr16) {
  char text[INET6_ADDRSTRLEN] = {};
  if (is_v4_mapped(addr16)) {
    inet_ntop(AF_INET, addr16 + 12, text, sizeof text);
  } else {
    inet_ntop(AF_INET6, addr16, text, sizeof text);
  }
  return text;
}

std::string prefix_set::describe() const {
  std::string out;
  for (const address_prefix& p : prefixes_) {
    if (!out.empty()) {
      out += ", ";
    }
    out += format_address(p.bytes);
    out += '/';
    out += std::to_string(p.v4 ? p.length - 96 : p.length);
  }
  return out;
}

const prefix_set& special_purpose_prefixes() {
  static const prefix_set set = [] {
    prefix_set s;
    s.add_list(
        "0.0.0.0/8,10.0.0.0/8,100.64.0.0/10,127.0.0.0/8,169.254.0.0/16,172.16.0.0/12,"
        "192.0.0.0/24,192.0.2.0/24,192.168.0.0/16,198.18.0.0/15,198.51.100.0/24,"
        "203.0.113.0/24,224.0.0.0/4,240.0.0.0/4,"
        "::/128,::1/128,64:ff9b:1::/48,100::/64,2001:2::/48,2001:db8::/32,3fff::/20,fc00::/7,"
        "fe80::/10,ff00::/8");
    return s;
  }();
  return set;
}

}  // namespace scanscope
