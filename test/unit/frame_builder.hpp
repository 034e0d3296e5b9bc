#pragma once
// Hand-built frames for the parser tests. Each builder writes the header fields as the RFCs lay
// them out, independent of the parser, and fills length fields from what follows.

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace scanscope::test {

using bytes = std::vector<uint8_t>;

inline void put16(bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

inline void put32(bytes& b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}

inline void set16(bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

inline bytes operator+(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/** Ethernet header with optional VLAN tags (TPID, VLAN id) and the final EtherType. */
inline bytes ethernet(uint16_t ethertype,
                      std::initializer_list<std::pair<uint16_t, uint16_t>> tags = {}) {
  bytes b = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
  for (const auto& [tpid, vid] : tags) {
    put16(b, tpid);
    put16(b, vid);
  }
  put16(b, ethertype);
  return b;
}

struct ipv4_fields {
  uint8_t proto = 6;
  uint32_t src = 0xC6336401;  // 198.51.100.1
  uint32_t dst = 0xCB007102;  // 203.0.113.2
  uint8_t ttl = 64;
  uint16_t id = 0x1234;
  bool dont_fragment = false;
  bool more_fragments = false;
  uint16_t fragment_offset = 0;  // in 8-byte units
  bytes options;                 // multiple of 4 bytes
};

/** IPv4 header followed by `payload`; total length and IHL computed. */
inline bytes ipv4(const ipv4_fields& f, const bytes& payload) {
  bytes b;
  const size_t header = 20 + f.options.size();
  b.push_back(static_cast<uint8_t>(0x40 | (header / 4)));
  b.push_back(0);
  put16(b, static_cast<uint16_t>(header + payload.size()));
  put16(b, f.id);
  put16(b, static_cast<uint16_t>((f.dont_fragment ? 0x4000 : 0) | (f.more_fragments ? 0x2000 : 0) |
                                 f.fragment_offset));
  b.push_back(f.ttl);
  b.push_back(f.proto);
  put16(b, 0);  // checksum: the parser does not verify it
  put32(b, f.src);
  put32(b, f.dst);
  b.insert(b.end(), f.options.begin(), f.options.end());
  return b + payload;
}

/** An IPv6 extension header of the common (next, length in 8-byte units) shape. */
inline bytes ipv6_extension(uint8_t next, size_t units_of_8 = 1) {
  bytes b(units_of_8 * 8, 0);
  b[0] = next;
  b[1] = static_cast<uint8_t>(units_of_8 - 1);
  return b;
}

/** IPv6 fragment header. */
inline bytes ipv6_fragment(uint8_t next, uint16_t offset_units, bool more) {
  bytes b = {next, 0};
  put16(b, static_cast<uint16_t>((offset_units << 3) | (more ? 1 : 0)));
  put32(b, 0xABCD);
  return b;
}

/** IPv6 header (src 2001:db8::1, dst 2001:db8::2) followed by `payload`. */
inline bytes ipv6(uint8_t next, const bytes& payload, uint8_t hop_limit = 64) {
  bytes b = {0x60, 0, 0, 0};
  put16(b, static_cast<uint16_t>(payload.size()));
  b.push_back(next);
  b.push_back(hop_limit);
  for (uint8_t last : {uint8_t{1}, uint8_t{2}}) {
    bytes addr = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last};
    b.insert(b.end(), addr.begin(), addr.end());
  }
  return b + payload;
}

struct tcp_fields {
  uint16_t src_port = 40000;
  uint16_t dst_port = 8545;
  uint32_t seq = 0x01020304;
  uint32_t ack = 0;
  uint8_t flags = 0x02;
  uint16_t window = 1024;
  bytes options;  // padded by the caller to a multiple of 4
};

/** TCP header followed by `payload`; data offset computed. */
inline bytes tcp(const tcp_fields& f, const bytes& payload = {}) {
  bytes b;
  put16(b, f.src_port);
  put16(b, f.dst_port);
  put32(b, f.seq);
  put32(b, f.ack);
  b.push_back(static_cast<uint8_t>(((20 + f.options.size()) / 4) << 4));
  b.push_back(f.flags);
  put16(b, f.window);
  put16(b, 0);  // checksum
  put16(b, 0);  // urgent pointer
  b.insert(b.end(), f.options.begin(), f.options.end());
  return b + payload;
}

/** UDP header followed by `payload`; length computed. */
inline bytes udp(uint16_t src_port, uint16_t dst_port, const bytes& payload = {}) {
  bytes b;
  put16(b, src_port);
  put16(b, dst_port);
  put16(b, static_cast<uint16_t>(8 + payload.size()));
  put16(b, 0);
  return b + payload;
}

/** ICMP or ICMPv6 echo-style header followed by `payload`. */
inline bytes icmp(uint8_t type, uint8_t code, const bytes& payload = {}) {
  bytes b = {type, code, 0, 0, 0, 1, 0, 1};
  return b + payload;
}

/** Linux's SYN options: MSS 1460, SACK permitted, timestamps, NOP, window scale 7. */
inline bytes linux_syn_options() {
  return {2, 4, 0x05, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
}

}  // namespace scanscope::test
