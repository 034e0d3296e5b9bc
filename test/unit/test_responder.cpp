#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "converse/answer_frame.hpp"
#include "converse/emulation.hpp"
#include "converse/responder.hpp"
#include "converse/syn_cookie.hpp"
#include "frame_builder.hpp"
#include "packet/parser.hpp"
#include "packet/prefix_set.hpp"

using namespace scanscope;
using namespace scanscope::test;

namespace {

constexpr uint32_t scanner = 0x2D21209C;  // 45.33.32.156, a public address
constexpr uint32_t darknet = 0xC6130005;  // 198.19.0.5
constexpr uint64_t second = 1000000000ULL;
constexpr uint64_t t0 = 1700000000ULL * second;

bytes segment(uint32_t src, uint32_t dst, const tcp_fields& t, const bytes& payload = {},
              bool more_fragments = false) {
  ipv4_fields ip;
  ip.src = src;
  ip.dst = dst;
  ip.more_fragments = more_fragments;
  return ethernet(0x0800) + ipv4(ip, tcp(t, payload));
}

tcp_fields syn(uint16_t sport = 40000, uint16_t dport = 8545, uint32_t seq = 1000) {
  tcp_fields t;
  t.src_port = sport;
  t.dst_port = dport;
  t.seq = seq;
  t.flags = 0x02;
  t.options = {2, 4, 0x05, 0xB4};
  return t;
}

/** RFC 1071 sum over a buffer, written out here rather than taken from the code under test. */
uint32_t sum16(const uint8_t* p, size_t n, uint32_t s = 0) {
  for (size_t i = 0; i < n; i += 2) {
    s += static_cast<uint32_t>(p[i] << 8) | (i + 1 < n ? p[i + 1] : 0);
  }
  while (s >> 16) {
    s = (s & 0xFFFF) + (s >> 16);
  }
  return s;
}

uint32_t get32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

struct responder_bed {
  prefix_set monitored;
  prefix_set allow;
  syn_cookies cookies{0x0123456789ABCDEFULL, 0xFEDCBA9876543210ULL};
  responder_config config;
  conversation_counters counts{2};
  answer_queue out;

  explicit responder_bed(double rate = 1000, uint32_t burst = 100, double per_source = 100,
                         uint32_t source_burst = 100) {
    REQUIRE(monitored.add_list("198.19.0.0/24,2001:db8::2/128").empty());
    config.monitored = &monitored;
    config.allow = &allow;
    config.ports.set();
    config.rate = rate;
    config.burst = burst;
    config.source_rate = per_source;
    config.source_burst = source_burst;
    config.cookies = &cookies;
  }
  uint64_t count(conversation_counter c) const {
    return counts.scalars[static_cast<size_t>(c)].read();
  }
};

/** A bed whose responder emulates an Ethereum node (--emulate ethereum) with 64 conversation
 *  slots; the plan lives as long as the config that points at it. */
struct ethereum_bed : responder_bed {
  emulation_plan plan;

  ethereum_bed() {
    REQUIRE(plan_emulation("ethereum", {}, plan).empty());
    config.emulation = &plan;
    config.conversation_slots = 64;
  }
};

conversation_event feed(responder& r, responder_bed& bed, const bytes& frame, uint64_t t,
                        uint64_t source_hash = 1, uint32_t tag = 0) {
  decoded_packet p;
  parse_frame(frame.data(), frame.size(), p);
  return r.handle(frame.data(), p, t, source_hash, tag, bed.out, bed.counts);
}

}  // namespace

TEST_CASE("prefix lists parse IPv4 and IPv6 and refuse typos", "[responder]") {
  prefix_set s;
  REQUIRE(s.add_list("198.19.0.0/24, 2001:db8:5::/48,192.0.2.7").empty());
  uint8_t a[16];
  const uint8_t in4[4] = {198, 19, 0, 77};
  const uint8_t out4[4] = {198, 19, 1, 1};
  CHECK(s.contains_packet_address(in4, false));
  CHECK_FALSE(s.contains_packet_address(out4, false));
  const uint8_t host[4] = {192, 0, 2, 7};
  map_address(host, false, a);
  CHECK(s.contains(a));
  const uint8_t in6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 5, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1};
  CHECK(s.contains_packet_address(in6, true));
  CHECK(s.describe() == "198.19.0.0/24, 2001:db8:5::/48, 192.0.2.7/32");
  CHECK_THAT(prefix_set().add("198.19.0.1/24"), Catch::Contains("host bits"));
  CHECK_THAT(prefix_set().add("198.19.0.0/33"), Catch::Contains("0 to 32"));
  CHECK_THAT(prefix_set().add("example.org"), Catch::Contains("not an IPv4 or IPv6"));
  CHECK_THAT(prefix_set().add_list("198.19.0.0/24,,"), Catch::Contains("empty item"));
}

TEST_CASE("special-purpose ranges hold what RFC 6890 lists", "[responder]") {
  const prefix_set& bogons = special_purpose_prefixes();
  for (const char* text : {"10.1.2.3", "127.0.0.1", "100.64.0.1", "169.254.9.9", "172.31.0.1",
                           "192.168.1.1", "198.18.0.1", "198.19.255.1", "203.0.113.9",
                           "224.0.0.1", "240.0.0.1", "255.255.255.255", "0.1.2.3"}) {
    prefix_set one;
    REQUIRE(one.add(text).empty());
    CHECK(bogons.contains(one.prefixes()[0].bytes));
  }
  for (const char* text : {"::1", "fe80::1", "fd00::1", "ff02::1", "2001:db8::1"}) {
    prefix_set one;
    REQUIRE(one.add(text).empty());
    CHECK(bogons.contains(one.prefixes()[0].bytes));
  }
  for (const char* text : {"45.33.32.156", "8.8.8.8", "2a00:1450::1"}) {
    prefix_set one;
    REQUIRE(one.add(text).empty());
    CHECK_FALSE(bogons.contains(one.prefixes()[0].bytes));
  }
}

TEST_CASE("SipHash-2-4 gives the paper's test vector", "[responder]") {
  // Aumasson and Bernstein, "SipHash: a fast short-input PRF", appendix A.
  const uint64_t key[2] = {0x0706050403020100ULL, 0x0F0E0D0C0B0A0908ULL};
  uint8_t message[15];
  for (uint8_t i = 0; i < 15; ++i) {
    message[i] = i;
  }
  CHECK(siphash24(key, message, sizeof message) == 0xA129CA6149BE45E5ULL);
}

TEST_CASE("a SYN cookie checks for its tuple and time, and carries its tag", "[responder]") {
  const syn_cookies cookies(1, 2);
  connection_tuple t{};
  t.client[15] = 1;
  t.server[15] = 2;
  t.client_port = 40000;
  t.server_port = 8545;
  for (uint32_t tag = 0; tag < 16; ++tag) {
    const uint32_t c = cookies.make(t, t0, tag);
    uint32_t got = 99;
    REQUIRE(cookies.check(t, t0 + 5 * second, c, got));
    CHECK(got == tag);
    // The ISN + 1 and + 2 a client acknowledges later are not taken for the ISN.
    CHECK_FALSE(cookies.check(t, t0, c + 1, got));
    CHECK_FALSE(cookies.check(t, t0, c + 2, got));
  }
  const uint32_t c = cookies.make(t, t0, 3);
  uint32_t tag = 0;
  CHECK(cookies.check(t, t0 + syn_cookies::slot_seconds * second, c, tag));
  CHECK_FALSE(cookies.check(t, t0 + 3 * syn_cookies::slot_seconds * second, c, tag));
  connection_tuple other = t;
  other.client_port = 40001;
  CHECK_FALSE(cookies.check(other, t0, c, tag));
  CHECK(syn_cookies(1, 3).make(t, t0, 3) != c);
}

TEST_CASE("an answer is a valid TCP segment back to the client, VLAN kept", "[responder]") {
  tcp_fields t = syn();
  ipv4_fields ip;
  ip.src = scanner;
  ip.dst = darknet;
  const bytes frame = ethernet(0x0800, {{0x8100, 42}}) + ipv4(ip, tcp(t));
  decoded_packet p;
  parse_frame(frame.data(), frame.size(), p);
  answer_segment a;
  a.flags = 0x12;
  a.seq = 0xA1B2C3D4;
  a.ack = 1001;
  a.window = 29200;
  a.mss = 1460;
  uint8_t out[max_answer_bytes];
  const size_t n = build_answer(frame.data(), p, a, out);
  REQUIRE(n == 18 + 20 + 24);
  CHECK(std::memcmp(out, frame.data() + 6, 6) == 0);  // to the sender's MAC
  CHECK(std::memcmp(out + 6, frame.data(), 6) == 0);
  CHECK(out[14] == 0x00);  // VLAN tag kept
  CHECK(out[15] == 42);
  const uint8_t* ip4 = out + 18;
  CHECK(sum16(ip4, 20) == 0xFFFF);
  CHECK(get32(ip4 + 12) == darknet);
  CHECK(get32(ip4 + 16) == scanner);
  const uint8_t* seg = ip4 + 20;
  uint8_t pseudo[12] = {};
  std::memcpy(pseudo, ip4 + 12, 8);
  pseudo[9] = 6;
  pseudo[11] = 24;
  CHECK(sum16(seg, 24, sum16(pseudo, 12)) == 0xFFFF);
  CHECK(get32(seg + 4) == 0xA1B2C3D4);
  CHECK(get32(seg + 8) == 1001);
  CHECK(seg[13] == 0x12);
  CHECK(seg[20] == 2);  // MSS, the only option
  CHECK((seg[22] << 8 | seg[23]) == 1460);

  const bytes frame6 = ethernet(0x86DD) + ipv6(6, tcp(t));
  parse_frame(frame6.data(), frame6.size(), p);
  a.mss = 1440;
  const size_t n6 = build_answer(frame6.data(), p, a, out);
  REQUIRE(n6 == 14 + 40 + 24);
  uint8_t pseudo6[40] = {};
  std::memcpy(pseudo6, out + 14 + 8, 32);
  pseudo6[35] = 24;
  pseudo6[39] = 6;
  CHECK(sum16(out + 54, 24, sum16(pseudo6, 40)) == 0xFFFF);
  CHECK(out[14 + 23] == 2);  // to 2001:db8::2's sender, 2001:db8::1
  CHECK(out[14 + 39] == 1);
}

TEST_CASE("the responder answers SYNs, follows the handshake and closes", "[responder]") {
  responder_bed bed;
  responder r(bed.config);
  conversation_event e = feed(r, bed, segment(scanner, darknet, syn()), t0, 1, 5);
  CHECK(e.step == conversation_step::syn_answered);
  REQUIRE(bed.out.count == 1);
  decoded_packet answer;
  parse_frame(bed.out.frames[0], bed.out.lengths[0], answer);
  CHECK(answer.tcp_flags == 0x12);
  CHECK(answer.ack == 1001);
  CHECK(answer.options.count == 1);
  CHECK(answer.options.mss == 1460);
  const uint32_t isn = answer.seq;

  // The client's ACK: a handshake, no answer; the tag comes back from the cookie.
  tcp_fields ack = syn();
  ack.flags = 0x10;
  ack.seq = 1001;
  ack.ack = isn + 1;
  ack.options = {};
  e = feed(r, bed, segment(scanner, darknet, ack), t0 + second);
  CHECK(e.step == conversation_step::handshake);
  CHECK(e.tag == 5);
  CHECK(bed.out.count == 1);

  // Data: acknowledged whole, with our FIN.
  tcp_fields data = ack;
  data.flags = 0x18;
  const bytes request = {'G', 'E', 'T', ' ', '/', '\r', '\n'};
  e = feed(r, bed, segment(scanner, darknet, data, request), t0 + second);
  CHECK(e.step == conversation_step::payload);
  CHECK(e.tag == 5);
  REQUIRE(bed.out.count == 2);
  parse_frame(bed.out.frames[1], bed.out.lengths[1], answer);
  CHECK(answer.tcp_flags == (0x10 | 0x01));
  CHECK(answer.seq == isn + 1);
  CHECK(answer.ack == 1001 + request.size());

  // The client's FIN after ours: its ACK, and nothing for the ACK of our FIN.
  tcp_fields fin = ack;
  fin.flags = 0x11;
  fin.seq = 1001 + static_cast<uint32_t>(request.size());
  fin.ack = isn + 2;
  e = feed(r, bed, segment(scanner, darknet, fin), t0 + 2 * second);
  CHECK(e.step == conversation_step::closing);
  REQUIRE(bed.out.count == 3);
  parse_frame(bed.out.frames[2], bed.out.lengths[2], answer);
  CHECK(answer.tcp_flags == 0x10);
  CHECK(answer.ack == fin.seq + 1);
  tcp_fields last = fin;
  last.flags = 0x10;
  e = feed(r, bed, segment(scanner, darknet, last), t0 + 2 * second);
  CHECK(e.step == conversation_step::none);
  CHECK(bed.out.count == 3);
  CHECK(bed.count(conversation_counter::responder_synacks_sent) == 1);
  CHECK(bed.count(conversation_counter::responder_handshakes) == 1);
  CHECK(bed.count(conversation_counter::responder_payload_segments) == 1);
  CHECK(bed.count(conversation_counter::responder_unknown_acks) == 0);
}

TEST_CASE("the responder never answers what it must not", "[responder]") {
  responder_bed bed;
  bed.config.ports.reset();
  bed.config.ports.set(8545);
  responder r(bed.config);
  tcp_fields rst = syn();
  rst.flags = 0x04;
  CHECK(feed(r, bed, segment(scanner, darknet, rst), t0).step == conversation_step::none);
  tcp_fields synack = syn();
  synack.flags = 0x12;
  CHECK(feed(r, bed, segment(scanner, darknet, synack), t0).step == conversation_step::none);
  tcp_fields stray = syn();
  stray.flags = 0x10;
  stray.ack = 12345;
  CHECK(feed(r, bed, segment(scanner, darknet, stray), t0).step == conversation_step::none);
  CHECK(bed.count(conversation_counter::responder_unknown_acks) == 1);
  CHECK(feed(r, bed, segment(scanner, darknet, syn(), {}, true), t0).step ==
        conversation_step::none);
  CHECK(bed.count(conversation_counter::responder_ignored_fragments) == 1);
  CHECK(feed(r, bed, segment(0x0A010203, darknet, syn()), t0).step == conversation_step::none);
  CHECK(bed.count(conversation_counter::responder_refused_special_source) == 1);
  CHECK(feed(r, bed, segment(0xC6130009, darknet, syn()), t0).step == conversation_step::none);
  CHECK(bed.count(conversation_counter::responder_refused_monitored_source) == 1);
  CHECK(feed(r, bed, segment(scanner, darknet, syn(40000, 8546)), t0).step ==
        conversation_step::none);
  CHECK(bed.count(conversation_counter::responder_refused_port) == 1);
  CHECK(bed.out.count == 0);
  // An exempted special-purpose source is answered.
  REQUIRE(bed.allow.add("10.0.0.0/8").empty());
  CHECK(feed(r, bed, segment(0x0A010203, darknet, syn()), t0).step ==
        conversation_step::syn_answered);
  CHECK(bed.out.count == 1);
}

TEST_CASE("caps withhold SYN-ACKs beyond their rate, per lcore and per source", "[responder]") {
  {
    responder_bed bed(10, 5, 1000, 1000);  // 10/s, 5 at once
    responder r(bed.config);
    unsigned answered = 0;
    for (uint32_t i = 0; i < 200; ++i) {  // 200 SYNs over 2 seconds
      const uint64_t t = t0 + i * (second / 100);
      answered += feed(r, bed, segment(scanner + i, darknet, syn()), t, i).step ==
                  conversation_step::syn_answered;
      bed.out.clear();
    }
    // 5 at once, then 10 a second for 2 seconds.
    CHECK(answered >= 24);
    CHECK(answered <= 26);
    CHECK(bed.count(conversation_counter::responder_withheld_rate) == 200 - answered);
  }
  {
    responder_bed bed(1000, 100, 1, 2);  // one source: 1/s, 2 at once
    responder r(bed.config);
    unsigned answered = 0;
    for (uint32_t i = 0; i < 50; ++i) {
      answered += feed(r, bed, segment(scanner, darknet, syn(40000 + i)), t0 + i * second / 10,
                       7)
                      .step == conversation_step::syn_answered;
      bed.out.clear();
    }
    CHECK(answered >= 6);  // 2 at once, then one a second over 4.9 s
    CHECK(answered <= 7);
    CHECK(bed.count(conversation_counter::responder_withheld_source) == 50 - answered);
  }
}

TEST_CASE("a connection that stays silent is reset after the timeout", "[responder]") {
  responder_bed bed;
  bed.config.timeout_ns = 10 * second;
  bed.config.waiting_slots = 64;
  responder r(bed.config);
  // Two connections complete; the second one sends a request.
  uint32_t isn[2];
  for (uint16_t i = 0; i < 2; ++i) {
    feed(r, bed, segment(scanner, darknet, syn(40000 + i)), t0);
    decoded_packet answer;
    parse_frame(bed.out.frames[i], bed.out.lengths[i], answer);
    isn[i] = answer.seq;
    tcp_fields ack = syn(40000 + i);
    ack.flags = 0x10;
    ack.seq = 1001;
    ack.ack = isn[i] + 1;
    ack.options = {};
    CHECK(feed(r, bed, segment(scanner, darknet, ack), t0 + second).step ==
          conversation_step::handshake);
  }
  bed.out.clear();
  tcp_fields data = syn(40001);
  data.flags = 0x18;
  data.seq = 1001;
  data.ack = isn[1] + 1;
  data.options = {};
  feed(r, bed, segment(scanner, darknet, data, {'h', 'i'}), t0 + 2 * second);
  bed.out.clear();
  // Before the timeout, nothing; after it, one RST for the silent connection only.
  for (int i = 0; i < 64; ++i) {
    r.expire(t0 + 5 * second, bed.out, bed.counts);
  }
  CHECK(bed.out.count == 0);
  for (int i = 0; i < 64; ++i) {
    r.expire(t0 + 12 * second, bed.out, bed.counts);
  }
  REQUIRE(bed.out.count == 1);
  decoded_packet rst;
  parse_frame(bed.out.frames[0], bed.out.lengths[0], rst);
  CHECK(rst.tcp_flags == (0x04 | 0x10));
  CHECK(rst.dst_port == 40000);
  CHECK(rst.seq == isn[0] + 1);
  CHECK(bed.count(conversation_counter::responder_timeouts) == 1);
}

namespace {

/** The data an answer segment carries. */
std::string data_of(const answer_queue& out, unsigned i, decoded_packet& p) {
  parse_frame(out.frames[i], out.lengths[i], p);
  return std::string(reinterpret_cast<const char*>(out.frames[i]) + p.payload_offset,
                     p.payload_length);
}

std::string rpc_post(const std::string& body) {
  return "POST / HTTP/1.1\r\nHost: 198.19.0.5:8545\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

bytes bytes_of(const std::string& s) {
  return bytes(s.begin(), s.end());
}

/** A handshake on `sport`: the responder's ISN. */
uint32_t handshake(responder& r, responder_bed& bed, uint16_t sport) {
  bed.out.clear();
  feed(r, bed, segment(scanner, darknet, syn(sport, 8545)), t0, 1, 3);
  decoded_packet answer;
  parse_frame(bed.out.frames[0], bed.out.lengths[0], answer);
  bed.out.clear();
  return answer.seq;
}

tcp_fields data_from(uint16_t sport, uint32_t seq, uint32_t ack) {
  tcp_fields t = syn(sport, 8545);
  t.flags = 0x18;
  t.seq = seq;
  t.ack = ack;
  t.options = {};
  return t;
}

}  // namespace

TEST_CASE("an answer the client lost is sent again, the same bytes at the same place",
          "[responder][emulation]") {
  ethereum_bed bed;
  responder r(bed.config);
  const uint32_t isn = handshake(r, bed, 40000);
  const std::string request =
      rpc_post(R"({"jsonrpc":"2.0","id":5,"method":"eth_sendTransaction","params":[{"to":")"
               R"(0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd","value":"0x1"}]})");
  const auto send = [&](uint32_t ack, uint64_t at) {
    bed.out.clear();
    return feed(r, bed, segment(scanner, darknet, data_from(40000, 1001, ack), bytes_of(request)),
                at);
  };
  conversation_event e = send(isn + 1, t0 + second);
  CHECK(e.steps == step_bit(emulated_step::eth_send));
  REQUIRE(bed.out.count == 1);
  decoded_packet answer;
  const std::string reply = data_of(bed.out, 0, answer);
  CHECK_THAT(reply, Catch::Contains(R"("id":5,"result":"0x)"));

  // The answer was lost: the client sends its request again, still waiting for byte isn + 1.
  // The same answer (its transaction hash too), at the same sequence number, counted once.
  e = send(isn + 1, t0 + 2 * second);
  CHECK(e.steps == 0);
  CHECK(e.indicator_count == 0);
  REQUIRE(bed.out.count == 1);
  decoded_packet again;
  CHECK(data_of(bed.out, 0, again) == reply);
  CHECK(again.seq == answer.seq);
  CHECK(again.ack == answer.ack);
  CHECK(bed.count(conversation_counter::emulation_answers_resent) == 1);
  CHECK(bed.count(conversation_counter::emulation_requests) == 1);

  // The client had the answer (its ACK says so) and only our ACK was lost: an ACK again.
  send(isn + 1 + static_cast<uint32_t>(reply.size()), t0 + 3 * second);
  REQUIRE(bed.out.count == 1);
  CHECK(data_of(bed.out, 0, again).empty());
  CHECK(again.seq == isn + 1 + reply.size());
  CHECK(bed.count(conversation_counter::emulation_answers_resent) == 1);
  CHECK(bed.count(conversation_counter::emulation_retransmissions) == 2);

  // Bytes at the same place that make another answer (no longer JSON: a parse error) are not
  // the request answered: an ACK.
  std::string other = request;
  other[other.size() - 3] = '2';
  bed.out.clear();
  feed(r, bed, segment(scanner, darknet, data_from(40000, 1001, isn + 1), bytes_of(other)),
       t0 + 4 * second);
  REQUIRE(bed.out.count == 1);
  CHECK(data_of(bed.out, 0, again).empty());
  CHECK(bed.count(conversation_counter::emulation_answers_resent) == 1);
}

TEST_CASE("an emulated conversation answers request after request until the client closes",
          "[responder][emulation]") {
  ethereum_bed bed;
  responder r(bed.config);
  const uint32_t isn = handshake(r, bed, 40000);

  // The first request: answered with data, the connection left open.
  const std::string first = rpc_post(R"({"jsonrpc":"2.0","id":1,"method":"eth_accounts"})");
  conversation_event e =
      feed(r, bed, segment(scanner, darknet, data_from(40000, 1001, isn + 1), bytes_of(first)),
           t0 + second);
  CHECK(e.step == conversation_step::payload);
  CHECK(e.tag == 3);
  CHECK(e.steps == step_bit(emulated_step::eth_recon));
  REQUIRE(bed.out.count == 1);
  decoded_packet answer;
  const std::string reply = data_of(bed.out, 0, answer);
  CHECK(answer.tcp_flags == (0x10 | 0x08));  // ACK, PSH: no FIN
  CHECK(answer.seq == isn + 1);
  CHECK(answer.ack == 1001 + first.size());
  CHECK(reply.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK_THAT(reply, Catch::Contains(R"("id":1,"result":["0x)"));

  // The second, in two segments: nothing but an ACK for the first half, the answer after
  // the second, its sequence number after the first answer.
  const std::string second_request =
      rpc_post(R"({"jsonrpc":"2.0","id":2,"method":"eth_sendTransaction","params":[{"to":")"
               R"(0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd","value":"0x1"}]})");
  const uint32_t seq2 = 1001 + static_cast<uint32_t>(first.size());
  const uint32_t ack2 = isn + 1 + static_cast<uint32_t>(reply.size());
  const size_t half = 40;
  bed.out.clear();
  e = feed(r, bed,
           segment(scanner, darknet, data_from(40000, seq2, ack2),
                   bytes_of(second_request.substr(0, half))),
           t0 + 2 * second);
  CHECK(e.steps == 0);
  REQUIRE(bed.out.count == 1);
  CHECK(data_of(bed.out, 0, answer).empty());
  CHECK(answer.ack == seq2 + half);
  bed.out.clear();
  e = feed(r, bed,
           segment(scanner, darknet, data_from(40000, seq2 + half, ack2),
                   bytes_of(second_request.substr(half))),
           t0 + 2 * second);
  CHECK(e.steps == step_bit(emulated_step::eth_send));
  REQUIRE(e.indicator_count == 1);
  CHECK(e.indicators[0].value() == "0xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd");
  REQUIRE(bed.out.count == 1);
  const std::string reply2 = data_of(bed.out, 0, answer);
  CHECK(answer.seq == ack2);
  CHECK(answer.ack == seq2 + second_request.size());
  CHECK_THAT(reply2, Catch::Contains(R"("id":2,"result":"0x)"));

  // A retransmission of what was taken: ACKed again, not answered again.
  bed.out.clear();
  feed(r, bed, segment(scanner, darknet, data_from(40000, 1001, isn + 1), bytes_of(first)),
       t0 + 3 * second);
  REQUIRE(bed.out.count == 1);
  CHECK(data_of(bed.out, 0, answer).empty());
  CHECK(bed.count(conversation_counter::emulation_retransmissions) == 1);

  // The client closes: our FIN with the ACK of its; its ACK of ours ends the conversation.
  const uint32_t end_seq = seq2 + static_cast<uint32_t>(second_request.size());
  const uint32_t our_end = ack2 + static_cast<uint32_t>(reply2.size());
  tcp_fields fin = data_from(40000, end_seq, our_end);
  fin.flags = 0x11;
  bed.out.clear();
  e = feed(r, bed, segment(scanner, darknet, fin), t0 + 4 * second);
  CHECK(e.step == conversation_step::closing);
  REQUIRE(bed.out.count == 1);
  parse_frame(bed.out.frames[0], bed.out.lengths[0], answer);
  CHECK(answer.tcp_flags == (0x10 | 0x01));
  CHECK(answer.seq == our_end);
  CHECK(answer.ack == end_seq + 1);
  tcp_fields last = fin;
  last.flags = 0x10;
  last.seq = end_seq + 1;
  last.ack = our_end + 1;
  bed.out.clear();
  CHECK(feed(r, bed, segment(scanner, darknet, last), t0 + 4 * second).step ==
        conversation_step::none);
  CHECK(bed.out.count == 0);
  CHECK(bed.count(conversation_counter::emulation_conversations) == 1);
  CHECK(bed.count(conversation_counter::emulation_requests) == 2);
  CHECK(bed.count(conversation_counter::responder_unknown_acks) == 0);
}

TEST_CASE("emulated conversations are bounded per source and in all", "[responder][emulation]") {
  ethereum_bed bed;
  bed.config.source_conversations = 3;
  responder r(bed.config);
  const std::string request = rpc_post(R"({"id":1,"method":"net_version"})");
  for (uint16_t i = 0; i < 5; ++i) {
    const uint16_t sport = static_cast<uint16_t>(41000 + i);
    const uint32_t isn = handshake(r, bed, sport);
    feed(r, bed, segment(scanner, darknet, data_from(sport, 1001, isn + 1), bytes_of(request)),
         t0 + second);
    REQUIRE(bed.out.count == 1);
    decoded_packet answer;
    const std::string reply = data_of(bed.out, 0, answer);
    if (i < 3) {
      CHECK(reply.rfind("HTTP/1.1 200 OK", 0) == 0);
      CHECK((answer.tcp_flags & 0x01) == 0);
    } else {
      // Over the source's cap: the first payload is acknowledged and the connection closed.
      CHECK(reply.empty());
      CHECK(answer.tcp_flags == (0x10 | 0x01));
    }
  }
  CHECK(bed.count(conversation_counter::emulation_conversations) == 3);
  CHECK(bed.count(conversation_counter::emulation_source_cap) == 2);
  // Past the timeout the sweep frees the slots and the source's count.
  for (int i = 0; i < 8; ++i) {
    r.expire(t0 + 30 * second, bed.out, bed.counts);
  }
  const uint32_t isn = handshake(r, bed, 42000);
  feed(r, bed, segment(scanner, darknet, data_from(42000, 1001, isn + 1), bytes_of(request)),
       t0 + 30 * second);
  CHECK(bed.count(conversation_counter::emulation_conversations) == 4);
}

TEST_CASE("an emulated conversation the server closes waits for the client's FIN; a RST ends it",
          "[responder][emulation]") {
  ethereum_bed bed;
  bed.config.source_conversations = 1;  // so a leaked entry would refuse the next connection
  responder r(bed.config);
  const std::string body = R"({"id":1,"method":"net_version"})";
  const std::string request =
      "POST / HTTP/1.0\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  uint32_t isn = handshake(r, bed, 43000);
  feed(r, bed, segment(scanner, darknet, data_from(43000, 1001, isn + 1), bytes_of(request)),
       t0 + second);
  REQUIRE(bed.out.count == 1);
  decoded_packet answer;
  const std::string reply = data_of(bed.out, 0, answer);
  CHECK(answer.tcp_flags == (0x10 | 0x08 | 0x01));  // HTTP/1.0: the answer carries our FIN
  const uint32_t our_end = isn + 1 + static_cast<uint32_t>(reply.size()) + 1;
  const uint32_t their_end = 1001 + static_cast<uint32_t>(request.size());
  // The client's ACK of our data and FIN: the conversation waits for its FIN.
  tcp_fields ack = data_from(43000, their_end, our_end);
  ack.flags = 0x10;
  bed.out.clear();
  CHECK(feed(r, bed, segment(scanner, darknet, ack), t0 + second).step == conversation_step::none);
  CHECK(bed.out.count == 0);
  tcp_fields fin = ack;
  fin.flags = 0x11;
  CHECK(feed(r, bed, segment(scanner, darknet, fin), t0 + second).step ==
        conversation_step::closing);
  REQUIRE(bed.out.count == 1);
  parse_frame(bed.out.frames[0], bed.out.lengths[0], answer);
  CHECK(answer.tcp_flags == 0x10);
  CHECK(answer.ack == their_end + 1);
  CHECK(answer.seq == our_end);
  CHECK(bed.count(conversation_counter::responder_unknown_acks) == 0);

  // The source's one conversation slot is free again; its next conversation ends with a RST.
  isn = handshake(r, bed, 43001);
  feed(r, bed, segment(scanner, darknet, data_from(43001, 1001, isn + 1), bytes_of(rpc_post(body))),
       t0 + 2 * second);
  CHECK(bed.count(conversation_counter::emulation_conversations) == 2);
  tcp_fields rst = data_from(43001, 1001 + static_cast<uint32_t>(rpc_post(body).size()), 0);
  rst.flags = 0x04;
  bed.out.clear();
  feed(r, bed, segment(scanner, darknet, rst), t0 + 2 * second);
  CHECK(bed.out.count == 0);  // never answered
  CHECK(bed.count(conversation_counter::emulation_resets) == 1);
  // ... and a third finds the slot free.
  isn = handshake(r, bed, 43002);
  feed(r, bed, segment(scanner, darknet, data_from(43002, 1001, isn + 1), bytes_of(rpc_post(body))),
       t0 + 3 * second);
  CHECK(bed.count(conversation_counter::emulation_conversations) == 3);
  CHECK(bed.count(conversation_counter::emulation_source_cap) == 0);
}
