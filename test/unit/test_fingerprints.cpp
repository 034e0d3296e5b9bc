#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "fingerprint/fingerprint_key.hpp"
#include "fingerprint/scan_technique.hpp"
#include "fingerprint/scan_tool.hpp"
#include "frame_builder.hpp"
#include "packet/parser.hpp"

using namespace scanscope;

namespace {

// First SYN of each tool, copied byte for byte from the captures in test/data (made by
// test/data/make-tool-captures.sh: scanner 10.99.0.1, target 10.99.0.2).
const std::vector<uint8_t> masscan_syn = {
    0xf6, 0xe2, 0x63, 0x44, 0xa0, 0x8a, 0x4e, 0x37, 0x6a, 0xf4, 0x57, 0x1a, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x28, 0x15, 0x0c, 0x00, 0x00, 0xff, 0x06, 0x91, 0xfb, 0x0a, 0x63,
    0x00, 0x01, 0x0a, 0x63, 0x00, 0x02, 0xa3, 0x32, 0x91, 0x5f, 0x0b, 0xec, 0x84, 0x51,
    0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0x04, 0x00, 0xd2, 0x4a, 0x00, 0x00};
const std::vector<uint8_t> zmap_syn = {
    0xf6, 0xe2, 0x63, 0x44, 0xa0, 0x8a, 0x4e, 0x37, 0x6a, 0xf4, 0x57, 0x1a, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x28, 0xd4, 0x31, 0x00, 0x00, 0xff, 0x06, 0xd2, 0xd5, 0x0a, 0x63,
    0x00, 0x01, 0x0a, 0x63, 0x00, 0x02, 0xab, 0x34, 0x21, 0x61, 0xe7, 0x59, 0x86, 0xcc,
    0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xff, 0xff, 0x60, 0x5e, 0x00, 0x00};
const std::vector<uint8_t> nmap_syn = {
    0xf6, 0xe2, 0x63, 0x44, 0xa0, 0x8a, 0x4e, 0x37, 0x6a, 0xf4, 0x57, 0x1a, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x2c, 0x82, 0xcc, 0x00, 0x00, 0x39, 0x06, 0xea, 0x37, 0x0a, 0x63, 0x00, 0x01,
    0x0a, 0x63, 0x00, 0x02, 0xee, 0xe4, 0x01, 0xbb, 0xe3, 0xff, 0xd7, 0x55, 0x00, 0x00, 0x00,
    0x00, 0x60, 0x02, 0x04, 0x00, 0xd3, 0x68, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4};
const std::vector<uint8_t> hping3_syn = {
    0xf6, 0xe2, 0x63, 0x44, 0xa0, 0x8a, 0x4e, 0x37, 0x6a, 0xf4, 0x57, 0x1a, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x28, 0x99, 0x61, 0x00, 0x00, 0x40, 0x06, 0xcc, 0xa6, 0x0a, 0x63,
    0x00, 0x01, 0x0a, 0x63, 0x00, 0x02, 0x07, 0x75, 0x00, 0x17, 0x2b, 0x98, 0xb3, 0x4c,
    0x67, 0xcf, 0x22, 0x97, 0x50, 0x02, 0x02, 0x00, 0x28, 0x43, 0x00, 0x00};
// hping3 with -M set to the destination address, as Mirai's scanner sets its SYNs.
const std::vector<uint8_t> mirai_syn = {
    0xf6, 0xe2, 0x63, 0x44, 0xa0, 0x8a, 0x4e, 0x37, 0x6a, 0xf4, 0x57, 0x1a, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x28, 0x0f, 0x8a, 0x00, 0x00, 0x40, 0x06, 0x56, 0x7e, 0x0a, 0x63,
    0x00, 0x01, 0x0a, 0x63, 0x00, 0x02, 0x0a, 0x2e, 0x00, 0x17, 0x0a, 0x63, 0x00, 0x02,
    0x54, 0xe1, 0x81, 0xae, 0x50, 0x02, 0x02, 0x00, 0xad, 0xe0, 0x00, 0x00};
// Today's releases (make-current-scanner-captures.sh): ZMap 4.3.4's default SYN (window 65535,
// MSS 1460 NOP WS8 NOP NOP SACK_PERM, random IP ID, DF clear) and masscan master's (window 1025,
// MSS 1460); nmap -sX's probe (FIN|PSH|URG, window 1024, no options).
const std::vector<uint8_t> zmap4_syn = {
    0x56, 0x77, 0x2c, 0x20, 0x45, 0x1e, 0x56, 0x23, 0x08, 0x50, 0x83, 0xdf, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x34, 0x27, 0x0c, 0x00, 0x00, 0x40, 0x06, 0x3e, 0xf0, 0x0a, 0x63,
    0x00, 0x01, 0x0a, 0x63, 0x00, 0x02, 0xe4, 0xa7, 0x21, 0x61, 0x48, 0x16, 0x58, 0x66,
    0x00, 0x00, 0x00, 0x00, 0x80, 0x02, 0xff, 0xff, 0xb3, 0xc2, 0x00, 0x00, 0x02, 0x04,
    0x05, 0xb4, 0x01, 0x03, 0x03, 0x08, 0x01, 0x01, 0x04, 0x02};
const std::vector<uint8_t> masscan_master_syn = {
    0x56, 0x77, 0x2c, 0x20, 0x45, 0x1e, 0x56, 0x23, 0x08, 0x50, 0x83, 0xdf, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x2c, 0x35, 0x90, 0x00, 0x00, 0xff, 0x06, 0x71, 0x73, 0x0a, 0x63, 0x00, 0x01,
    0x0a, 0x63, 0x00, 0x02, 0xb1, 0x00, 0x15, 0xb3, 0xd7, 0xf2, 0x20, 0x21, 0x00, 0x00, 0x00,
    0x00, 0x60, 0x02, 0x04, 0x01, 0xc0, 0x95, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4};
const std::vector<uint8_t> nmap_xmas = {
    0x22, 0x37, 0x3b, 0x7a, 0x1c, 0xc7, 0xa2, 0x92, 0x05, 0x33, 0x1d, 0xf7, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x28, 0xc3, 0x2b, 0x00, 0x00, 0x2f, 0x06, 0xb3, 0xdc, 0x0a, 0x63,
    0x00, 0x01, 0x0a, 0x63, 0x00, 0x02, 0xfb, 0x45, 0x00, 0x16, 0x05, 0x06, 0x7b, 0xb1,
    0x00, 0x00, 0x00, 0x00, 0x50, 0x29, 0x04, 0x00, 0x1a, 0xe0, 0x00, 0x00};
// masscan 1.3.2's UDP scan (masscan-udp.pcap): an empty datagram to a port its payload table
// has nothing for (TTL 255, DF clear), and its NTP probe (a payload from the table).
const std::vector<uint8_t> masscan_udp = {
    0x82, 0x3a, 0x15, 0x67, 0x35, 0x55, 0xb6, 0x61, 0x95, 0x89, 0x99, 0xc3, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x1c, 0x4d, 0xeb, 0x00, 0x00, 0xff, 0x11, 0x59, 0x1d, 0x0a, 0x63, 0x00, 0x01,
    0x0a, 0x63, 0x00, 0x02, 0xd7, 0x67, 0x03, 0x7d, 0x00, 0x08, 0x10, 0x31};
const std::vector<uint8_t> masscan_udp_ntp = {
    0x82, 0x3a, 0x15, 0x67, 0x35, 0x55, 0xb6, 0x61, 0x95, 0x89, 0x99, 0xc3, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x4c, 0x31, 0x02, 0x00, 0x00, 0xff, 0x11, 0x75, 0xd6, 0x0a, 0x63, 0x00, 0x01,
    0x0a, 0x63, 0x00, 0x02, 0xd7, 0x67, 0x00, 0x7b, 0x00, 0x38, 0xf8, 0xa8, 0x17, 0x00, 0x03,
    0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
// nmap -sU's probe to a port without an nmap-payloads entry (nmap-udp.pcap): empty, TTL 55.
const std::vector<uint8_t> nmap_udp = {
    0x5e, 0x3c, 0x94, 0x45, 0x6f, 0x55, 0x6e, 0x65, 0xd2, 0x32, 0xa7, 0xed, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x1c, 0x0e, 0x09, 0x00, 0x00, 0x37, 0x11, 0x61, 0x00, 0x0a, 0x63, 0x00, 0x01,
    0x0a, 0x63, 0x00, 0x02, 0xae, 0x3a, 0x01, 0x49, 0x00, 0x08, 0x3b, 0x92};

// masscan 1.3.2's ping (masscan-ping.pcap): TTL 255, DF clear, 48 data bytes from 0x08 up.
const std::vector<uint8_t> masscan_ping = {
    0x4a, 0x0f, 0x07, 0x00, 0xcd, 0xbd, 0x82, 0xd5, 0x34, 0xde, 0x6b, 0x88, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x4c, 0xd5, 0xa4, 0x00, 0x00, 0xff, 0x01, 0xd1, 0x43, 0x0a, 0x63, 0x00, 0x01,
    0x0a, 0x63, 0x00, 0x02, 0x08, 0x00, 0xbe, 0xb2, 0xf1, 0xf3, 0x5c, 0x56, 0x08, 0x09, 0x0a,
    0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
    0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37};

// ZMap 4.3.4's echo request (zmap4-icmp.pcap): TTL 64, DF clear, 20 zero data bytes.
const std::vector<uint8_t> zmap4_echo = {
    0x22, 0x5b, 0x71, 0x1b, 0x52, 0x4f, 0x76, 0xd7, 0xe9, 0xc9, 0x04, 0x53, 0x08, 0x00, 0x45, 0x00,
    0x00, 0x30, 0x52, 0x07, 0x00, 0x00, 0x40, 0x01, 0x13, 0xfe, 0x0a, 0x63, 0x00, 0x01, 0x0a, 0x63,
    0x00, 0x02, 0x08, 0x00, 0xc0, 0x17, 0x33, 0x1a, 0x04, 0xce, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

// Offsets in these Ethernet + IPv4 (IHL 5) + TCP frames.
constexpr size_t ip_id_at = 18;
constexpr size_t ttl_at = 22;
constexpr size_t seq_at = 38;
constexpr size_t ack_at = 42;
constexpr size_t flags_at = 47;
constexpr size_t window_at = 48;

scan_tool tool_of(const std::vector<uint8_t>& frame) {
  decoded_packet p;
  REQUIRE(parse_frame(frame.data(), frame.size(), p) == parse_result::ok);
  return identify_tool(p);
}

/** A copy of `f` with bytes overwritten from offset `at`. */
std::vector<uint8_t> with(std::vector<uint8_t> f, size_t at, std::vector<uint8_t> b) {
  REQUIRE(at + b.size() <= f.size());
  std::copy(b.begin(), b.end(), f.begin() + static_cast<long>(at));
  return f;
}

/** An Ethernet + IPv4 (IHL 5) + UDP frame `f` with `payload` after its UDP header, the IP
 *  total length and UDP length set to match. */
std::vector<uint8_t> udp_with_payload(std::vector<uint8_t> f, const std::vector<uint8_t>& payload) {
  f.resize(42);
  f.insert(f.end(), payload.begin(), payload.end());
  const size_t ip_length = f.size() - 14;
  const size_t udp_length = f.size() - 34;
  f[16] = static_cast<uint8_t>(ip_length >> 8);
  f[17] = static_cast<uint8_t>(ip_length);
  f[38] = static_cast<uint8_t>(udp_length >> 8);
  f[39] = static_cast<uint8_t>(udp_length);
  return f;
}

}  // namespace

TEST_CASE("real tool SYNs are named", "[fingerprint]") {
  CHECK(tool_of(masscan_syn) == scan_tool::masscan);
  CHECK(tool_of(zmap_syn) == scan_tool::zmap);
  CHECK(tool_of(nmap_syn) == scan_tool::nmap);
  CHECK(tool_of(hping3_syn) == scan_tool::hping3);
  CHECK(tool_of(mirai_syn) == scan_tool::mirai);
  CHECK(tool_of(zmap4_syn) == scan_tool::zmap);
  CHECK(tool_of(masscan_master_syn) == scan_tool::masscan);
  CHECK(tool_of(nmap_xmas) == scan_tool::nmap);
  CHECK(tool_of(masscan_udp) == scan_tool::masscan);
  CHECK(tool_of(masscan_ping) == scan_tool::masscan);
}

TEST_CASE("masscan's empty UDP probe, and what it is not", "[fingerprint]") {
  constexpr size_t df_at = 20;
  // After 30 hops its TTL still reads as 255 at the start.
  CHECK(tool_of(with(masscan_udp, ttl_at, {225})) == scan_tool::masscan);
  // A stack's TTL (nmap -sU starts at 37-59, hping3 -2 at 64), DF set, or ZMap's IP ID.
  CHECK(tool_of(with(masscan_udp, ttl_at, {64})) == scan_tool::none);
  CHECK(tool_of(with(masscan_udp, df_at, {0x40})) == scan_tool::none);
  CHECK(tool_of(with(masscan_udp, ip_id_at, {0xd4, 0x31})) == scan_tool::zmap);
  // A datagram with a payload (its NTP probe; a router's syslog or mDNS at TTL 255): no tool.
  CHECK(tool_of(masscan_udp_ntp) == scan_tool::none);
  // Its echo/qotd/chargen text, and a DNS query whose transaction ID is the cookie its IP ID
  // holds: ID 0x4deb = low 16 bits of (10.99.0.2 ^ port 893 ^ 0x4e94).
  CHECK(tool_of(udp_with_payload(masscan_udp, {'m', 'a', 's', 's', 'c', 'a', 'n', '-', 't', 'e',
                                               's', 't'})) == scan_tool::masscan);
  const std::vector<uint8_t> query = {0x4e, 0x94, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00,
                                      0x00, 0x00, 0x00, 0x00};
  CHECK(tool_of(udp_with_payload(masscan_udp, query)) == scan_tool::masscan);
  // Another transaction ID (any resolver's query) does not hold the relation.
  std::vector<uint8_t> other = query;
  other[1] = 0x95;
  CHECK(tool_of(udp_with_payload(masscan_udp, other)) == scan_tool::none);
}

TEST_CASE("masscan's ping, and the echo requests of ping programs", "[fingerprint]") {
  constexpr size_t df_at = 20;
  constexpr size_t data_at = 42;
  CHECK(tool_of(masscan_ping) == scan_tool::masscan);
  CHECK(tool_of(with(masscan_ping, ttl_at, {230})) == scan_tool::masscan);  // 25 hops later
  // A stack's TTL, DF set, or data that is not the template's (iputils ping: a 16-byte
  // timestamp, then 0x10, 0x11, ...).
  CHECK(tool_of(with(masscan_ping, ttl_at, {64})) == scan_tool::none);
  CHECK(tool_of(with(masscan_ping, df_at, {0x40})) == scan_tool::none);
  std::vector<uint8_t> timestamp(16, 0x5a);
  CHECK(tool_of(with(masscan_ping, data_at, timestamp)) == scan_tool::none);
  // One data byte fewer: another length.
  std::vector<uint8_t> shorter(masscan_ping.begin(), masscan_ping.end() - 1);
  shorter[17] = 0x4b;
  CHECK(tool_of(shorter) == scan_tool::none);
  // An echo reply with the same data (the target's answer) is not a probe.
  CHECK(tool_of(with(masscan_ping, 34, {0x00})) == scan_tool::none);
}

TEST_CASE("ZMap 4's echo request, and what it is not", "[fingerprint]") {
  constexpr size_t df_at = 20;
  CHECK(tool_of(zmap4_echo) == scan_tool::zmap);
  CHECK(tool_of(with(zmap4_echo, ttl_at, {50})) == scan_tool::zmap);  // 14 hops later
  CHECK(tool_of(with(zmap4_echo, ttl_at, {128})) == scan_tool::none);
  CHECK(tool_of(with(zmap4_echo, df_at, {0x40})) == scan_tool::none);
  CHECK(tool_of(with(zmap4_echo, 42, {0x61, 0x62})) == scan_tool::none);  // data not zeros
}

TEST_CASE("Mirai's UDP floods are not scans: no tool named", "[fingerprint]") {
  // attack_udp_generic (attack_udp.c in the published source) with its defaults: TTL 64, DF
  // clear, a random IP ID and 512 random bytes to a random port; every other one with its TTL
  // option at 255, where masscan's payload rule (text, cookie relation) is tried too.
  uint32_t state = 12345;
  const auto next = [&state] {
    state = state * 1103515245 + 12345;
    return static_cast<uint8_t>(state >> 16);
  };
  for (int i = 0; i < 200; ++i) {
    std::vector<uint8_t> data(512);
    for (uint8_t& b : data) {
      b = next();
    }
    const uint8_t ttl = i % 2 == 0 ? 64 : 255;
    std::vector<uint8_t> f = udp_with_payload(with(masscan_udp, ttl_at, {ttl}), data);
    f = with(f, ip_id_at, {next(), next()});
    f = with(f, 36, {next(), next()});  // destination port
    decoded_packet p;
    REQUIRE(parse_frame(f.data(), f.size(), p) == parse_result::ok);
    if (p.ip_id == 54321) {
      continue;  // ZMap 2's ID by chance: a source's other datagrams doubt it (below)
    }
    CHECK(identify_tool(p) == scan_tool::none);
    CHECK_FALSE(nmap_udp_shape(p));
  }
}

TEST_CASE("nmap's UDP probe shape (named only with a fixed source port)", "[fingerprint]") {
  constexpr size_t df_at = 20;
  const auto shape = [](const std::vector<uint8_t>& f) {
    decoded_packet p;
    REQUIRE(parse_frame(f.data(), f.size(), p) == parse_result::ok);
    return nmap_udp_shape(p);
  };
  CHECK(shape(nmap_udp));
  CHECK(tool_of(nmap_udp) == scan_tool::none);  // the headers alone do not name it
  CHECK(shape(with(nmap_udp, ttl_at, {30})));   // 25 hops later
  CHECK_FALSE(shape(with(nmap_udp, df_at, {0x40})));
  CHECK_FALSE(shape(masscan_udp));      // TTL 255
  CHECK_FALSE(shape(masscan_udp_ntp));  // a payload
  CHECK_FALSE(shape(nmap_syn));
}

TEST_CASE("ZMap 4's other option layouts", "[fingerprint]") {
  // src/probe_modules/packet.c, set_tcp_options: window 65535, no DF, TTL 64, MSS 1460 first.
  using namespace scanscope::test;
  const auto zmap4 = [](const bytes& options) {
    ipv4_fields ip;
    tcp_fields t;
    t.window = 65535;
    t.options = options;
    return ethernet(0x0800) + ipv4(ip, tcp(t));
  };
  // The layouts as written out, TSval 0x1234 (GCC 12 at -O3 warns wrongly on joined vectors).
  // linux: M S T N W7 (SACK permitted with the timestamp, then NOP and window scale 7)
  const bytes linux_layout = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x00,
                              0x12, 0x34, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};
  CHECK(tool_of(zmap4(linux_layout)) == scan_tool::zmap);
  // bsd: M N W6 N N T S E E; the list ends at the first EOL, the second is padding
  const bytes bsd = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x06, 0x01, 0x01, 0x08, 0x0a,
                     0x00, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x00, 0x04, 0x02, 0x00, 0x00};
  CHECK(tool_of(zmap4(bsd)) == scan_tool::zmap);
  // smallest probes: M alone
  CHECK(tool_of(zmap4(bytes{0x02, 0x04, 0x05, 0xb4})) == scan_tool::zmap);
  // The bsd layout with another scale is a stack's
  bytes other_scale = bsd;
  other_scale[7] = 0x08;
  CHECK(tool_of(zmap4(other_scale)) == scan_tool::none);
}

TEST_CASE("today's tools, nmap's techniques and the order of the rules", "[fingerprint]") {
  constexpr size_t df_at = 20;
  SECTION("ZMap 4's layout from a real stack, with DF set, is no tool") {
    CHECK(tool_of(with(zmap4_syn, df_at, {0x40})) == scan_tool::none);
  }
  SECTION("ZMap 4's layout with another window or scale is no tool") {
    CHECK(tool_of(with(zmap4_syn, window_at, {0xfa, 0xf0})) == scan_tool::none);
    CHECK(tool_of(with(zmap4_syn, 61, {0x07})) == scan_tool::none);
  }
  SECTION("an nmap SYN whose random IP ID is 54321 stays nmap") {
    CHECK(tool_of(with(nmap_syn, ip_id_at, {0xd4, 0x31})) == scan_tool::nmap);
  }
  SECTION("ZMap's IP ID with DF set is no tool") {
    CHECK(tool_of(with(zmap_syn, df_at, {0x40})) == scan_tool::none);
  }
  SECTION("ZMap's IP ID on a segment that is not ZMap's shape is no tool") {
    // A window-8192 SYN with ZMap's IP ID by chance (one in 65,536 of ordinary SYNs).
    CHECK(tool_of(with(zmap_syn, window_at, {0x20, 0x00})) == scan_tool::none);
  }
  SECTION("the masscan relation with another window is no tool") {
    // The relation holds by chance on one packet in 65,536: a window of 64240 is a stack's.
    CHECK(tool_of(with(masscan_syn, window_at, {0xfa, 0xf0})) == scan_tool::none);
    CHECK(tool_of(with(masscan_master_syn, window_at, {0x04, 0x00})) == scan_tool::nmap);
  }
  SECTION("an nmap SYN that meets masscan's relation by chance stays nmap") {
    // Set the IP ID to (destination ^ destination port ^ sequence number), low 16 bits.
    decoded_packet p;
    REQUIRE(parse_frame(nmap_syn.data(), nmap_syn.size(), p) == parse_result::ok);
    const auto id = static_cast<uint16_t>(p.dst_v4 ^ p.dst_port ^ p.seq);
    const auto chance =
        with(nmap_syn, ip_id_at, {static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id & 0xff)});
    REQUIRE(parse_frame(chance.data(), chance.size(), p) == parse_result::ok);
    CHECK(classify_ip_id(p) == ip_id_rule::masscan);
    CHECK(identify_tool(p) == scan_tool::nmap);
  }
  SECTION("nmap's FIN, NULL, ACK and Maimon probes; a stack's with DF is none") {
    CHECK(tool_of(with(nmap_xmas, flags_at, {0x01})) == scan_tool::nmap);
    CHECK(tool_of(with(nmap_xmas, flags_at, {0x00})) == scan_tool::nmap);
    // nmap's ACK and Maimon probes carry sequence number 0; an established connection's don't.
    const auto seq0 = with(nmap_xmas, seq_at, {0, 0, 0, 0});
    CHECK(tool_of(with(seq0, flags_at, {0x10})) == scan_tool::nmap);
    CHECK(tool_of(with(seq0, flags_at, {0x11})) == scan_tool::nmap);
    CHECK(tool_of(with(nmap_xmas, flags_at, {0x10})) == scan_tool::none);
    CHECK(tool_of(with(with(seq0, flags_at, {0x11}), df_at, {0x40})) == scan_tool::none);
    CHECK(tool_of(with(nmap_xmas, window_at, {0x04, 0x01})) == scan_tool::none);
  }
}

TEST_CASE("a chance relation names a tool only while the source's probes keep it",
          "[fingerprint]") {
  decoded_packet p;
  // masscan 1.3.2's SYN with another IP ID: masscan's shape without its relation, as a stack's
  // window-1024 SYN without options would be.
  const auto other_id = with(masscan_syn, ip_id_at, {0x12, 0x34});
  REQUIRE(parse_frame(other_id.data(), other_id.size(), p) == parse_result::ok);
  REQUIRE(classify_ip_id(p) != ip_id_rule::masscan);
  decoded_packet real;
  REQUIRE(parse_frame(masscan_syn.data(), masscan_syn.size(), real) == parse_result::ok);

  SECTION("masscan's probes all meet the relation: named every time") {
    uint8_t doubts = 0;
    CHECK(identify_tool(real, doubts) == scan_tool::masscan);
    CHECK(identify_tool(real, doubts) == scan_tool::masscan);
    CHECK(doubts == 0);
  }
  SECTION("after a probe of the shape without the relation, a chance match names nothing") {
    uint8_t doubts = 0;
    CHECK(identify_tool(p, doubts) == scan_tool::none);
    CHECK(doubts == chance_rule::masscan);
    CHECK(identify_tool(real, doubts) == scan_tool::none);
    CHECK(identify_tool(real) == scan_tool::masscan);  // one packet alone cannot tell
  }
  SECTION("a masscan probe whose relation gives 54321 is masscan's, and raises no doubt") {
    // Choose the sequence number so that (dst ^ dst port ^ seq) & 0xffff is 54321.
    const uint32_t seq =
        (real.seq & 0xFFFF0000u) | ((real.dst_v4 ^ real.dst_port ^ 54321u) & 0xFFFFu);
    const auto f = with(with(masscan_syn, seq_at,
                             {static_cast<uint8_t>(seq >> 24), static_cast<uint8_t>(seq >> 16),
                              static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq)}),
                        ip_id_at, {0xd4, 0x31});
    decoded_packet q;
    REQUIRE(parse_frame(f.data(), f.size(), q) == parse_result::ok);
    REQUIRE(classify_ip_id(q) == ip_id_rule::zmap);
    uint8_t doubts = 0;
    CHECK(identify_tool(q, doubts) == scan_tool::masscan);
    CHECK(doubts == 0);
    CHECK(identify_tool(real, doubts) == scan_tool::masscan);
  }
  SECTION("ZMap 2's IP ID after a probe of its shape with another ID names nothing") {
    decoded_packet z;
    REQUIRE(parse_frame(zmap_syn.data(), zmap_syn.size(), z) == parse_result::ok);
    const auto random_id = with(zmap_syn, ip_id_at, {0x43, 0x21});
    decoded_packet y;
    REQUIRE(parse_frame(random_id.data(), random_id.size(), y) == parse_result::ok);
    uint8_t doubts = 0;
    CHECK(identify_tool(z, doubts) == scan_tool::zmap);
    CHECK(identify_tool(y, doubts) == scan_tool::none);
    CHECK(doubts == chance_rule::zmap_ip_id);
    CHECK(identify_tool(z, doubts) == scan_tool::none);
    // ZMap 4 has its own shape, not a chance relation: a doubt does not touch it.
    decoded_packet four;
    REQUIRE(parse_frame(zmap4_syn.data(), zmap4_syn.size(), four) == parse_result::ok);
    CHECK(identify_tool(four, doubts) == scan_tool::zmap);
  }
}

TEST_CASE("scan techniques follow the TCP flags and the protocol", "[fingerprint]") {
  const auto technique_of = [](const std::vector<uint8_t>& f) {
    decoded_packet p;
    parse_frame(f.data(), f.size(), p);
    return classify_technique(p);
  };
  CHECK(technique_of(nmap_syn) == scan_technique::syn);
  CHECK(technique_of(nmap_xmas) == scan_technique::xmas);
  CHECK(technique_of(with(nmap_xmas, flags_at, {0x01})) == scan_technique::fin);
  CHECK(technique_of(with(nmap_xmas, flags_at, {0x00})) == scan_technique::null);
  CHECK(technique_of(with(nmap_xmas, flags_at, {0x10})) == scan_technique::ack);
  CHECK(technique_of(with(nmap_xmas, flags_at, {0x11})) == scan_technique::maimon);
  CHECK(technique_of(with(nmap_xmas, flags_at, {0x12})) == scan_technique::synack);
  CHECK(technique_of(with(nmap_xmas, flags_at, {0x14})) == scan_technique::rst);
  CHECK(technique_of(with(nmap_xmas, flags_at, {0x18})) == scan_technique::tcp_other);
  // ECN bits on a SYN do not make it another technique.
  CHECK(technique_of(with(nmap_syn, flags_at, {0xc2})) == scan_technique::syn);
  CHECK(std::string(scan_technique_name(scan_technique::icmp_echo)) == "icmp_echo");
}

TEST_CASE("near misses are not named", "[fingerprint]") {
  SECTION("masscan with one IP ID bit off") {
    CHECK(tool_of(with(masscan_syn, ip_id_at + 1, {0x0d})) == scan_tool::none);
  }
  SECTION("masscan relation on an ACK packet") {
    CHECK(tool_of(with(masscan_syn, flags_at, {0x12})) == scan_tool::none);
  }
  SECTION("ZMap's IP ID one off") {
    CHECK(tool_of(with(zmap_syn, ip_id_at, {0xd4, 0x30})) == scan_tool::none);
  }
  SECTION("nmap with window 1025") {
    CHECK(tool_of(with(nmap_syn, window_at, {0x04, 0x01})) == scan_tool::none);
  }
  SECTION("nmap with MSS 1440") {
    CHECK(tool_of(with(nmap_syn, 56, {0x05, 0xa0})) == scan_tool::none);
  }
  SECTION("nmap's other windows") {
    CHECK(tool_of(with(nmap_syn, window_at, {0x08, 0x00})) == scan_tool::nmap);
    CHECK(tool_of(with(nmap_syn, window_at, {0x10, 0x00})) == scan_tool::nmap);
  }
  SECTION("hping3 window 513 and ACK number 0") {
    auto f = with(hping3_syn, window_at, {0x02, 0x01});
    CHECK(tool_of(f) == scan_tool::hping3);  // the ACK number still tells
    CHECK(tool_of(with(f, ack_at, {0, 0, 0, 0})) == scan_tool::none);
  }
  SECTION("Mirai with sequence number one above the destination") {
    CHECK(tool_of(with(mirai_syn, seq_at + 3, {0x03})) == scan_tool::hping3);
  }
  SECTION("TTL does not matter to these rules") {
    CHECK(tool_of(with(masscan_syn, ttl_at, {0x40})) == scan_tool::masscan);
  }
}

TEST_CASE("IP ID relations and initial TTL", "[fingerprint]") {
  decoded_packet p;
  parse_frame(masscan_syn.data(), masscan_syn.size(), p);
  CHECK(classify_ip_id(p) == ip_id_rule::masscan);
  parse_frame(zmap_syn.data(), zmap_syn.size(), p);
  CHECK(classify_ip_id(p) == ip_id_rule::zmap);
  parse_frame(nmap_syn.data(), nmap_syn.size(), p);
  CHECK(classify_ip_id(p) == ip_id_rule::other);
  CHECK(initial_ttl(57) == 64);
  CHECK(initial_ttl(64) == 64);
  CHECK(initial_ttl(65) == 128);
  CHECK(initial_ttl(1) == 32);
  CHECK(initial_ttl(255) == 255);
}

TEST_CASE("fingerprint keys read back as the header features", "[fingerprint]") {
  decoded_packet p;
  parse_frame(nmap_syn.data(), nmap_syn.size(), p);
  const fingerprint_key nmap = make_fingerprint_key(p);
  CHECK(to_string(nmap) == "tcp:64:1024:mss1460:ws-:M:df0:id=other:S:pl0");
  parse_frame(zmap_syn.data(), zmap_syn.size(), p);
  const fingerprint_key zmap = make_fingerprint_key(p);
  CHECK(to_string(zmap) == "tcp:255:65535:mss-:ws-:-:df0:id=zmap:S:pl0");
  CHECK(nmap != zmap);
  CHECK(nmap.hash() != zmap.hash());

  // Two nmap probes with different TTLs, ports and IP IDs share a key.
  auto other_probe = with(nmap_syn, ttl_at, {0x30});
  other_probe = with(other_probe, ip_id_at, {0x11, 0x22});
  other_probe = with(other_probe, 36, {0x00, 0x16});
  parse_frame(other_probe.data(), other_probe.size(), p);
  CHECK(make_fingerprint_key(p) == nmap);

  uint64_t code = 0;
  REQUIRE(parse_option_layout("MSTNW", code));
  CHECK_FALSE(parse_option_layout("MXZ", code));
  CHECK_FALSE(parse_option_layout("MMMMMMMMM", code));
}
