// Reloading rules while counting: slots stay put, a scanner and a worker switch between packets.
#include <catch2/catch.hpp>
#include <string>

#include "cluster/cluster_rules.hpp"
#include "frame_builder.hpp"
#include "packet/parser.hpp"
#include "pipeline/worker.hpp"
#include "signature/signature_db.hpp"
#include "signature/signature_scanner.hpp"
#include "signature_helpers.hpp"

using namespace scanscope;
using namespace scanscope::test;

namespace {

const char* const clusters_before =
    "cluster w1024 window=1024\n"
    "cluster w512  window=512\n";
// w512 dropped, w8192 added ahead of w1024: evaluation order changes, slots do not.
const char* const clusters_after =
    "cluster w8192 window=8192\n"
    "cluster w1024 window=1024\n";

const char* const rules_before =
    "rule 1 alpha recon tcp/8545 /alpha-token/\n"
    "rule 2 beta  recon tcp/8545 /beta-token/\n";
const char* const rules_after =
    "rule 3 gamma recon tcp/8545 /gamma-token/\n"
    "rule 2 beta-renamed recon tcp/8545 /beta-token/\n";

std::unique_ptr<signature_db> compile(const std::string& text, const signature_db* previous) {
  std::string error;
  auto rules = parse_signature_rules(text, "r.rules", error);
  REQUIRE(rules);
  auto db = signature_db::build(std::move(*rules), "r.rules", text, "", error, previous);
  INFO(error);
  REQUIRE(db);
  return db;
}

bytes segment(uint16_t src_port, uint32_t seq, uint8_t flags, uint16_t window,
              const std::string& payload) {
  tcp_fields t;
  t.src_port = src_port;
  t.seq = seq;
  t.flags = flags;
  t.window = window;
  ipv4_fields ip;
  return ethernet(0x0800) + ipv4(ip, tcp(t, bytes(payload.begin(), payload.end())));
}

/** Rule names that hit for one TCP segment to 8545. */
std::vector<std::string> hits_of(signature_scanner& s, const signature_db& db, uint16_t src_port,
                                 uint32_t seq, const std::string& payload) {
  return rule_hits(s, db, segment(src_port, seq, tcp_flag::psh | tcp_flag::ack, 1024, payload));
}

}  // namespace

TEST_CASE("a reloaded cluster file keeps every cluster's counter slot", "[reload]") {
  std::string error;
  auto before = cluster_rules::parse(clusters_before, "c.conf", error);
  REQUIRE(before);
  auto after = cluster_rules::parse(clusters_after, "c.conf", error, &*before);
  REQUIRE(after);
  REQUIRE(after->size() == 4);
  CHECK(after->name(0) == "w1024");
  CHECK(after->name(1) == "w512");
  CHECK(after->name(2) == "other");
  CHECK(after->name(3) == "w8192");
  CHECK_FALSE(after->active(1));
  CHECK(after->active(3));

  auto classify = [&](uint16_t window) {
    const bytes frame = segment(40000, 1, tcp_flag::syn, window, "");
    decoded_packet p;
    parse_frame(frame.data(), frame.size(), p);
    return after->name(
        after->classify(packet_traits{&p, scan_tool::none, source_port_behaviour::unknown}));
  };
  CHECK(classify(1024) == "w1024");
  CHECK(classify(8192) == "w8192");
  CHECK(classify(512) == "other");  // its rule is gone; its counts stay in slot 1

  // Counters hold max_clusters slots: names dropped since start still take theirs.
  std::string many;
  for (size_t i = 0; i < cluster_rules::max_clusters - 1; ++i) {
    many += "cluster c" + std::to_string(i) + " window=" + std::to_string(i + 1) + "\n";
  }
  auto full = cluster_rules::parse(many, "c.conf", error);
  REQUIRE(full);
  CHECK_FALSE(cluster_rules::parse("cluster d1 window=1\ncluster d2 window=2\n", "c.conf", error,
                                   &*full));
  CHECK(error.find("restart") != std::string::npos);
}

TEST_CASE("a reloaded rule file keeps every rule's slot", "[reload]") {
  auto before = compile(rules_before, nullptr);
  auto after = compile(rules_after, before.get());
  REQUIRE(after->rules().size() == 3);
  CHECK(after->active_rules() == 2);
  CHECK(after->rules()[0].id == 1);
  CHECK(after->rules()[0].retired);
  CHECK(after->rules()[1].name == "beta-renamed");
  CHECK(after->rules()[2].name == "gamma");
  CHECK(after->wants(true, 8545));
}

TEST_CASE("a scanner switches rules between packets, flows keep going", "[reload]") {
  auto before = compile(rules_before, nullptr);
  auto after = compile(rules_after, before.get());
  std::string error;
  constexpr uint32_t flow_slots = 16;
  auto scanner = signature_scanner::create(*before, "reload_scan", flow_slots, 60000000000ULL,
                                           65536, error);
  REQUIRE(scanner);
  CHECK(hits_of(*scanner, *before, 30001, 100, "GET alpha-token") ==
        std::vector<std::string>{"alpha"});
  CHECK(hits_of(*scanner, *before, 30002, 100, "hello ").empty());

  auto next = scanner->prepare(*after, error);
  REQUIRE(next);
  scanner->switch_rules(*next);
  CHECK(next->db == before.get());
  // Every stream state of the old rules came back: one per flow slot, and the spare a flow
  // takes while its slot's state is reset (signature_scanner.hpp's file comment).
  CHECK(next->streams.size() == flow_slots + 1);
  CHECK(&scanner->rules() == after.get());

  // The flow on port 30002 goes on at the next sequence number under the new rules.
  CHECK(hits_of(*scanner, *after, 30002, 106, "gamma-token") == std::vector<std::string>{"gamma"});
  CHECK(hits_of(*scanner, *after, 30003, 100, "alpha-token").empty());
  CHECK(hits_of(*scanner, *after, 30004, 100, "beta-token") ==
        std::vector<std::string>{"beta-renamed"});
  CHECK(scanner->counters().packets.read() == 5);  // kept across the switch
  CHECK(scanner->excerpt(0).set.load());
  CHECK(scanner->excerpt(2).set.load());
  CHECK(scanner->counters().stream_gaps.read() == 0);
}

TEST_CASE("a worker takes new rules between bursts and keeps what it counted", "[reload]") {
  std::string error;
  auto ports = watched_ports::build({{8545, transport::tcp, "ethereum-jsonrpc"}}, error);
  REQUIRE(ports);
  auto clusters = cluster_rules::parse(clusters_before, "c.conf", error);
  REQUIRE(clusters);
  auto next_clusters = cluster_rules::parse(clusters_after, "c.conf", error, &*clusters);
  REQUIRE(next_clusters);
  auto before = compile(rules_before, nullptr);
  auto after = compile(rules_after, before.get());

  worker_config config;
  config.ports = &*ports;
  config.clusters = &*clusters;
  config.signatures = before.get();
  config.source_capacity = 1024;
  config.unique_slots = 1 << 16;
  config.fingerprint_slots = 1024;
  config.flow_capacity = 64;
  config.name = "reload_worker";
  auto w = worker::create(config, error);
  INFO(error);
  REQUIRE(w);
  auto feed = [&](const bytes& f) {
    w->handle(f.data(), static_cast<uint32_t>(f.size()), static_cast<uint32_t>(f.size()),
              1000000000ULL);
  };
  const uint16_t port = ports->index(transport::tcp, 8545);
  const auto by_cluster = [&](size_t cluster) -> const source_counter& {
    return w->counters().on_port(series_key::kind::cluster, port, cluster);
  };
  auto hits = [&](size_t slot) {
    return w->stats().signature_counts[port * signature_db::max_rules + slot].packets.read();
  };

  feed(segment(41000, 7, tcp_flag::syn, 8192, ""));
  feed(segment(41000, 8, tcp_flag::psh | tcp_flag::ack, 8192, "alpha-token gamma-token"));
  CHECK(by_cluster(2).packets.read() == 2);  // "other": no rule for window 8192 yet
  CHECK(hits(0) == 1);
  CHECK(hits(2) == 0);

  auto update = std::make_unique<rule_update>();
  update->clusters = &*next_clusters;
  update->signatures = w->scanner()->prepare(*after, error);
  REQUIRE(update->signatures);
  w->offer(std::move(update));
  CHECK_FALSE(w->take_applied());  // the lcore has not passed between bursts yet
  w->between_bursts();
  auto back = w->take_applied();
  REQUIRE(back);
  CHECK(back->clusters == &*clusters);
  CHECK(back->signatures->db == before.get());

  feed(segment(41001, 7, tcp_flag::syn, 8192, ""));
  feed(segment(41001, 8, tcp_flag::psh | tcp_flag::ack, 8192, "alpha-token gamma-token"));
  CHECK(by_cluster(3).packets.read() == 2);  // w8192, a new slot
  CHECK(by_cluster(2).packets.read() == 2);  // what "other" had stays
  CHECK(hits(0) == 1);                       // alpha is retired: kept, not counted again
  CHECK(hits(2) == 1);                       // gamma, a new slot
}
