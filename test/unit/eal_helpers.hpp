#pragma once
// EAL for the test and benchmark programs: no hugepages, no PCI scan, no shared config, lcore 0
// only, and a runtime folder that goes away with the program.

#include <rte_eal.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "runtime/eal_setup.hpp"

namespace scanscope::test {

/** Start EAL as `program` with `memory_mb` of memory; @return empty, or why it did not start. */
inline std::string start_test_eal(const std::string& program, const std::string& prefix,
                                  unsigned memory_mb) {
  return init_eal({program, "--no-huge", "--no-pci", "--no-shconf", "-m", std::to_string(memory_mb),
                   "-l", "0", "--no-telemetry", "--log-level=lib.eal:error",
                   "--file-prefix=scanscope-" + prefix + "-" + std::to_string(getpid())});
}

/** Stop EAL and remove the runtime folder it made. */
inline void stop_test_eal() {
  const std::string runtime_dir = rte_eal_get_runtime_dir();
  rte_eal_cleanup();
  std::error_code ignored;
  std::filesystem::remove_all(runtime_dir, ignored);
}

}  // namespace scanscope::test
