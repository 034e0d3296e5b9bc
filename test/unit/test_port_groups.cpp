#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "frame_builder.hpp"
#include "packet/parser.hpp"
#include "signature/port_groups.hpp"
#include "signature/signature_db.hpp"
#include "signature/signature_scanner.hpp"

using namespace scanscope;
using namespace scanscope::test;

namespace {

std::unique_ptr<signature_db> build_rules(const std::string& text) {
  std::string error;
  auto rules = parse_signature_rules(text, "test.rules", error);
  INFO(error);
  REQUIRE(rules);
  auto db = signature_db::build(std::move(*rules), "test.rules", text, "", error);
  INFO(error);
  REQUIRE(db);
  return db;
}

/** The rules that apply to a transport and port, worked out rule by rule. */
std::vector<uint16_t> applying(const signature_db& db, bool tcp, uint16_t port) {
  std::vector<uint16_t> slots;
  for (size_t i = 0; i < db.rules().size(); ++i) {
    if (db.rules()[i].applies(tcp, port)) {
      slots.push_back(static_cast<uint16_t>(i));
    }
  }
  return slots;
}

/** One segment or datagram through a scanner; the names of the rules that hit. */
std::set<std::string> send(signature_scanner& s, bool tcp, uint16_t dst_port,
                           const std::string& payload, uint8_t flags) {
  static uint16_t src_port = 30000;
  const bytes data(payload.begin(), payload.end());
  ipv4_fields ip;
  bytes frame;
  if (tcp) {
    tcp_fields t;
    t.src_port = ++src_port;
    t.dst_port = dst_port;
    t.flags = flags;
    frame = ethernet(0x0800) + ipv4(ip, scanscope::test::tcp(t, data));
  } else {
    ip.proto = 17;
    frame = ethernet(0x0800) + ipv4(ip, udp(++src_port, dst_port, data));
  }
  decoded_packet p;
  REQUIRE(parse_frame(frame.data(), frame.size(), p) == parse_result::ok);
  signature_hits hits;
  if (s.wants(tcp, dst_port)) {
    s.scan(p, frame.data(), 1000, hits);
  }
  std::set<std::string> names;
  for (unsigned i = 0; i < hits.count; ++i) {
    names.insert(s.rules().rules()[hits.rule[i]].name);
  }
  return names;
}

constexpr uint8_t request_and_fin = tcp_flag::psh | tcp_flag::ack | tcp_flag::fin;
constexpr uint8_t request_only = tcp_flag::psh | tcp_flag::ack;

}  // namespace

TEST_CASE("ports with the same rules share one block database, and the groups tell which apply",
          "[signatures]") {
  std::string error;
  auto db = signature_db::load(SCANSCOPE_SOURCE_DIR "/config/signatures.rules", "", error);
  INFO(error);
  REQUIRE(db);
  REQUIRE_FALSE(db->block_needs_port_check());
  std::map<std::vector<uint16_t>, const hs_database_t*> by_rules;
  std::set<const hs_database_t*> databases;
  for (const bool tcp : {false, true}) {
    for (uint32_t port = 0; port < 65536; ++port) {
      const auto p = static_cast<uint16_t>(port);
      const std::vector<uint16_t> rules = applying(*db, tcp, p);
      const hs_database_t* block = db->block_for(tcp, p);
      CHECK(db->wants(tcp, p) == !rules.empty());
      size_t disagree = 0;
      for (size_t slot = 0; slot < db->rules().size(); ++slot) {
        disagree += db->applies(static_cast<uint16_t>(slot), tcp, p) !=
                    db->rules()[slot].applies(tcp, p);
      }
      if (disagree != 0) {
        FAIL("port " << port << ": " << disagree << " rules apply by group, not by rule");
      }
      if (rules.empty()) {
        CHECK(block == nullptr);
        continue;
      }
      REQUIRE(block != nullptr);
      auto [it, added] = by_rules.try_emplace(rules, block);
      if (!added && it->second != block) {
        FAIL("port " << port << ": same rules as another port, another database");
      }
      databases.insert(block);
    }
  }
  // One database per distinct rule set: no two sets share one.
  CHECK(databases.size() == by_rules.size());
  CHECK(db->block_databases() == by_rules.size());
}

TEST_CASE("a request is matched only against its port's rules, also when the groups merge",
          "[signatures]") {
  const std::string rules =
      "rule 1 web80 recon tcp/80 /GET \\/probe/\n"
      "rule 2 web81 recon tcp/81 /GET \\/probe/\n"
      "rule 3 udp80 recon udp/80 /GET \\/probe/\n"
      "rule 4 any-wget download any/any /wget http:/\n";
  // More rules, each on a port of its own, push the groups past port_groups::max_groups.
  std::string filler;
  for (size_t i = 0; i < port_groups::max_groups; ++i) {
    filler += "rule " + std::to_string(100 + i) + " f" + std::to_string(i) + " recon tcp/" +
              std::to_string(2000 + i) + " /filler" + std::to_string(i) + "/\n";
  }
  for (const bool merged : {false, true}) {
    auto db = build_rules(merged ? rules + filler : rules);
    CHECK(db->block_needs_port_check() == merged);
    for (size_t slot = 0; slot < db->rules().size(); ++slot) {
      for (const uint16_t port : {80, 81, 82, 2003}) {
        for (const bool tcp : {false, true}) {
          CHECK(db->applies(static_cast<uint16_t>(slot), tcp, port) ==
                db->rules()[slot].applies(tcp, port));
        }
      }
    }
    std::string error;
    auto s = signature_scanner::create(*db, merged ? "merged" : "grouped", 16, 60000000000ULL, 4096,
                                       error);
    INFO(error);
    REQUIRE(s);
    INFO((merged ? "merged" : "grouped"));
    const std::string get = "GET /probe HTTP/1.0\r\n\r\nwget http://x/y";
    // Closed in its own segment: block mode with the port's database.
    CHECK(send(*s, true, 80, get, request_and_fin) == std::set<std::string>{"web80", "any-wget"});
    CHECK(send(*s, true, 81, get, request_and_fin) == std::set<std::string>{"web81", "any-wget"});
    CHECK(send(*s, true, 82, get, request_and_fin) == std::set<std::string>{"any-wget"});
    CHECK(send(*s, false, 80, get, 0) == std::set<std::string>{"udp80", "any-wget"});
    CHECK(send(*s, false, 81, get, 0) == std::set<std::string>{"any-wget"});
    // A followed flow: stream mode with every rule, checked against the port.
    CHECK(send(*s, true, 81, get, request_only) == std::set<std::string>{"web81", "any-wget"});
    if (merged) {
      CHECK(send(*s, true, 2003, "filler3 filler4", request_and_fin) ==
            std::set<std::string>{"f3"});
    }
  }
}

TEST_CASE("rules retired by a reload leave the port groups", "[signatures]") {
  auto first = build_rules(
      "rule 1 keep recon tcp/80 /keep/\n"
      "rule 2 drop recon tcp/9000 /drop/\n");
  const std::string text = "rule 1 keep recon tcp/80 /keep/\n";
  std::string error;
  auto rules = parse_signature_rules(text, "test.rules", error);
  REQUIRE(rules);
  auto second = signature_db::build(std::move(*rules), "test.rules", text, "", error, first.get());
  INFO(error);
  REQUIRE(second);
  CHECK(first->wants(true, 9000));
  CHECK_FALSE(second->wants(true, 9000));
  CHECK(second->block_for(true, 9000) == nullptr);
  CHECK(second->wants(true, 80));
  CHECK(second->block_databases() == 1);
}
