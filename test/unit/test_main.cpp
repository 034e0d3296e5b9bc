// Catch2 main that starts EAL once, with no hugepages and a private runtime folder, for the
// tests of parts that keep their tables in DPDK memory (source table, worker).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "eal_helpers.hpp"

int main(int argc, char** argv) {
  if (!scanscope::test::start_test_eal("unit_tests", "unit", 1024).empty()) {
    return 2;
  }
  const int failed = Catch::Session().run(argc, argv);
  scanscope::test::stop_test_eal();
  return failed;
}
