#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "packet/parser.hpp"
#include "signature/flow_filter.hpp"
#include "signature/signature_db.hpp"
#include "signature/signature_scanner.hpp"
#include "signature_helpers.hpp"

using namespace scanscope;
using namespace scanscope::test;

TEST_CASE("the flow filter never misses a flow it holds", "[signatures]") {
  flow_filter filter(128);  // 256 counters
  std::vector<uint64_t> held;
  for (uint64_t i = 0; i < 1000; ++i) {
    flow_key k{};
    k.src[3] = static_cast<uint8_t>(i);
    k.src[2] = static_cast<uint8_t>(i >> 8);
    k.src_port = 40000;
    k.dst_port = 8545;
    held.push_back(flow_filter::hash(k));
    filter.add(held.back());
  }
  // Drop every other one: the rest must still answer "maybe".
  for (size_t i = 0; i < held.size(); i += 2) {
    filter.remove(held[i]);
  }
  for (size_t i = 1; i < held.size(); i += 2) {
    CHECK(filter.may_hold(held[i]));
  }
  for (size_t i = 1; i < held.size(); i += 2) {
    filter.remove(held[i]);
  }
  // 1000 flows in 256 counters saturate none (about four per counter): all gone now.
  size_t maybe = 0;
  for (uint64_t h : held) {
    maybe += filter.may_hold(h) ? 1 : 0;
  }
  CHECK(maybe == 0);
}

TEST_CASE("bad rule files name the file, the line and the reason", "[signatures]") {
  const std::pair<const char*, const char*> cases[] = {
      {"rule 1 a recon tcp/80 /x/\nrul 2 b recon tcp/80 /y/\n", "f:2: expected 'rule ID"},
      {"rule 0 a recon tcp/80 /x/\n", "f:1: rule id '0'"},
      {"rule 1 a recon sctp/80 /x/\n", "f:1: rule 1: protocol 'sctp'"},
      {"rule 1 a recon tcp/70000 /x/\n", "f:1: rule 1: port '70000'"},
      {"rule 1 a recon tcp/80 depth=x /x/\n", "f:1: rule 1: 'depth=x' is neither"},
      {"rule 1 a recon tcp/80 x\n",
       "f:1: rule 1: 'x' is neither offset=N, depth=N, tool=TOOL nor /PATTERN"},
      {"rule 1 a recon tcp/80 tool=nessus /x/\n",
       "f:1: rule 1: tool 'nessus' is not one of mirai, masscan, zmap, nmap, hping3, zgrab2, "
       "http_client"},
      {"rule 1 a recon tcp/80 tool=none /x/\n", "f:1: rule 1: tool 'none' is not one of"},
      {"rule 1 a recon tcp/80\n", "f:1: rule 1: missing /PATTERN/FLAGS"},
      {"rule 1 a recon tcp/80 /x/q\n", "f:1: rule 1: unknown pattern flag 'q'"},
      {"rule 1 a recon tcp/80 /x/\nrule 1 b recon tcp/80 /y/\n", "f:2: rule id 1 is used twice"},
      {"rule 1 a recon tcp/80 offset=10 depth=5 /x/\n", "f:1: rule 1: depth must be larger"},
      {"# only a comment\n", "f: no rules"},
  };
  for (const auto& [text, message] : cases) {
    std::string error;
    INFO(text);
    CHECK_FALSE(parse_signature_rules(text, "f", error));
    CHECK(error.rfind(message, 0) == 0);
  }
  // A file that is not there (a reload after a bad deployment): the reason, not only the name.
  std::string error;
  CHECK_FALSE(signature_db::load("no-such-dir/signatures.rules", "", error));
  INFO(error);
  CHECK(error.find("'no-such-dir/signatures.rules'") != std::string::npos);
  CHECK(error.find(std::strerror(ENOENT)) != std::string::npos);
}

TEST_CASE("tool=TOOL names the tool a rule's payloads come from", "[signatures]") {
  std::string error;
  const auto rules = parse_signature_rules(
      "rule 1 nse recon tcp/any depth=4096 tool=nmap /Nmap Scripting Engine/\n"
      "rule 2 plain recon tcp/80 /x/\n",
      "f", error);
  REQUIRE(rules);
  CHECK((*rules)[0].tool == scan_tool::nmap);
  CHECK((*rules)[0].depth == 4096);
  CHECK((*rules)[1].tool == scan_tool::none);
}

TEST_CASE("rules Hyperscan rejects stop start-up with its message", "[signatures]") {
  const std::pair<const char*, const char*> cases[] = {
      // Hyperscan has no back-references.
      {"rule 1 ok recon tcp/80 /fine/\nrule 7 backref recon tcp/80 /(a)\\1/\n",
       "r.rules:2: rule 7 (backref): Hyperscan: "},
      // A bounded repeat far beyond what Hyperscan builds.
      {"rule 9 huge recon tcp/80 /a{2,100000}b{2,100000}c{2,100000}/\n",
       "r.rules:1: rule 9 (huge): Hyperscan: "},
      {"rule 3 unbalanced recon tcp/80 /(abc/\n", "r.rules:1: rule 3 (unbalanced): Hyperscan: "},
  };
  for (const auto& [text, message] : cases) {
    std::string error;
    auto rules = parse_signature_rules(text, "r.rules", error);
    REQUIRE(rules);
    INFO(text);
    CHECK_FALSE(signature_db::build(std::move(*rules), "r.rules", text, "", error));
    CHECK(error.rfind(message, 0) == 0);
    CHECK(error.size() > std::string(message).size());
  }
  std::string error;
  CHECK_FALSE(signature_db::load("/nonexistent/signatures.rules", "", error));
  CHECK(error.find("/nonexistent/signatures.rules") != std::string::npos);
}

TEST_CASE("a compiled database is cached and loaded on the next start", "[signatures]") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("scanscope-hs-cache-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::string error;
  auto first = signature_db::load(rules_path, dir.string(), error);
  REQUIRE(first);
  CHECK(first->origin_note().rfind("compiled", 0) == 0);
  auto second = signature_db::load(rules_path, dir.string(), error);
  REQUIRE(second);
  CHECK(second->origin_note().rfind("loaded from", 0) == 0);
  CHECK(second->rules().size() == first->rules().size());
  CHECK(second->block_databases() == first->block_databases());
  {
    // The loaded databases match as the compiled ones do: in stream mode and in each port's
    // block mode.
    auto scanner = signature_scanner::create(*second, "cached", 8, 60000000000ULL, 65536, error);
    INFO(error);
    REQUIRE(scanner);
    const std::string rpc_request = http_post("/", "{\"method\":\"net_version\"}");
    connection followed(*scanner, 8545);
    CHECK(followed.send(rpc_request).count("net-version") == 1);
    connection once(*scanner, 8545);
    CHECK(once.send(rpc_request, tcp_flag::fin | tcp_flag::ack).count("net-version") == 1);
    connection elsewhere(*scanner, 3333);
    CHECK(elsewhere.send("{\"id\":0,\"method\":\"miner_getstat1\"}\n",
                         tcp_flag::fin | tcp_flag::ack)
              .count("claymore-getstat1") == 1);
    CHECK(scanner->counters().errors.read() == 0);
  }
  // A damaged cache file is ignored: the rules are compiled again.
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::filesystem::resize_file(entry.path(), 100);
  }
  auto third = signature_db::load(rules_path, dir.string(), error);
  REQUIRE(third);
  CHECK(third->origin_note().rfind("compiled", 0) == 0);
  std::filesystem::remove_all(dir);
}
