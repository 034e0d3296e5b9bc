#include "packet/parser.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "packet/wire.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace scanscope {

namespace {

// 802.1Q and 802.1ad tag protocol IDs (0x9100: the pre-standard QinQ some switches still send).
constexpr uint16_t tpid_vlan = 0x8100;
constexpr uint16_t tpid_qinq = 0x88A8;
constexpr uint16_t tpid_qinq_legacy = 0x9100;
constexpr size_t ethernet_header_length = 14;
constexpr size_t vlan_tag_length = 4;
constexpr size_t max_vlan_tags = 2;
constexpr size_t ipv4_min_header_length = 20;
constexpr size_t ipv6_header_length = 40;
constexpr size_t tcp_min_header_length = 20;
constexpr size_t udp_header_length = 8;
constexpr size_t icmp_min_header_length = 4;
constexpr size_t icmp_echo_header_length = 8;
// Real stacks send at most a handful; a longer chain is either an attack on parsers or garbage.
constexpr int max_ipv6_extensions = 8;

constexpr uint8_t proto_icmp = 1;
constexpr uint8_t proto_tcp = 6;
constexpr uint8_t proto_udp = 17;
constexpr uint8_t proto_icmpv6 = 58;
constexpr uint8_t ipv6_hop_by_hop = 0;
constexpr uint8_t ipv6_routing = 43;
constexpr uint8_t ipv6_fragment = 44;
constexpr uint8_t ipv6_auth = 51;
constexpr uint8_t ipv6_dest_options = 60;
constexpr uint8_t ipv6_mobility = 135;
constexpr uint8_t ipv6_hip = 139;
constexpr uint8_t ipv6_shim6 = 140;

/** Bounds of the transport segment: what was captured, and what the IP header says. */
struct segment {
  size_t begin;         // offset of the transport header
  size_t captured_end;  // end of the IP payload within the captured bytes
  size_t stated_end;    // end of the IP payload as the IP header states it
  bool first_fragment;  // the datagram continues in later fragments
};

l4_kind classify_transport(uint8_t proto, l3_kind l3) {
  switch (proto) {
    case proto_tcp:
      return l4_kind::tcp;
    case proto_udp:
      return l4_kind::udp;
    case proto_icmp:
      return l3 == l3_kind::ipv4 ? l4_kind::icmp : l4_kind::other;
    case proto_icmpv6:
      return l3 == l3_kind::ipv6 ? l4_kind::icmpv6 : l4_kind::other;
    default:
      return l4_kind::other;
  }
}

parse_result parse_tcp_options(const uint8_t* f, size_t begin, size_t end, tcp_options& o) {
  size_t i = begin;
  while (i < end) {
    const uint8_t kind = f[i];
    if (o.count < tcp_options::max_kinds) {
      o.kinds[o.count++] = kind;
    }
    if (kind == tcp_option_kind::eol) {
      break;
    }
    if (kind == tcp_option_kind::nop) {
      ++i;
      continue;
    }
    if (i + 1 >= end) {
      return parse_result::bad_tcp_option;
    }
    const uint8_t len = f[i + 1];
    if (len < 2 || i + len > end) {
      return parse_result::bad_tcp_option;
    }
    switch (kind) {
      case tcp_option_kind::mss:
        if (len != 4) {
          return parse_result::bad_tcp_option;
        }
        o.has_mss = true;
        o.mss = load_be16(f + i + 2);
        break;
      case tcp_option_kind::window_scale:
        if (len != 3) {
          return parse_result::bad_tcp_option;
        }
        o.has_window_scale = true;
        o.window_scale = f[i + 2];
        break;
      case tcp_option_kind::sack_permitted:
        if (len != 2) {
          return parse_result::bad_tcp_option;
        }
        o.sack_permitted = true;
        break;
      case tcp_option_kind::timestamp:
        if (len != 10) {
          return parse_result::bad_tcp_option;
        }
        o.has_timestamp = true;
        o.ts_value = load_be32(f + i + 2);
        o.ts_echo = load_be32(f + i + 6);
        break;
      default:
        break;
    }
    i += len;
  }
  return parse_result::ok;
}

parse_result parse_tcp(const uint8_t* f, const segment& s, decoded_packet& out) {
  const size_t off = s.begin;
  if (off + 4 <= s.captured_end) {
    out.src_port = load_be16(f + off);
    out.dst_port = load_be16(f + off + 2);
    out.has_ports = true;
  }
  if (off + tcp_min_header_length > s.captured_end) {
    return parse_result::truncated_tcp;
  }
  const uint8_t* t = f + off;
  out.seq = load_be32(t + 4);
  out.ack = load_be32(t + 8);
  out.tcp_flags = t[13];
  out.window = load_be16(t + 14);
  out.urgent = load_be16(t + 18);
  const size_t header_length = static_cast<size_t>(t[12] >> 4) * 4;
  if (header_length < tcp_min_header_length) {
    return parse_result::bad_tcp_data_offset;
  }
  if (off + header_length > s.stated_end) {
    return s.first_fragment ? parse_result::tiny_first_fragment : parse_result::bad_tcp_data_offset;
  }
  if (off + header_length > s.captured_end) {
    return parse_result::truncated_tcp;
  }
  const parse_result r =
      parse_tcp_options(f, off + tcp_min_header_length, off + header_length, out.options);
  out.payload_offset = static_cast<uint32_t>(off + header_length);
  out.payload_length = static_cast<uint32_t>(s.captured_end - (off + header_length));
  return r;
}

parse_result parse_udp(const uint8_t* f, const segment& s, decoded_packet& out) {
  const size_t off = s.begin;
  if (off + 4 <= s.captured_end) {
    out.src_port = load_be16(f + off);
    out.dst_port = load_be16(f + off + 2);
    out.has_ports = true;
  }
  if (off + udp_header_length > s.captured_end) {
    return parse_result::truncated_udp;
  }
  const size_t udp_length = load_be16(f + off + 4);
  // A first fragment carries only part of the datagram the UDP length covers.
  if (udp_length < udp_header_length || (!s.first_fragment && off + udp_length > s.stated_end)) {
    return parse_result::bad_udp_length;
  }
  const size_t end = off + udp_length < s.captured_end ? off + udp_length : s.captured_end;
  out.payload_offset = static_cast<uint32_t>(off + udp_header_length);
  out.payload_length = static_cast<uint32_t>(end - (off + udp_header_length));
  if (out.payload_length >= 4) {
    out.payload_head = load_be32(f + out.payload_offset);
  }
  return parse_result::ok;
}

parse_result parse_icmp(const uint8_t* f, const segment& s, decoded_packet& out) {
  const size_t off = s.begin;
  if (off + icmp_min_header_length > s.captured_end) {
    return parse_result::truncated_icmp;
  }
  out.icmp_type = f[off];
  out.icmp_code = f[off + 1];
  // Echo and most other messages carry 4 more header bytes (identifier/sequence, pointer, ...).
  const size_t header_length = off + icmp_echo_header_length <= s.captured_end
                                   ? icmp_echo_header_length
                                   : icmp_min_header_length;
  out.payload_offset = static_cast<uint32_t>(off + header_length);
  out.payload_length = static_cast<uint32_t>(s.captured_end - (off + header_length));
  if (out.payload_length >= 4) {
    out.payload_head = load_be32(f + out.payload_offset);
  }
  return parse_result::ok;
}

parse_result parse_transport_header(const uint8_t* f, const segment& s, decoded_packet& out) {
  switch (out.l4) {
    case l4_kind::tcp:
      return parse_tcp(f, s, out);
    case l4_kind::udp:
      return parse_udp(f, s, out);
    case l4_kind::icmp:
    case l4_kind::icmpv6:
      return parse_icmp(f, s, out);
    default:
      out.payload_offset = static_cast<uint32_t>(s.begin);
      out.payload_length = static_cast<uint32_t>(s.captured_end - s.begin);
      return parse_result::ok;
  }
}

bool is_truncation(parse_result r) {
  return r == parse_result::truncated_tcp || r == parse_result::truncated_udp ||
         r == parse_result::truncated_icmp;
}

parse_result parse_transport(const uint8_t* f, const segment& s, decoded_packet& out) {
  out.l4_offset = static_cast<uint16_t>(s.begin);
  out.l4 = classify_transport(out.ip_proto, out.l3);
  const parse_result r = parse_transport_header(f, s, out);
  // A first fragment that ends inside the transport header was sent that way (a tiny-fragment
  // evasion), unless the capture cut it short.
  if (s.first_fragment && is_truncation(r) && s.captured_end == s.stated_end) {
    return parse_result::tiny_first_fragment;
  }
  return r;
}

parse_result parse_ipv4(const uint8_t* f, size_t off, size_t length, size_t wire_length,
                        decoded_packet& out) {
  out.l3_offset = static_cast<uint16_t>(off);
  if (off + ipv4_min_header_length > length) {
    return parse_result::truncated_ipv4;
  }
  const uint8_t* ip = f + off;
  if ((ip[0] >> 4) != 4) {
    return parse_result::bad_ipv4_version;
  }
  const size_t header_length = static_cast<size_t>(ip[0] & 0x0F) * 4;
  if (header_length < ipv4_min_header_length) {
    return parse_result::bad_ipv4_header_length;
  }
  if (off + header_length > length) {
    return parse_result::truncated_ipv4;
  }
  out.l3 = l3_kind::ipv4;
  out.tos = ip[1];
  out.ip_id = load_be16(ip + 4);
  const uint16_t flags_fragment = load_be16(ip + 6);
  out.ttl = ip[8];
  out.ip_proto = ip[9];
  out.src_v4 = load_be32(ip + 12);
  out.dst_v4 = load_be32(ip + 16);
  std::memcpy(out.src_addr, ip + 12, 4);
  std::memcpy(out.dst_addr, ip + 16, 4);
  out.ip_options_length = static_cast<uint16_t>(header_length - ipv4_min_header_length);
  out.dont_fragment = (flags_fragment & 0x4000) != 0;

  // A sender with TCP segmentation offload hands the capture point frames whose total length
  // is 0 (the NIC fills it in later): as tshark does, take the length from the frame.
  const size_t stated_length = load_be16(ip + 2);
  const size_t total_length =
      stated_length == 0 ? std::min<size_t>(wire_length - off, 0xFFFF) : stated_length;
  if (total_length < header_length || off + total_length > wire_length) {
    return parse_result::bad_ipv4_total_length;
  }
  const bool more_fragments = (flags_fragment & 0x2000) != 0;
  const uint16_t fragment_offset = flags_fragment & 0x1FFF;
  if (fragment_offset != 0) {
    out.l4 = classify_transport(out.ip_proto, out.l3);
    return parse_result::ipv4_later_fragment;
  }
  out.first_fragment = more_fragments;
  const size_t stated_end = off + total_length;
  const segment s{off + header_length, stated_end < length ? stated_end : length, stated_end,
                  more_fragments};
  return parse_transport(f, s, out);
}

bool is_ipv6_extension(uint8_t next) {
  switch (next) {
    case ipv6_hop_by_hop:
    case ipv6_routing:
    case ipv6_fragment:
    case ipv6_auth:
    case ipv6_dest_options:
    case ipv6_mobility:
    case ipv6_hip:
    case ipv6_shim6:
      return true;
    default:
      return false;
  }
}

parse_result parse_ipv6(const uint8_t* f, size_t off, size_t length, size_t wire_length,
                        decoded_packet& out) {
  out.l3_offset = static_cast<uint16_t>(off);
  if (off + ipv6_header_length > length) {
    return parse_result::truncated_ipv6;
  }
  const uint8_t* ip = f + off;
  if ((ip[0] >> 4) != 6) {
    return parse_result::bad_ipv6_version;
  }
  out.l3 = l3_kind::ipv6;
  out.tos = static_cast<uint8_t>((load_be16(ip) >> 4) & 0xFF);
  out.ttl = ip[7];
  std::memcpy(out.src_addr, ip + 8, 16);
  std::memcpy(out.dst_addr, ip + 24, 16);
  const size_t payload_length = load_be16(ip + 4);
  // A zero payload length means a jumbogram (RFC 2675): the frame bounds the payload.
  const size_t stated_end =
      payload_length == 0 ? wire_length : off + ipv6_header_length + payload_length;
  if (stated_end > wire_length) {
    return parse_result::bad_ipv6_payload_length;
  }
  const size_t captured_end = stated_end < length ? stated_end : length;

  uint8_t next = ip[6];
  size_t pos = off + ipv6_header_length;
  for (int n = 0; is_ipv6_extension(next); ++n) {
    if (n == max_ipv6_extensions) {
      return parse_result::too_many_ipv6_extensions;
    }
    if (pos + 8 > captured_end) {
      return parse_result::truncated_ipv6_extension;
    }
    const uint8_t* ext = f + pos;
    size_t ext_length;
    if (next == ipv6_fragment) {
      ext_length = 8;
      const uint16_t offset_flags = load_be16(ext + 2);
      if ((offset_flags >> 3) != 0) {
        out.ip_proto = ext[0];
        out.l4 = classify_transport(out.ip_proto, out.l3);
        return parse_result::ipv6_later_fragment;
      }
      out.first_fragment = (offset_flags & 1) != 0;
    } else if (next == ipv6_auth) {
      ext_length = (size_t{ext[1]} + 2) * 4;
    } else {
      ext_length = (size_t{ext[1]} + 1) * 8;
    }
    if (pos + ext_length > captured_end) {
      return parse_result::truncated_ipv6_extension;
    }
    next = ext[0];
    pos += ext_length;
  }
  out.ip_proto = next;
  return parse_transport(f, segment{pos, captured_end, stated_end, out.first_fragment}, out);
}

/**
 * Zero the packet except the option kinds. A plain `out = decoded_packet{}` compiles to
 * `rep stos`, which cost about 40 of the parser's 60 cycles per SYN; a few vector stores do
 * the same in a handful.
 */
#if defined(__SSE2__)
template <size_t... I>
inline void store_zero_chunks(unsigned char* bytes, std::index_sequence<I...>) {
  const __m128i zero = _mm_setzero_si128();
  (_mm_storeu_si128(reinterpret_cast<__m128i*>(bytes + I * 16), zero), ...);
}
#endif

inline void clear(decoded_packet& out) {
  constexpr size_t chunk = 16;
  constexpr size_t chunks = (decoded_packet_cleared_bytes + chunk - 1) / chunk;
  static_assert(chunks * chunk <= sizeof(decoded_packet), "clearing stays inside the struct");
  auto* bytes = reinterpret_cast<unsigned char*>(&out);
#if defined(__SSE2__)
  // Straight-line stores: a loop here is turned back into memset (and rep stos) by GCC.
  store_zero_chunks(bytes, std::make_index_sequence<chunks>{});
#else
  std::memset(bytes, 0, chunks * chunk);
#endif
}

}  // namespace

parse_result parse_frame(const uint8_t* frame, size_t length, size_t wire_length,
                         decoded_packet& out) {
  clear(out);
  if (wire_length < length) {
    wire_length = length;
  }
  out.result = [&] {
    if (length < ethernet_header_length) {
      return parse_result::truncated_ethernet;
    }
    size_t off = ethernet_header_length;
    uint16_t type = load_be16(frame + 12);
    while (type == tpid_vlan || type == tpid_qinq || type == tpid_qinq_legacy) {
      if (out.vlan_count == max_vlan_tags) {
        return parse_result::too_many_vlan_tags;
      }
      if (off + vlan_tag_length > length) {
        return parse_result::truncated_vlan;
      }
      if (out.vlan_count == 0) {
        out.vlan_id = load_be16(frame + off) & 0x0FFF;
      }
      type = load_be16(frame + off + 2);
      off += vlan_tag_length;
      ++out.vlan_count;
    }
    out.ether_type = type;
    if (type == ethertype::ipv4) {
      return parse_ipv4(frame, off, length, wire_length, out);
    }
    if (type == ethertype::ipv6) {
      return parse_ipv6(frame, off, length, wire_length, out);
    }
    return parse_result::non_ip;
  }();
  return out.result;
}

}  // namespace scanscope
