#pragma once
/**
 * @file
 * Capture files come with several link-layer headers (Ethernet from a tap, Linux "cooked" from
 * `tcpdump -i any`, raw IP from some routers, PPP and Cisco HDLC from serial links, PPI from
 * some wireless and Windows capture tools). The pipeline parses Ethernet frames, so each
 * record is presented as one: the link header is replaced by a synthetic Ethernet header that
 * carries the same network protocol.
 */

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace scanscope {

/** Link types scanscope reads (values are libpcap's DLT_ numbers). */
enum class capture_link : int {
  ethernet = 1,     /**< DLT_EN10MB */
  bsd_loopback = 0, /**< DLT_NULL: 4-byte address family in host order */
  raw_ip = 12,      /**< DLT_RAW: the record starts with the IP header */
  linux_sll = 113,  /**< DLT_LINUX_SLL: 16-byte cooked header */
  linux_sll2 = 276, /**< DLT_LINUX_SLL2: 20-byte cooked header */
  raw_ipv4 = 228,   /**< LINKTYPE_IPV4: an IPv4 header first */
  raw_ipv6 = 229,   /**< LINKTYPE_IPV6: an IPv6 header first */
  ppp = 9,          /**< DLT_PPP (and PPP_SERIAL, 50): [FF 03] then a 2-byte PPP protocol */
  cisco_hdlc = 104, /**< DLT_C_HDLC: address, control, then an EtherType */
  ppi = 192,        /**< DLT_PPI: a per-packet-information header, then Ethernet or IP */
};

/**
 * The capture_link for a libpcap DLT value.
 * @return std::nullopt for link types scanscope does not read
 */
std::optional<capture_link> capture_link_from_dlt(int dlt);

/** Size of the synthetic Ethernet header written by ethernet_view(). */
inline constexpr size_t ethernet_header_size = 14;

/**
 * How to present one record as an Ethernet frame.
 * `skip` bytes of the record are dropped and `header` (when `prepend` is true) goes before the
 * rest. For Ethernet captures nothing changes.
 */
struct ethernet_view {
  size_t skip = 0;                        /**< record bytes replaced by the synthetic header */
  bool prepend = false;                   /**< whether `header` is put in front */
  uint8_t header[ethernet_header_size]{}; /**< zero MACs and the EtherType */
};

/**
 * Work out the Ethernet view of one record.
 * @param link     the capture's link type
 * @param record   first captured byte
 * @param captured captured bytes
 * @return the view, or std::nullopt when the record is too short for its own link header
 */
std::optional<ethernet_view> make_ethernet_view(capture_link link, const uint8_t* record,
                                                size_t captured);

}  // namespace scanscope
