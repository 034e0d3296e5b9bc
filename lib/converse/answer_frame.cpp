#include "converse/answer_frame.hpp"

#include <cstring>

namespace scanscope {

namespace {

constexpr uint16_t ether_ipv4 = 0x0800;
constexpr uint16_t ether_ipv6 = 0x86DD;
constexpr uint8_t default_ttl = 64;

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

void put32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

uint16_t fold(uint32_t sum) {
  while (sum >> 16) {
    sum = (sum & 0xFFFF) + (sum >> 16);
  }
  return static_cast<uint16_t>(sum);
}

/** TCP header (with the MSS option when asked) at `tcp`; its length. */
size_t write_tcp(uint8_t* tcp, const decoded_packet& p, const answer_segment& a) {
  const size_t length = a.mss != 0 ? 24 : 20;
  put16(tcp, p.dst_port);
  put16(tcp + 2, p.src_port);
  put32(tcp + 4, a.seq);
  put32(tcp + 8, (a.flags & tcp_flag::ack) ? a.ack : 0);
  tcp[12] = static_cast<uint8_t>((length / 4) << 4);
  tcp[13] = a.flags;
  put16(tcp + 14, a.window);
  put16(tcp + 16, 0);  // checksum, below
  put16(tcp + 18, 0);
  if (a.mss != 0) {
    tcp[20] = tcp_option_kind::mss;
    tcp[21] = 4;
    put16(tcp + 22, a.mss);
  }
  if (a.data_length != 0) {
    std::memcpy(tcp + length, a.data, a.data_length);
  }
  return length + a.data_length;
}

}  // namespace

uint32_t ones_complement_sum(const uint8_t* data, size_t length, uint32_t initial) {
  uint64_t sum = initial;
  size_t i = 0;
  for (; i + 1 < length; i += 2) {
    sum += static_cast<uint32_t>(data[i]) << 8 | data[i + 1];
  }
  if (i < length) {
    sum += static_cast<uint32_t>(data[i]) << 8;
  }
  while (sum >> 16) {
    sum = (sum & 0xFFFF) + (sum >> 16);
  }
  return static_cast<uint32_t>(sum);
}

size_t build_answer(const uint8_t* frame, const decoded_packet& p, const answer_segment& a,
                    uint8_t* out) {
  if (p.l4 != l4_kind::tcp || p.l3_offset < 14 || p.l3_offset > 22 ||
      a.data_length > max_segment_data) {
    return 0;
  }
  // Link header: the received one with the MAC addresses swapped (VLAN tags kept).
  std::memcpy(out, frame, p.l3_offset);
  std::memcpy(out, frame + 6, 6);
  std::memcpy(out + 6, frame, 6);
  uint8_t* ip = out + p.l3_offset;
  if (p.l3 == l3_kind::ipv4) {
    uint8_t* tcp = ip + 20;
    const size_t tcp_length = write_tcp(tcp, p, a);
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, static_cast<uint16_t>(20 + tcp_length));
    put16(ip + 4, 0);       // identification: 0 with DF, as Linux answers a SYN
    put16(ip + 6, 0x4000);  // DF
    ip[8] = default_ttl;
    ip[9] = 6;
    put16(ip + 10, 0);
    std::memcpy(ip + 12, p.dst_addr, 4);
    std::memcpy(ip + 16, p.src_addr, 4);
    put16(ip + 10, static_cast<uint16_t>(~fold(ones_complement_sum(ip, 20))));
    uint8_t pseudo[12];
    std::memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put16(pseudo + 10, static_cast<uint16_t>(tcp_length));
    const uint32_t sum = ones_complement_sum(tcp, tcp_length, ones_complement_sum(pseudo, 12));
    put16(tcp + 16, static_cast<uint16_t>(~fold(sum)));
    put16(out + p.l3_offset - 2, ether_ipv4);
    return p.l3_offset + 20 + tcp_length;
  }
  if (p.l3 == l3_kind::ipv6) {
    uint8_t* tcp = ip + 40;
    const size_t tcp_length = write_tcp(tcp, p, a);
    put32(ip, 0x60000000);
    put16(ip + 4, static_cast<uint16_t>(tcp_length));
    ip[6] = 6;
    ip[7] = default_ttl;
    std::memcpy(ip + 8, p.dst_addr, 16);
    std::memcpy(ip + 24, p.src_addr, 16);
    uint8_t pseudo[40];
    std::memcpy(pseudo, ip + 8, 32);
    put32(pseudo + 32, static_cast<uint32_t>(tcp_length));
    put32(pseudo + 36, 6);
    const uint32_t sum = ones_complement_sum(tcp, tcp_length, ones_complement_sum(pseudo, 40));
    put16(tcp + 16, static_cast<uint16_t>(~fold(sum)));
    put16(out + p.l3_offset - 2, ether_ipv6);
    return p.l3_offset + 40 + tcp_length;
  }
  return 0;
}

}  // namespace scanscope
