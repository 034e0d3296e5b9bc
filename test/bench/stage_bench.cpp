// Cycles per packet of each RX stage on frames held in memory (no I/O): parse, built-in tool
// fingerprint and fingerprint key, source-table lookup, and the whole worker. Prints a table.
//
//   build/test/stage_bench [--packets N] [--sources N] [--capacity N] [--bucket-sources N]
//
// Frames are SYNs from `sources` addresses in a mix of tools (masscan, ZMap, nmap, Mirai,
// plain Linux stacks) to watched and random ports, built in memory before timing starts. The
// fifth stage sends them through a worker that also has the payload rules loaded; the next two
// send payload packets instead (one-shot requests with a JSON-RPC, Claymore, ADB, UPnP exploit
// or plain HTTP payload, closed in the same segment, PSH|ACK|FIN, or by a FIN of their own)
// through a worker with the payload rules (--rules FILE, default config/signatures.rules of the
// source tree). A last stage times the location lookup a new source costs (--geo-db FILE,
// default Debian's libloc database). --bucket-sources N times the workers as a sensor with a
// source store or a fleet store runs them: each bucket lists its sources' arrivals and tallies
// (0, the default: as without either). --windows K gives each source K windows in turn, so no
// SYN repeats its source's last shape (Mirai's random windows); --shape-shortcut 0 turns the
// probe-shape memo off (fingerprint/probe_shape.hpp), to time it on and off in one binary.

#include <rte_cycles.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../unit/eal_helpers.hpp"
#include "../unit/frame_builder.hpp"
#include "bench_payloads.hpp"
#include "fingerprint/fingerprint_key.hpp"
#include "fingerprint/scan_tool.hpp"
#include "geo/location_db.hpp"
#include "pipeline/worker.hpp"

using namespace scanscope;
using namespace scanscope::test;

namespace {

struct options {
  uint64_t packets = 20000000;
  uint32_t sources = 100000;
  uint32_t capacity = 262144;
  /** --windows K: each source's SYNs cycle through K windows, so (K > 1) none repeats its
   *  source's last shape or combination, as Mirai's random windows do not */
  uint32_t windows = 1;
  bool shape_shortcut = true;   /**< --shape-shortcut 0: the workers run the rules on every probe */
  uint32_t bucket_sources = 0;  // --bucket-sources: arrivals listed per bucket (0: none)
  int only = -1;           // run one stage (0-9) only, e.g. under a profiler
  std::string write_pcap;  // write the synthetic frames as a capture and exit
  uint32_t payload_every = 0;  // with --write-pcap: every Nth frame a one-shot request
  std::string rules = SCANSCOPE_SOURCE_DIR "/config/signatures.rules";
  std::string geo_db;  // location database of the last stage ("": Debian's; "none": skip)
};

/** Segments of a one-shot request as scanners send them after the handshake. */
enum class request_part {
  closed,       // the request, closed in the same segment (PSH|ACK|FIN)
  open,         // the request alone (PSH|ACK), for a later FIN
  closing_fin,  // the bare FIN|ACK after an open request
};

bytes make_request(uint32_t i, uint32_t src, request_part part = request_part::closed) {
  const auto& requests = bench::one_shot_requests();
  const auto& [port, text] = requests[i % requests.size()];
  const bool fin_only = part == request_part::closing_fin;
  ipv4_fields ip;
  ip.src = src;
  ip.dst = 0xCB007100 | (i & 0xFF);
  tcp_fields t;
  t.dst_port = port;
  t.src_port = static_cast<uint16_t>(32768 + (i * 7919) % 28000);
  t.seq = i * 2654435761u + (fin_only ? static_cast<uint32_t>(text.size()) : 0);
  t.ack = 1;
  t.window = 502;
  t.flags = fin_only ? tcp_flag::fin | tcp_flag::ack
                     : tcp_flag::psh | tcp_flag::ack |
                           (part == request_part::closed ? tcp_flag::fin : 0);
  const bytes payload = fin_only ? bytes() : bytes(text.begin(), text.end());
  return ethernet(0x0800) + ipv4(ip, tcp(t, payload));
}

/** Classic pcap, microsecond timestamps, Ethernet: one frame per 10 us from 2018-12-03. */
bool write_capture(const std::string& path, const std::vector<bytes>& frames) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    return false;
  }
  const uint32_t header[6] = {0xA1B2C3D4, 0x00040002, 0, 0, 65535, 1};
  std::fwrite(header, sizeof header, 1, f);
  for (size_t i = 0; i < frames.size(); ++i) {
    const uint32_t record[4] = {
        static_cast<uint32_t>(1543795200 + i / 100000), static_cast<uint32_t>((i % 100000) * 10),
        static_cast<uint32_t>(frames[i].size()), static_cast<uint32_t>(frames[i].size())};
    std::fwrite(record, sizeof record, 1, f);
    std::fwrite(frames[i].data(), 1, frames[i].size(), f);
  }
  return std::fclose(f) == 0;
}

/** One SYN as the given tool would send it, from source `src` to port `port`. */
/** Source i's SYN; `window_step` added to its tool's window (another shape of the source). */
bytes make_syn(uint32_t i, uint32_t src, uint16_t port, uint16_t window_step = 0) {
  const uint32_t dst = 0xCB007100 | (i & 0xFF);  // a /24 darknet
  ipv4_fields ip;
  ip.src = src;
  ip.dst = dst;
  tcp_fields t;
  t.dst_port = port;
  t.src_port = static_cast<uint16_t>(32768 + (i * 7919) % 28000);
  t.seq = i * 2654435761u;
  switch (i % 5) {
    case 0:  // masscan
      t.window = 1024;
      ip.ttl = 255;
      ip.id = static_cast<uint16_t>(dst ^ port ^ t.seq);
      break;
    case 1:  // ZMap
      t.window = 65535;
      ip.ttl = 255;
      ip.id = 54321;
      break;
    case 2:  // nmap
      t.window = 1024;
      t.options = {2, 4, 0x05, 0xB4};
      ip.ttl = 45;
      break;
    case 3:  // Mirai
      t.seq = dst;
      t.window = static_cast<uint16_t>(i);
      break;
    default:  // Linux connect()
      t.window = 64240;
      t.options = linux_syn_options();
      ip.dont_fragment = true;
      break;
  }
  t.window = static_cast<uint16_t>(t.window + window_step);
  return ethernet(0x0800) + ipv4(ip, tcp(t));
}

/** Destination port of frame i: seven in eight to watched ports, the rest anywhere. */
uint16_t port_for(uint32_t i) {
  const uint16_t watched[] = {8545, 3333, 5555, 23, 2323, 52869, 37215, 22, 80, 443};
  return i % 8 == 7 ? static_cast<uint16_t>(1024 + (i * 31) % 60000) : watched[i % 10];
}

/**
 * Frames built once into one arena, with references walked by a wrapping index: no division
 * per packet in the timed loops. Rounded up to a multiple of 32 so bursts never straddle.
 */
struct frame_set {
  std::vector<uint8_t> arena;
  std::vector<frame_ref> refs;

  template <typename Make>
  frame_set(uint32_t count, Make&& make) {
    std::vector<std::pair<size_t, uint32_t>> at;
    for (uint32_t i = 0; i < count; ++i) {
      const bytes f = make(i);
      at.emplace_back(arena.size(), static_cast<uint32_t>(f.size()));
      arena.insert(arena.end(), f.begin(), f.end());
    }
    for (const auto& [offset, length] : at) {
      refs.push_back({arena.data() + offset, length, length, 1000000000ULL});
    }
    while (refs.size() % 32 != 0) {
      refs.push_back(refs[refs.size() % count]);
    }
  }
};

struct stage_result {
  const char* name;
  double cycles_per_packet;
};

int stage_number = 0;
int only_stage = -1;

/**
 * Feed `packets` frames of `refs` to a worker in bursts of 32. The frames' time stands still,
 * so the sources' waiting repeats (repeat_tally.hpp) are counted as a one-second wait would
 * count them at 10GbE line rate: every 14.88 million packets, and once more at the end.
 */
void run_bursts(worker& w, const std::vector<frame_ref>& refs, uint64_t packets,
                bool clear_answers = false) {
  constexpr uint64_t line_rate_second = 14880000;
  uint64_t next_fold = line_rate_second;
  for (uint64_t n = 0, at = 0; n < packets; n += 32, at = at + 32 == refs.size() ? 0 : at + 32) {
    w.handle_burst(&refs[at], 32);
    if (clear_answers) {
      w.answers().clear();
    }
    if (n >= next_fold) {
      w.fold_repeats();
      next_fold += line_rate_second;
    }
  }
  w.fold_repeats();
}

template <typename F>
stage_result measure(const char* name, uint64_t packets, F&& run) {
  if (only_stage >= 0 && stage_number++ != only_stage) {
    return {name, 0};
  }
  const uint64_t start = rte_rdtsc_precise();
  run();
  const uint64_t cycles = rte_rdtsc_precise() - start;
  return {name, static_cast<double>(cycles) / static_cast<double>(packets)};
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const uint64_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (a == "--packets") {
      o.packets = v;
    } else if (a == "--sources") {
      o.sources = static_cast<uint32_t>(v);
    } else if (a == "--rules") {
      o.rules = argv[i + 1];
    } else if (a == "--write-pcap") {
      o.write_pcap = argv[i + 1];
    } else if (a == "--payload-every") {
      o.payload_every = static_cast<uint32_t>(v);
    } else if (a == "--only") {
      o.only = static_cast<int>(v);
    } else if (a == "--geo-db") {
      o.geo_db = argv[i + 1];
    } else if (a == "--capacity") {
      o.capacity = static_cast<uint32_t>(v);
    } else if (a == "--shape-shortcut") {
      o.shape_shortcut = v != 0;
    } else if (a == "--windows" && v >= 1 && v <= 1024) {
      o.windows = static_cast<uint32_t>(v);
    } else if (a == "--bucket-sources") {
      o.bucket_sources = static_cast<uint32_t>(v);
    } else {
      std::fprintf(stderr,
                   "usage: stage_bench [--packets N] [--sources N] [--capacity N] [--only 0-9]"
                   " [--bucket-sources N] [--windows 1-1024] [--shape-shortcut 0|1]"
                   " [--write-pcap FILE [--payload-every N]] [--rules FILE]"
                   " [--geo-db FILE|none]\n");
      return 2;
    }
  }
  only_stage = o.only;
  if (!o.write_pcap.empty()) {
    std::vector<bytes> frames;
    for (uint32_t i = 0; i < o.sources; ++i) {
      const uint32_t src = 0x0A000000 + i * 16 + 1;
      const bool request = o.payload_every != 0 && i % o.payload_every == 0;
      frames.push_back(request ? make_request(i, src) : make_syn(i, src, port_for(i)));
    }
    if (!write_capture(o.write_pcap, frames)) {
      std::fprintf(stderr, "stage_bench: cannot write %s\n", o.write_pcap.c_str());
      return 1;
    }
    std::printf("stage_bench: wrote %u SYNs to %s\n", o.sources, o.write_pcap.c_str());
    return 0;
  }
  if (const std::string error = start_test_eal("stage_bench", "bench", 2048); !error.empty()) {
    std::fprintf(stderr, "stage_bench: %s\n", error.c_str());
    return 1;
  }

  // Distinct frames: one per source, cycled through.
  const uint32_t distinct = o.sources;
  // With --windows K, frame j is source j % distinct's SYN with its window moved by j / distinct.
  frame_set syns(distinct * o.windows, [distinct](uint32_t j) {
    const uint32_t i = j % distinct;
    return make_syn(i, 0x0A000000 + i * 16 + 1, port_for(i), static_cast<uint16_t>(j / distinct));
  });
  frame_set requests(distinct, [](uint32_t i) { return make_request(i, 0x0A000000 + i * 16 + 1); });
  frame_set requests_then_fin(2 * distinct, [](uint32_t j) {
    const uint32_t i = j / 2;
    return make_request(i, 0x0A000000 + i * 16 + 1,
                        j % 2 == 0 ? request_part::open : request_part::closing_fin);
  });
  const std::vector<frame_ref>& refs = syns.refs;
  const size_t laps_of = refs.size();

  std::string error;
  auto ports = watched_ports::build(default_watched_ports(), error);
  auto clusters = cluster_rules::parse(cluster_rules::default_text(), "built-in", error);
  worker_config config;
  config.ports = &*ports;
  config.clusters = &*clusters;
  config.source_capacity = o.capacity;
  config.bucket_arrivals = o.bucket_sources;
  config.shape_shortcut = o.shape_shortcut;
  auto w = worker::create(config, error);
  auto rules = signature_db::load(o.rules, "", error);
  if (!rules) {
    std::fprintf(stderr, "stage_bench: %s\n", error.c_str());
    return 1;
  }
  config.signatures = rules.get();
  config.name = "payload";
  auto payload_worker = worker::create(config, error);
  auto table =
      source_table::create("bench_sources", "sources", o.capacity, 3600ULL * 1000000000ULL, error);
  if (!w || !table || !payload_worker) {
    std::fprintf(stderr, "stage_bench: %s\n", error.c_str());
    return 1;
  }

  volatile uint64_t sink = 0;
  std::vector<stage_result> results;
  results.push_back(measure("parse", o.packets, [&] {
    decoded_packet p;
    uint64_t acc = 0;
    for (uint64_t n = 0, i = 0; n < o.packets; ++n, i = i + 1 == laps_of ? 0 : i + 1) {
      parse_frame(refs[i].data, refs[i].captured, p);
      acc += p.dst_port;
    }
    sink = acc;
  }));
  results.push_back(measure("parse + tool + fingerprint key", o.packets, [&] {
    decoded_packet p;
    uint64_t acc = 0;
    for (uint64_t n = 0, i = 0; n < o.packets; ++n, i = i + 1 == laps_of ? 0 : i + 1) {
      parse_frame(refs[i].data, refs[i].captured, p);
      acc += static_cast<uint64_t>(identify_tool(p)) + make_fingerprint_key(p).hash();
    }
    sink = acc;
  }));
  results.push_back(measure("parse + source lookup (bulk of 32)", o.packets, [&] {
    decoded_packet p;
    source_key keys[32];
    const source_key* ptrs[32];
    int32_t pos[32];
    uint64_t acc = 0;
    for (uint64_t n = 0, at = 0; n < o.packets; n += 32, at = at + 32 == laps_of ? 0 : at + 32) {
      for (unsigned i = 0; i < 32; ++i) {
        parse_frame(refs[at + i].data, refs[at + i].captured, p);
        keys[i] = make_source_key(p.src_addr, false);
        ptrs[i] = &keys[i];
      }
      table->lookup_bulk(ptrs, 32, pos);
      for (unsigned i = 0; i < 32; ++i) {
        bool is_new = false;
        source_state& s =
            pos[i] >= 0 ? table->found(pos[i]) : table->touch(keys[i], n, is_new, forget_source);
        acc += ++s.packets;
      }
    }
    sink = acc;
  }));
  results.push_back(measure("whole worker (all stages, bursts of 32)", o.packets,
                            [&] { run_bursts(*w, refs, o.packets); }));
  // The same SYNs through the worker that scans payloads: what loading the default rules costs
  // packets that carry none (each SYN may end a tracked flow on its 4-tuple).
  results.push_back(measure("whole worker, SYNs, default rules loaded", o.packets,
                            [&] { run_bursts(*payload_worker, refs, o.packets); }));
  const std::vector<frame_ref>& req = requests.refs;
  const uint64_t payload_packets = o.packets / 4;
  results.push_back(measure("whole worker, payload packets, default rules", payload_packets,
                            [&] { run_bursts(*payload_worker, req, payload_packets); }));
  // The same requests with the FIN in a segment of its own: the flow is followed from the
  // request to the FIN. Cycles per request (two frames).
  const std::vector<frame_ref>& req_fin = requests_then_fin.refs;
  results.push_back(measure("  the same, closed by a later FIN, per request", payload_packets,
                            [&] { run_bursts(*payload_worker, req_fin, 2 * payload_packets); }));

  // Monitored prefixes (the darknet the SYNs go to), then the responder answering each SYN with
  // a SYN-ACK built in the worker's answer queue (the port's TX is scripts/bench-responder's).
  prefix_set darknet, bench_sources;
  darknet.add("203.0.113.0/24");
  bench_sources.add("10.0.0.0/8");
  const syn_cookies cookies;
  responder_config answering;
  answering.monitored = &darknet;
  answering.allow = &bench_sources;
  answering.ports.set();
  answering.rate = answering.source_rate = 1e12;
  answering.cookies = &cookies;
  config.signatures = nullptr;
  config.monitored = &darknet;
  config.name = "monitored";
  auto monitored_worker = worker::create(config, error);
  config.respond = &answering;
  config.name = "responder";
  auto responder_worker = worker::create(config, error);
  for (worker* each : {monitored_worker.get(), responder_worker.get()}) {
    const char* name = each->responding() ? "  the same, answered (SYN-ACK each)"
                                          : "whole worker, SYNs, monitored prefixes";
    results.push_back(measure(name, o.packets, [&] { run_bursts(*each, refs, o.packets, true); }));
  }

  // The location of a source is looked up once, when the source is new. Scan sources come from
  // all over the address space, so the lookups here are spread over it too (splitmix64).
  std::unique_ptr<location_db> geo;
  if (o.geo_db != "none" && (o.only < 0 || o.only == 9)) {
    geo = location_db::load(o.geo_db, error);
    if (!geo) {
      std::fprintf(stderr, "stage_bench: %s (--geo-db none skips the location stage)\n",
                   error.c_str());
      return 1;
    }
  }
  if (geo) {
    const uint64_t lookups = o.packets / 4;
    results.push_back(measure("location lookup of a new source (IPv4)", lookups, [&] {
      uint64_t state = 0x5CA95C0BE;
      uint64_t acc = 0;
      for (uint64_t n = 0; n < lookups; ++n) {
        uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        acc += geo->lookup_v4(static_cast<uint32_t>(z ^ (z >> 31))).country;
      }
      sink = acc;
    }));
  }

  const double hz = static_cast<double>(rte_get_tsc_hz());
  std::printf("stage_bench: %" PRIu64
              " packets, %u distinct sources, table capacity %u, "
              "TSC %.2f GHz\n",
              o.packets, distinct, o.capacity, hz / 1e9);
  std::printf("  %-42s %10s %12s\n", "stage", "cycles/pkt", "Mpps/core");
  for (const stage_result& r : results) {
    if (r.cycles_per_packet == 0) {
      continue;  // not run (--only)
    }
    std::printf("  %-42s %10.1f %12.2f\n", r.name, r.cycles_per_packet,
                hz / r.cycles_per_packet / 1e6);
  }
  std::printf("  source table: %" PRIu64 " live, %" PRIu64 " evicted\n",
              w->sources().counters().live.read(), w->sources().counters().evicted.read());
  std::printf("  SYN worker: %" PRIu64 " probes of their source's last shape, %" PRIu64
              " of them repeats known from the record\n",
              w->shape_matches(), w->continued_repeats());
  if (const signature_scanner* sc = payload_worker->scanner()) {
    std::printf("  payload scan: %" PRIu64 " payloads, %" PRIu64 " bytes, %zu rules\n",
                sc->counters().packets.read(), sc->counters().bytes.read(), rules->rules().size());
  }
  if (responder_worker) {
    std::printf("  responder: %" PRIu64 " SYN-ACKs built\n",
                responder_worker->conversation()
                    .scalars[static_cast<size_t>(conversation_counter::responder_synacks_sent)]
                    .read());
  }
  w.reset();
  payload_worker.reset();
  monitored_worker.reset();
  responder_worker.reset();
  table.reset();
  stop_test_eal();
  return 0;
}
