#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "frame_builder.hpp"
#include "packet/parser.hpp"
#include "packet/wire.hpp"

using namespace scanscope;
using namespace scanscope::test;

namespace {

constexpr uint16_t eth_arp = 0x0806;
constexpr uint16_t tpid_vlan = 0x8100;
constexpr uint16_t tpid_qinq = 0x88A8;

/** One well-formed frame and what the parser must find in it. */
struct good_case {
  const char* name;
  bytes frame;
  parse_result result;
  l3_kind l3;
  l4_kind l4;
  uint16_t dst_port;  // when has_ports
  bool has_ports;
  uint32_t payload_length;
};

std::vector<good_case> good_cases() {
  const bytes http_get = {'G', 'E', 'T', ' ', '/', '\r', '\n'};
  tcp_fields syn;
  tcp_fields syn_opts;
  syn_opts.options = linux_syn_options();
  syn_opts.window = 64240;
  ipv4_fields v4;
  ipv4_fields v4_udp;
  v4_udp.proto = 17;
  ipv4_fields v4_icmp;
  v4_icmp.proto = 1;
  ipv4_fields v4_opts;
  v4_opts.options = {0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00};  // router alert, NOPs, EOL
  ipv4_fields v4_first;
  v4_first.more_fragments = true;
  ipv4_fields v4_later;
  v4_later.fragment_offset = 3;
  ipv4_fields v4_gre;
  v4_gre.proto = 47;

  return {
      {"ipv4 tcp syn", ethernet(ethertype::ipv4) + ipv4(v4, tcp(syn)), parse_result::ok,
       l3_kind::ipv4, l4_kind::tcp, 8545, true, 0},
      {"ipv4 tcp syn with linux options", ethernet(ethertype::ipv4) + ipv4(v4, tcp(syn_opts)),
       parse_result::ok, l3_kind::ipv4, l4_kind::tcp, 8545, true, 0},
      {"ipv4 tcp with payload", ethernet(ethertype::ipv4) + ipv4(v4, tcp(syn, http_get)),
       parse_result::ok, l3_kind::ipv4, l4_kind::tcp, 8545, true, 7},
      {"802.1Q ipv4 tcp", ethernet(ethertype::ipv4, {{tpid_vlan, 100}}) + ipv4(v4, tcp(syn)),
       parse_result::ok, l3_kind::ipv4, l4_kind::tcp, 8545, true, 0},
      {"QinQ ipv4 tcp",
       ethernet(ethertype::ipv4, {{tpid_qinq, 200}, {tpid_vlan, 100}}) + ipv4(v4, tcp(syn)),
       parse_result::ok, l3_kind::ipv4, l4_kind::tcp, 8545, true, 0},
      {"ipv4 with options", ethernet(ethertype::ipv4) + ipv4(v4_opts, tcp(syn)), parse_result::ok,
       l3_kind::ipv4, l4_kind::tcp, 8545, true, 0},
      {"ipv4 udp", ethernet(ethertype::ipv4) + ipv4(v4_udp, udp(5353, 53, {1, 2, 3})),
       parse_result::ok, l3_kind::ipv4, l4_kind::udp, 53, true, 3},
      {"ipv4 icmp echo", ethernet(ethertype::ipv4) + ipv4(v4_icmp, icmp(8, 0, {9, 9})),
       parse_result::ok, l3_kind::ipv4, l4_kind::icmp, 0, false, 2},
      {"ipv4 first fragment", ethernet(ethertype::ipv4) + ipv4(v4_first, tcp(syn, http_get)),
       parse_result::ok, l3_kind::ipv4, l4_kind::tcp, 8545, true, 7},
      {"ipv4 later fragment", ethernet(ethertype::ipv4) + ipv4(v4_later, http_get),
       parse_result::ipv4_later_fragment, l3_kind::ipv4, l4_kind::tcp, 0, false, 0},
      {"ipv4 gre", ethernet(ethertype::ipv4) + ipv4(v4_gre, {0, 0, 0x08, 0}), parse_result::ok,
       l3_kind::ipv4, l4_kind::other, 0, false, 4},
      {"ipv6 tcp", ethernet(ethertype::ipv6) + ipv6(6, tcp(syn_opts)), parse_result::ok,
       l3_kind::ipv6, l4_kind::tcp, 8545, true, 0},
      {"ipv6 udp", ethernet(ethertype::ipv6) + ipv6(17, udp(1, 123, {7})), parse_result::ok,
       l3_kind::ipv6, l4_kind::udp, 123, true, 1},
      {"ipv6 icmpv6", ethernet(ethertype::ipv6) + ipv6(58, icmp(128, 0)), parse_result::ok,
       l3_kind::ipv6, l4_kind::icmpv6, 0, false, 0},
      {"ipv6 hop-by-hop, dest options, tcp",
       ethernet(ethertype::ipv6) + ipv6(0, ipv6_extension(60) + ipv6_extension(6, 2) + tcp(syn)),
       parse_result::ok, l3_kind::ipv6, l4_kind::tcp, 8545, true, 0},
      {"ipv6 routing header, udp",
       ethernet(ethertype::ipv6) + ipv6(43, ipv6_extension(17, 3) + udp(9, 5060)), parse_result::ok,
       l3_kind::ipv6, l4_kind::udp, 5060, true, 0},
      {"ipv6 first fragment",
       ethernet(ethertype::ipv6) + ipv6(44, ipv6_fragment(6, 0, true) + tcp(syn, http_get)),
       parse_result::ok, l3_kind::ipv6, l4_kind::tcp, 8545, true, 7},
      {"ipv6 later fragment",
       ethernet(ethertype::ipv6) + ipv6(44, ipv6_fragment(17, 10, false) + http_get),
       parse_result::ipv6_later_fragment, l3_kind::ipv6, l4_kind::udp, 0, false, 0},
      {"ipv6 no next header", ethernet(ethertype::ipv6) + ipv6(59, {}), parse_result::ok,
       l3_kind::ipv6, l4_kind::other, 0, false, 0},
      {"802.1Q ipv6 tcp", ethernet(ethertype::ipv6, {{tpid_vlan, 7}}) + ipv6(6, tcp(syn)),
       parse_result::ok, l3_kind::ipv6, l4_kind::tcp, 8545, true, 0},
      {"arp", ethernet(eth_arp) + bytes(28, 0), parse_result::non_ip, l3_kind::none, l4_kind::none,
       0, false, 0},
  };
}

}  // namespace

TEST_CASE("well-formed frames parse to their headers", "[parser]") {
  for (const good_case& c : good_cases()) {
    SECTION(c.name) {
      decoded_packet p;
      REQUIRE(parse_frame(c.frame.data(), c.frame.size(), p) == c.result);
      CHECK(p.l3 == c.l3);
      CHECK(p.l4 == c.l4);
      CHECK(p.has_ports == c.has_ports);
      if (c.has_ports) {
        CHECK(p.dst_port == c.dst_port);
      }
      CHECK(p.payload_length == c.payload_length);
      CHECK(p.payload_offset + p.payload_length <= c.frame.size());
    }
  }
}

TEST_CASE("ethernet frame padding is not payload", "[parser]") {
  ipv4_fields v4;
  const bytes frame = ethernet(ethertype::ipv4) + ipv4(v4, tcp(tcp_fields{})) + bytes(6, 0);
  REQUIRE(frame.size() == 60);  // minimum Ethernet frame without FCS
  decoded_packet p;
  REQUIRE(parse_frame(frame.data(), frame.size(), p) == parse_result::ok);
  CHECK(p.payload_length == 0);
}

TEST_CASE("IPv4 and TCP fields are read from the right offsets", "[parser]") {
  ipv4_fields v4;
  v4.ttl = 51;
  v4.id = 54321;
  v4.dont_fragment = true;
  tcp_fields t;
  t.src_port = 61000;
  t.dst_port = 3333;
  t.seq = 0xCB007102;
  t.ack = 0x11223344;
  t.flags = 0x12;
  t.window = 65535;
  t.options = linux_syn_options();
  const bytes frame = ethernet(ethertype::ipv4, {{tpid_vlan, 42}}) + ipv4(v4, tcp(t));
  decoded_packet p;
  REQUIRE(parse_frame(frame.data(), frame.size(), p) == parse_result::ok);
  CHECK(p.vlan_count == 1);
  CHECK(p.vlan_id == 42);
  CHECK(p.ttl == 51);
  CHECK(p.ip_id == 54321);
  CHECK(p.dont_fragment);
  CHECK_FALSE(p.first_fragment);
  CHECK(p.src_v4 == 0xC6336401);
  CHECK(p.dst_v4 == 0xCB007102);
  CHECK(p.src_addr[0] == 198);
  CHECK(p.dst_addr[3] == 2);
  CHECK(p.src_port == 61000);
  CHECK(p.dst_port == 3333);
  CHECK(p.seq == 0xCB007102);
  CHECK(p.ack == 0x11223344);
  CHECK(p.tcp_flags == (tcp_flag::syn | tcp_flag::ack));
  CHECK(p.window == 65535);
  CHECK(p.l3_offset == 18);
  CHECK(p.l4_offset == 38);
}

TEST_CASE("TCP options are kept in order with their values", "[parser]") {
  tcp_fields t;
  t.options = linux_syn_options();
  ipv4_fields v4;
  const bytes frame = ethernet(ethertype::ipv4) + ipv4(v4, tcp(t));
  decoded_packet p;
  REQUIRE(parse_frame(frame.data(), frame.size(), p) == parse_result::ok);
  const tcp_options& o = p.options;
  REQUIRE(o.count == 5);
  CHECK(o.kinds[0] == tcp_option_kind::mss);
  CHECK(o.kinds[1] == tcp_option_kind::sack_permitted);
  CHECK(o.kinds[2] == tcp_option_kind::timestamp);
  CHECK(o.kinds[3] == tcp_option_kind::nop);
  CHECK(o.kinds[4] == tcp_option_kind::window_scale);
  CHECK(o.has_mss);
  CHECK(o.mss == 1460);
  CHECK(o.sack_permitted);
  CHECK(o.has_timestamp);
  CHECK(o.ts_value == 1);
  CHECK(o.ts_echo == 0);
  CHECK(o.has_window_scale);
  CHECK(o.window_scale == 7);
}

TEST_CASE("nmap's MSS-only SYN and an EOL-terminated list", "[parser]") {
  tcp_fields t;
  t.options = {2, 4, 0x05, 0xB4};
  ipv4_fields v4;
  bytes frame = ethernet(ethertype::ipv4) + ipv4(v4, tcp(t));
  decoded_packet p;
  REQUIRE(parse_frame(frame.data(), frame.size(), p) == parse_result::ok);
  CHECK(p.options.count == 1);
  CHECK(p.options.mss == 1460);

  t.options = {1, 1, 0, 0x77};  // NOP NOP EOL, then bytes after EOL are ignored
  frame = ethernet(ethertype::ipv4) + ipv4(v4, tcp(t));
  REQUIRE(parse_frame(frame.data(), frame.size(), p) == parse_result::ok);
  CHECK(p.options.count == 3);
  CHECK(p.options.kinds[2] == tcp_option_kind::eol);
}

TEST_CASE("IPv6 addresses and hop limit", "[parser]") {
  const bytes frame = ethernet(ethertype::ipv6) + ipv6(17, udp(1, 2), 255);
  decoded_packet p;
  REQUIRE(parse_frame(frame.data(), frame.size(), p) == parse_result::ok);
  CHECK(p.ttl == 255);
  CHECK(p.src_addr[0] == 0x20);
  CHECK(p.src_addr[15] == 1);
  CHECK(p.dst_addr[15] == 2);
  CHECK(p.ip_proto == 17);
}

// Every good frame cut at every length: the parser must stop with a reason, never read past
// the end (run under AddressSanitizer to prove it), and never claim more payload than exists.
TEST_CASE("frames truncated at every offset", "[parser][truncation]") {
  for (const good_case& c : good_cases()) {
    for (size_t len = 0; len < c.frame.size(); ++len) {
      // A heap copy of exactly len bytes, so that an over-read is a sanitizer error.
      std::vector<uint8_t> cut(c.frame.begin(), c.frame.begin() + static_cast<long>(len));
      decoded_packet p;
      const parse_result r = parse_frame(cut.data(), cut.size(), p);
      INFO(c.name << " cut to " << len << " of " << c.frame.size() << ": " << parse_result_name(r));
      if (c.result == parse_result::non_ip && len >= 14) {
        CHECK(r == parse_result::non_ip);
      } else {
        CHECK(is_malformed(r));
      }
      CHECK(p.payload_offset + p.payload_length <= len);

      // The same cut marked as a capture snapshot of a longer wire frame: lengths beyond the
      // captured bytes are then expected, and a cut inside the payload parses fine.
      decoded_packet snapped;
      const parse_result rs = parse_frame(cut.data(), cut.size(), c.frame.size(), snapped);
      CHECK(snapped.payload_offset + snapped.payload_length <= len);
      CHECK(rs != parse_result::bad_ipv4_total_length);
      CHECK(rs != parse_result::bad_ipv6_payload_length);
      if (c.payload_length > 0 && len > c.frame.size() - c.payload_length) {
        CHECK(rs == c.result);
        CHECK(snapped.payload_length == len - (c.frame.size() - c.payload_length));
      }
    }
  }
}

namespace {

struct bad_case {
  const char* name;
  bytes frame;
  parse_result expected;
};

std::vector<bad_case> bad_cases() {
  ipv4_fields v4;
  tcp_fields t;
  std::vector<bad_case> cases;

  bytes f = ethernet(ethertype::ipv4) + ipv4(v4, tcp(t));
  f[14] = 0x65;  // version 6 in an IPv4 EtherType
  cases.push_back({"ipv4 version 6", f, parse_result::bad_ipv4_version});

  f = ethernet(ethertype::ipv4) + ipv4(v4, tcp(t));
  f[14] = 0x44;  // IHL 4
  cases.push_back({"ipv4 ihl 4", f, parse_result::bad_ipv4_header_length});

  f = ethernet(ethertype::ipv4) + ipv4(v4, tcp(t));
  set16(f, 16, 19);  // total length below the header
  cases.push_back({"ipv4 total length 19", f, parse_result::bad_ipv4_total_length});

  f = ethernet(ethertype::ipv4) + ipv4(v4, tcp(t));
  set16(f, 16, 1500);  // beyond the frame
  cases.push_back({"ipv4 total length beyond frame", f, parse_result::bad_ipv4_total_length});

  f = ethernet(ethertype::ipv4) + ipv4(v4, tcp(t));
  f[14] = 0x4F;  // IHL 15: 60 bytes of header in a 40-byte packet
  cases.push_back({"ipv4 ihl beyond frame", f, parse_result::truncated_ipv4});

  f = ethernet(ethertype::ipv4) + ipv4(v4, tcp(t));
  f[34 + 12] = 0x40;  // data offset 4
  cases.push_back({"tcp data offset 4", f, parse_result::bad_tcp_data_offset});

  f = ethernet(ethertype::ipv4) + ipv4(v4, tcp(t));
  f[34 + 12] = 0xF0;  // data offset 15: 60 bytes in a 20-byte segment
  cases.push_back({"tcp data offset beyond segment", f, parse_result::bad_tcp_data_offset});

  t.options = {2, 0, 0, 0};  // option length 0 would loop forever in a naive parser
  cases.push_back({"tcp option length 0", ethernet(ethertype::ipv4) + ipv4(v4, tcp(t)),
                   parse_result::bad_tcp_option});
  t.options = {1, 1, 1, 2};  // MSS kind with no room for its length byte
  cases.push_back({"tcp option without length", ethernet(ethertype::ipv4) + ipv4(v4, tcp(t)),
                   parse_result::bad_tcp_option});
  t.options = {8, 10, 0, 0};  // timestamp option running past the header
  cases.push_back({"tcp option past header", ethernet(ethertype::ipv4) + ipv4(v4, tcp(t)),
                   parse_result::bad_tcp_option});
  t.options = {2, 3, 5, 1};  // MSS of length 3
  cases.push_back({"tcp mss length 3", ethernet(ethertype::ipv4) + ipv4(v4, tcp(t)),
                   parse_result::bad_tcp_option});
  t.options = {3, 4, 7, 0};  // window scale of length 4
  cases.push_back({"tcp window scale length 4", ethernet(ethertype::ipv4) + ipv4(v4, tcp(t)),
                   parse_result::bad_tcp_option});

  ipv4_fields v4u;
  v4u.proto = 17;
  f = ethernet(ethertype::ipv4) + ipv4(v4u, udp(1, 53, {1, 2, 3, 4}));
  set16(f, 34 + 4, 7);
  cases.push_back({"udp length 7", f, parse_result::bad_udp_length});
  f = ethernet(ethertype::ipv4) + ipv4(v4u, udp(1, 53, {1, 2, 3, 4}));
  set16(f, 34 + 4, 13);
  cases.push_back({"udp length beyond ip", f, parse_result::bad_udp_length});

  f = ethernet(ethertype::ipv6) + ipv6(6, tcp(tcp_fields{}));
  f[14] = 0x40;
  cases.push_back({"ipv6 version 4", f, parse_result::bad_ipv6_version});
  f = ethernet(ethertype::ipv6) + ipv6(6, tcp(tcp_fields{}));
  set16(f, 18, 400);
  cases.push_back({"ipv6 payload length beyond frame", f, parse_result::bad_ipv6_payload_length});

  bytes chain;
  for (int i = 0; i < 9; ++i) {
    chain = chain + ipv6_extension(60);
  }
  chain[chain.size() - 8] = 59;
  cases.push_back({"nine ipv6 extension headers", ethernet(ethertype::ipv6) + ipv6(60, chain),
                   parse_result::too_many_ipv6_extensions});
  cases.push_back({"tcp cut after an ipv6 extension",
                   ethernet(ethertype::ipv6) + ipv6(0, ipv6_extension(6, 1) + bytes{0, 0}),
                   parse_result::truncated_tcp});
  bytes long_ext = ipv6_extension(6, 1);
  long_ext[1] = 4;  // claims 40 bytes, 8 present
  cases.push_back({"ipv6 extension length beyond payload",
                   ethernet(ethertype::ipv6) + ipv6(0, long_ext),
                   parse_result::truncated_ipv6_extension});

  cases.push_back({"three vlan tags",
                   ethernet(ethertype::ipv4, {{tpid_qinq, 1}, {tpid_vlan, 2}, {tpid_vlan, 3}}) +
                       ipv4(v4, tcp(tcp_fields{})),
                   parse_result::too_many_vlan_tags});

  ipv4_fields tiny;
  tiny.more_fragments = true;
  cases.push_back(
      {"tiny first fragment (8 bytes of TCP)",
       ethernet(ethertype::ipv4) + ipv4(tiny, bytes{0x9c, 0x40, 0x21, 0x61, 0, 0, 0, 1}),
       parse_result::tiny_first_fragment});
  return cases;
}

}  // namespace

TEST_CASE("malformed lengths and fields are counted by reason", "[parser][malformed]") {
  for (const bad_case& c : bad_cases()) {
    SECTION(c.name) {
      decoded_packet p;
      const parse_result r = parse_frame(c.frame.data(), c.frame.size(), p);
      INFO(parse_result_name(r));
      CHECK(r == c.expected);
      CHECK(p.payload_offset + p.payload_length <= c.frame.size());
    }
  }
}

TEST_CASE("parse result names are unique and stable", "[parser]") {
  std::vector<std::string> names;
  for (size_t i = 0; i < parse_result_count; ++i) {
    names.emplace_back(parse_result_name(static_cast<parse_result>(i)));
  }
  CHECK(names.front() == "ok");
  std::sort(names.begin(), names.end());
  CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
  CHECK(std::string(parse_result_name(static_cast<parse_result>(200))) == "unknown");
}
