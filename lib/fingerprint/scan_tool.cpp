#include "fingerprint/scan_tool.hpp"

#include <cstring>

namespace scanscope {

namespace {

constexpr const char* tool_names[] = {
#define SCANSCOPE_X(name, help) #name,
    SCANSCOPE_SCAN_TOOLS(SCANSCOPE_X)
#undef SCANSCOPE_X
};

// ZMap's probe modules wrote this constant IP ID until release 3.0 (src/probe_modules/
// packet.c, make_ip_header: `iph->ip_id = htons(54321)`).
constexpr uint16_t zmap_ip_id = 54321;
constexpr uint16_t nmap_mss = 1460;
constexpr uint16_t hping3_window = 512;

bool nmap_window(uint16_t w) {
  return w == 1024 || w == 2048 || w == 3072 || w == 4096;
}

}  // namespace

const char* scan_tool_name(scan_tool t) {
  const auto i = static_cast<size_t>(t);
  return i < scan_tool_count ? tool_names[i] : "unknown";
}

bool scan_tool_from_name(const char* name, size_t length, scan_tool& out) {
  for (size_t i = 0; i < scan_tool_count; ++i) {
    if (std::strlen(tool_names[i]) == length && std::memcmp(tool_names[i], name, length) == 0) {
      out = static_cast<scan_tool>(i);
      return true;
    }
  }
  return false;
}

const char* ip_id_rule_name(ip_id_rule r) {
  switch (r) {
    case ip_id_rule::zero:
      return "zero";
    case ip_id_rule::masscan:
      return "masscan";
    case ip_id_rule::zmap:
      return "zmap";
    default:
      return "other";
  }
}

ip_id_rule classify_ip_id(const decoded_packet& p) {
  if (p.l3 != l3_kind::ipv4) {
    return ip_id_rule::other;
  }
  if (p.ip_id == zmap_ip_id) {
    return ip_id_rule::zmap;
  }
  // masscan (src/templ-pkt.c): ip_id = ip_them ^ port_them ^ seqno, truncated to 16 bits.
  if (p.l4 == l4_kind::tcp && p.has_ports &&
      p.ip_id == static_cast<uint16_t>(p.dst_v4 ^ p.dst_port ^ p.seq)) {
    return ip_id_rule::masscan;
  }
  if (p.ip_id == 0) {
    return ip_id_rule::zero;
  }
  return ip_id_rule::other;
}

scan_tool identify_tool(const decoded_packet& p) {
  if (p.l3 != l3_kind::ipv4) {
    return scan_tool::none;
  }
  const bool tcp_no_ack =
      p.l4 == l4_kind::tcp && p.result == parse_result::ok && (p.tcp_flags & tcp_flag::ack) == 0;
  if (tcp_no_ack) {
    // Mirai (scanner.c): `tcph->seq = iph->daddr` on every SYN it sends.
    if ((p.tcp_flags & tcp_flag::syn) && p.seq == p.dst_v4) {
      return scan_tool::mirai;
    }
  }
  const ip_id_rule id = classify_ip_id(p);
  if (tcp_no_ack && id == ip_id_rule::masscan) {
    return scan_tool::masscan;
  }
  if (id == ip_id_rule::zmap) {
    return scan_tool::zmap;
  }
  if (tcp_no_ack && (p.tcp_flags & tcp_flag::syn)) {
    const tcp_options& o = p.options;
    // nmap's raw SYN probes (scan_engine_raw.cc) carry one option, MSS 1460, and a window
    // from 1024, 2048, 3072, 4096 (p0f's "NMap SYN scan" signatures).
    if (o.count == 1 && o.has_mss && o.mss == nmap_mss && nmap_window(p.window)) {
      return scan_tool::nmap;
    }
    // hping3 (sendtcp.c) sends no options, window 512 unless -w, and a random acknowledgment
    // number even when the ACK flag is clear; stacks and the scanners above leave it 0.
    if (o.count == 0 && (p.window == hping3_window || p.ack != 0)) {
      return scan_tool::hping3;
    }
  }
  return scan_tool::none;
}

}  // namespace scanscope
