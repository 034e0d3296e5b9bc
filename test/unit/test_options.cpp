#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/options.hpp"

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

  p = parse({"--config",
             SCANSCOPE_SOURCE_DIR "/test/fuzz/regressions/fuzz_config/placeholder-loop.conf",
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

// Each bad config file must be refused with exit 2 and a message that names the file and the
// line at fault (or the command line), whatever else the file or the command line holds.
TEST_CASE("config errors name the file and the line", "[options]") {
  struct bad_config {
    const char* text;               // the config file
    std::vector<std::string> args;  // besides --config FILE --pcap x.pcap
    int line;                       // the line the message must name (0: the command line)
    const char* words;              // what the message must also say
  };
  const std::vector<bad_config> table = {
      {"# comment\nthis line has no equals\n", {}, 2, "not of the form 'name = value'"},
      {"bucket = 5\n", {}, 1, "option 'bucket' must be whole seconds from 10 to 86400"},
      {"bucket = 90.5\n", {}, 1, "option 'bucket' must be whole seconds from 10 to 86400"},
      {"bucket-grace = 30\nbucket = 5\n", {}, 2, "option 'bucket'"},
      {"\nwatch-port = 8545/tcp\n", {}, 2, "option 'watch-port'"},
      {"queues = 1\nno-such-option = 3\n", {}, 2, "no-such-option"},
      {"retention = 0\n", {}, 1, "option 'retention' must be from 1"},
      {"\n\ncampaign-ratio = 0.5\n", {}, 3, "option 'campaign-ratio'"},
      // A bad value in the file is an error even when the command line sets the option too.
      {"verbose = true\nquiet = maybe\n", {"--quiet"}, 2, "'maybe'"},
      {"bucket = 7200\n", {"--bucket", "5"}, 0, "option 'bucket'"},
      // ...and a value out of range in the file too (the README's promise).
      {"queues = 1\nbucket = 5\n", {"--bucket", "3600"}, 2,
       "option 'bucket' must be whole seconds from 10 to 86400"},
      {"retention = 0\n", {"--retention", "24"}, 1, "option 'retention' must be from 1"},
      {"watch-port = 8545/tcp\n", {"--watch-port", "8545/tcp eth"}, 1, "option 'watch-port'"},
      // Command-line mistakes say so.
      {"queues = 1\n", {"--no-such-option"}, 0, "no-such-option"},
      {"queues = 1\n", {"--queues", "many"}, 0, "'many'"},
  };
  for (const bad_config& c : table) {
    const std::string path = write_config(c.text);
    std::vector<std::string> args = {"--config", path, "--pcap", "x.pcap"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const parse_outcome p = parse(args);
    INFO(c.text << " → " << p.error);
    CHECK_FALSE(p.options);
    CHECK(p.exit_code == 2);
    const std::string where =
        c.line == 0 ? std::string("command line: ") : path + ":" + std::to_string(c.line) + ":";
    CHECK(p.error.find(where) == 0);
    CHECK(p.error.find(c.words) != std::string::npos);
    std::remove(path.c_str());
  }
}

TEST_CASE("option mistakes get a hint", "[options]") {
  // EAL arguments without the separator.
  parse_outcome p = parse({"-l", "0-1", "--vdev", "net_null0", "--duration", "1"});
  CHECK_FALSE(p.options);
  CHECK(p.exit_code == 2);
  CHECK(p.error.find("EAL arguments go before '--'") != std::string::npos);
  // With the separator there is nothing to hint at.
  p = parse({"-l", "0-1", "--", "--no-such-option"});
  CHECK_FALSE(p.options);
  CHECK(p.exit_code == 2);
  CHECK(p.error.find("command line: ") == 0);
  CHECK(p.error.find("'--no-such-option'") != std::string::npos);
  CHECK(p.error.find("EAL arguments") == std::string::npos);
  // The EAL arguments before the separator are kept for EAL, not parsed as options.
  p = parse({"-l", "0-1", "--vdev", "net_null0", "--", "--duration", "1"});
  REQUIRE(p.options);
  CHECK(p.options->eal_args == std::vector<std::string>{"-l", "0-1", "--vdev", "net_null0"});
  CHECK(p.options->duration == 1);
  // A config file that is not there is said to be missing.
  p = parse({"--config", "no-such-file.conf", "--pcap", "x.pcap"});
  CHECK(p.exit_code == 2);
  CHECK(p.error.find("'no-such-file.conf' does not exist") != std::string::npos);
}

TEST_CASE("a file value the command line overrides is checked only for itself", "[options]") {
  // The file's campaign-min-history fits the command line's campaign-window, not the default
  // one; the file alone is not at fault for a relation the command line sets up.
  const std::string path = write_config("campaign-min-history = 20\n");
  parse_outcome p = parse({"--config", path, "--pcap", "x.pcap", "--campaign-window", "30"});
  INFO(p.error);
  REQUIRE(p.options);
  CHECK(p.options->campaign.min_history == 20);
  CHECK(p.options->campaign.window == 30);
  // And the command line's value wins over a good file value.
  const std::string good = write_config("bucket = 600\n");
  p = parse({"--config", good, "--pcap", "x.pcap", "--bucket", "3600"});
  REQUIRE(p.options);
  CHECK(p.options->bucket == 3600);
  std::remove(path.c_str());
  std::remove(good.c_str());
}

TEST_CASE("each option says where it was set", "[options]") {
  const std::string path = write_config("queues = 2\n\nactors = none\n");
  const parse_outcome p =
      parse({"--config", path, "--pcap", "x.pcap", "--http", "127.0.0.1:1"});
  REQUIRE(p.options);
  CHECK(p.origin_of("http") == "command line: ");
  CHECK(p.origin_of("actors") == path + ":3: ");
  CHECK(p.origin_of("bucket").empty());  // left at its default
  std::remove(path.c_str());
}

TEST_CASE("--help's promise: every option but four can be set in the config file", "[options]") {
  // list-ports is a config option like any other; counter-families, help, version and config
  // are the command line's alone, and --help says so.
  const std::string path = write_config("list-ports = true\n");
  parse_outcome p = parse({"--config", path, "--pcap", "x.pcap"});
  REQUIRE(p.options);
  CHECK(p.options->list_ports);
  std::remove(path.c_str());
  const std::string actions = write_config("counter-families = true\n");
  p = parse({"--config", actions, "--pcap", "x.pcap"});
  CHECK_FALSE(p.options);
  CHECK(p.error.find("counter-families") != std::string::npos);
  std::remove(actions.c_str());
}

TEST_CASE("--clickhouse-sources, the former name of --bucket-sources, still sets it",
          "[options]") {
  const parse_outcome old_name = parse({"--pcap", "x.pcap", "--clickhouse-sources", "4096"});
  REQUIRE(old_name.options);
  CHECK(old_name.options->store.arrivals == 4096);
  const std::string path = write_config("clickhouse-sources = 8192\n");
  const parse_outcome in_file = parse({"--config", path, "--pcap", "x.pcap"});
  std::remove(path.c_str());
  REQUIRE(in_file.options);
  CHECK(in_file.options->store.arrivals == 8192);
  const parse_outcome new_name = parse({"--pcap", "x.pcap", "--bucket-sources", "1024"});
  REQUIRE(new_name.options);
  CHECK(new_name.options->store.arrivals == 1024);
}

TEST_CASE("--events-syslog alone turns the event log on; a facility is checked",
          "[options]") {
  const parse_outcome p = parse({"--pcap", "x.pcap", "--events-syslog", "/dev/log"});
  REQUIRE(p.options);
  CHECK(p.options->events.enabled());
  CHECK_FALSE(p.options->events.to_file());
  const parse_outcome bad = parse({"--pcap", "x.pcap", "--events-syslog-facility", "local8"});
  CHECK_FALSE(bad.options);
  CHECK(bad.error.find("'local8' is not local0 to local7") != std::string::npos);
}

TEST_CASE("--respond-waiting is a power of two from 64", "[options]") {
  const parse_outcome p = parse({"--pcap", "x.pcap", "--respond-waiting", "64"});
  REQUIRE(p.options);
  CHECK(p.options->conversation.respond_waiting == 64);
  for (const char* bad : {"100", "32", "2097152"}) {
    const parse_outcome q = parse({"--pcap", "x.pcap", "--respond-waiting", bad});
    CHECK_FALSE(q.options);
    CHECK(q.error.find("'respond-waiting' must be a power of two from 64 to 2^20") !=
          std::string::npos);
  }
}
