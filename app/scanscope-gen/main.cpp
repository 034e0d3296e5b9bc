// scanscope-gen: a scenario file in, a pcap of synthetic scan campaigns (nanosecond
// timestamps) and its ground truth out. See docs/scenarios.md.

#include <pcap/pcap.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "cluster/cluster_rules.hpp"
#include "geo/location_db.hpp"
#include "scenario/ground_truth.hpp"
#include "scenario/payload_template.hpp"
#include "scenario/scenario.hpp"
#include "scenario/scenario_generator.hpp"

namespace po = boost::program_options;
using namespace scanscope;

namespace {

struct gen_options {
  std::string scenario;
  std::string out;
  std::string truth;
  std::string geo_db;
  std::string clusters;
  uint64_t seed = 0;
  bool seed_given = false;
  bool quiet = false;
};

/** Exit codes: 0 done, 1 I/O failure, 2 bad usage or bad scenario. */
int parse_options(int argc, char** argv, gen_options& o) {
  po::options_description visible(
      "Usage: scanscope-gen [options] SCENARIO -o OUT.pcap\n\n"
      "Writes the synthetic scan campaigns of a scenario file as a pcap with nanosecond\n"
      "timestamps, and optionally their ground truth as JSON. Sources are drawn from the real\n"
      "networks of each country in the location database scanscope reads.\n\nOptions");
  visible.add_options()("help,h", "this help")("out,o", po::value(&o.out)->value_name("FILE"),
                                               "pcap to write (required)")(
      "truth,t", po::value(&o.truth)->value_name("FILE"),
      "write the ground truth (per hour and port: packets and sources in total and by cluster, "
      "country and signature) as JSON")(
      "geo-db", po::value(&o.geo_db)->value_name("FILE"),
      "location database to draw source addresses from (libloc or MaxMind format); default: "
      "the one scanscope uses")(
      "clusters", po::value(&o.clusters)->value_name("FILE"),
      "cluster rules for the ground truth; default: scanscope's built-in rules")(
      "seed", po::value(&o.seed)->value_name("N"), "override the scenario's seed")(
      "list-payloads", "print the payload templates and the signatures each must fire")(
      "quiet,q", po::bool_switch(&o.quiet), "no progress line");
  po::options_description hidden;
  hidden.add_options()("scenario", po::value(&o.scenario));
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("scenario", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "scanscope-gen: " << e.what() << " (see --help)\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << visible << "\nThe scenario format is described in docs/scenarios.md.\n";
    return -1;
  }
  if (vm.count("list-payloads")) {
    for (const payload_template& t : payload_templates()) {
      std::cout << t.name << "  " << t.description << " (" << t.bytes.size() << " bytes)\n   ";
      for (const expected_signature& e : t.signatures) {
        std::cout << ' ' << e.rule;
      }
      std::cout << '\n';
    }
    return -1;
  }
  if (o.scenario.empty() || o.out.empty()) {
    std::cerr << "scanscope-gen: give a scenario file and -o OUT.pcap (see --help)\n";
    return 2;
  }
  o.seed_given = vm.count("seed") > 0;
  return 0;
}

/** A pcap with nanosecond timestamps, written through libpcap. */
class pcap_out {
 public:
  /** @return what failed, empty when the file is open */
  std::string open(const std::string& path) {
    dead_ = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
    dump_ = dead_ ? pcap_dump_open(dead_, path.c_str()) : nullptr;
    if (dump_ == nullptr) {
      return path + ": cannot write (" + (dead_ ? pcap_geterr(dead_) : "libpcap") + ")";
    }
    return {};
  }
  void write(uint64_t time_ns, const std::vector<uint8_t>& frame) {
    pcap_pkthdr h{};
    h.ts.tv_sec = static_cast<time_t>(time_ns / 1000000000ULL);
    h.ts.tv_usec = static_cast<suseconds_t>(time_ns % 1000000000ULL);  // nanoseconds here
    h.caplen = h.len = static_cast<bpf_u_int32>(frame.size());
    pcap_dump(reinterpret_cast<u_char*>(dump_), &h, frame.data());
  }
  /** @return what failed, empty when every frame reached `path` */
  std::string close(const std::string& path) {
    const bool ok = pcap_dump_flush(dump_) == 0;
    pcap_dump_close(dump_);
    pcap_close(dead_);
    dump_ = nullptr;
    dead_ = nullptr;
    return ok ? std::string() : path + ": write failed";
  }
  ~pcap_out() {
    if (dump_) {
      pcap_dump_close(dump_);
    }
    if (dead_) {
      pcap_close(dead_);
    }
  }

 private:
  pcap_t* dead_ = nullptr;
  pcap_dumper_t* dump_ = nullptr;
};

int run(const gen_options& o) {
  std::string error;
  std::optional<scenario> s = scenario::load(o.scenario, error);
  if (!s) {
    std::cerr << "scanscope-gen: " << error << '\n';
    return 2;
  }
  if (o.seed_given) {
    s->seed = o.seed;
  }
  std::optional<cluster_rules> clusters =
      o.clusters.empty() ? cluster_rules::parse(cluster_rules::default_text(), "built-in", error)
                         : cluster_rules::load(o.clusters, error);
  if (!clusters) {
    std::cerr << "scanscope-gen: " << error << '\n';
    return 2;
  }
  const auto started = std::chrono::steady_clock::now();
  std::unique_ptr<location_db> db = location_db::load(o.geo_db, error);
  if (!db) {
    std::cerr << "scanscope-gen: " << error << '\n';
    return 2;
  }
  std::unique_ptr<scenario_generator> gen = scenario_generator::create(*s, *db, error);
  if (!gen) {
    std::cerr << "scanscope-gen: " << error << '\n';
    return 2;
  }
  db.reset();  // 64 MiB of tables no longer needed
  pcap_out out;
  if (error = out.open(o.out); !error.empty()) {
    std::cerr << "scanscope-gen: " << error << '\n';
    return 1;
  }
  ground_truth truth(*gen, *clusters);
  std::vector<synthetic_packet> packets;
  std::vector<uint8_t> frame;
  const int64_t hours =
      (s->end - gen->first_hour() + scenario_generator::hour - 1) / scenario_generator::hour;
  auto last_report = started;
  const bool progress = !o.quiet && isatty(STDERR_FILENO);
  for (int64_t h = 0; h < hours; ++h) {
    gen->generate_hour(gen->first_hour() + h * scenario_generator::hour, packets);
    for (const synthetic_packet& p : packets) {
      frame.clear();
      write_frame(p, frame);
      out.write(p.time_ns, frame);
      truth.add(p);
    }
    const auto now = std::chrono::steady_clock::now();
    if (progress && now - last_report > std::chrono::milliseconds(500)) {
      last_report = now;
      std::fprintf(stderr, "\rscanscope-gen: %s hour %lld/%lld, %llu packets", s->name.c_str(),
                   static_cast<long long>(h + 1), static_cast<long long>(hours),
                   static_cast<unsigned long long>(truth.packets()));
    }
  }
  if (error = out.close(o.out); !error.empty()) {
    std::cerr << "\nscanscope-gen: " << error << '\n';
    return 1;
  }
  if (!o.truth.empty()) {
    std::ofstream f(o.truth + ".tmp");
    truth.write_json(f);
    f.close();
    if (!f || std::rename((o.truth + ".tmp").c_str(), o.truth.c_str()) != 0) {
      std::cerr << "\nscanscope-gen: " << o.truth << ": cannot write the ground truth\n";
      return 1;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!o.quiet) {
    std::fprintf(stderr,
                 "%sscanscope-gen: %s: %llu packets from %zu sources in %lld hours -> %s "
                 "(%.1f s)\n",
                 progress ? "\r" : "", s->name.c_str(),
                 static_cast<unsigned long long>(truth.packets()), gen->sources().size(),
                 static_cast<long long>(hours), o.out.c_str(), seconds);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  gen_options o;
  const int rc = parse_options(argc, argv, o);
  if (rc != 0) {
    return rc < 0 ? 0 : rc;
  }
  return run(o);
}
