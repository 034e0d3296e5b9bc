// A source's repeats of its last combination skip every distinct-source look (the source's
// repeat memo): their packets must still count in the hour's series and the fingerprint slot,
// a closed hour must take none of them, and the next hour must count the combination anew.
#include <catch2/catch.hpp>

#include "frame_builder.hpp"
#include "pipeline/worker.hpp"

using namespace scanscope;
using namespace scanscope::test;

namespace {

constexpr uint64_t hour_ns = 3600ULL * 1000000000ULL;

/** Packets and sources of the (port, all countries) series entry of `bucket`, if it is held. */
std::pair<uint64_t, uint64_t> port_entry(const worker& w, int64_t bucket, uint16_t port) {
  const uint64_t key = series_key::make(series_key::kind::port, port, series_key::all, 0);
  std::pair<uint64_t, uint64_t> found{0, 0};
  for (size_t i = 0; i < bucket_series::slots; ++i) {
    const series_slot& s = w.series().slot(i);
    if (s.bucket.load() != bucket) {
      continue;
    }
    s.entries->for_each([&](uint64_t k, const keyed_entry& e) {
      if (k == key) {
        found = {e.packets.read(), e.sources.read()};
      }
    });
  }
  return found;
}

/** Packets counted in the fingerprint slots of one port. */
uint64_t fingerprint_packets(const worker& w, uint16_t port) {
  uint64_t n = 0;
  w.fingerprints().for_each([&](const fingerprint_slot& s) {
    if (s.port_index == port) {
      n += s.packets.read();
    }
  });
  return n;
}

}  // namespace

TEST_CASE("a source's repeats count where a search would count them", "[worker]") {
  std::string error;
  const auto ports = watched_ports::build({{8545, transport::tcp, "ethereum-jsonrpc"}}, error);
  REQUIRE(ports);
  const auto clusters = cluster_rules::parse(cluster_rules::default_text(), "built-in", error);
  REQUIRE(clusters);
  worker_config config;
  config.ports = &*ports;
  config.clusters = &*clusters;
  config.source_capacity = 64;
  config.unique_slots = 1 << 12;
  config.fingerprint_slots = 64;
  config.name = "repeats";
  auto w = worker::create(config, error);
  REQUIRE(w);
  const uint16_t port = ports->index(transport::tcp, 8545);

  // One source scans 8545 over 200 addresses: one combination, so all but its first packets
  // (and the one that decides its source-port behaviour) are repeats.
  ipv4_fields v4;
  const tcp_fields syn;
  const int64_t hour = 400000;
  const uint64_t start = static_cast<uint64_t>(hour) * hour_ns;
  auto scan = [&](int count, uint64_t at) {
    for (int i = 0; i < count; ++i) {
      v4.dst = 0xCB007100u + static_cast<uint32_t>(i);
      const bytes f = ethernet(0x0800) + ipv4(v4, tcp(syn));
      w->handle(f.data(), static_cast<uint32_t>(f.size()), static_cast<uint32_t>(f.size()),
                at + static_cast<uint64_t>(i));
    }
  };
  scan(200, start + 1000);
  CHECK(port_entry(*w, hour, port) == std::make_pair(uint64_t{200}, uint64_t{1}));
  CHECK(fingerprint_packets(*w, port) == 200);
  // A second source's packets interleave with nothing of the first's: its entries are the same.
  v4.src = 0xC6336402;
  scan(10, start + 5000);
  v4.src = 0xC6336401;
  scan(30, start + 6000);
  CHECK(port_entry(*w, hour, port) == std::make_pair(uint64_t{240}, uint64_t{2}));
  CHECK(fingerprint_packets(*w, port) == 240);

  // The hour closes: its repeats are late, not added to entries the stats side has read.
  w->series().close_through(hour);
  scan(25, start + 10000);
  CHECK(w->series().late().read() == 25);
  CHECK(port_entry(*w, hour, port) == std::make_pair(uint64_t{240}, uint64_t{2}));
  CHECK(fingerprint_packets(*w, port) == 265);  // since start: not by hour

  // The next hour: the same combination is new to it, searched again, then repeated.
  scan(40, start + hour_ns + 1000);
  CHECK(port_entry(*w, hour + 1, port) == std::make_pair(uint64_t{40}, uint64_t{1}));
  CHECK(fingerprint_packets(*w, port) == 305);
  CHECK(w->series().late().read() == 25);
}
