#pragma once
// Shared by the tests of the series files and the fleet rows: one watched port, the names its
// series keys are written with, and a scratch folder.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "export/series_files.hpp"
#include "stats/watched_ports.hpp"

namespace scanscope::test {

/** 8545/tcp (ethereum-jsonrpc) watched, nothing else. */
inline watched_ports jsonrpc_ports() {
  std::string error;
  auto ports = watched_ports::build({{8545, transport::tcp, "ethereum-jsonrpc"}}, error);
  REQUIRE(ports);
  return std::move(*ports);
}

/** Names of the series on `ports`: two clusters, one rule, and the countries given. */
inline series_names jsonrpc_names(const watched_ports& ports, std::vector<std::string> countries) {
  series_names names;
  names.ports = &ports;
  names.clusters = {"fixed-port-w1024", "other"};
  names.signatures = {"eth-accounts"};
  names.countries = std::move(countries);
  return names;
}

/** /tmp/scanscope-NAME-test-PID, removed before and after. */
struct scratch_folder {
  std::string path;
  explicit scratch_folder(const std::string& name)
      : path("/tmp/scanscope-" + name + "-test-" + std::to_string(::getpid())) {
    std::filesystem::remove_all(path);
  }
  ~scratch_folder() { std::filesystem::remove_all(path); }
};

}  // namespace scanscope::test
