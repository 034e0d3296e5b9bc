#include "packet/capture_link.hpp"

#include <cstring>

#include "packet/wire.hpp"

namespace scanscope {

namespace {

// BSD loopback address family values for IPv6 differ by OS (24 NetBSD/OpenBSD, 28 FreeBSD,
// 30 macOS); AF_INET is 2 everywhere.
constexpr uint32_t af_inet = 2;

constexpr uint16_t ppp_ipv4 = 0x0021;
constexpr uint16_t ppp_ipv6 = 0x0057;
constexpr uint32_t ppi_ethernet = 1;
constexpr uint32_t ppi_raw_ip = 101;

ethernet_view with_ethertype(size_t skip, uint16_t ethertype) {
  ethernet_view v;
  v.skip = skip;
  v.prepend = true;
  v.header[12] = static_cast<uint8_t>(ethertype >> 8);
  v.header[13] = static_cast<uint8_t>(ethertype & 0xFF);
  return v;
}

/** A link header of a fixed length that names the EtherType of what follows itself. */
std::optional<ethernet_view> fixed_header(const uint8_t* record, size_t captured, size_t length,
                                          size_t ethertype_at) {
  if (captured < length) {
    return std::nullopt;
  }
  return with_ethertype(length, load_be16(record + ethertype_at));
}

}  // namespace

std::optional<capture_link> capture_link_from_dlt(int dlt) {
  switch (dlt) {
    case 1:
      return capture_link::ethernet;
    case 0:
      return capture_link::bsd_loopback;
    case 12:
    case 14:   // DLT_RAW on OpenBSD
    case 101:  // LINKTYPE_RAW as stored in files
      return capture_link::raw_ip;
    case 113:
      return capture_link::linux_sll;
    case 276:
      return capture_link::linux_sll2;
    case 228:
      return capture_link::raw_ipv4;
    case 229:
      return capture_link::raw_ipv6;
    case 9:
    case 50:  // DLT_PPP_SERIAL: the same framing
      return capture_link::ppp;
    case 104:
      return capture_link::cisco_hdlc;
    case 192:
      return capture_link::ppi;
    default:
      return std::nullopt;
  }
}

std::optional<ethernet_view> make_ethernet_view(capture_link link, const uint8_t* record,
                                                size_t captured) {
  switch (link) {
    case capture_link::ethernet:
      return ethernet_view{};
    case capture_link::raw_ip: {
      if (captured < 1) {
        return std::nullopt;
      }
      return with_ethertype(0, (record[0] >> 4) == 6 ? ethertype::ipv6 : ethertype::ipv4);
    }
    case capture_link::bsd_loopback: {
      if (captured < 4) {
        return std::nullopt;
      }
      uint32_t family;
      std::memcpy(&family, record, 4);
      // Written in the capturing host's byte order: accept either.
      const bool inet = family == af_inet || __builtin_bswap32(family) == af_inet;
      return with_ethertype(4, inet ? ethertype::ipv4 : ethertype::ipv6);
    }
    case capture_link::linux_sll:
      return fixed_header(record, captured, 16, 14);
    case capture_link::linux_sll2:
      return fixed_header(record, captured, 20, 0);
    case capture_link::raw_ipv4:
      return with_ethertype(0, ethertype::ipv4);
    case capture_link::raw_ipv6:
      return with_ethertype(0, ethertype::ipv6);
    case capture_link::ppp: {
      // Address and control (FF 03) may be left out by header compression (RFC 1662).
      const size_t at = captured >= 2 && record[0] == 0xFF && record[1] == 0x03 ? 2 : 0;
      if (captured < at + 2) {
        return std::nullopt;
      }
      const uint16_t protocol = load_be16(record + at);
      const uint16_t ethertype = protocol == ppp_ipv4   ? ethertype::ipv4
                                 : protocol == ppp_ipv6 ? ethertype::ipv6
                                                        : 0;  // LCP, IPCP...: not IP
      return with_ethertype(at + 2, ethertype);
    }
    case capture_link::cisco_hdlc:
      return fixed_header(record, captured, 4, 2);
    case capture_link::ppi: {
      // Version, flags, header length (little-endian 16 bits), inner link type (32 bits).
      if (captured < 8) {
        return std::nullopt;
      }
      const size_t length = load_le16(record + 2);
      const uint32_t inner = load_le32(record + 4);
      if (length < 8 || captured < length) {
        return std::nullopt;
      }
      if (inner == ppi_ethernet) {
        ethernet_view v;
        v.skip = length;
        return v;
      }
      if (inner == ppi_raw_ip && captured > length) {
        return with_ethertype(length,
                              (record[length] >> 4) == 6 ? ethertype::ipv6 : ethertype::ipv4);
      }
      return with_ethertype(length, 0);  // 802.11 and others: counted as not IP
    }
  }
  return std::nullopt;
}

}  // namespace scanscope
