#include "fingerprint/scan_tool.hpp"

#include <algorithm>
#include <cstring>
#include <initializer_list>

namespace scanscope {

namespace {

constexpr const char* tool_names[] = {SCANSCOPE_SCAN_TOOLS(SCANSCOPE_X_NAME)};

using namespace tool_marks;

constexpr uint16_t nmap_mss = 1460;
constexpr uint16_t hping3_window = 512;

constexpr uint16_t zmap_window = 65535;

bool nmap_window(uint16_t w) {
  return w == 1024 || w == 2048 || w == 3072 || w == 4096;
}

/** No TCP option, or only an MSS. */
bool at_most_mss(const tcp_options& o) {
  return o.count == 0 || (o.count == 1 && o.has_mss);
}

bool options_are(const tcp_options& o, std::initializer_list<uint8_t> kinds) {
  return o.count == kinds.size() && std::equal(kinds.begin(), kinds.end(), o.kinds);
}

/** masscan's IP ID of a SYN (scan_tool.hpp). */
uint16_t masscan_ip_id(const decoded_packet& p) {
  return masscan_ip_id(p, p.seq);
}

/** An ICMP (IPv4) echo request: the ping probes' own message. */
bool icmp_echo_request(const decoded_packet& p) {
  return p.l4 == l4_kind::icmp && p.icmp_type == 8 && p.icmp_code == 0;
}

/** A packet of a chance rule's shape: whether its relation names the tool. A source whose probe
 *  of the shape breaks the relation doubts the rule from then on (chance_rule). */
bool kept(bool relation, uint8_t rule, uint8_t& doubts) {
  if (!relation) {
    doubts |= rule;
    return false;
  }
  return (doubts & rule) == 0;
}

// masscan's template (src/templ-pkt.c, templ-tcp-hdr.c): SYNs with window 1024 and no option
// in 1.3.2, window 1025 with an MSS option on master since November 2023; its resets carry
// window 1200 and the SYN's options. Window 1024 with an MSS is nmap's SYN (the more specific
// rule): its random IP ID meets masscan's relation by chance once in 65,536 probes.
bool masscan_shape(const decoded_packet& p) {
  const tcp_options& o = p.options;
  switch (p.window) {
    case 1024:
      return o.count == 0;
    case 1025:
      return o.count == 1 && o.has_mss;
    case 1200:
      return at_most_mss(o);
    default:
      return false;
  }
}

// ZMap 4.x (src/probe_modules/packet.c, set_tcp_options): window 65535, no DF, and the options
// of one of its --probe-args layouts: windows (the default since 4.1: M N W8 N N S), linux
// (M S T N W7), bsd (M N W6 N N T S E E) or smallest-probes (M). Real Windows, Linux and macOS
// stacks send these layouts with DF set. The option list ends at its first EOL (RFC 9293): the
// parser keeps that one and not the padding after it, so bsd's reads M N W6 N N T S E.
bool zmap4_shape(const decoded_packet& p) {
  using namespace tcp_option_kind;
  const tcp_options& o = p.options;
  if (p.window != zmap_window || p.dont_fragment || !o.has_mss || o.mss != nmap_mss) {
    return false;
  }
  return options_are(o, {mss}) ||
         (options_are(o, {mss, nop, window_scale, nop, nop, sack_permitted}) &&
          o.window_scale == 8) ||
         (options_are(o, {mss, sack_permitted, timestamp, nop, window_scale}) &&
          o.window_scale == 7) ||
         (options_are(o, {mss, nop, window_scale, nop, nop, timestamp, sack_permitted, eol}) &&
          o.window_scale == 6);
}

// nmap's other TCP scans (scan_engine_raw.cc): -sF FIN, -sN no flags, -sX FIN|PSH|URG, -sA ACK,
// -sM FIN|ACK, all without options or payload, DF clear, a window of the SYN probe's set. The
// ACK and Maimon probes carry sequence number 0 (nmap-techniques.pcap): an established
// connection's bare ACK or FIN-ACK from an embedded stack has the same shape otherwise (a PLC's
// window-4096 ACKs in nDPI's s7comm-plus capture).
bool nmap_technique_probe(const decoded_packet& p) {
  constexpr uint8_t fin = tcp_flag::fin;
  constexpr uint8_t ack = tcp_flag::ack;
  const uint8_t f = p.tcp_flags;
  const bool without_ack = f == 0 || f == fin || f == (fin | tcp_flag::psh | tcp_flag::urg);
  const bool with_ack = (f == ack || f == (fin | ack)) && p.seq == 0;
  return (without_ack || with_ack) && p.options.count == 0 && p.payload_length == 0 &&
         !p.dont_fragment && nmap_window(p.window);
}

// What masscan's UDP template carries (src/templ-payloads.c, 1.3.2 and master): nothing on the
// ports its payload table has no probe for; "masscan-test" to echo, qotd and chargen; and
// probes whose first two bytes are the cookie (DNS and NetBIOS transaction IDs, memcached's
// request ID), which its IP ID then holds as it holds the TCP sequence number: ID = low 16
// bits of (destination ^ port ^ cookie). Its NTP and SNMP probes show neither.
bool masscan_udp_payload(const decoded_packet& p) {
  if (p.payload_length == 0) {
    return true;
  }
  if (p.payload_length == masscan_test_data && p.payload_head == masscan_test_head) {
    return true;
  }
  return p.payload_length >= 4 && p.ip_id == masscan_ip_id(p, p.payload_head >> 16);
}

// ZMap 4.x's ICMP echo module (src/probe_modules/module_icmp_echo.c): 20 data bytes of zeros
// by default, TTL 64 and DF clear (packet.c), its identifier and sequence number from the
// validation bits. Ping programs send a timestamp and a pattern, with DF set on Linux.
bool zmap4_echo(const decoded_packet& p) {
  return icmp_echo_request(p) && p.payload_length == zmap4_echo_data && p.payload_head == 0 &&
         !p.dont_fragment && initial_ttl(p.ttl) == 64;
}

// masscan's ping (--ping; src/templ-pkt.c, default_icmp_ping_template, 1.3.2 and master): an
// echo request at TTL 255 with DF clear and 48 data bytes counting up from 0x08 (each byte is
// its offset in the ICMP message; the rule reads the length and the first four); its
// identifier and sequence number carry the cookie. Ping programs send a timestamp first
// (Linux: 16 bytes, then 0x10, 0x11, ...), nmap -PE and hping3 -1 no data, ZMap 20 bytes.
bool masscan_ping(const decoded_packet& p) {
  return icmp_echo_request(p) && p.payload_length == masscan_ping_data &&
         p.payload_head == masscan_ping_head && !p.dont_fragment && initial_ttl(p.ttl) == 255;
}

}  // namespace

const char* scan_tool_name(scan_tool t) {
  return name_in(tool_names, static_cast<size_t>(t));
}

std::string scan_tool_names(size_t first, size_t end) {
  std::string names;
  for (size_t i = first; i < end && i < scan_tool_count; ++i) {
    names += (i > first ? ", " : "") + std::string(scan_tool_name(static_cast<scan_tool>(i)));
  }
  return names;
}

bool scan_tool_from_name(const char* name, size_t length, scan_tool& out) {
  return named_in(tool_names, std::string_view(name, length), out);
}

const char* ip_id_rule_name(ip_id_rule r) {
  static constexpr const char* names[] = {SCANSCOPE_IP_ID_RULES(SCANSCOPE_X_NAME)};
  return name_in(names, static_cast<size_t>(r), "other");
}

ip_id_rule classify_ip_id(const decoded_packet& p) {
  if (p.l3 != l3_kind::ipv4) {
    return ip_id_rule::other;
  }
  if (p.ip_id == zmap_ip_id) {
    return ip_id_rule::zmap;
  }
  if (p.l4 == l4_kind::tcp && p.has_ports && p.ip_id == masscan_ip_id(p)) {
    return ip_id_rule::masscan;
  }
  if (p.ip_id == 0) {
    return ip_id_rule::zero;
  }
  return ip_id_rule::other;
}

bool nmap_udp_shape(const decoded_packet& p) {
  return p.l3 == l3_kind::ipv4 && p.l4 == l4_kind::udp && p.result == parse_result::ok &&
         p.payload_length == 0 && !p.dont_fragment && p.ttl <= 64;
}

scan_tool identify_tool(const decoded_packet& p) {
  uint8_t doubts = 0;
  return identify_tool(p, doubts);
}

scan_tool identify_tool(const decoded_packet& p, uint8_t& doubts) {
  if (p.l3 != l3_kind::ipv4) {
    return scan_tool::none;
  }
  const bool tcp = p.l4 == l4_kind::tcp && p.result == parse_result::ok;
  const bool tcp_no_ack = tcp && (p.tcp_flags & tcp_flag::ack) == 0;
  const bool syn = tcp_no_ack && (p.tcp_flags & tcp_flag::syn);
  // Mirai (scanner.c): `tcph->seq = iph->daddr` on every SYN it sends.
  if (syn && p.seq == p.dst_v4) {
    return scan_tool::mirai;
  }
  const ip_id_rule id = classify_ip_id(p);
  // The relation itself: classify_ip_id() calls an ID of 54321 zmap first, and masscan's
  // relation gives 54321 too, once in 65,536 probes.
  if (tcp_no_ack && masscan_shape(p) &&
      kept(p.ip_id == masscan_ip_id(p), chance_rule::masscan, doubts)) {
    return scan_tool::masscan;
  }
  // masscan's UDP template (src/templ-pkt.c, default_udp_template, 1.3.2 and master): TTL 255,
  // DF clear, and what masscan_udp_payload() reads. ZMap 2's UDP probes carry ID 54321 (its
  // rule below), ZMap 4's start at TTL 64, nmap's and hping3's at 64 or below.
  if (p.l4 == l4_kind::udp && p.result == parse_result::ok && !p.dont_fragment &&
      initial_ttl(p.ttl) == 255 && id != ip_id_rule::zmap && masscan_udp_payload(p)) {
    return scan_tool::masscan;
  }
  if (masscan_ping(p)) {
    return scan_tool::masscan;
  }
  const tcp_options& o = p.options;
  // nmap's raw SYN probes (scan_engine_raw.cc) carry one option, MSS 1460, and a window
  // from 1024, 2048, 3072, 4096 (p0f's "NMap SYN scan" signatures).
  if (syn && o.count == 1 && o.has_mss && o.mss == nmap_mss && nmap_window(p.window)) {
    return scan_tool::nmap;
  }
  if (tcp && nmap_technique_probe(p)) {
    return scan_tool::nmap;
  }
  // ZMap never sets DF (packet.c: ip_off = 0); a DF datagram with ID 54321 is chance.
  if (!p.dont_fragment && (!tcp || (tcp_no_ack && p.window == zmap_window && at_most_mss(o))) &&
      kept(id == ip_id_rule::zmap, chance_rule::zmap_ip_id, doubts)) {
    return scan_tool::zmap;
  }
  if ((syn && zmap4_shape(p)) || zmap4_echo(p)) {
    return scan_tool::zmap;
  }
  // hping3 (sendtcp.c) sends no options, window 512 unless -w, and a random acknowledgment
  // number even when the ACK flag is clear; stacks and the scanners above leave it 0.
  if (syn && o.count == 0 && (p.window == hping3_window || p.ack != 0)) {
    return scan_tool::hping3;
  }
  return scan_tool::none;
}

}  // namespace scanscope
