#include "fingerprint/probe_shape.hpp"

#include <cstring>

namespace scanscope {

namespace {

// The constants the tool rules compare with (scan_tool.cpp names each one's source).
constexpr uint16_t zmap_ip_id = 54321;
constexpr uint32_t masscan_test_head = 0x6D617373;  // "mass", of "masscan-test"
constexpr uint32_t masscan_ping_head = 0x08090A0B;

static_assert(static_cast<unsigned>(parse_result::truncated_icmp) < 32, "a result in 5 bits");
static_assert(static_cast<unsigned>(l4_kind::other) < 8, "a transport in 3 bits");
static_assert(tcp_options::max_kinds < 64, "an option count in 6 bits");

uint64_t bit(bool b, unsigned at) {
  return uint64_t{b} << at;
}

/** The relations between a TCP segment's varying fields that the rules test, one bit each. */
uint64_t tcp_relations(const decoded_packet& p) {
  return bit(p.ip_id == static_cast<uint16_t>(p.dst_v4 ^ p.dst_port ^ p.seq), 0) |
         bit(p.seq == p.dst_v4, 1) | bit(p.seq == 0, 2) | bit(p.ack != 0, 3);
}

/** What the UDP and ICMP rules read of a datagram's payload: its length, its first bytes and
 *  masscan's relation between its IP ID and the first two. */
uint64_t datagram_payload(const decoded_packet& p) {
  const uint32_t n = p.payload_length;
  const uint32_t head = p.payload_head;
  return bit(n == 12, 0) | bit(n == 20, 1) | bit(n == 48, 2) | bit(n >= 4, 3) | bit(head == 0, 4) |
         bit(head == masscan_test_head, 5) | bit(head == masscan_ping_head, 6) |
         bit(p.ip_id == static_cast<uint16_t>(p.dst_v4 ^ p.dst_port ^ (head >> 16)), 7);
}

}  // namespace

probe_shape shape_of(const decoded_packet& p) {
  probe_shape s;
  s.header = uint64_t{p.ttl} | (uint64_t{static_cast<uint8_t>(p.l3)} << 8) |
             (uint64_t{static_cast<uint8_t>(p.l4)} << 10) |
             (uint64_t{static_cast<uint8_t>(p.result)} << 13) | bit(p.dont_fragment, 18) |
             bit(p.has_ports, 19) | bit(p.payload_length == 0, 20) |
             bit(p.ip_id == zmap_ip_id, 21) | bit(p.ip_id == 0, 22);
  if (p.l4 != l4_kind::tcp) {
    // No rule reads a TCP field of a datagram (the parser leaves them 0).
    s.payload = (datagram_payload(p) << 8) | p.icmp_type | bit(p.icmp_code == 0, 16);
    return s;
  }
  // A segment's payload matters only as there or not (above).
  const tcp_options& o = p.options;
  s.header |= (uint64_t{p.window} << 24) | (uint64_t{p.tcp_flags} << 40) |
              (tcp_relations(p) << 48) | (uint64_t{o.count} << 52) | bit(o.has_mss, 58) |
              bit(o.has_window_scale, 59);
  // The kinds as sent, those past the count (not set by the parser) masked off; options_are()
  // reads a 9th.
  uint64_t kinds;
  std::memcpy(&kinds, o.kinds, sizeof kinds);
  s.options = o.count >= 8 ? kinds : kinds & ((uint64_t{1} << (8 * o.count)) - 1);
  const uint8_t ninth = o.count > 8 ? o.kinds[8] : uint8_t{0};
  s.payload = uint64_t{o.mss} | (uint64_t{o.window_scale} << 16) | (uint64_t{ninth} << 24);
  return s;
}

}  // namespace scanscope
