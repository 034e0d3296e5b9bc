#pragma once
/**
 * @file
 * Built-in scanner fingerprints: per-packet rules that name the tool which crafted a packet.
 * Each rule was checked against packets the real tool sent (captures in test/data) and is
 * documented in docs/fingerprints.md with its source and what it cannot tell apart.
 */

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/x_list.hpp"
#include "packet/decoded_packet.hpp"

namespace scanscope {

/** X(name, description): the tools scanscope names. Header rules are tried from the most
 *  specific (a shape and a relation) to the least (a relation that holds by chance once in
 *  65,536); signature rules with tool=NAME name tools by payload (docs/fingerprints.md), the
 *  last two only that way. */
#define SCANSCOPE_SCAN_TOOLS(X)                                                                \
  X(none, "no built-in rule matched")                                                          \
  X(mirai, "Mirai and variants: TCP sequence number equals the destination IPv4 address")      \
  X(masscan,                                                                                   \
    "masscan: IP ID = low 16 bits of (dst address ^ dst port ^ TCP sequence), window 1024 "    \
    "without options (1.3.2), 1025 with an MSS (master) or 1200 (its resets); a UDP datagram " \
    "with TTL 255 and DF clear, empty, 'masscan-test' or starting with the cookie its IP ID "  \
    "holds; its ping, 48 data bytes starting 08 09 0a 0b")                                     \
  X(zmap,                                                                                      \
    "ZMap: IP ID 54321 with window 65535 (before 3.0), or window 65535, DF clear and one of "  \
    "ZMap 4's option layouts; ZMap 4's echo request, 20 zero data bytes at TTL 64")            \
  X(nmap,                                                                                      \
    "nmap: SYN with only an MSS 1460 option, or FIN/NULL/XMAS/ACK/Maimon probe without "       \
    "options and DF; window 1024/2048/3072/4096; an empty UDP datagram without DF, TTL "       \
    "below 65, from a source that keeps one source port")                                      \
  X(hping3, "hping3: no TCP options, window 512 or an ACK number without the ACK flag")        \
  X(zgrab2, "ZGrab2: named by payload only (its HTTP module's User-Agent)")                    \
  X(http_client,                                                                               \
    "an HTTP library's default request (curl, Python, Go): named by payload only, a generic "  \
    "client rather than a scanner")

SCANSCOPE_ENUM_OF_LIST(scan_tool, SCANSCOPE_SCAN_TOOLS);

/** The tools header rules can name come first (none included); those from zgrab2 on are named
 *  by payload only. */
inline constexpr size_t header_tool_count = static_cast<size_t>(scan_tool::zgrab2);
constexpr bool named_by_headers(scan_tool t) {
  return static_cast<size_t>(t) < header_tool_count;
}

/**
 * nmap's UDP scan probe (-sU, scan_engine_raw.cc): an empty datagram with DF clear and a TTL
 * of at most 64 (nmap picks 37-59, and hops take some off). It names nmap only for a source
 * whose source port is known to be fixed, and from that port (nmap keeps one for the whole
 * scan; hping3 -2 counts its up), which the worker checks: a source's first probe stays
 * unnamed.
 */
bool nmap_udp_shape(const decoded_packet& p);

/** Stable name of a tool ("masscan"), as used in configs, reports and metric labels. */
const char* scan_tool_name(scan_tool t);

/** The names of the tools [first, end) ("mirai, masscan, ..."), for messages. */
std::string scan_tool_names(size_t first, size_t end);

/** Look a tool up by name; false when unknown. */
bool scan_tool_from_name(const char* name, size_t length, scan_tool& out);

/** The IP ID relations scanners leave, checked in this order. */
/** X(rule, what holds): how a TCP/UDP probe's IPv4 ID relates to its other fields. */
#define SCANSCOPE_IP_ID_RULES(X)                              \
  X(other, "none of the below")                               \
  X(zero, "IP ID 0 (Linux with DF set, many stacks)")         \
  X(masscan, "IP ID = low 16 bits of (dst ^ dst port ^ seq)") \
  X(zmap, "IP ID 54321")

SCANSCOPE_ENUM_OF_LIST(ip_id_rule, SCANSCOPE_IP_ID_RULES);

/** Name of an ip_id_rule ("masscan", "zmap", "zero", "other"). */
const char* ip_id_rule_name(ip_id_rule r);

/** Which IP ID relation an IPv4 packet satisfies (IPv6 has no ID: `other`). */
ip_id_rule classify_ip_id(const decoded_packet& p);

/** The values of the tools' own packets that the rules compare with (scan_tool.cpp says where
 *  each comes from), shared with the probe shape (probe_shape.hpp), which must see them too. */
namespace tool_marks {
/** ZMap's constant IP ID before release 3.0 (src/probe_modules/packet.c, make_ip_header). */
inline constexpr uint16_t zmap_ip_id = 54321;
/** Data bytes of masscan's UDP "masscan-test" probe, and its first four ("mass"). */
inline constexpr uint32_t masscan_test_data = 12;
inline constexpr uint32_t masscan_test_head = 0x6D617373;
/** Data bytes of masscan's ping template after the echo header (a 76-byte datagram), and its
 *  first four (each byte its offset in the ICMP message). */
inline constexpr uint32_t masscan_ping_data = 48;
inline constexpr uint32_t masscan_ping_head = 0x08090A0B;
/** Data bytes of ZMap 4's echo request (icmp_payload_default_len), all zero. */
inline constexpr uint32_t zmap4_echo_data = 20;
}  // namespace tool_marks

/**
 * masscan's IP ID (src/templ-pkt.c): ip_them ^ port_them ^ seqno, truncated to 16 bits; the
 * "seqno" is the SYN's sequence number, or the cookie a UDP probe carries in its first two
 * payload bytes.
 */
constexpr uint16_t masscan_ip_id(const decoded_packet& p, uint32_t seqno) {
  return static_cast<uint16_t>(p.dst_v4 ^ p.dst_port ^ seqno);
}

/** The initial TTL the sender most likely used: the next of 32, 64, 128, 255 at or above ttl. */
constexpr uint8_t initial_ttl(uint8_t ttl) {
  return ttl <= 32 ? 32 : ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
}

/** True for a TCP packet that opens a connection (SYN without ACK): a scan probe. */
constexpr bool is_syn_probe(const decoded_packet& p) {
  return p.l4 == l4_kind::tcp && (p.tcp_flags & (tcp_flag::syn | tcp_flag::ack)) == tcp_flag::syn;
}

/**
 * The rules whose relation a packet meets by chance once in 65,536 (a random IP ID), as bits.
 * A source that sends the rule's shape without its relation is not that tool: it doubts the
 * rule, and a later probe of its that meets the relation by chance names nothing by it.
 */
namespace chance_rule {
inline constexpr uint8_t masscan = 1;    /**< masscan's IP ID relation, on masscan's shapes */
inline constexpr uint8_t zmap_ip_id = 2; /**< IP ID 54321, on ZMap 2's shape */
}  // namespace chance_rule

/**
 * Name the tool that sent a packet, from its headers alone (docs/fingerprints.md).
 * Mirai's and masscan's relations first (each with the tool's own shape), then nmap's probes,
 * then ZMap (whose IP ID 54321 an nmap probe's random ID can hit), then hping3. TCP rules apply
 * to IPv4 packets that parsed completely; ZMap's IP ID rule alone to its UDP and ICMP probes.
 */
scan_tool identify_tool(const decoded_packet& p);

/**
 * The same for a packet of a source whose probes so far are known: `doubts` (chance_rule bits,
 * kept per source) gains the rules this packet shows the shape of without the relation, and
 * the doubted rules name nothing. So a chance relation names a tool only while every probe of
 * its shape the source sent held it: for a source of another tool, only when its first such
 * probe meets the relation by chance.
 */
scan_tool identify_tool(const decoded_packet& p, uint8_t& doubts);

}  // namespace scanscope
