// What Hyperscan alone costs per payload, no I/O and no worker: for each one-shot request of
// the payload benchmark, every rule in stream mode as the scanner runs a followed flow (scan,
// then reset when the flow ends), every rule in one block-mode database, the block-mode
// database of the request's port as the scanner runs a request closed in its own segment, the
// port's rules in stream mode, and each of those rules on its own. The profile behind the
// payload figures in BENCHMARKS.md.
//
//   build/test/rule_cost_bench [--rules FILE] [--rounds N]
//
// Each figure is the best of seven runs of N scans (default 50,000), in TSC cycles.

#include <hs/hs.h>
#include <rte_cycles.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_payloads.hpp"
#include "signature/signature_db.hpp"

using namespace scanscope;

namespace {

int ignore_match(unsigned, unsigned long long, unsigned long long, unsigned, void*) { return 0; }

/** Best of seven runs of `rounds` calls, in cycles per call. */
double best_cycles(uint32_t rounds, const std::function<void()>& call) {
  uint64_t best = UINT64_MAX;
  for (int run = 0; run < 7; ++run) {
    const uint64_t start = rte_rdtsc();
    for (uint32_t i = 0; i < rounds; ++i) {
      call();
    }
    const uint64_t took = rte_rdtsc() - start;
    best = took < best ? took : best;
  }
  return static_cast<double>(best) / rounds;
}

double tsc_ghz() {
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t c0 = rte_rdtsc();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const uint64_t c1 = rte_rdtsc();
  const std::chrono::duration<double, std::nano> ns = std::chrono::steady_clock::now() - t0;
  return static_cast<double>(c1 - c0) / ns.count();
}

/** A compiled rule subset with its scratch and one stream state. */
struct compiled {
  std::unique_ptr<signature_db> db;
  hs_scratch_ptr scratch;
  hs_stream_t* stream = nullptr;

  ~compiled() {
    if (stream != nullptr) {
      hs_close_stream(stream, nullptr, nullptr, nullptr);
    }
  }

  static std::unique_ptr<compiled> of(std::vector<signature_rule> rules, std::string& error) {
    auto c = std::make_unique<compiled>();
    c->db = signature_db::build(std::move(rules), "bench", "", "", error);
    if (!c->db || !(c->scratch = c->db->clone_scratch(error)) ||
        hs_open_stream(c->db->stream(), 0, &c->stream) != HS_SUCCESS) {
      return nullptr;
    }
    return c;
  }

  double stream_cycles(const std::string& payload, uint32_t rounds) {
    return best_cycles(rounds, [&] {
      hs_scan_stream(stream, payload.data(), static_cast<unsigned>(payload.size()), 0,
                     scratch.get(), ignore_match, nullptr);
      hs_reset_stream(stream, 0, scratch.get(), nullptr, nullptr);
    });
  }

  /** Block mode with the database the scanner picks for a TCP request to `port`. */
  double block_cycles(const std::string& payload, uint16_t port, uint32_t rounds) {
    const hs_database_t* block = db->block_for(true, port);
    return best_cycles(rounds, [&] {
      hs_scan(block, payload.data(), static_cast<unsigned>(payload.size()), 0, scratch.get(),
              ignore_match, nullptr);
    });
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string path = SCANSCOPE_SOURCE_DIR "/config/signatures.rules";
  uint32_t rounds = 50000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--rules") {
      path = argv[i + 1];
    } else if (a == "--rounds") {
      rounds = static_cast<uint32_t>(std::strtoul(argv[i + 1], nullptr, 10));
    } else {
      std::fprintf(stderr, "usage: rule_cost_bench [--rules FILE] [--rounds N]\n");
      return 2;
    }
  }
  if (rounds == 0) {
    std::fprintf(stderr, "rule_cost_bench: --rounds must be positive\n");
    return 2;
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string error;
  auto rules = parse_signature_rules(text.str(), path, error);
  if (!in || !rules) {
    std::fprintf(stderr, "rule_cost_bench: %s\n", in ? error.c_str() : ("cannot read " + path).c_str());
    return 1;
  }
  // The same rules with their ports widened to any TCP port: one database holds them all.
  std::vector<signature_rule> everywhere = *rules;
  for (signature_rule& r : everywhere) {
    r.ports.clear();
    r.proto = rule_protocol::any;
  }
  auto all = compiled::of(everywhere, error);
  auto shipped = compiled::of(*rules, error);
  if (!all || !shipped) {
    std::fprintf(stderr, "rule_cost_bench: %s\n", error.c_str());
    return 1;
  }
  std::printf("rule_cost_bench: %zu rules from %s, TSC %.2f GHz, best of 7 x %u scans\n",
              rules->size(), path.c_str(), tsc_ghz(), rounds);
  std::printf("  %-6s %6s %12s %12s %7s %12s %12s\n", "port", "bytes", "all stream", "all block",
              "rules", "port stream", "port block");
  std::printf("  (shipped: 'all stream' for a followed flow, 'port block' for a request closed in its\n"
              "   own segment and for UDP)\n");
  double sum_stream = 0;
  double sum_block = 0;
  double sum_port_stream = 0;
  double sum_port_block = 0;
  std::vector<std::string> per_rule;
  for (const auto& [port, payload] : bench::one_shot_requests()) {
    std::vector<signature_rule> own;
    for (const signature_rule& r : *rules) {
      if (r.applies(true, port)) {
        own.push_back(r);
      }
    }
    auto subset = compiled::of(own, error);
    if (!subset) {
      std::fprintf(stderr, "rule_cost_bench: %s\n", error.c_str());
      return 1;
    }
    const double s = shipped->stream_cycles(payload, rounds);
    const double b = all->block_cycles(payload, port, rounds);
    const double ps = subset->stream_cycles(payload, rounds);
    const double pb = shipped->block_cycles(payload, port, rounds);
    sum_stream += s;
    sum_block += b;
    sum_port_stream += ps;
    sum_port_block += pb;
    std::printf("  %-6u %6zu %12.0f %12.0f %7zu %12.0f %12.0f\n", port, payload.size(), s, b,
                own.size(), ps, pb);
    for (const signature_rule& r : own) {
      auto one = compiled::of({r}, error);
      if (!one) {
        std::fprintf(stderr, "rule_cost_bench: %s\n", error.c_str());
        return 1;
      }
      char line[160];
      std::snprintf(line, sizeof line, "  %-6u %-30s %8.0f", port, r.name.c_str(),
                    one->block_cycles(payload, port, rounds));
      per_rule.push_back(line);
    }
  }
  const double n = static_cast<double>(bench::one_shot_requests().size());
  std::printf("  %-6s %6s %12.0f %12.0f %7s %12.0f %12.0f\n", "mean", "", sum_stream / n,
              sum_block / n, "", sum_port_stream / n, sum_port_block / n);
  std::printf("\n  each rule of the port alone, block mode (cycles per payload):\n");
  for (const std::string& line : per_rule) {
    std::printf("%s\n", line.c_str());
  }
  return 0;
}
