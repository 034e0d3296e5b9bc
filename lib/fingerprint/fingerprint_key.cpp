#include "fingerprint/fingerprint_key.hpp"

#include "fingerprint/scan_tool.hpp"

namespace scanscope {

namespace {

constexpr unsigned max_layout_kinds = 8;
constexpr uint8_t no_window_scale = 0xFF;
constexpr char layout_letters[] = "?ENMWSKT";

uint64_t layout_code(uint8_t kind) {
  switch (kind) {
    case tcp_option_kind::eol:
      return 1;
    case tcp_option_kind::nop:
      return 2;
    case tcp_option_kind::mss:
      return 3;
    case tcp_option_kind::window_scale:
      return 4;
    case tcp_option_kind::sack_permitted:
      return 5;
    case tcp_option_kind::sack:
      return 6;
    case tcp_option_kind::timestamp:
      return 7;
    default:
      return 8;  // printed as '?'
  }
}

uint64_t mix(uint64_t x) {
  // splitmix64 finaliser
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

uint64_t option_layout_code(const tcp_options& o) {
  uint64_t layout = 0;
  for (unsigned i = 0; i < o.count && i < max_layout_kinds; ++i) {
    layout |= layout_code(o.kinds[i]) << (4 * i);
  }
  return layout | (uint64_t{o.count} << 32);
}

bool parse_option_layout(const std::string& text, uint64_t& code) {
  code = 0;
  if (text == "-") {
    return true;
  }
  if (text.empty() || text.size() > max_layout_kinds) {
    return false;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    uint64_t c = 0;
    for (uint64_t j = 1; j < 8; ++j) {
      if (layout_letters[j] == text[i]) {
        c = j;
      }
    }
    if (c == 0) {
      return false;
    }
    code |= c << (4 * i);
  }
  code |= uint64_t{text.size()} << 32;
  return true;
}

uint64_t fingerprint_key::hash() const {
  return mix(lo ^ mix(hi));
}

fingerprint_key make_fingerprint_key(const decoded_packet& p) {
  fingerprint_key k;
  const bool tcp = p.l4 == l4_kind::tcp;
  const tcp_options& o = p.options;
  const uint64_t window = tcp ? p.window : 0;
  const uint64_t mss = tcp && o.has_mss ? o.mss : 0;
  const uint64_t wscale = tcp && o.has_window_scale ? o.window_scale : no_window_scale;
  const uint64_t misc = static_cast<uint64_t>(classify_ip_id(p)) |
                        (uint64_t{p.dont_fragment} << 2) | (uint64_t{p.payload_length > 0} << 3) |
                        (uint64_t{p.l3 == l3_kind::ipv6} << 4);
  k.lo = window | (mss << 16) | (wscale << 32) | (uint64_t{initial_ttl(p.ttl)} << 40) |
         (uint64_t{tcp ? p.tcp_flags : uint8_t{0}} << 48) | (misc << 56);
  k.hi = (tcp ? option_layout_code(o) : 0) | (uint64_t{static_cast<uint8_t>(p.l4)} << 40);
  return k;
}

std::string to_string(const fingerprint_key& k) {
  const auto l4 = static_cast<l4_kind>((k.hi >> 40) & 0xFF);
  const unsigned misc = static_cast<unsigned>(k.lo >> 56);
  std::string s;
  switch (l4) {
    case l4_kind::tcp:
      s = "tcp";
      break;
    case l4_kind::udp:
      s = "udp";
      break;
    case l4_kind::icmp:
      s = "icmp";
      break;
    case l4_kind::icmpv6:
      s = "icmpv6";
      break;
    default:
      s = "ip";
  }
  if (misc & 16) {
    s += "6";
  }
  s += ":" + std::to_string((k.lo >> 40) & 0xFF);
  s += ":" + std::to_string(k.lo & 0xFFFF);
  const uint64_t mss = (k.lo >> 16) & 0xFFFF;
  s += mss ? ":mss" + std::to_string(mss) : ":mss-";
  const uint64_t ws = (k.lo >> 32) & 0xFF;
  s += ws == no_window_scale ? ":ws-" : ":ws" + std::to_string(ws);
  const unsigned count = static_cast<unsigned>((k.hi >> 32) & 0xFF);
  s += ":";
  if (count == 0) {
    s += "-";
  }
  for (unsigned i = 0; i < count && i < max_layout_kinds; ++i) {
    const unsigned code = static_cast<unsigned>((k.hi >> (4 * i)) & 0xF);
    s += layout_letters[code < 8 ? code : 0];
  }
  if (count > max_layout_kinds) {
    s += "+";
  }
  s += (misc & 4) ? ":df1" : ":df0";
  s += std::string(":id=") + ip_id_rule_name(static_cast<ip_id_rule>(misc & 3));
  s += ":";
  const unsigned flags = static_cast<unsigned>((k.lo >> 48) & 0xFF);
  const char letters[] = "FSRPAUEC";
  for (unsigned i = 0; i < 8; ++i) {
    if (flags & (1u << i)) {
      s += letters[i];
    }
  }
  if (flags == 0) {
    s += "-";
  }
  s += (misc & 8) ? ":pl1" : ":pl0";
  return s;
}

}  // namespace scanscope
