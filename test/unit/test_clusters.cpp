#include <catch2/catch.hpp>

#include "cluster/cluster_decision.hpp"
#include "cluster/cluster_rules.hpp"
#include "frame_builder.hpp"
#include "packet/parser.hpp"

using namespace scanscope;
using namespace scanscope::test;

namespace {

decoded_packet syn(uint16_t window, const bytes& options = {}, uint8_t flags = 0x02) {
  tcp_fields t;
  t.window = window;
  t.options = options;
  t.flags = flags;
  ipv4_fields v4;
  static bytes frame;
  frame = ethernet(0x0800) + ipv4(v4, tcp(t));
  decoded_packet p;
  parse_frame(frame.data(), frame.size(), p);
  return p;
}

std::string cluster_of(const cluster_rules& r, const decoded_packet& p, scan_tool tool,
                       source_port_behaviour sport) {
  return r.name(r.classify(packet_traits{&p, tool, sport}));
}

}  // namespace

TEST_CASE("the built-in rules give the seed report's clusters", "[clusters]") {
  std::string error;
  auto r = cluster_rules::parse(cluster_rules::default_text(), "built-in", error);
  REQUIRE(r);
  using b = source_port_behaviour;
  CHECK(cluster_of(*r, syn(1024), scan_tool::masscan, b::fixed) == "fixed-port-w1024");
  CHECK(cluster_of(*r, syn(65535), scan_tool::zmap, b::random) == "random-port-w65535");
  // A source's first packet cannot show its port behaviour yet, but masscan, nmap and ZMap
  // have only one each: their first probe lands where the later ones do.
  CHECK(cluster_of(*r, syn(1024), scan_tool::masscan, b::unknown) == "fixed-port-w1024");
  CHECK(cluster_of(*r, syn(65535), scan_tool::zmap, b::unknown) == "random-port-w65535");
  // ... also where a source showed otherwise by chance: the tool's rule decides.
  CHECK(cluster_of(*r, syn(65535), scan_tool::zmap, b::fixed) == "random-port-w65535");
  // nmap's raw scans send every first try from one port too.
  CHECK(cluster_of(*r, syn(1024), scan_tool::nmap, b::unknown) == "fixed-port-w1024");
  // Other tools' first probes wait for the second: their cluster names them meanwhile.
  CHECK(cluster_of(*r, syn(1024), scan_tool::hping3, b::unknown) == "hping3");
  CHECK(cluster_of(*r, syn(1024), scan_tool::none, b::unknown) == "other");
  // A window masscan does not use leaves the first rule to its tool cluster.
  CHECK(cluster_of(*r, syn(1025), scan_tool::masscan, b::unknown) == "masscan");
  CHECK(cluster_of(*r, syn(65535), scan_tool::none, b::fixed) == "other");
  CHECK(cluster_of(*r, syn(1024, {}, 0x12), scan_tool::none, b::fixed) == "other");
  CHECK(cluster_of(*r, syn(5840), scan_tool::mirai, b::random) == "mirai");
  CHECK(r->name(r->size() - 1) == "other");
}

TEST_CASE("cluster conditions over every kind of field", "[clusters]") {
  std::string error;
  auto r = cluster_rules::parse(
      "cluster linux   options=MSTNW initial_ttl=64 mss>=1400 wscale=7\n"
      "cluster small   window<=512,1024 flags=S\n"  // a list is not allowed with <=
      ,
      "t.conf", error);
  CHECK_FALSE(r);
  CHECK(error.find("t.conf:2:") == 0);

  r = cluster_rules::parse(
      "# comment line\n"
      "cluster linux   options=MSTNW initial_ttl=64 mss>=1400 wscale=7   # trailing comment\n"
      "cluster no-opts options=- window!=1024,65535 df=0 proto=tcp\n"
      "cluster rst     flags=R\n",
      "t.conf", error);
  REQUIRE(r);
  REQUIRE(r->size() == 4);  // "other" appended
  using b = source_port_behaviour;
  CHECK(cluster_of(*r, syn(64240, linux_syn_options()), scan_tool::none, b::unknown) == "linux");
  CHECK(cluster_of(*r, syn(8192), scan_tool::none, b::unknown) == "no-opts");
  CHECK(cluster_of(*r, syn(1024), scan_tool::none, b::unknown) == "other");
  CHECK(cluster_of(*r, syn(1024, {}, 0x04), scan_tool::none, b::unknown) == "rst");
}

TEST_CASE("bad rule files name the file, the line and the problem", "[clusters]") {
  const std::pair<const char*, const char*> cases[] = {
      {"cluster a window=1024\nclustr b\n", "f:2: expected 'cluster NAME"},
      {"cluster a windw=1024\n", "f:1: unknown field 'windw'"},
      {"cluster a window=70000\n", "f:1: field 'window': '70000'"},
      {"cluster a tool=zgrab\n", "f:1: field 'tool': 'zgrab' is not a tool"},
      {"cluster a tool=zgrab2\n", "f:1: field 'tool': 'zgrab2' is not a tool headers name"},
      {"cluster a sport=sometimes\n", "f:1: field 'sport'"},
      {"cluster a options=MQ\n", "f:1: field 'options'"},
      {"cluster a tool<mirai\n", "f:1: field 'tool' takes = or != only"},
      {"cluster a window\n", "f:1: condition 'window' is not FIELD=VALUE"},
      {"cluster a window=\n", "f:1: condition 'window=' has no value"},
      {"cluster a\ncluster a\n", "f:2: cluster 'a' is defined twice"},
      {"cluster bad/name\n", "f:1: cluster name"},
      {"cluster other syn=1\ncluster x ttl=3\n", "f: the last cluster must have no conditions"},
  };
  for (const auto& [text, message] : cases) {
    std::string error;
    INFO(text);
    CHECK_FALSE(cluster_rules::parse(text, "f", error));
    CHECK(error.rfind(message, 0) == 0);
  }
  std::string many;
  for (int i = 0; i < 40; ++i) {
    many += "cluster c" + std::to_string(i) + " ttl=" + std::to_string(i) + "\n";
  }
  std::string error;
  CHECK_FALSE(cluster_rules::parse(many, "f", error));
  CHECK(error.find("at most") != std::string::npos);
  CHECK_FALSE(cluster_rules::load("/nonexistent/clusters.conf", error));
  CHECK(error.find("/nonexistent/clusters.conf") != std::string::npos);
}

TEST_CASE("the shipped config/clusters.conf is the built-in rule set", "[clusters]") {
  std::string error;
  auto file = cluster_rules::load(SCANSCOPE_SOURCE_DIR "/config/clusters.conf", error);
  REQUIRE(file);
  auto builtin = cluster_rules::parse(cluster_rules::default_text(), "built-in", error);
  REQUIRE(builtin);
  REQUIRE(file->size() == builtin->size());
  for (size_t i = 0; i < file->size(); ++i) {
    CHECK(file->name(i) == builtin->name(i));
    CHECK(file->rules()[i].conditions.size() == builtin->rules()[i].conditions.size());
  }
}

namespace {

/** One source's probes through observe_source_port and decide_cluster, as the worker runs them. */
struct source_probes {
  const cluster_rules& rules;
  source_state state{};

  cluster_decision send(const decoded_packet& p, scan_tool tool) {
    const bool probe = is_syn_probe(p);
    if (probe) {
      observe_source_port(state, p.src_port, p.dst_port, p.seq);
    }
    return decide_cluster(state.cluster_state, rules, tool, probe, false,
                          state.src_port_behaviour(), [&](source_port_behaviour b) {
                            return rules.classify(packet_traits{&p, tool, b});
                          });
  }
  std::string name(const cluster_decision& d) const { return rules.name(d.cluster); }
};

decoded_packet probe(uint16_t window, uint16_t src_port, uint16_t dst_port, uint32_t seq,
                     uint8_t flags = 0x02) {
  decoded_packet p = syn(window, {}, flags);
  p.src_port = src_port;
  p.dst_port = dst_port;
  p.seq = seq;
  return p;
}

}  // namespace

TEST_CASE("a source's cluster is decided once and held", "[clusters]") {
  std::string error;
  auto r = cluster_rules::parse(cluster_rules::default_text(), "built-in", error);
  REQUIRE(r);
  REQUIRE(r->tests_source_ports());

  SECTION("an unnamed fixed-port scanner: provisional first probe, moved by the second") {
    source_probes s{*r};
    const cluster_decision first = s.send(probe(1024, 40000, 8545, 1), scan_tool::none);
    CHECK(s.name(first) == "other");  // the behaviour is not known yet
    CHECK_FALSE(first.moves);
    // A reset from the same port tells nothing: it stays provisional.
    CHECK(s.name(s.send(probe(1024, 40000, 8545, 2, 0x04), scan_tool::none)) == "other");
    const cluster_decision second = s.send(probe(1024, 40000, 8545, 99), scan_tool::none);
    CHECK(s.name(second) == "fixed-port-w1024");
    CHECK(second.moves);
    CHECK(r->name(second.from) == "other");
    CHECK_FALSE(second.from_udp);
    // Held: the scanner's resets and probes of another window stay with it.
    CHECK(s.name(s.send(probe(1024, 40000, 8545, 5, 0x04), scan_tool::none)) == "fixed-port-w1024");
    const cluster_decision later = s.send(probe(3072, 40001, 80, 7), scan_tool::none);
    CHECK(s.name(later) == "fixed-port-w1024");
    CHECK_FALSE(later.moves);
  }
  SECTION("a retransmission keeps the first probe waiting") {
    source_probes s{*r};
    s.send(probe(65535, 50000, 8545, 1), scan_tool::none);
    const cluster_decision again = s.send(probe(65535, 50000, 8545, 1), scan_tool::none);
    CHECK(s.name(again) == "other");
    CHECK_FALSE(again.moves);
    const cluster_decision next = s.send(probe(65535, 50001, 8545, 2), scan_tool::none);
    CHECK(s.name(next) == "random-port-w65535");
    CHECK(next.moves);
  }
  SECTION("a source with one probe keeps its provisional cluster") {
    source_probes s{*r};
    CHECK(s.name(s.send(probe(1024, 40000, 8545, 1), scan_tool::none)) == "other");
    CHECK(s.state.cluster_state & source_state::cluster_provisional);
  }
  SECTION("no wait where the rules give the same cluster whatever the ports do") {
    source_probes stack{*r};
    CHECK(stack.name(stack.send(probe(29200, 40000, 8545, 1), scan_tool::none)) == "other");
    CHECK(stack.state.cluster_state & source_state::cluster_decided);
    source_probes masscan{*r};
    CHECK(masscan.name(masscan.send(probe(1024, 61000, 8545, 1), scan_tool::masscan)) ==
          "fixed-port-w1024");
    CHECK(masscan.state.cluster_state & source_state::cluster_decided);
    source_probes mirai{*r};
    CHECK(mirai.name(mirai.send(probe(4321, 40000, 23, 1), scan_tool::mirai)) == "mirai");
    // Decided: a later probe whose window would match another rule stays in Mirai's.
    CHECK(mirai.name(mirai.send(probe(1024, 40000, 2323, 2), scan_tool::mirai)) == "mirai");
  }
}

TEST_CASE("a UDP first probe waits and moves like a SYN", "[clusters]") {
  std::string error;
  auto r = cluster_rules::parse("cluster fixed-any sport=fixed\n", "udp.conf", error);
  REQUIRE(r);
  ipv4_fields v4;
  v4.proto = 17;
  static bytes first, second;
  first = ethernet(0x0800) + ipv4(v4, udp(40000, 53, {1, 2}));
  second = ethernet(0x0800) + ipv4(v4, udp(40000, 123, {1, 2}));
  decoded_packet a, b;
  parse_frame(first.data(), first.size(), a);
  parse_frame(second.data(), second.size(), b);
  source_state s{};
  auto send = [&](const decoded_packet& p) {
    observe_source_port(s, p.src_port, p.dst_port, 0);
    return decide_cluster(s.cluster_state, *r, scan_tool::none, true, true, s.src_port_behaviour(),
                          [&](source_port_behaviour behaviour) {
                            return r->classify(packet_traits{&p, scan_tool::none, behaviour});
                          });
  };
  const cluster_decision d1 = send(a);
  CHECK(r->name(d1.cluster) == "other");
  CHECK(s.cluster_state & source_state::provisional_udp);
  const cluster_decision d2 = send(b);
  CHECK(r->name(d2.cluster) == "fixed-any");
  CHECK(d2.moves);
  CHECK(d2.from_udp);
  CHECK(r->name(d2.from) == "other");
}
