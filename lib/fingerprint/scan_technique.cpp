#include "fingerprint/scan_technique.hpp"

namespace scanscope {

namespace {

constexpr const char* names[] = {SCANSCOPE_SCAN_TECHNIQUES(SCANSCOPE_X_NAME)};

constexpr uint8_t icmp_echo_request = 8;
constexpr uint8_t icmpv6_echo_request = 128;

}  // namespace

const char* scan_technique_name(scan_technique t) {
  return name_in(names, static_cast<size_t>(t));
}

bool scan_technique_from_name(std::string_view name, scan_technique& out) {
  return named_in(names, name, out);
}

scan_technique classify_technique(const decoded_packet& p) {
  switch (p.l4) {
    case l4_kind::tcp: {
      // A first fragment too short for the flags (RFC 1858's tiny fragment) tells nothing.
      if (!p.has_ports || p.result != parse_result::ok) {
        return scan_technique::other;
      }
      // URG and the ECN bits aside from XMAS's URG: ECN-capable SYNs are still SYNs.
      const uint8_t f = p.tcp_flags & (tcp_flag::fin | tcp_flag::syn | tcp_flag::rst |
                                       tcp_flag::psh | tcp_flag::ack | tcp_flag::urg);
      const uint8_t syn_ack = f & (tcp_flag::syn | tcp_flag::ack);
      if (syn_ack == tcp_flag::syn) {
        return scan_technique::syn;
      }
      if (syn_ack == (tcp_flag::syn | tcp_flag::ack)) {
        return scan_technique::synack;
      }
      if (f & tcp_flag::rst) {
        return scan_technique::rst;
      }
      if (f == 0) {
        return scan_technique::null;
      }
      if (f == tcp_flag::fin) {
        return scan_technique::fin;
      }
      if (f == (tcp_flag::fin | tcp_flag::psh | tcp_flag::urg)) {
        return scan_technique::xmas;
      }
      if (p.payload_length == 0 && f == tcp_flag::ack) {
        return scan_technique::ack;
      }
      if (p.payload_length == 0 && f == (tcp_flag::fin | tcp_flag::ack)) {
        return scan_technique::maimon;
      }
      return scan_technique::tcp_other;
    }
    case l4_kind::udp:
      return p.has_ports ? scan_technique::udp : scan_technique::other;
    case l4_kind::icmp:
      return p.icmp_type == icmp_echo_request ? scan_technique::icmp_echo
                                              : scan_technique::icmp_other;
    case l4_kind::icmpv6:
      return p.icmp_type == icmpv6_echo_request ? scan_technique::icmp_echo
                                                : scan_technique::icmp_other;
    default:
      return scan_technique::other;
  }
}

}  // namespace scanscope
