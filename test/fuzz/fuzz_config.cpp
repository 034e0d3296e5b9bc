// libFuzzer target: any text as scanscope's config file, read through the same option parser
// the program uses (Boost.Program_options, validation, config-relative paths), then the watched
// ports it names.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "runtime/options.hpp"
#include "stats/watched_ports.hpp"

using namespace scanscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/scanscope-fuzz-" + std::to_string(getpid()) + ".conf";
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    return 0;
  }
  std::vector<std::string> args = {"scanscope", "--config", path, "--pcap", "x.pcap"};
  std::vector<char*> argv;
  for (std::string& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  // Errors go to stderr, as they do for an operator (scripts/fuzz filters the output).
  parse_outcome parsed = parse_options(static_cast<int>(args.size()), argv.data(), "");
  if (parsed.options) {
    std::string error;
    watched_ports::build(parsed.options->watch, error);
  }
  std::remove(path.c_str());
  return 0;
}
