#pragma once
/**
 * @file
 * What the parser extracts from one frame: a small POD that the rest of the pipeline reads.
 * Nothing here points into the frame except the payload offset, so a decoded packet can be
 * copied and kept after the buffer is gone.
 */

#include <cstddef>
#include <cstdint>

#include "common/x_list.hpp"

namespace scanscope {

/**
 * Outcome of parsing one frame. `ok`, `non_ip` and `ipv4_later_fragment`/`ipv6_later_fragment`
 * are normal traffic; every other value names why a frame is malformed or truncated.
 * X(name, help) yields both the enum and the names used in reports and metrics.
 */
#define SCANSCOPE_PARSE_RESULTS(X)                                                          \
  X(ok, "parsed to the transport header")                                                   \
  X(non_ip, "not IPv4 or IPv6 (ARP, LLDP, ...)")                                            \
  X(ipv4_later_fragment, "IPv4 fragment after the first; transport header not present")     \
  X(ipv6_later_fragment, "IPv6 fragment after the first; transport header not present")     \
  X(tiny_first_fragment, "first fragment too short for the transport header (RFC 1858)")    \
  X(truncated_ethernet, "frame shorter than an Ethernet header")                            \
  X(truncated_vlan, "frame ends inside an 802.1Q/802.1ad tag")                              \
  X(too_many_vlan_tags, "more than two stacked VLAN tags")                                  \
  X(truncated_ipv4, "frame ends inside the IPv4 header")                                    \
  X(bad_ipv4_version, "IPv4 EtherType but version field is not 4")                          \
  X(bad_ipv4_header_length, "IPv4 IHL below 5")                                             \
  X(bad_ipv4_total_length, "IPv4 total length below the header or beyond the frame")        \
  X(truncated_ipv6, "frame ends inside the IPv6 header")                                    \
  X(bad_ipv6_version, "IPv6 EtherType but version field is not 6")                          \
  X(bad_ipv6_payload_length, "IPv6 payload length beyond the frame")                        \
  X(truncated_ipv6_extension, "frame ends inside an IPv6 extension header")                 \
  X(too_many_ipv6_extensions, "IPv6 extension header chain longer than the parser follows") \
  X(truncated_tcp, "frame ends inside the TCP header")                                      \
  X(bad_tcp_data_offset, "TCP data offset below 5 or beyond the IP payload")                \
  X(bad_tcp_option, "TCP option with a bad length")                                         \
  X(truncated_udp, "frame ends inside the UDP header")                                      \
  X(bad_udp_length, "UDP length below 8 or beyond the IP payload")                          \
  X(truncated_icmp, "frame ends inside the ICMP header")

SCANSCOPE_ENUM_OF_LIST(parse_result, SCANSCOPE_PARSE_RESULTS);

/** Stable name of a parse result, as used in reports and metric labels. */
const char* parse_result_name(parse_result r);
/** One-line description of a parse result. */
const char* parse_result_help(parse_result r);
/** True for results that mean a malformed or truncated frame. */
constexpr bool is_malformed(parse_result r) {
  return r != parse_result::ok && r != parse_result::non_ip &&
         r != parse_result::ipv4_later_fragment && r != parse_result::ipv6_later_fragment &&
         r != parse_result::tiny_first_fragment;
}

enum class l3_kind : uint8_t { none, ipv4, ipv6 };

/** Transport classes that counters and reports group by. */
enum class l4_kind : uint8_t { none, tcp, udp, icmp, icmpv6, other };

/** TCP flag bits as in the header's flags byte. */
namespace tcp_flag {
inline constexpr uint8_t fin = 0x01;
inline constexpr uint8_t syn = 0x02;
inline constexpr uint8_t rst = 0x04;
inline constexpr uint8_t psh = 0x08;
inline constexpr uint8_t ack = 0x10;
inline constexpr uint8_t urg = 0x20;
inline constexpr uint8_t ece = 0x40;
inline constexpr uint8_t cwr = 0x80;
}  // namespace tcp_flag

/** TCP option kinds the parser gives values for. */
namespace tcp_option_kind {
inline constexpr uint8_t eol = 0;
inline constexpr uint8_t nop = 1;
inline constexpr uint8_t mss = 2;
inline constexpr uint8_t window_scale = 3;
inline constexpr uint8_t sack_permitted = 4;
inline constexpr uint8_t sack = 5;
inline constexpr uint8_t timestamp = 8;
}  // namespace tcp_option_kind

/** TCP options in the order the sender wrote them; scanner fingerprints key on this layout. */
struct tcp_options {
  /** 40 option bytes hold at most 40 one-byte options. */
  static constexpr size_t max_kinds = 40;
  bool has_mss;          /**< an MSS option was present */
  bool has_window_scale; /**< a window scale option was present */
  bool sack_permitted;   /**< a SACK-permitted option was present */
  bool has_timestamp;    /**< a timestamp option was present */
  uint8_t count;         /**< how many entries of kinds[] are set */
  uint8_t window_scale;  /**< shift count of the window scale option */
  uint16_t mss;          /**< value of the MSS option */
  uint32_t ts_value;     /**< TSval of the timestamp option */
  uint32_t ts_echo;      /**< TSecr of the timestamp option */
  /** Option kinds in order, NOP and EOL included; only the first `count` are set. Kept last
   * so the parser clears everything before it and leaves these 40 bytes alone. */
  uint8_t kinds[max_kinds];
};

/** Everything the pipeline reads from one frame's headers. */
struct decoded_packet {
  parse_result result; /**< how far parsing got, and why it stopped if it stopped early */
  l3_kind l3;          /**< network layer found */
  l4_kind l4;          /**< transport class, from the IP protocol / next header */
  uint8_t vlan_count;  /**< VLAN tags skipped (0, 1 or 2) */
  uint16_t vlan_id;    /**< outermost VLAN id when vlan_count > 0 */
  uint16_t ether_type; /**< EtherType after the VLAN tags */
  uint8_t ip_proto;    /**< IPv4 protocol or the last IPv6 next header */
  uint8_t ttl;         /**< IPv4 TTL or IPv6 hop limit */
  uint8_t tos;         /**< IPv4 TOS or IPv6 traffic class */
  bool dont_fragment;  /**< IPv4 DF bit */
  bool first_fragment; /**< first fragment of a fragmented datagram (transport header parsed) */
  bool has_ports;      /**< src_port/dst_port are valid (TCP or UDP header present) */
  uint16_t ip_id;      /**< IPv4 identification (0 for IPv6) */
  uint16_t ip_options_length; /**< IPv4 option bytes (IHL beyond 20) */
  uint32_t src_v4;            /**< IPv4 source, host byte order */
  uint32_t dst_v4;            /**< IPv4 destination, host byte order */
  uint8_t src_addr[16];       /**< source address, network order; IPv4 in the first 4 bytes */
  uint8_t dst_addr[16];       /**< destination address, network order; IPv4 in the first 4 bytes */
  uint16_t src_port;          /**< TCP/UDP source port */
  uint16_t dst_port;          /**< TCP/UDP destination port */
  uint8_t tcp_flags;          /**< TCP flags byte */
  uint16_t window;            /**< TCP window, unscaled */
  uint32_t seq;               /**< TCP sequence number */
  uint32_t ack;               /**< TCP acknowledgment number */
  uint16_t urgent;            /**< TCP urgent pointer */
  uint8_t icmp_type;          /**< ICMP or ICMPv6 type */
  uint8_t icmp_code;          /**< ICMP or ICMPv6 code */
  uint16_t l3_offset;         /**< offset of the IP header in the frame */
  uint16_t l4_offset;         /**< offset of the transport header in the frame */
  uint32_t payload_offset;    /**< offset of the transport payload in the frame */
  uint32_t payload_length;    /**< payload bytes present in the captured frame */
  /** The first 4 payload bytes of a UDP datagram or ICMP message, big-endian (0 when it has
   *  fewer): the tools' rules read a probe's fixed payload start without the frame. */
  uint32_t payload_head;
  tcp_options options;        /**< TCP options, when l4 == tcp; kept last (see tcp_options) */
};

/** Bytes of a decoded_packet the parser clears before each frame: all but options.kinds. */
inline constexpr size_t decoded_packet_cleared_bytes =
    offsetof(decoded_packet, options) + offsetof(tcp_options, kinds);

}  // namespace scanscope
