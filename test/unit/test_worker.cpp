#include <catch2/catch.hpp>

#include "frame_builder.hpp"
#include "pipeline/worker.hpp"
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
                                    const std::string& name, uint32_t capacity = 1024) {
  worker_config config;
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

lcore_view view_of(const worker& w) {
  return {&w.counters(),      &w.fingerprints(),    &w.sources(), &w.uniques(), nullptr, nullptr,
          nullptr,             &w.country_counts(), &w.country_totals(), nullptr};
}

void feed(worker& w, const bytes& f, uint64_t t) {
  w.handle(f.data(), static_cast<uint32_t>(f.size()), static_cast<uint32_t>(f.size()), t);
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
