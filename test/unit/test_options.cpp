#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "../../app/scanscope/options.hpp"

using namespace scanscope;

namespace {

parse_outcome parse(std::vector<std::string> args) {
  args.insert(args.begin(), "scanscope");
  std::vector<char*> argv;
  for (std::string& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  return parse_options(static_cast<int>(args.size()), argv.data(), "");
}

std::string write_config(const std::string& text) {
  const std::string path = "test-options-" + std::to_string(std::rand()) + ".conf";
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("the shipped config file parses", "[options]") {
  const parse_outcome p =
      parse({"--config", SCANSCOPE_SOURCE_DIR "/config/scanscope.conf", "--pcap", "x.pcap"});
  REQUIRE(p.options);
  CHECK(p.options->pcaps == std::vector<std::string>{"x.pcap"});
  CHECK_FALSE(p.options->watch.empty());
}

// Boost.Program_options loops forever building the message for a value that holds one of its
// own placeholders; such text must come back as an error (found by fuzz_config).
TEST_CASE("placeholder text in options is an error, not a hang", "[options]") {
  const std::string bad = write_config("bucket = %value%\n");
  parse_outcome p = parse({"--config", bad, "--pcap", "x.pcap"});
  CHECK_FALSE(p.options);
  CHECK(p.exit_code == 2);
  std::remove(bad.c_str());

  p = parse({"--config", SCANSCOPE_SOURCE_DIR
             "/test/fuzz/regressions/fuzz_config/placeholder-loop.conf",
             "--pcap", "x.pcap"});
  CHECK_FALSE(p.options);
  CHECK(p.exit_code == 2);

  p = parse({"--bucket=%canonical_option%", "--pcap", "x.pcap"});
  CHECK_FALSE(p.options);
  CHECK(p.exit_code == 2);

  // A lone percent sign is not a placeholder and reaches the option's own check.
  const std::string odd = write_config("json-out = report-100%.json\n");
  p = parse({"--config", odd, "--pcap", "x.pcap"});
  REQUIRE(p.options);
  CHECK(p.options->json_out.find("report-100%.json") != std::string::npos);
  std::remove(odd.c_str());
}
