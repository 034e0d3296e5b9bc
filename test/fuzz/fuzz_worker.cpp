// libFuzzer target: a run of frames through a whole worker with the default payload rules, so
// the TCP flow following (segments out of order, overlapping, after a hole, FIN, RST, a SYN on
// a followed 4-tuple), the flow and source tables at their limits, the scan-byte cut and the
// hit counting see hostile sequences. Tables are tiny, so evictions happen within one input,
// and each input gets a fresh worker, so a failing input fails on its own.
//
// Input: records of [length, 2 bytes little-endian][time step in ms, 1 byte][frame].
#include <rte_eal.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "cluster/cluster_rules.hpp"
#include "pipeline/worker.hpp"
#include "signature/signature_db.hpp"
#include "stats/watched_ports.hpp"

using namespace scanscope;

namespace {

struct fixture {
  watched_ports ports;
  cluster_rules clusters;
  std::unique_ptr<signature_db> rules;
};

fixture* setup() {
  std::string error;
  auto ports = watched_ports::build({{8545, transport::tcp, "ethereum-jsonrpc"},
                                     {5555, transport::tcp, "adb"},
                                     {52869, transport::tcp, "upnp"},
                                     {3333, transport::tcp, "claymore"}},
                                    error);
  auto clusters = cluster_rules::parse(cluster_rules::default_text(), "built-in", error);
  auto rules = signature_db::load(SCANSCOPE_SOURCE_DIR "/config/signatures.rules", "", error);
  if (!ports || !clusters || !rules) {
    std::fprintf(stderr, "fuzz_worker: %s\n", error.c_str());
    std::abort();
  }
  return new fixture{std::move(*ports), std::move(*clusters), std::move(rules)};
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  static std::string prefix = "--file-prefix=scanscope-fuzz-" + std::to_string(getpid());
  const char* args[] = {
      "fuzz_worker", "--no-huge", "--no-pci", "--no-shconf",    "-m",
      "256",         "-l",        "0",        "--no-telemetry", "--log-level=lib.eal:error",
      prefix.c_str()};
  if (rte_eal_init(static_cast<int>(std::size(args)), const_cast<char**>(args)) < 0) {
    std::abort();
  }
  std::atexit([] {
    const std::string runtime_dir = rte_eal_get_runtime_dir();
    rte_eal_cleanup();
    std::error_code ignored;
    std::filesystem::remove_all(runtime_dir, ignored);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fixture* f = setup();
  worker_config config;
  config.ports = &f->ports;
  config.clusters = &f->clusters;
  config.signatures = f->rules.get();
  config.source_capacity = 16;
  config.source_idle_ns = 50'000'000;
  config.unique_slots = 1024;
  config.fingerprint_slots = 64;
  config.flow_capacity = 4;
  config.flow_idle_ns = 20'000'000;
  config.scan_bytes = 96;
  config.bucket_ns = 60'000'000'000;
  config.bucket_entries = 64;
  config.bucket_unique_slots = 256;
  config.name = "fuzz";
  std::string error;
  std::unique_ptr<worker> w = worker::create(config, error);
  if (!w) {
    std::fprintf(stderr, "fuzz_worker: %s\n", error.c_str());
    std::abort();
  }
  uint64_t time_ns = 1'000'000'000;
  std::vector<uint8_t> frame;  // a copy of its own, so ASan sees reads past the frame
  while (size >= 3) {
    const size_t length = std::min<size_t>(data[0] | (size_t{data[1]} << 8), size - 3);
    time_ns += uint64_t{data[2]} * 1'000'000;
    frame.assign(data + 3, data + 3 + length);
    w->handle(frame.data(), static_cast<uint32_t>(frame.size()),
              static_cast<uint32_t>(frame.size()), time_ns);
    data += 3 + length;
    size -= 3 + length;
  }
  const signature_scanner& s = *w->scanner();
  if (s.counters().errors.read() != 0 || s.flow_counters().live.read() > s.flow_capacity()) {
    __builtin_trap();  // Hyperscan refused a scan, or the flow table outgrew its capacity
  }
  return 0;
}
