#pragma once
/**
 * @file
 * A probe's shape: every header field, and every relation between fields, that the built-in
 * tool rules (identify_tool) and the fingerprint key (make_fingerprint_key) read, packed
 * exactly into 24 bytes. Two packets of one shape get the same tool, the same chance-rule
 * doubts and the same fingerprint key, so a source whose probe repeats its last shape can take
 * the last answer with one comparison instead of running the rules again (shape_memo).
 *
 * What varies from probe to probe of one scan (addresses, ports, sequence number, IP ID,
 * checksums, a TCP timestamp's values) is not in the shape; only the relations the rules test
 * between them are, as bits (masscan's IP ID, Mirai's sequence number, ZMap's ID). A field
 * added to a rule must be added here: test_probe_shape.cpp mutates every header byte of every
 * test capture and fails when two packets of one shape get different answers.
 */

#include <cstdint>
#include <cstring>

#include "fingerprint/scan_tool.hpp"
#include "packet/decoded_packet.hpp"

namespace scanscope {

struct probe_shape {
  /** exact TTL, layers, parse result, DF, ports, a payload or not, the IP ID's values the
   *  rules name; a segment's window, flags, relations and option count */
  uint64_t header = 0;
  /** the first 8 TCP option kinds, as sent */
  uint64_t options = 0;
  /** a segment's MSS and window scale; a datagram's ICMP type and code and
   *  what the rules read of its payload. Bits 0-47 (shape_memo keeps its own above). */
  uint64_t payload = 0;

  bool operator==(const probe_shape& o) const {
    // One branch: the three words compared together.
    return ((header ^ o.header) | (options ^ o.options) | (payload ^ o.payload)) == 0;
  }
  bool operator!=(const probe_shape& o) const { return !(*this == o); }
};

namespace shape_detail {

static_assert(static_cast<unsigned>(parse_result::truncated_icmp) < 32, "a result in 5 bits");
static_assert(static_cast<unsigned>(l4_kind::other) < 8, "a transport in 3 bits");
static_assert(tcp_options::max_kinds < 64, "an option count in 6 bits");

inline uint64_t bit(bool b, unsigned at) {
  return uint64_t{b} << at;
}

/** The relations between a TCP segment's varying fields that the rules test, one bit each. */
inline uint64_t tcp_relations(const decoded_packet& p) {
  return bit(p.ip_id == masscan_ip_id(p, p.seq), 0) | bit(p.seq == p.dst_v4, 1) |
         bit(p.seq == 0, 2) | bit(p.ack != 0, 3);
}

/** What the UDP and ICMP rules read of a datagram's payload: its length, its first bytes and
 *  masscan's relation between its IP ID and the first two (the values: tool_marks). */
inline uint64_t datagram_payload(const decoded_packet& p) {
  using namespace tool_marks;
  const uint32_t n = p.payload_length;
  const uint32_t head = p.payload_head;
  return bit(n == masscan_test_data, 0) | bit(n == zmap4_echo_data, 1) |
         bit(n == masscan_ping_data, 2) | bit(n >= 4, 3) | bit(head == 0, 4) |
         bit(head == masscan_test_head, 5) | bit(head == masscan_ping_head, 6) |
         bit(p.ip_id == masscan_ip_id(p, head >> 16), 7);
}

}  // namespace shape_detail

/** The shape of a parsed packet (any parse result; fields the parser left unset read as 0).
 *  Inline: it runs on every scan packet, and its three words stay in registers. */
inline probe_shape shape_of(const decoded_packet& p) {
  using namespace shape_detail;
  probe_shape s;
  s.header = uint64_t{p.ttl} | (uint64_t{static_cast<uint8_t>(p.l3)} << 8) |
             (uint64_t{static_cast<uint8_t>(p.l4)} << 10) |
             (uint64_t{static_cast<uint8_t>(p.result)} << 13) | bit(p.dont_fragment, 18) |
             bit(p.has_ports, 19) | bit(p.payload_length == 0, 20) |
             bit(p.ip_id == tool_marks::zmap_ip_id, 21) | bit(p.ip_id == 0, 22);
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
  // The first 8 kinds as sent (no rule reads a 9th; the count says how many there are). The
  // parser sets only the first `count`: the bytes past it are loaded with the rest, masked off.
  uint64_t kinds;
  std::memcpy(&kinds, o.kinds, sizeof kinds);
  s.options = o.count >= 8 ? kinds : kinds & ((uint64_t{1} << (8 * o.count)) - 1);
  s.payload = uint64_t{o.mss} | (uint64_t{o.window_scale} << 16);
  return s;
}

/**
 * A source's last shape and what the rules made of it: the tool, the chance-rule doubts after
 * it (fingerprint/scan_tool.hpp) and the fingerprint key's hash. A pure cache: the answer
 * depends only on the shape and the doubts before it, so a memo left by an earlier source at
 * the same table position is still right, and an empty one never matches.
 */
class shape_memo {
 public:
  /** Does the packet of shape `s`, from a source with chance-rule `doubts`, repeat it? */
  bool matches(const probe_shape& s, uint8_t doubts) const {
    return ((s.header ^ header_) | (s.options ^ options_) |
            ((tagged(s, doubts) ^ payload_) & compared)) == 0;
  }
  /** Remember what the rules made of a shape. */
  void remember(const probe_shape& s, uint8_t doubts_in, uint8_t tool, uint8_t doubts_out,
                uint64_t key_hash) {
    header_ = s.header;
    options_ = s.options;
    payload_ = tagged(s, doubts_in) | (uint64_t{doubts_out} << doubts_out_at) |
               (uint64_t{tool} << tool_at);
    key_hash_ = key_hash;
  }
  uint8_t tool() const { return static_cast<uint8_t>(payload_ >> tool_at); }
  uint8_t doubts_out() const { return static_cast<uint8_t>((payload_ >> doubts_out_at) & 3); }
  uint64_t key_hash() const { return key_hash_; }

 private:
  // Above the shape's payload bits: the doubts before (compared), a bit set once a shape is
  // held (compared: an empty memo has it clear), the doubts after and the tool (answers).
  static constexpr unsigned doubts_in_at = 48;
  static constexpr unsigned held_at = 50;
  static constexpr unsigned doubts_out_at = 52;
  static constexpr unsigned tool_at = 56;
  static constexpr uint64_t compared = (uint64_t{1} << (held_at + 1)) - 1;

  static uint64_t tagged(const probe_shape& s, uint8_t doubts) {
    return s.payload | (uint64_t{doubts & 3u} << doubts_in_at) | (uint64_t{1} << held_at);
  }

  uint64_t header_ = 0;
  uint64_t options_ = 0;
  uint64_t payload_ = 0; /**< the shape's payload word, the tags above it */
  uint64_t key_hash_ = 0;
};
static_assert(sizeof(shape_memo) == 32, "half a cache line, beside the repeat record");

}  // namespace scanscope
