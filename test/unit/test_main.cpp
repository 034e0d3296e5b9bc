// Catch2 main that starts EAL once, with no hugepages and a private runtime folder, for the
// tests of parts that keep their tables in DPDK memory (source table, worker).
#define CATCH_CONFIG_RUNNER
#include <rte_eal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::vector<std::string> args = {"unit_tests",
                                   "--no-huge",
                                   "--no-pci",
                                   "--no-shconf",
                                   "-m",
                                   "1024",
                                   "-l",
                                   "0",
                                   "--no-telemetry",
                                   "--log-level=lib.eal:error",
                                   "--file-prefix=scanscope-unit-" + std::to_string(getpid())};
  std::vector<char*> eal_argv;
  for (std::string& a : args) {
    eal_argv.push_back(a.data());
  }
  if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
    return 2;
  }
  const std::string runtime_dir = rte_eal_get_runtime_dir();
  const int failed = Catch::Session().run(argc, argv);
  rte_eal_cleanup();
  std::error_code ignored;
  std::filesystem::remove_all(runtime_dir, ignored);
  return failed;
}
