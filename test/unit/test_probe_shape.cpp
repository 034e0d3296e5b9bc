// A probe of its source's last shape takes the last tool and fingerprint key without the rules
// (fingerprint/probe_shape.hpp). Two proofs that the shortcut changes nothing: every header
// byte of every test capture, mutated, must change the shape whenever it changes what the
// rules say; and a worker with the shortcut must count every family exactly as one without,
// on every capture of test/data, on mutated frames and on hours of the seed scenarios.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <map>
#include <optional>
#include <random>

#include "export/json_report.hpp"
#include "export/prometheus_text.hpp"
#include "fingerprint/fingerprint_key.hpp"
#include "fingerprint/probe_shape.hpp"
#include "fingerprint/scan_tool.hpp"
#include "frame_builder.hpp"
#include "geo/location_db.hpp"
#include "held_frames.hpp"
#include "pipeline/lcore_fold.hpp"
#include "pipeline/worker.hpp"
#include "stats/series_store.hpp"

using namespace scanscope;
using namespace scanscope::test;

namespace {

constexpr uint64_t hour_ns = 3600ULL * 1000000000ULL;

/** What the rules say of a packet: what the shortcut must reproduce from the shape alone. */
struct rules_answer {
  scan_tool tool[4];
  uint8_t doubts[4];
  fingerprint_key key;
  bool nmap_udp;

  explicit rules_answer(const decoded_packet& p) {
    for (uint8_t d = 0; d < 4; ++d) {
      doubts[d] = d;
      tool[d] = identify_tool(p, doubts[d]);
      doubts[d] &= 3;
    }
    key = make_fingerprint_key(p);
    nmap_udp = nmap_udp_shape(p);
  }
  bool operator==(const rules_answer& o) const {
    return std::equal(tool, tool + 4, o.tool) && std::equal(doubts, doubts + 4, o.doubts) &&
           key == o.key && nmap_udp == o.nmap_udp;
  }
};

/** A copy of `f` with one byte of its headers (or of the payload's first bytes) replaced. */
held_frame mutated(const held_frame& f, std::mt19937_64& random) {
  held_frame m = f;
  decoded_packet p;
  parse_frame(f.data.data(), static_cast<uint32_t>(f.data.size()), p);
  const size_t from = p.l3_offset != 0 ? p.l3_offset : 12;
  const size_t end = std::min<size_t>(m.data.size(), std::max<size_t>(p.payload_offset, from) + 8);
  if (end > from) {
    const size_t at = from + random() % (end - from);
    m.data[at] = static_cast<uint8_t>(m.data[at] ^ (1 + random() % 255));
  }
  return m;
}

/** The Debian location database, loaded once (countries and AS numbers for the workers). */
const location_db* test_geo() {
  static std::unique_ptr<location_db> db = [] {
    std::string error;
    auto d = location_db::load("", error);
    INFO(error);
    REQUIRE(d);
    return d;
  }();
  return db.get();
}

/** A worker as an offline run builds it, with or without the shortcut, and its hours. */
struct counted_run {
  std::optional<watched_ports> ports;
  std::optional<cluster_rules> clusters;
  std::optional<actor_list> actors;
  std::unique_ptr<worker> w;
  series_store store{100000, surge_settings{}};
  int64_t closed = -1; /**< the last bucket closed */

  explicit counted_run(bool shortcut) {
    std::string error;
    ports = watched_ports::build(default_watched_ports(), error);
    REQUIRE(ports);
    clusters = cluster_rules::load(SCANSCOPE_SOURCE_DIR "/config/clusters.conf", error);
    REQUIRE(clusters);
    actors = actor_list::load(SCANSCOPE_SOURCE_DIR "/config/actors.conf", error);
    REQUIRE(actors);
    worker_config config;
    config.ports = &*ports;
    config.clusters = &*clusters;
    config.actors = &*actors;
    config.geo = test_geo();
    config.source_capacity = 1 << 14;
    config.unique_slots = 1 << 18;
    config.fingerprint_slots = 1 << 12;
    config.bucket_unique_slots = 1 << 16;
    config.bucket_arrivals = 1 << 12;
    config.shape_shortcut = shortcut;
    config.name = shortcut ? "shape_on" : "shape_off";
    w = worker::create(config, error);
    REQUIRE(w);
  }

  /** Close the hours before `bucket` that hold counts, as the offline reader does when time
   *  moves on (a capture may jump years between two records). */
  void close_before(int64_t bucket) {
    std::vector<int64_t> held;
    for (size_t i = 0; i < bucket_series::slots; ++i) {
      const series_slot& slot = w->series().slot(i);
      const int64_t b = slot.bucket.load();
      if (b >= 0 && b < bucket && !slot.collected.load()) {
        held.push_back(b);
      }
    }
    std::sort(held.begin(), held.end());
    for (const int64_t b : held) {
      if (b > closed) {
        w->series().close_through(b);
        store.close(b, {&w->series()});
        closed = b;
      }
    }
  }

  void run(const std::vector<held_frame>& frames) {
    std::vector<frame_ref> refs;
    for (const held_frame& f : frames) {
      refs.push_back({f.data.data(), static_cast<uint32_t>(f.data.size()), f.wire_length, f.time_ns,
                      f.link_bytes});
    }
    for (size_t i = 0; i < refs.size(); i += 32) {
      const auto n = static_cast<uint16_t>(std::min<size_t>(32, refs.size() - i));
      uint64_t latest = 0;
      for (uint16_t j = 0; j < n; ++j) {
        latest = std::max(latest, refs[i + j].time_ns);
      }
      close_before(static_cast<int64_t>(latest / hour_ns));
      w->handle_burst(&refs[i], n);
    }
    w->fold_repeats();
    close_before(INT64_MAX);
  }

  /** Every family a run reports: the JSON report (with the hours and campaigns) and /metrics. */
  std::string report() const {
    run_report r;
    r.traffic = fold_counters({view_of(*w)}, ports->size(), 20);
    r.series = &store;
    r.bucket_ns = hour_ns;
    for (size_t i = 0; i < clusters->size(); ++i) {
      r.cluster_names.push_back(clusters->name(i));
    }
    r.actors = actors->actors();
    for (size_t c = 0; c < test_geo()->country_count(); ++c) {
      r.country_codes.emplace_back(test_geo()->country_code(static_cast<uint8_t>(c)));
    }
    return render_json_report(r, *ports) + render_prometheus(r, *ports, 20);
  }
};

/** Packets whose source sent the same shape just before: the shortcut's share of the input. */
size_t repeated_shapes(const std::vector<held_frame>& frames) {
  std::map<std::vector<uint8_t>, probe_shape> last;
  size_t repeated = 0;
  for (const held_frame& f : frames) {
    decoded_packet p;
    parse_frame(f.data.data(), static_cast<uint32_t>(f.data.size()), p);
    if (p.l3 == l3_kind::none) {
      continue;
    }
    const probe_shape s = shape_of(p);
    auto [it, added] = last.emplace(std::vector<uint8_t>(p.src_addr, p.src_addr + 16), s);
    repeated += !added && it->second == s;
    it->second = s;
  }
  return repeated;
}

/** The reports of a run with the shortcut and one without must be the same, byte for byte. */
void check_same_reports(const counted_run& with, const counted_run& without) {
  CHECK(without.w->shape_matches() == 0);
  CHECK(without.w->continued_repeats() == 0);
  const std::string a = with.report(), b = without.report();
  if (a != b) {
    // Name the first line that differs rather than print two reports.
    size_t at = 0;
    while (at < a.size() && at < b.size() && a[at] == b[at]) {
      ++at;
    }
    const size_t line = a.rfind('\n', at) + 1;
    FAIL_CHECK("with the shortcut: " << a.substr(line, a.find('\n', at) - line)
                                     << "\nwithout: " << b.substr(line, b.find('\n', at) - line));
  }
}

/** Both workers count the frames; their reports must be the same.
 *  @return how many probes the worker with the shortcut answered from a memo */
uint64_t check_same_counts(const std::string& what, const std::vector<held_frame>& frames) {
  INFO(what << ": " << frames.size() << " frames");
  counted_run with(true), without(false);
  with.run(frames);
  without.run(frames);
  check_same_reports(with, without);
  return with.w->shape_matches();
}

}  // namespace

TEST_CASE("a probe's shape holds everything the tool rules and the fingerprint key read",
          "[fingerprint]") {
  std::mt19937_64 random(20261207);
  size_t same_shape = 0;      // mutations the shape did not see: the rules must not either
  size_t answer_changed = 0;  // mutations that changed what the rules say
  for (const std::string& path : test_captures()) {
    const std::vector<held_frame> frames = read_capture(path);
    // The first frame of each (shape, answer) in the capture (up to 60), each byte of its
    // headers mutated twice: what only a few probes have (masscan's UDP cookie relation: 2
    // frames of 1,001) is tried as surely as the common, and by the rules' answer too, so a
    // shape that lost a field cannot hide the frames that need it.
    std::vector<std::pair<probe_shape, rules_answer>> tried;
    for (size_t i = 0; i < frames.size() && tried.size() < 60; ++i) {
      const held_frame& f = frames[i];
      decoded_packet p;
      parse_frame(f.data.data(), static_cast<uint32_t>(f.data.size()), p);
      const probe_shape shape = shape_of(p);
      const rules_answer answer(p);
      if (std::find_if(tried.begin(), tried.end(), [&](const auto& t) {
            return t.first == shape && t.second == answer;
          }) != tried.end()) {
        continue;
      }
      tried.emplace_back(shape, answer);
      const size_t from = p.l3_offset != 0 ? p.l3_offset : 12;
      const size_t end =
          std::min<size_t>(f.data.size(), std::max<size_t>(p.payload_offset, from) + 8);
      for (size_t at = from; at < end; ++at) {
        for (int round = 0; round < 2; ++round) {
          bytes m = f.data;
          m[at] = static_cast<uint8_t>(m[at] ^ (1 + random() % 255));
          decoded_packet q;
          parse_frame(m.data(), static_cast<uint32_t>(m.size()), q);
          const rules_answer other(q);
          answer_changed += !(other == answer);
          if (shape_of(q) == shape) {
            ++same_shape;
            INFO(path << " frame " << i << ", byte " << at << " mutated");
            CHECK(other == answer);
          }
        }
      }
    }
  }
  // The mutations reached both sides: fields outside the shape, and fields the rules read.
  CHECK(same_shape > 10000);
  CHECK(answer_changed > 1000);
}

TEST_CASE("a worker with the shape shortcut counts every family as one without",
          "[fingerprint][worker]") {
  std::mt19937_64 random(7);
  size_t repeated = 0;   // from the traffic: probes of their source's last shape
  uint64_t matched = 0;  // from the worker: probes its memo answered
  for (const std::string& path : test_captures()) {
    const std::vector<held_frame> frames = read_capture(path);
    repeated += repeated_shapes(frames);
    matched += check_same_counts(path, frames);
    // The same capture with one header byte in four frames mutated: new shapes mid-scan,
    // broken relations, other tools from one source.
    std::vector<held_frame> mixed;
    for (const held_frame& f : frames) {
      mixed.push_back(random() % 4 == 0 ? mutated(f, random) : f);
    }
    matched += check_same_counts(path + ", mutated", mixed);
  }
  for (const char* name : {"adb-mirai-2018-02", "claymore-satori-2018-01", "ethereum-2018-12"}) {
    // The first 40 packets of every hour: every campaign of the month, in a few seconds.
    const std::vector<held_frame> frames = scenario_sample(name, *test_geo(), 40);
    repeated += repeated_shapes(frames);
    matched += check_same_counts(name, frames);
  }
  // The shortcut was taken (its source's last shape again), or the test proves nothing. The
  // memo answers a repeated shape unless the source's doubts changed in between or its table
  // position changed hands: never more often than the traffic repeats.
  CHECK(repeated > 10000);
  CHECK(matched > repeated / 2);
  CHECK(matched <= repeated);
}

TEST_CASE("a shape memo answers only its own shape and doubts", "[fingerprint]") {
  probe_shape a;
  a.header = 0x1234;
  a.options = 0x0204;
  a.payload = 0x5B4;
  shape_memo m;
  // Empty: not even the all-zero shape matches.
  CHECK_FALSE(m.matches(probe_shape{}, 0));
  CHECK_FALSE(m.matches(a, 0));
  m.remember(a, 2, 255, 3, 0xFEEDFACECAFEBEEFULL);
  CHECK(m.matches(a, 2));
  CHECK_FALSE(m.matches(a, 0));  // the same shape from a source with other doubts
  CHECK_FALSE(m.matches(a, 3));
  for (uint64_t probe_shape::*word :
       {&probe_shape::header, &probe_shape::options, &probe_shape::payload}) {
    probe_shape b = a;
    b.*word ^= uint64_t{1} << 47;  // the last bit of each word the payload's shape may use
    CHECK_FALSE(m.matches(b, 2));
  }
  CHECK(m.tool() == 255);
  CHECK(m.doubts_out() == 3);
  CHECK(m.key_hash() == 0xFEEDFACECAFEBEEFULL);
}

TEST_CASE("a repeat known from its source's record counts as one counted in full",
          "[fingerprint][worker]") {
  // One ZMap-like source whose probes go back and forth between two ports in bursts of 32:
  // a probe may look like a repeat when its burst is classified and no longer be one when it
  // is counted (the burst's earlier probe to the other port moved the record), and the hour
  // ends in the middle.
  const uint16_t pattern[] = {80, 443, 80, 80};
  const uint64_t start_ns = 1543795200ULL * 1000000000ULL + hour_ns - 100000000ULL;
  std::vector<held_frame> frames;
  for (uint32_t i = 0; i < 400; ++i) {
    ipv4_fields ip;
    ip.src = 0xC6336409;
    ip.dst = 0xCB007100 | (i & 0xFF);
    ip.ttl = 255;
    ip.id = 54321;
    tcp_fields t;
    t.src_port = static_cast<uint16_t>(40000 + i);
    t.dst_port = pattern[i % 4];
    t.seq = i * 2654435761u;
    t.window = 65535;
    held_frame f;
    f.data = ethernet(0x0800) + ipv4(ip, tcp(t));
    f.wire_length = static_cast<uint32_t>(f.data.size());
    f.time_ns = start_ns + i * 1000000ULL;
    frames.push_back(f);
  }
  // From the traffic: from the second burst on (the first classifies a new source, with no
  // record yet; by the second its cluster is held), a probe to the port and in the hour of the
  // probe before it and of the last probe of the bursts before its own (what its burst's
  // classify phase sees).
  const auto same_combination = [&](size_t i, size_t j) {
    return pattern[i % 4] == pattern[j % 4] &&
           frames[i].time_ns / hour_ns == frames[j].time_ns / hour_ns;
  };
  uint64_t expected = 0;
  for (size_t i = 32; i < frames.size(); ++i) {
    expected += same_combination(i, i - 1) && same_combination(i, i / 32 * 32 - 1);
  }
  counted_run with(true), without(false);
  with.run(frames);
  without.run(frames);
  check_same_reports(with, without);
  CHECK(expected > 150);
  CHECK(with.w->continued_repeats() == expected);
}
