#pragma once
/**
 * @file
 * Scan technique: what kind of probe a packet is, apart from which tool sent it. nmap names
 * its TCP scans by the flags they set (-sS SYN, -sF FIN, -sN NULL, -sX XMAS, -sA ACK, -sM
 * Maimon); the other rows are the rest of what a darknet receives.
 */

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/x_list.hpp"
#include "packet/decoded_packet.hpp"

namespace scanscope {

/** X(name, description), in the order reports list them. */
#define SCANSCOPE_SCAN_TECHNIQUES(X)                                                        \
  X(syn, "TCP SYN without ACK (a half-open or connect probe)")                              \
  X(fin, "TCP FIN alone (nmap -sF)")                                                        \
  X(null, "TCP segment with no flag set (nmap -sN)")                                        \
  X(xmas, "TCP FIN, PSH and URG (nmap -sX)")                                                \
  X(ack, "TCP ACK alone without payload (nmap -sA; also stray ACKs and backscatter)")       \
  X(maimon, "TCP FIN and ACK without payload (nmap -sM; also connections closing)")         \
  X(synack, "TCP SYN-ACK (backscatter of spoofed SYNs, or a host's answer)")                \
  X(rst, "TCP RST (backscatter, or a scanner's reset)")                                     \
  X(tcp_other, "any other TCP segment (data, other flag sets)")                             \
  X(udp, "UDP datagram")                                                                    \
  X(icmp_echo, "ICMP or ICMPv6 echo request (ping sweep)")                                  \
  X(icmp_other, "any other ICMP or ICMPv6 message")                                         \
  X(other, "other IP protocols, and fragments after the first")

SCANSCOPE_ENUM_OF_LIST(scan_technique, SCANSCOPE_SCAN_TECHNIQUES);

/** Stable name for reports and metric labels ("syn", "xmas", ...). */
const char* scan_technique_name(scan_technique t);

/** The technique named `name` (scan_technique_name's); false when there is none. */
bool scan_technique_from_name(std::string_view name, scan_technique& out);

/** The technique of an IP packet (parsed as far as it goes). */
scan_technique classify_technique(const decoded_packet& p);

}  // namespace scanscope
