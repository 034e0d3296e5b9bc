#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include "frame_builder.hpp"
#include "pipeline/lcore_fold.hpp"
#include "pipeline/worker.hpp"
#include "signature/signature_db.hpp"
#include "stats/bucket_series.hpp"
#include "stats/series_store.hpp"
#include "stats/traffic_snapshot.hpp"

using namespace scanscope;
using namespace scanscope::test;

namespace {

watched_ports make_ports() {
  std::string error;
  return *watched_ports::build(
      {{8545, transport::tcp, "ethereum-jsonrpc"}, {53, transport::udp, "dns"}}, error);
}

cluster_rules default_clusters() {
  std::string error;
  return *cluster_rules::parse(cluster_rules::default_text(), "built-in", error);
}

std::unique_ptr<worker> make_worker(const watched_ports& ports, const cluster_rules& clusters,
                                    const std::string& name, uint32_t capacity = 1024,
                                    const signature_db* signatures = nullptr,
                                    uint64_t source_idle_ns = 3600ULL * 1000000000ULL) {
  worker_config config;
  config.source_idle_ns = source_idle_ns;
  config.signatures = signatures;
  config.ports = &ports;
  config.clusters = &clusters;
  config.source_capacity = capacity;
  config.unique_slots = 1 << 16;
  config.fingerprint_slots = 1024;
  config.name = name;
  std::string error;
  auto w = worker::create(config, error);
  REQUIRE(w);
  return w;
}

void feed(worker& w, const bytes& f, uint64_t t) {
  w.handle(f.data(), static_cast<uint32_t>(f.size()), static_cast<uint32_t>(f.size()), t);
}

/** A rule set from a rule file's text (written to a file of its own, and removed). */
std::unique_ptr<signature_db> rules_from(const std::string& text) {
  const std::string path = "test-worker-" + std::to_string(std::rand()) + ".rules";
  std::ofstream(path) << text;
  std::string error;
  auto rules = signature_db::load(path, "", error);
  std::remove(path.c_str());
  INFO(error);
  REQUIRE(rules);
  return rules;
}

/** A UDP datagram from `source` to `dst_port` carrying `text`, fed to `w`. */
void send_udp(worker& w, uint32_t source, uint16_t dst_port, const std::string& text) {
  ipv4_fields ip;
  ip.src = source;
  ip.proto = 17;
  feed(w, ethernet(0x0800) + ipv4(ip, udp(40000, dst_port, bytes(text.begin(), text.end()))), 1000);
}

}  // namespace

TEST_CASE("a worker counts frames by protocol, port and parse result", "[worker]") {
  const watched_ports ports = make_ports();
  const cluster_rules clusters = default_clusters();
  auto wa = make_worker(ports, clusters, "count_a");
  auto wb = make_worker(ports, clusters, "count_b");
  worker& a = *wa;
  worker& b = *wb;
  ipv4_fields v4;
  tcp_fields syn;
  const bytes to_8545 = ethernet(0x0800) + ipv4(v4, tcp(syn));
  syn.dst_port = 23;
  const bytes to_23 = ethernet(0x0800) + ipv4(v4, tcp(syn));
  ipv4_fields v4u;
  v4u.proto = 17;
  const bytes dns = ethernet(0x0800) + ipv4(v4u, udp(999, 53, {1, 2}));
  const bytes arp = ethernet(0x0806) + bytes(28, 0);
  const bytes runt = {1, 2, 3};

  feed(a, to_8545, 3000);
  feed(a, to_8545, 1000);  // out of order: first time must be the earliest
  feed(a, to_23, 2000);
  feed(b, dns, 5000);
  feed(b, arp, 4000);
  feed(b, runt, 4500);

  const traffic_snapshot s = fold_counters({view_of(a), view_of(b)}, ports.size(), 10);
  CHECK(s.total.packets == 6);
  CHECK(s.total.bytes == 2 * to_8545.size() + to_23.size() + dns.size() + arp.size() + 3);
  CHECK(s.protocols[static_cast<size_t>(protocol_class::tcp)].packets == 3);
  CHECK(s.protocols[static_cast<size_t>(protocol_class::udp)].packets == 1);
  CHECK(s.protocols[static_cast<size_t>(protocol_class::non_ip)].packets == 2);
  CHECK(s.parse[static_cast<size_t>(parse_result::ok)] == 4);
  CHECK(s.parse[static_cast<size_t>(parse_result::non_ip)] == 1);
  CHECK(s.parse[static_cast<size_t>(parse_result::truncated_ethernet)] == 1);
  CHECK(s.malformed() == 1);
  CHECK(s.watched[ports.index(transport::tcp, 8545)].packets == 2);
  CHECK(s.watched[ports.index(transport::tcp, 8545)].bytes == 2 * to_8545.size());
  CHECK(s.watched[ports.index(transport::udp, 53)].packets == 1);
  CHECK(s.watched[watched_ports::other_index].packets == 1);
  REQUIRE(s.top_ports.size() == 3);
  CHECK(s.top_ports[0].port == 8545);
  CHECK(s.top_ports[0].packets == 2);
  CHECK(s.first_timestamp_ns == 1000);
  CHECK(s.last_timestamp_ns == 5000);

  const traffic_snapshot top1 = fold_counters({view_of(a), view_of(b)}, ports.size(), 1);
  CHECK(top1.top_ports.size() == 1);
}

TEST_CASE("a worker counts each source once per signature, port and country", "[worker]") {
  // Source 1 sends eth_accounts to 8545 on two connections and to 8546 on one; source 2 once to
  // 8545. Each request is one segment closed by FIN.
  std::string error;
  auto rules = signature_db::load(SCANSCOPE_SOURCE_DIR "/config/signatures.rules", "", error);
  INFO(error);
  REQUIRE(rules);
  const watched_ports ports = *watched_ports::build(
      {{8545, transport::tcp, "ethereum-jsonrpc"}, {8546, transport::tcp, "ethereum-ws"}}, error);
  const cluster_rules clusters = default_clusters();
  auto w = make_worker(ports, clusters, "signature_sources", 1024, rules.get());

  const std::string body = "{\"jsonrpc\":\"2.0\",\"method\":\"eth_accounts\",\"id\":1}";
  const std::string request =
      "POST / HTTP/1.1\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  auto send = [&](uint32_t source, uint16_t src_port, uint16_t dst_port) {
    ipv4_fields ip;
    ip.src = source;
    tcp_fields t;
    t.src_port = src_port;
    t.dst_port = dst_port;
    t.flags = 0x19;  // FIN|PSH|ACK
    feed(*w, ethernet(0x0800) + ipv4(ip, tcp(t, bytes(request.begin(), request.end()))), 1000);
  };
  send(0xC6336401, 40001, 8545);
  send(0xC6336401, 40002, 8545);
  send(0xC6336401, 40003, 8546);
  send(0xC6336402, 40001, 8545);

  size_t rule = rules->rules().size();
  for (size_t i = 0; i < rules->rules().size(); ++i) {
    if (rules->rules()[i].name == "eth-accounts") {
      rule = i;
    }
  }
  REQUIRE(rule < rules->rules().size());
  const size_t p8545 = ports.index(transport::tcp, 8545);
  const size_t p8546 = ports.index(transport::tcp, 8546);
  const source_counter& on_8545 =
      w->stats().signature_counts[p8545 * signature_db::max_rules + rule];
  const source_counter& on_8546 =
      w->stats().signature_counts[p8546 * signature_db::max_rules + rule];
  CHECK(on_8545.packets.read() == 3);
  CHECK(on_8545.sources.read() == 2);
  CHECK(on_8546.packets.read() == 1);
  CHECK(on_8546.sources.read() == 1);
  CHECK(w->stats().signature_totals[rule].packets.read() == 4);
  CHECK(w->stats().signature_totals[rule].sources.read() == 2);
  // No location database: every source is in country 0.
  uint64_t country_packets = 0;
  uint64_t country_sources = 0;
  w->stats().signature_countries.for_each([&](uint64_t key, const keyed_entry& e) {
    if (key == series_key::make(series_key::kind::signature, static_cast<uint16_t>(p8545),
                                static_cast<uint16_t>(rule), 0)) {
      country_packets = e.packets.read();
      country_sources = e.sources.read();
    }
  });
  CHECK(country_packets == 3);
  CHECK(country_sources == 2);
}

TEST_CASE("per-cluster sources add up to the port's sources", "[worker][clusters]") {
  const watched_ports ports = make_ports();
  const cluster_rules clusters = default_clusters();
  auto w = make_worker(ports, clusters, "cluster_sum");
  // Unnamed SYNs of window 1024 (frame_builder's default): a source's first probe waits for
  // its source-port behaviour. A: two probes from one port (fixed), then a reset. B: one
  // probe. C: its first probe to an unwatched port, its second to 8545.
  auto probe = [](uint32_t src, uint32_t dst, uint16_t dst_port, uint32_t seq,
                  uint8_t flags = tcp_flag::syn) {
    ipv4_fields v4;
    v4.src = src;
    v4.dst = dst;
    tcp_fields t;
    t.dst_port = dst_port;
    t.seq = seq;
    t.flags = flags;
    return ethernet(0x0800) + ipv4(v4, tcp(t));
  };
  const uint32_t a = 0xC6336401, b = 0xC6336402, c = 0xC6336403, darknet = 0xCB007100;
  feed(*w, probe(a, darknet + 1, 8545, 11), 1000);
  feed(*w, probe(b, darknet + 1, 8545, 21), 1100);
  feed(*w, probe(c, darknet + 1, 23, 31), 1200);
  feed(*w, probe(a, darknet + 2, 8545, 12), 1300);
  feed(*w, probe(a, darknet + 2, 8545, 13, tcp_flag::rst), 1400);
  feed(*w, probe(c, darknet + 2, 8545, 32), 1500);

  const traffic_snapshot s = fold_counters({view_of(*w)}, ports.size(), 10);
  const uint16_t port = ports.index(transport::tcp, 8545);
  const auto cluster = [&](const char* name, bool other_ports = false) {
    for (size_t k = 0; k < clusters.size(); ++k) {
      if (clusters.name(k) == name) {
        return s.on_port(series_key::kind::cluster,
                         other_ports ? watched_ports::other_index : port)[k];
      }
    }
    FAIL("no cluster " << name);
    return source_total{};
  };
  uint64_t port_sources = 0;
  for (const source_total& country : s.countries[port]) {
    port_sources += country.sources;
  }
  CHECK(port_sources == 3);
  // A and C are fixed-port scanners, B never showed a second probe.
  CHECK(cluster("fixed-port-w1024").sources == 2);
  CHECK(cluster("other").sources == 1);
  // Frames stay where they were counted: A's and B's first probes in "other".
  CHECK(cluster("other").packets == 2);
  CHECK(cluster("fixed-port-w1024").packets == 3);
  uint64_t cluster_sources = 0;
  for (size_t k = 0; k < clusters.size(); ++k) {
    cluster_sources += s.on_port(series_key::kind::cluster, port)[k].sources;
  }
  CHECK(cluster_sources == port_sources);
  // C's first probe went to an unwatched port: its source moved there too, its frame stayed.
  CHECK(cluster("fixed-port-w1024", true).sources == 1);
  CHECK(cluster("other", true).sources == 0);
  CHECK(cluster("other", true).packets == 1);
}

TEST_CASE("a chance match of masscan's relation names no tool for a source that broke it",
          "[worker]") {
  const watched_ports ports = make_ports();
  const cluster_rules clusters = default_clusters();
  auto w = make_worker(ports, clusters, "chance_relation");
  // Window 1024 and no options (frame_builder's default SYN): masscan 1.3.2's shape. Source A
  // sends it with unrelated IP IDs, then one whose ID meets the relation by chance; source B,
  // masscan, meets it on every probe.
  auto probe = [](uint32_t src, uint32_t seq, bool relation) {
    ipv4_fields v4;
    v4.src = src;
    tcp_fields t;
    t.seq = seq;
    v4.id = relation ? static_cast<uint16_t>(v4.dst ^ t.dst_port ^ t.seq)
                     : static_cast<uint16_t>(0x1234 + seq);
    return ethernet(0x0800) + ipv4(v4, tcp(t));
  };
  const uint32_t a = 0xC6336401, b = 0xC6336402;
  feed(*w, probe(a, 1, false), 1000);
  feed(*w, probe(a, 2, false), 1100);
  feed(*w, probe(a, 3, true), 1200);
  for (uint32_t seq = 10; seq < 13; ++seq) {
    feed(*w, probe(b, seq, true), 1300 + seq);
  }
  const traffic_snapshot s = fold_counters({view_of(*w)}, ports.size(), 10);
  const uint16_t port = ports.index(transport::tcp, 8545);
  const value_counts tools = s.on_port(series_key::kind::tool, port);
  CHECK(tools[static_cast<size_t>(scan_tool::none)].packets == 3);
  CHECK(tools[static_cast<size_t>(scan_tool::none)].sources == 1);
  CHECK(tools[static_cast<size_t>(scan_tool::masscan)].packets == 3);
  CHECK(tools[static_cast<size_t>(scan_tool::masscan)].sources == 1);
}

TEST_CASE("a source forgotten and back leaves a provisional cluster once", "[worker][clusters]") {
  const watched_ports ports = make_ports();
  const cluster_rules clusters = default_clusters();
  constexpr uint64_t second = 1000000000ULL;
  auto w = make_worker(ports, clusters, "cluster_return", 1024, nullptr, second);
  auto probe = [](uint32_t dst, uint32_t seq) {
    ipv4_fields v4;
    v4.dst = dst;
    tcp_fields t;
    t.seq = seq;
    return ethernet(0x0800) + ipv4(v4, tcp(t));
  };
  const bytes arp = ethernet(0x0806) + bytes(28, 0);
  // Two probes from one port: provisional "other", then moved to fixed-port-w1024.
  feed(*w, probe(0xCB007101, 1), 1000);
  feed(*w, probe(0xCB007102, 2), 2000);
  // Idle for longer than a second while the aging hand sweeps the whole table (4 slots a
  // burst): the source is forgotten.
  for (uint64_t i = 0; i < 600; ++i) {
    feed(*w, arp, 3 * second + i);
  }
  REQUIRE(w->sources().counters().expired.read() == 1);
  // Back: the same two steps again.
  feed(*w, probe(0xCB007103, 3), 5 * second);
  feed(*w, probe(0xCB007104, 4), 5 * second + 1000);

  const traffic_snapshot s = fold_counters({view_of(*w)}, ports.size(), 10);
  const uint16_t port = ports.index(transport::tcp, 8545);
  for (size_t k = 0; k < clusters.size(); ++k) {
    INFO(clusters.name(k));
    CHECK(s.on_port(series_key::kind::cluster, port)[k].sources ==
          (clusters.name(k) == "fixed-port-w1024" ? 1 : 0));
  }
}

TEST_CASE("a worker scans UDP datagrams: each one on its own, counted per rule and source",
          "[worker]") {
  // Two sources send TFTP's busybox download line to 69/udp, the first twice; a datagram with
  // half of it and one to another port match nothing.
  const auto rules = rules_from("rule 1 tftp-get download udp/69 /tftp -g -r/\n");
  std::string error;
  const watched_ports ports = *watched_ports::build(
      {{69, transport::udp, "tftp"}, {53, transport::udp, "dns"}}, error);
  const cluster_rules clusters = default_clusters();
  auto w = make_worker(ports, clusters, "udp_signatures", 1024, rules.get());
  const auto send = [&](uint32_t source, uint16_t dst_port, const std::string& text) {
    send_udp(*w, source, dst_port, text);
  };
  send(0xC6336401, 69, "busybox tftp -g -r mips 192.0.2.1");
  send(0xC6336401, 69, "busybox tftp -g -r arm7 192.0.2.1");
  send(0xC6336402, 69, "tftp -g -r x 192.0.2.1");
  send(0xC6336403, 69, "tftp -g");
  send(0xC6336404, 53, "tftp -g -r x 192.0.2.1");
  const source_counter& on_69 =
      w->stats().signature_counts[ports.index(transport::udp, 69) * signature_db::max_rules];
  CHECK(on_69.packets.read() == 3);
  CHECK(on_69.sources.read() == 2);
  CHECK(w->stats().signature_totals[0].packets.read() == 3);
}

TEST_CASE("a tool named by payload counts once per datagram and once per source", "[worker]") {
  // Two nmap rules and a masscan rule. Source A sends a datagram both nmap rules match and one
  // only the first matches, to 5060; source B one to 53 that names nmap and masscan both; source
  // C a datagram no tool's rule matches.
  const auto rules = rules_from(
      "rule 1 sip-nm recon udp/any tool=nmap /sip:nm /\n"
      "rule 2 sip-branch recon udp/any tool=nmap /nm;branch=foo/\n"
      "rule 3 masscan-ua recon udp/any tool=masscan /masscan\\//\n"
      "rule 4 plain recon udp/any /OPTIONS/\n");
  std::string error;
  const watched_ports ports =
      *watched_ports::build({{5060, transport::udp, "sip"}, {53, transport::udp, "dns"}}, error);
  const cluster_rules clusters = default_clusters();
  auto w = make_worker(ports, clusters, "payload_tools", 1024, rules.get());
  const auto send = [&](uint32_t source, uint16_t dst_port, const std::string& text) {
    send_udp(*w, source, dst_port, text);
  };
  send(0xC6336401, 5060, "OPTIONS sip:nm SIP/2.0\r\nVia: SIP/2.0/UDP nm;branch=foo");
  send(0xC6336401, 5060, "OPTIONS sip:nm SIP/2.0\r\n");
  send(0xC6336402, 53, "OPTIONS sip:nm SIP/2.0\r\nUser-Agent: masscan/1.3\r\n");
  send(0xC6336403, 5060, "OPTIONS sip:other SIP/2.0\r\n");

  const auto nmap = static_cast<size_t>(scan_tool::nmap);
  const auto masscan = static_cast<size_t>(scan_tool::masscan);
  const lcore_counters& c = *w->stats().block;
  const uint16_t sip = ports.index(transport::udp, 5060);
  const uint16_t dns = ports.index(transport::udp, 53);
  CHECK(c.on_port(series_key::kind::payload_tool, sip, nmap).packets.read() == 2);
  CHECK(c.on_port(series_key::kind::payload_tool, sip, nmap).sources.read() == 1);
  CHECK(c.on_port(series_key::kind::payload_tool, dns, nmap).packets.read() == 1);
  CHECK(c.on_port(series_key::kind::payload_tool, dns, nmap).sources.read() == 1);
  CHECK(c.in_total(series_key::kind::payload_tool, nmap).packets.read() == 3);
  CHECK(c.in_total(series_key::kind::payload_tool, nmap).sources.read() == 2);
  CHECK(c.on_port(series_key::kind::payload_tool, dns, masscan).packets.read() == 1);
  CHECK(c.in_total(series_key::kind::payload_tool, masscan).packets.read() == 1);
  CHECK(c.in_total(series_key::kind::payload_tool, masscan).sources.read() == 1);
  // Each rule still counts its own hits; the header tool is not touched.
  CHECK(w->stats().signature_totals[0].packets.read() == 3);
  CHECK(w->stats().signature_totals[1].packets.read() == 1);
  CHECK(w->stats().signature_totals[2].packets.read() == 1);
  CHECK(w->stats().signature_totals[3].packets.read() == 4);
  CHECK(c.in_total(series_key::kind::tool, nmap).packets.read() == 0);

  // The series: a payload_tool entry per port, with its sources.
  series_store store(24, surge_settings{});
  const closed_bucket closed = store.close(0, {&w->series()});
  const auto point = [&](uint16_t port) {
    const auto it = closed.points.find(
        series_key::make(series_key::kind::payload_tool, port, static_cast<uint32_t>(nmap), 0));
    return it == closed.points.end() ? series_point{} : it->second;
  };
  CHECK(point(sip).packets == 2);
  CHECK(point(sip).sources == 1);
  CHECK(point(dns).packets == 1);
  CHECK(point(dns).sources == 1);
}

TEST_CASE("a packet's series keys: one per dimension it counts in, by country where split",
          "[worker][keys]") {
  using kind = series_key::kind;
  const uint8_t country = 57;  // a country index
  count_point at{16509,
                 3,
                 8545,
                 0xBEEF,
                 2,
                 static_cast<uint8_t>(scan_tool::masscan),
                 static_cast<uint8_t>(scan_technique::syn),
                 country,
                 0,
                 count_point::marks_of(true, false)};
  uint64_t keys[max_series_keys];
  const auto made = [&] {
    const size_t n = series_keys(at, keys);
    return std::set<uint64_t>(keys, keys + n);
  };
  // The port's own entry, its cluster and its tool by country; the technique and the AS not;
  // no actor (slot 0: none known), no fingerprint (masscan names it).
  std::set<uint64_t> want = {
      series_key::make(kind::port, 3, series_key::all, country),
      series_key::make(kind::cluster, 3, 2, country),
      series_key::make(kind::tool, 3, static_cast<uint32_t>(scan_tool::masscan), country),
      series_key::make(kind::technique, 3, static_cast<uint32_t>(scan_technique::syn), 0),
      series_key::make(kind::as, 3, 16509, 0),
  };
  CHECK(made() == want);
  // A known scanner and a key no tool names add their entries.
  at.actor = 4;
  at.marks = count_point::marks_of(true, true);
  want.insert(series_key::make(kind::actor, 3, 4, 0));
  want.insert(series_key::make(kind::fingerprint, 3, 0xBEEF, 0));
  CHECK(made() == want);
  CHECK(want.size() == max_series_keys);  // the most a packet makes
}
