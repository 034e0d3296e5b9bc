#include <catch2/catch.hpp>

#include "frame_builder.hpp"
#include "packet/parser.hpp"
#include "pipeline/lcore_fold.hpp"
#include "pipeline/worker.hpp"
#include "stats/traffic_snapshot.hpp"

using namespace scanscope;
using namespace scanscope::test;

namespace {

constexpr uint32_t scanner = 0x2D21209C;  // 45.33.32.156
constexpr uint32_t host = 0xC6130005;     // 198.19.0.5, monitored
constexpr uint64_t second = 1000000000ULL;
constexpr uint64_t t0 = 1700000000ULL * second;

struct bed {
  watched_ports ports;
  cluster_rules clusters;
  prefix_set monitored;
  syn_cookies cookies{7, 11};
  responder_config respond;
  std::unique_ptr<worker> w;

  bed(const std::string& name, bool responding) {
    std::string error;
    ports = *watched_ports::build({{8545, transport::tcp, "ethereum-jsonrpc"}}, error);
    clusters = *cluster_rules::parse(cluster_rules::default_text(), "built-in", error);
    REQUIRE(monitored.add("198.19.0.0/24").empty());
    respond.monitored = &monitored;
    respond.ports.set();
    respond.cookies = &cookies;
    respond.source_rate = 1000;
    respond.source_burst = 1000;
    worker_config config;
    config.ports = &ports;
    config.clusters = &clusters;
    config.source_capacity = 1024;
    config.unique_slots = 1 << 16;
    config.fingerprint_slots = 1024;
    config.monitored = &monitored;
    config.respond = responding ? &respond : nullptr;
    config.name = name;
    w = worker::create(config, error);
    REQUIRE(w);
  }
  void feed(const bytes& f, uint64_t t) {
    w->handle(f.data(), static_cast<uint32_t>(f.size()), static_cast<uint32_t>(f.size()), t);
  }
  traffic_snapshot fold() const { return fold_counters({view_of(*w)}, ports.size(), 10); }
};

bytes segment(uint32_t src, uint32_t dst, tcp_fields t, const bytes& payload = {}) {
  ipv4_fields ip;
  ip.src = src;
  ip.dst = dst;
  return ethernet(0x0800) + ipv4(ip, tcp(t, payload));
}

/** nmap's SYN: window 1024 and an MSS of 1460 only. */
tcp_fields nmap_syn(uint16_t sport) {
  tcp_fields t;
  t.src_port = sport;
  t.window = 1024;
  t.options = {2, 4, 0x05, 0xB4};
  return t;
}

/** A Linux client's SYN. */
tcp_fields linux_syn(uint16_t sport, uint32_t seq) {
  tcp_fields t;
  t.src_port = sport;
  t.seq = seq;
  t.window = 64240;
  t.options = linux_syn_options();
  return t;
}

}  // namespace

// A tap's hosts open connections of their own; the servers' replies arrive inbound and must
// not be taken for scans (synack, ack techniques, a new source, the host's ephemeral port).
TEST_CASE("replies to connections a monitored host opened are not scan traffic", "[conversation]") {
  bed b("conv_reply", false);
  constexpr uint32_t server = 0x5DB8D822;  // 93.184.216.34
  // The host opens a TCP connection from an ephemeral port: SYN, the server's SYN-ACK, the
  // host's ACK and request, the server's data and FIN.
  tcp_fields syn = linux_syn(51000, 7);
  syn.dst_port = 443;
  b.feed(segment(host, server, syn), t0);
  tcp_fields answer = linux_syn(443, 90);
  answer.dst_port = 51000;
  answer.flags = 0x12;
  b.feed(segment(server, host, answer), t0 + 1000);
  tcp_fields ack = linux_syn(51000, 8);
  ack.dst_port = 443;
  ack.flags = 0x18;
  ack.options = {};
  b.feed(segment(host, server, ack, bytes(100, 'x')), t0 + 2000);
  tcp_fields data = answer;
  data.flags = 0x18;
  data.options = {};
  b.feed(segment(server, host, data, bytes(1000, 'y')), t0 + 3000);
  data.flags = 0x11;
  // Five minutes later, after the host's request renewed it: still a reply.
  b.feed(segment(host, server, ack), t0 + 300 * second);
  b.feed(segment(server, host, data), t0 + 301 * second);
  // A DNS exchange: the host's query from an ephemeral port, the resolver's answer.
  ipv4_fields query_ip;
  query_ip.src = host;
  query_ip.dst = 0x08080808;
  query_ip.proto = 17;
  b.feed(ethernet(0x0800) + ipv4(query_ip, udp(40001, 53, bytes(30, 'q'))), t0 + 4000);
  ipv4_fields answer_ip;
  answer_ip.src = 0x08080808;
  answer_ip.dst = host;
  answer_ip.proto = 17;
  b.feed(ethernet(0x0800) + ipv4(answer_ip, udp(53, 40001, bytes(60, 'a'))), t0 + 5000);
  // A scanner's SYN to the host, and its ACK to a port the host never opened from: scans.
  b.feed(segment(scanner, host, nmap_syn(40000)), t0 + 6000);
  tcp_fields stray = nmap_syn(40000);
  stray.flags = 0x10;
  stray.dst_port = 51001;
  b.feed(segment(scanner, host, stray), t0 + 7000);
  const traffic_snapshot s = b.fold();
  CHECK(s.conversation.reply.packets == 4);
  CHECK(s.conversation.outbound.packets == 4);
  CHECK(s.conversation.inbound.packets == 2);
  CHECK(s.total.packets == 10);
  CHECK(s.sources.inserted == 1);  // the scanner only, not the server or the resolver
  CHECK(s.watched[0].packets == 1);  // the stray ACK to 51001; nothing to 443's client port
  CHECK(s.in_total(series_key::kind::technique)[static_cast<size_t>(scan_technique::synack)]
            .packets == 0);
}

TEST_CASE("with monitored prefixes only inbound frames are scan traffic", "[conversation]") {
  bed b("conv_dir", false);
  b.feed(segment(scanner, host, nmap_syn(40000)), t0);
  // The host's answer, and traffic passing by.
  tcp_fields synack = nmap_syn(8545);
  synack.dst_port = 40000;
  synack.flags = 0x12;
  b.feed(segment(host, scanner, synack), t0 + 1000);
  b.feed(segment(scanner, 0x08080808, nmap_syn(40001)), t0 + 2000);
  const traffic_snapshot s = b.fold();
  CHECK(s.conversation.monitored);
  CHECK(s.conversation.inbound.packets == 1);
  CHECK(s.conversation.outbound.packets == 1);
  CHECK(s.conversation.transit.packets == 1);
  CHECK(s.total.packets == 3);
  // One source, one packet: neither the answer nor the transit frame is counted as a scan.
  CHECK(s.sources.inserted == 1);
  CHECK(s.watched[1].packets == 1);
  CHECK(s.conversation.rows[1][static_cast<size_t>(scan_tool::nmap)].syns.packets == 1);
  // The answer to a scanner's SYN puts the host and port in the exposure view.
  REQUIRE(s.conversation.exposure.size() == 1);
  const exposure_total& e = s.conversation.exposure[0];
  CHECK(e.port == 8545);
  CHECK(e.host[15] == 5);
  CHECK(e.sources == 1);
  CHECK(e.tools == 1u << static_cast<unsigned>(scan_tool::nmap));
  CHECK(s.conversation.scalars[static_cast<size_t>(conversation_counter::exposure_answers)] == 1);
}

TEST_CASE("a SYN-ACK to no recent SYN is not exposure", "[conversation]") {
  bed b("conv_noexp", false);
  tcp_fields synack = nmap_syn(8545);
  synack.dst_port = 40000;
  synack.flags = 0x12;
  b.feed(segment(host, scanner, synack), t0);
  const traffic_snapshot s = b.fold();
  CHECK(s.conversation.exposure.empty());
  CHECK(s.conversation.scalars[static_cast<size_t>(conversation_counter::outbound_synacks)] == 1);
}

TEST_CASE("two-phase scans: a tool's SYN, then an ordinary stack's connection", "[conversation]") {
  bed b("conv_two", true);
  b.feed(segment(scanner, host, nmap_syn(40000)), t0);
  REQUIRE(b.w->answers().count == 1);
  b.w->answers().clear();
  // Five minutes later the same source connects from a Linux stack and sends a request.
  const uint64_t later = t0 + 300 * second;
  b.feed(segment(scanner, host, linux_syn(51000, 5000)), later);
  REQUIRE(b.w->answers().count == 1);
  decoded_packet answer;
  parse_frame(b.w->answers().frames[0], b.w->answers().lengths[0], answer);
  b.w->answers().clear();
  tcp_fields ack = linux_syn(51000, 5001);
  ack.options = {};
  ack.flags = 0x10;
  ack.ack = answer.seq + 1;
  b.feed(segment(scanner, host, ack), later + 1000);
  ack.flags = 0x18;
  b.feed(segment(scanner, host, ack, {'P', 'O', 'S', 'T'}), later + 2000);
  const traffic_snapshot s = b.fold();
  const auto& nmap_row = s.conversation.rows[1][static_cast<size_t>(scan_tool::nmap)];
  const auto& none_row = s.conversation.rows[1][static_cast<size_t>(scan_tool::none)];
  CHECK(nmap_row.syns.sources == 1);
  CHECK(none_row.syns.sources == 1);
  CHECK(nmap_row.two_phase.sources == 1);
  // The second phase's handshake and payload are counted under the first phase's tool.
  CHECK(nmap_row.handshakes.sources == 1);
  CHECK(nmap_row.payloads.sources == 1);
  CHECK(none_row.handshakes.sources == 0);
  CHECK(nmap_row.synacks_sent == 1);
  CHECK(none_row.synacks_sent == 1);
}

TEST_CASE("no two-phase join past its window", "[conversation]") {
  bed b("conv_late", false);
  b.feed(segment(scanner, host, nmap_syn(40000)), t0);
  b.feed(segment(scanner, host, linux_syn(51000, 5000)), t0 + 3600 * second);
  const traffic_snapshot s = b.fold();
  CHECK(s.conversation.rows[1][static_cast<size_t>(scan_tool::nmap)].two_phase.packets == 0);
}
