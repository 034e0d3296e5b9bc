// Repeats counted later (pipeline/repeat_tally.hpp): a worker fed in bursts, whose sources'
// repeats wait in their records, must end with the very counts of a worker that counts every
// frame at once, and both with the traffic's own totals; waiting repeats are counted when their
// wait or their bucket ends, and when their source leaves the table.
#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "frame_builder.hpp"
#include "pipeline/worker.hpp"

using namespace scanscope;
using namespace scanscope::test;

namespace {

constexpr uint64_t hour_ns = 3600ULL * 1000000000ULL;
constexpr uint64_t ms_ns = 1000000ULL;

struct tally_bed {
  std::optional<watched_ports> ports;
  std::optional<cluster_rules> clusters;
  std::string error;

  tally_bed() {
    ports = watched_ports::build(
        {{8545, transport::tcp, "ethereum-jsonrpc"}, {53, transport::udp, "dns"}}, error);
    clusters = cluster_rules::parse(cluster_rules::default_text(), "built-in", error);
  }
  std::unique_ptr<worker> make(const std::string& name, uint32_t sources) {
    worker_config config;
    config.ports = &*ports;
    config.clusters = &*clusters;
    config.source_capacity = sources;
    config.unique_slots = 1 << 14;
    config.fingerprint_slots = 1 << 10;
    config.name = name;
    return worker::create(config, error);
  }
};

/** A frame and its time, with what the traffic itself says about it. */
struct sent_frame {
  bytes data;
  uint64_t time_ns;
};

/**
 * Sources take turns sending runs of one to seven frames: SYNs to 8545 (a fixed source port),
 * DNS queries of varying length, SYNs to three unwatched ports in turn (one watched-port index,
 * three destination ports), and now and then an ICMP echo, which breaks a run. Every 2 ms,
 * across the end of an hour.
 */
std::vector<sent_frame> mixed_traffic(uint64_t start, int sources, int frames) {
  std::vector<sent_frame> out;
  uint64_t t = start;
  for (int n = 0, turn = 0; n < frames; ++turn) {
    const int s = turn % sources;
    const int run = 1 + (turn * 7 + s) % 7;
    for (int i = 0; i < run && n < frames; ++i, ++n, t += 2 * ms_ns) {
      ipv4_fields v4;
      v4.src = 0x0A000000u + static_cast<uint32_t>(s);
      v4.dst = 0xCB007100u + static_cast<uint32_t>(n & 0xFF);
      tcp_fields syn;
      syn.src_port = static_cast<uint16_t>(30000 + s);
      bytes f;
      if (n % 29 == 0) {
        v4.proto = 1;
        f = ethernet(0x0800) + ipv4(v4, icmp(8, 0));
      } else if (s % 3 == 0) {
        f = ethernet(0x0800) + ipv4(v4, tcp(syn));
      } else if (s % 3 == 1) {
        v4.proto = 17;
        f = ethernet(0x0800) + ipv4(v4, udp(static_cast<uint16_t>(40000 + s), 53,
                                            bytes(12 + static_cast<size_t>(n % 5), 0x41)));
      } else {
        syn.dst_port = static_cast<uint16_t>(1000 + (turn / sources) % 3);
        f = ethernet(0x0800) + ipv4(v4, tcp(syn));
      }
      out.push_back({f, t});
    }
  }
  return out;
}

void feed_in_bursts(worker& w, const std::vector<sent_frame>& frames, size_t from, size_t to) {
  std::vector<frame_ref> refs;
  for (size_t i = from; i < to; ++i) {
    const auto n = static_cast<uint32_t>(frames[i].data.size());
    refs.push_back({frames[i].data.data(), n, n, frames[i].time_ns});
  }
  for (size_t i = 0; i < refs.size(); i += 32) {
    w.handle_burst(&refs[i], static_cast<uint16_t>(std::min<size_t>(32, refs.size() - i)));
  }
}

void feed_one_by_one(worker& w, const std::vector<sent_frame>& frames) {
  for (const sent_frame& f : frames) {
    const auto n = static_cast<uint32_t>(f.data.size());
    w.handle(f.data.data(), n, n, f.time_ns);
  }
}

using family_counts = std::map<std::tuple<std::string, uint64_t, uint64_t>, uint64_t>;

/** Every packet and source count of the families the records fold into. */
family_counts counts_of(const worker& w) {
  family_counts m;
  const lcore_counters& c = w.counters();
  const auto put = [&m](const char* family, uint64_t a, uint64_t b, const source_counter& s) {
    if (s.packets.read() != 0) {
      m[{std::string(family) + ".packets", a, b}] = s.packets.read();
      m[{std::string(family) + ".sources", a, b}] = s.sources.read();
    }
  };
  for (size_t port = 0; port < c.watched.size(); ++port) {
    m[{"watched.packets", port, 0}] = c.watched[port].packets.read();
    m[{"watched.bytes", port, 0}] = c.watched[port].bytes.read();
    for (const series_dimension& d : series_dimensions) {
      for (size_t i = 0; i < d.values; ++i) put(d.plural, port, i, c.on_port(d.kind, port, i));
    }
  }
  for (size_t t = 0; t < 2; ++t) {
    for (size_t port = 0; port < 65536; ++port) {
      if (c.by_dst_port[t][port].read() != 0) {
        m[{"by_dst_port", t, port}] = c.by_dst_port[t][port].read();
      }
    }
  }
  for (const series_dimension& d : series_dimensions) {
    for (size_t i = 0; d.overall && i < d.values; ++i) {
      put((std::string(d.plural) + "_total").c_str(), i, 0, c.in_total(d.kind, i));
    }
  }
  for (size_t i = 0; i < w.stats().country_counts.size(); ++i) {
    put("country_counts", i, 0, w.stats().country_counts[i]);
  }
  for (size_t i = 0; i < w.stats().country_totals.size(); ++i) {
    put("country_totals", i, 0, w.stats().country_totals[i]);
  }
  w.fingerprints().for_each([&](const fingerprint_slot& s) {
    m[{"fingerprint.packets", s.port_index, s.key.lo ^ s.key.hi}] += s.packets.read();
    m[{"fingerprint.sources", s.port_index, s.key.lo ^ s.key.hi}] += s.sources.read();
  });
  for (size_t i = 0; i < bucket_series::slots; ++i) {
    const series_slot& s = w.series().slot(i);
    const auto bucket = static_cast<uint64_t>(s.bucket.load());
    s.entries->for_each([&](uint64_t k, const keyed_entry& e) {
      m[{"series.packets", bucket, k}] = e.packets.read();
      m[{"series.sources", bucket, k}] = e.sources.read();
    });
  }
  m[{"series.late", 0, 0}] = w.series().late().read();
  return m;
}

uint64_t sum_of(const family_counts& m, const std::string& family) {
  uint64_t n = 0;
  for (const auto& [key, value] : m) {
    if (std::get<0>(key) == family) {
      n += value;
    }
  }
  return n;
}

/** Packets of the (port, all, country 0) series entry in `bucket`. */
uint64_t port_series(const family_counts& m, int64_t bucket, uint16_t port) {
  const uint64_t key = series_key::make(series_key::kind::port, port, series_key::all, 0);
  const auto it = m.find({"series.packets", static_cast<uint64_t>(bucket), key});
  return it == m.end() ? 0 : it->second;
}

}  // namespace

TEST_CASE("repeats counted later add up to counting every frame at once", "[worker][repeats]") {
  tally_bed bed;
  REQUIRE(bed.ports);
  REQUIRE(bed.clusters);
  const int64_t hour = 400000;
  const uint64_t start = static_cast<uint64_t>(hour + 1) * hour_ns - 2500 * ms_ns;
  // 24 sources in a table of 16: sources leave it (with repeats waiting) and come back.
  for (const uint32_t capacity : {256u, 16u}) {
    const auto frames = mixed_traffic(start, 24, 3000);
    auto at_once = bed.make("at_once", capacity);
    auto later = bed.make("later", capacity);
    REQUIRE(at_once);
    REQUIRE(later);
    feed_one_by_one(*at_once, frames);
    feed_in_bursts(*later, frames, 0, frames.size());
    later->fold_repeats();
    const family_counts expected = counts_of(*at_once);
    const family_counts got = counts_of(*later);
    CHECK(got == expected);

    // And both as the traffic itself says: every frame with ports in each family once.
    uint64_t tcp_8545 = 0, udp_53 = 0, unwatched = 0, icmp = 0, bytes_53 = 0;
    std::map<uint16_t, uint64_t> by_unwatched_port;
    uint64_t before_hour_end = 0;
    for (const sent_frame& f : frames) {
      const uint8_t proto = f.data[14 + 9];
      // The destination port after the Ethernet and 20-byte IPv4 headers.
      const auto dport = static_cast<uint16_t>((f.data[14 + 20 + 2] << 8) | f.data[14 + 20 + 3]);
      if (proto == 1) {
        ++icmp;
        continue;
      }
      before_hour_end += f.time_ns < static_cast<uint64_t>(hour + 1) * hour_ns ? 1 : 0;
      if (proto == 17) {
        ++udp_53;
        bytes_53 += f.data.size();
      } else if (dport == 8545) {
        ++tcp_8545;
      } else {
        ++unwatched;
        ++by_unwatched_port[dport];
      }
    }
    const uint16_t p8545 = bed.ports->index(transport::tcp, 8545);
    const uint16_t p53 = bed.ports->index(transport::udp, 53);
    const uint64_t with_ports = tcp_8545 + udp_53 + unwatched;
    CHECK(got.at({"watched.packets", p8545, 0}) == tcp_8545);
    CHECK(got.at({"watched.packets", p53, 0}) == udp_53);
    CHECK(got.at({"watched.bytes", p53, 0}) == bytes_53);
    CHECK(got.at({"watched.packets", 0, 0}) == unwatched);
    CHECK(got.at({"by_dst_port", 0, 8545}) == tcp_8545);
    CHECK(got.at({"by_dst_port", 1, 53}) == udp_53);
    // Three ports under one watched-port index: a repeat there is one only to the same port.
    REQUIRE(by_unwatched_port.size() == 3);
    for (const auto& [dport, n] : by_unwatched_port) {
      INFO(dport);
      CHECK(got.at({"by_dst_port", 0, dport}) == n);
    }
    for (const char* family : {"clusters.packets", "tools.packets", "techniques.packets",
                               "actors.packets", "country_counts.packets", "fingerprint.packets"}) {
      INFO(family);
      CHECK(sum_of(got, family) == with_ports);
    }
    for (const char* family : {"tools_total.packets", "techniques_total.packets",
                               "actors_total.packets", "country_totals.packets"}) {
      INFO(family);
      CHECK(sum_of(got, family) == with_ports + icmp);
    }
    CHECK(port_series(got, hour, p8545) + port_series(got, hour, p53) + port_series(got, hour, 0) ==
          before_hour_end);
    CHECK(sum_of(got, "series.late") == 0);
  }
}

TEST_CASE("waiting repeats are counted when their wait or their hour ends", "[worker][repeats]") {
  tally_bed bed;
  auto w = bed.make("waits", 64);
  REQUIRE(w);
  const uint16_t port = bed.ports->index(transport::tcp, 8545);
  const int64_t hour = 400000;
  const uint64_t hour_end = static_cast<uint64_t>(hour + 1) * hour_ns;
  // One source, SYNs to 8545, one per millisecond from `t0`.
  const auto syn_scan = [](int count, uint64_t t0) {
    std::vector<sent_frame> scan;
    for (int i = 0; i < count; ++i) {
      ipv4_fields v4;
      v4.dst = 0xCB007100u + static_cast<uint32_t>(i);
      scan.push_back(
          {ethernet(0x0800) + ipv4(v4, tcp(tcp_fields{})), t0 + static_cast<uint64_t>(i) * ms_ns});
    }
    return scan;
  };
  const uint64_t t0 = hour_end - 10000 * ms_ns;
  const auto first = syn_scan(64, t0);
  feed_in_bursts(*w, first, 0, first.size());
  // The first SYN and the one that tells the source-port behaviour are counted in full; the
  // repeats wait, in no count and no series entry yet.
  const uint64_t counted = w->counters().watched[port].packets.read();
  CHECK(counted < 64);
  CHECK(port_series(counts_of(*w), hour, port) == counted);
  w->idle(t0 + 500 * ms_ns);
  CHECK(w->counters().watched[port].packets.read() == counted);
  // A second after they began to wait, idle: their wait is over.
  w->idle(t0 + 1100 * ms_ns);
  CHECK(w->counters().watched[port].packets.read() == 64);
  CHECK(port_series(counts_of(*w), hour, port) == 64);
  // 36 more in the hour's last 36 ms: they wait again.
  const auto last = syn_scan(36, hour_end - 36 * ms_ns);
  feed_in_bursts(*w, last, 0, last.size());
  CHECK(w->counters().watched[port].packets.read() < 100);
  // A frame of the next hour (another source and port): before it counts, the hour's repeats
  // are counted, in the hour's entry.
  ipv4_fields other;
  other.src = 0x0A0000FE;
  tcp_fields to_80;
  to_80.dst_port = 80;
  const std::vector<sent_frame> next{
      {ethernet(0x0800) + ipv4(other, tcp(to_80)), hour_end + ms_ns}};
  feed_in_bursts(*w, next, 0, 1);
  const family_counts m = counts_of(*w);
  CHECK(m.at({"watched.packets", port, 0}) == 100);
  CHECK(port_series(m, hour, port) == 100);
  CHECK(m.at({"series.late", 0, 0}) == 0);
}
