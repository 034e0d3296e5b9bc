// A source's repeats of its last combination skip every distinct-source look (the source's
// repeat memo): their packets must still count in the hour's series and the fingerprint slot,
// a closed hour must take none of them, and the next hour must count the combination anew;
// each source's packets in a bucket are tallied for the source store, its repeats included.
#include <catch2/catch.hpp>

#include "frame_builder.hpp"
#include "pipeline/worker.hpp"
#include "stats/series_store.hpp"

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

/** A small worker watching 8545/tcp; `arrivals` per bucket listed (0: none). */
struct small_worker {
  std::optional<watched_ports> ports;
  std::optional<cluster_rules> clusters;
  std::unique_ptr<worker> w;

  explicit small_worker(uint32_t arrivals = 0) {
    std::string error;
    ports = watched_ports::build({{8545, transport::tcp, "ethereum-jsonrpc"}}, error);
    REQUIRE(ports);
    clusters = cluster_rules::parse(cluster_rules::default_text(), "built-in", error);
    REQUIRE(clusters);
    worker_config config;
    config.ports = &*ports;
    config.clusters = &*clusters;
    config.source_capacity = 64;
    config.unique_slots = 1 << 12;
    config.fingerprint_slots = 64;
    config.bucket_arrivals = arrivals;
    config.name = "repeats";
    w = worker::create(config, error);
    REQUIRE(w);
  }
};

}  // namespace

TEST_CASE("a source's repeats count where a search would count them", "[worker]") {
  small_worker made;
  worker* w = made.w.get();
  const uint16_t port = made.ports->index(transport::tcp, 8545);

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

TEST_CASE("each source's packets in a bucket are tallied, its waiting repeats included",
          "[worker]") {
  small_worker made(1024);
  worker* w = made.w.get();

  // Source A sweeps 8545 (repeats that wait in its record), sends UDP to an unwatched port and
  // ICMP echoes; source B's SYNs interleave with A's sweep. Bursts of 32, as an lcore takes them.
  const int64_t hour = 400000;
  const uint64_t start = static_cast<uint64_t>(hour) * hour_ns + 1000;
  const uint32_t a = 0xC6336401, b = 0xC6336402;  // 198.51.100.1, .2
  std::vector<bytes> frames;
  for (uint32_t i = 0; i < 300; ++i) {
    ipv4_fields v4;
    v4.src = i % 6 == 5 ? b : a;
    v4.dst = 0xCB007100u + i;
    frames.push_back(ethernet(0x0800) + ipv4(v4, tcp(tcp_fields{})));
  }
  for (uint32_t i = 0; i < 20; ++i) {
    ipv4_fields v4;
    v4.proto = 17;
    v4.dst = 0xCB007100u + i;
    frames.push_back(ethernet(0x0800) + ipv4(v4, udp(5000, 53)));
  }
  for (uint32_t i = 0; i < 7; ++i) {
    ipv4_fields v4;
    v4.proto = 1;
    frames.push_back(ethernet(0x0800) + ipv4(v4, icmp(8, 0)));
  }
  std::vector<frame_ref> refs;
  for (size_t i = 0; i < frames.size(); ++i) {
    const auto n = static_cast<uint32_t>(frames[i].size());
    refs.push_back({frames[i].data(), n, n, start + i});
  }
  for (size_t i = 0; i < refs.size(); i += 32) {
    w->handle_burst(&refs[i], static_cast<uint16_t>(std::min<size_t>(32, refs.size() - i)));
  }
  w->fold_repeats();

  series_store store(24, surge_settings{});
  const closed_bucket closed = store.close(hour, {&w->series()});
  const auto tally_of = [&](uint32_t v4) {
    uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    for (int i = 0; i < 4; ++i) {
      mapped[12 + i] = static_cast<uint8_t>(v4 >> (24 - 8 * i));
    }
    const uint64_t key = bucket_series::tally_key(address_hash(mapped));
    uint64_t n = 0;
    for (const source_tally& t : closed.tallies) {
      n += t.key == key ? t.packets : 0;
    }
    return n;
  };
  CHECK(tally_of(a) == 250 + 20 + 7);
  CHECK(tally_of(b) == 50);
  CHECK(closed.tallies.size() == 2);
  CHECK(w->series().untallied().read() == 0);
}
