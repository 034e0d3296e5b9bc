#include "scenario/synthetic_packet.hpp"

#include <cstring>

namespace scanscope {
namespace {

constexpr uint16_t option_mss = 1460;

void put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

void put32(std::vector<uint8_t>& b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}

/** Option bytes of a layout; timestamps carry the send time in milliseconds. */
std::vector<uint8_t> option_bytes(const synthetic_packet& p) {
  std::vector<uint8_t> o;
  const auto mss = [&] {
    o.insert(o.end(), {2, 4});
    put16(o, option_mss);
  };
  switch (p.options) {
    case option_layout::none:
      break;
    case option_layout::mss:
      mss();
      break;
    case option_layout::linux:  // M S T N W
      mss();
      o.insert(o.end(), {4, 2, 8, 10});
      put32(o, static_cast<uint32_t>(p.time_ns / 1000000));
      put32(o, 0);
      o.insert(o.end(), {1, 3, 3, 7});
      break;
    case option_layout::windows:  // M N W N N S
      mss();
      o.insert(o.end(), {1, 3, 3, 8, 1, 1, 4, 2});
      break;
  }
  return o;
}

uint16_t fold(uint32_t sum) {
  while (sum >> 16) {
    sum = (sum & 0xFFFF) + (sum >> 16);
  }
  return static_cast<uint16_t>(~sum);
}

uint32_t add_words(const uint8_t* data, size_t length, uint32_t sum) {
  for (size_t i = 0; i + 1 < length; i += 2) {
    sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  }
  if (length & 1) {
    sum += static_cast<uint32_t>(data[length - 1] << 8);
  }
  return sum;
}

}  // namespace

void write_frame(const synthetic_packet& p, std::vector<uint8_t>& frame) {
  const std::vector<uint8_t> options = option_bytes(p);
  const size_t payload = p.payload ? p.payload->bytes.size() : 0;
  const size_t tcp_length = 20 + options.size() + payload;
  // Ethernet: locally administered addresses, IPv4.
  frame.insert(frame.end(), {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00});
  const size_t ip = frame.size();
  frame.insert(frame.end(), {0x45, 0});
  put16(frame, static_cast<uint16_t>(20 + tcp_length));
  put16(frame, p.ip_id);
  put16(frame, p.dont_fragment ? 0x4000 : 0);
  frame.insert(frame.end(), {p.ttl, 6, 0, 0});
  put32(frame, p.src);
  put32(frame, p.dst);
  const uint16_t ip_sum = fold(add_words(frame.data() + ip, 20, 0));
  frame[ip + 10] = static_cast<uint8_t>(ip_sum >> 8);
  frame[ip + 11] = static_cast<uint8_t>(ip_sum);

  const size_t tcp = frame.size();
  put16(frame, p.src_port);
  put16(frame, p.dst_port);
  put32(frame, p.seq);
  put32(frame, p.ack);
  frame.push_back(static_cast<uint8_t>((20 + options.size()) / 4 << 4));
  frame.push_back(p.tcp_flags);
  put16(frame, p.window);
  frame.insert(frame.end(), {0, 0, 0, 0});  // checksum, urgent pointer
  frame.insert(frame.end(), options.begin(), options.end());
  if (p.payload) {
    frame.insert(frame.end(), p.payload->bytes.begin(), p.payload->bytes.end());
  }
  // Pseudo-header: addresses, protocol, TCP length.
  uint32_t sum = add_words(frame.data() + ip + 12, 8, 6 + static_cast<uint32_t>(tcp_length));
  const uint16_t tcp_sum = fold(add_words(frame.data() + tcp, tcp_length, sum));
  frame[tcp + 16] = static_cast<uint8_t>(tcp_sum >> 8);
  frame[tcp + 17] = static_cast<uint8_t>(tcp_sum);
}

decoded_packet intended_headers(const synthetic_packet& p) {
  decoded_packet d;
  std::memset(&d, 0, sizeof d);
  d.result = parse_result::ok;
  d.l3 = l3_kind::ipv4;
  d.l4 = l4_kind::tcp;
  d.ether_type = 0x0800;
  d.ip_proto = 6;
  d.ttl = p.ttl;
  d.dont_fragment = p.dont_fragment;
  d.has_ports = true;
  d.ip_id = p.ip_id;
  d.src_v4 = p.src;
  d.dst_v4 = p.dst;
  for (int i = 0; i < 4; ++i) {
    d.src_addr[i] = static_cast<uint8_t>(p.src >> (24 - 8 * i));
    d.dst_addr[i] = static_cast<uint8_t>(p.dst >> (24 - 8 * i));
  }
  d.src_port = p.src_port;
  d.dst_port = p.dst_port;
  d.tcp_flags = p.tcp_flags;
  d.window = p.window;
  d.seq = p.seq;
  d.ack = p.ack;
  d.payload_length = p.payload ? static_cast<uint32_t>(p.payload->bytes.size()) : 0;
  tcp_options& o = d.options;
  auto kinds = [&](std::initializer_list<uint8_t> list) {
    for (uint8_t k : list) {
      o.kinds[o.count++] = k;
    }
  };
  using namespace tcp_option_kind;
  switch (p.options) {
    case option_layout::none:
      break;
    case option_layout::mss:
      kinds({mss});
      break;
    case option_layout::linux:
      kinds({mss, sack_permitted, timestamp, nop, window_scale});
      o.sack_permitted = o.has_timestamp = o.has_window_scale = true;
      o.window_scale = 7;
      o.ts_value = static_cast<uint32_t>(p.time_ns / 1000000);
      break;
    case option_layout::windows:
      kinds({mss, nop, window_scale, nop, nop, sack_permitted});
      o.sack_permitted = o.has_window_scale = true;
      o.window_scale = 8;
      break;
  }
  if (p.options != option_layout::none) {
    o.has_mss = true;
    o.mss = option_mss;
  }
  return d;
}

}  // namespace scanscope
