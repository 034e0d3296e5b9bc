// The event log: an alert from a ring in EVE's names, the rate cap, the reopen after rotation.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/event_log.hpp"

using namespace scanscope;

namespace {

struct temp_file {
  std::string path;
  temp_file() {
    char name[] = "/tmp/scanscope-events-XXXXXX";
    path = std::string(mkdtemp(name)) + "/events.json";
  }
  ~temp_file() { std::filesystem::remove_all(std::filesystem::path(path).parent_path()); }
};

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    out.push_back(line);
  }
  return out;
}

void wait_written(const event_log& log, uint64_t n) {
  for (int i = 0; i < 500 && log.counts().written < n; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

TEST_CASE("an alert from an lcore's ring, in EVE's field names") {
  temp_file f;
  alert_ring ring(8);
  std::string error;
  auto log = event_log::open(f.path, nullptr, 100, {&ring}, error);
  REQUIRE(log);
  log->set_rules({{"eth-accounts", "recon", 1001}, {"claymore-file", "exploit", 2003}});
  alert_record* a = ring.claim();
  REQUIRE(a);
  a->time_ns = 1515391233623830000ULL;  // 2018-01-08T06:00:33.623830Z
  const uint8_t src[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 203, 0, 113, 9};
  const uint8_t dst[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 198, 18, 0, 10};
  std::memcpy(a->source, src, 16);
  std::memcpy(a->destination, dst, 16);
  a->src_port = 40000;
  a->dst_port = 3333;
  a->rule = 1;
  a->tcp = 1;
  const char payload[] = "{\"method\":\"miner_file\"}\x01";
  a->excerpt_length = sizeof payload - 1;
  std::memcpy(a->excerpt, payload, a->excerpt_length);
  ring.publish();
  log->finish();
  const auto lines = lines_of(f.path);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] ==
        "{\"timestamp\":\"2018-01-08T06:00:33.623830+0000\",\"event_type\":\"alert\","
        "\"src_ip\":\"203.0.113.9\",\"src_port\":40000,\"dest_ip\":\"198.18.0.10\","
        "\"dest_port\":3333,\"proto\":\"TCP\",\"alert\":{\"action\":\"allowed\","
        "\"signature_id\":2003,\"signature\":\"claymore-file\",\"category\":\"exploit\","
        "\"severity\":1},\"payload_printable\":\"{\\\"method\\\":\\\"miner_file\\\"}.\"}");
  CHECK(log->counts().written == 1);
}

TEST_CASE("the rate cap writes a burst of N and counts the rest") {
  temp_file f;
  std::string error;
  // One a second: the 20 lines are written within one pass, far under a second.
  auto log = event_log::open(f.path, nullptr, 1, {}, error);
  REQUIRE(log);
  for (int i = 0; i < 20; ++i) {
    log->submit("{\"n\":" + std::to_string(i) + "}\n");
  }
  log->finish();
  CHECK(lines_of(f.path).size() == 1);
  CHECK(log->counts().written == 1);
  CHECK(log->counts().rate_dropped == 19);
}

TEST_CASE("a reopen after the file was moved writes to a new file of the same name") {
  temp_file f;
  std::string error;
  auto log = event_log::open(f.path, nullptr, 100, {}, error);
  REQUIRE(log);
  log->submit("{\"before\":1}\n");
  wait_written(*log, 1);
  std::filesystem::rename(f.path, f.path + ".1");
  log->reopen();
  // The thread reopens on its next pass, before it writes what comes after.
  for (int i = 0; i < 500 && log->counts().reopened == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  log->submit("{\"after\":1}\n");
  log->finish();
  CHECK(lines_of(f.path + ".1") == std::vector<std::string>{"{\"before\":1}"});
  CHECK(lines_of(f.path) == std::vector<std::string>{"{\"after\":1}"});
  CHECK(log->counts().reopened == 1);
}

TEST_CASE("an event file that cannot be opened is an error naming it") {
  std::string error;
  CHECK_FALSE(event_log::open("/nonexistent-folder/events.json", nullptr, 10, {}, error));
  CHECK(error.find("/nonexistent-folder/events.json") != std::string::npos);
}
