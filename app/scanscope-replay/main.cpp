// scanscope-replay: send the frames of a pcap out of a DPDK port at a fixed packet rate, looping
// over the capture, the way pktgen users offer load to a sensor. With net_memif it feeds a
// scanscope on the same host (scripts/bench steps the rate up until scanscope falls behind).
// A frame the port does not take (the receiver's ring is full) is counted as refused: on memif
// that is the receiver not keeping up.
//
// The receiver must outlive the sender. DPDK's memif driver (22.11) tears a connection down on
// its interrupt thread, freeing the shared rings while a transmit burst on the lcore may still
// be writing them: a receiver that leaves mid-send made the sender fault inside the driver. The
// replay checks the link before every burst and stops when it went down (exit code 3); a fault
// inside a burst while the link is down (the window the check cannot close) ends it the same
// way. scripts/bench stops each receiver only after the replay has finished.

#include <pcap/pcap.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "runtime/burst_guard.hpp"

namespace po = boost::program_options;

using scanscope::guarded_tx_burst;
using scanscope::install_burst_guard;
using scanscope::port_link_up;

namespace {

struct replay_options {
  std::string pcap;
  double rate_mpps = 0;  // 0: as fast as the port takes them
  double duration = 10;
  uint16_t port = 0;
  unsigned burst = 32;
  double link_wait = 30;
  double settle = 1;
  double linger = 1;
  bool quiet = false;
};

volatile std::sig_atomic_t stop = 0;
void on_signal(int) { stop = 1; }

/** Exit codes: 0 done, 1 runtime failure, 2 bad usage, 3 the link went down while sending.
 *  -1: go on. */
int parse_options(int argc, char** argv, replay_options& o) {
  po::options_description visible(
      "Usage: scanscope-replay [EAL options] -- --pcap FILE [options]\n\n"
      "Sends the frames of a capture out of a DPDK port at a fixed rate, looping over the file.\n"
      "EAL options name the port, e.g. --vdev net_memif0,role=server,socket=/run/ss.sock\n"
      "Every second it prints the offered, sent and refused rates; a refused frame is one the\n"
      "port did not take (on net_memif: the receiver's ring was full). Stop the receiver only\n"
      "after the replay: if the link goes down while sending, it stops and exits with 3.\n\n"
      "Options");
  visible.add_options()("help,h", "this help")("pcap", po::value(&o.pcap)->value_name("FILE"),
                                               "capture to send (required)")(
      "rate", po::value(&o.rate_mpps)->value_name("MPPS"),
      "offered rate in million frames per second (default 0: as fast as the port takes them)")(
      "duration", po::value(&o.duration)->value_name("SECONDS"),
      "stop after this long (default 10)")("port", po::value(&o.port)->value_name("ID"),
                                           "DPDK port to send on (default 0)")(
      "burst", po::value(&o.burst)->value_name("N"), "frames per tx_burst, 1-256 (default 32)")(
      "link-wait", po::value(&o.link_wait)->value_name("SECONDS"),
      "how long to wait for the link (a memif peer to connect; default 30)")(
      "settle", po::value(&o.settle)->value_name("SECONDS"),
      "wait this long after the link came up before sending, so that the receiver polls "
      "(default 1)")(
      "linger", po::value(&o.linger)->value_name("SECONDS"),
      "after the last frame, keep the port up this long, so that the receiver reads what is "
      "still in the ring (stopping the port frees it; default 1)")(
      "quiet,q", po::bool_switch(&o.quiet), "only the summary line");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, visible), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "scanscope-replay: " << e.what() << " (see --help)\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << visible << "\n";
    return 0;
  }
  if (o.pcap.empty()) {
    std::cerr << "scanscope-replay: --pcap FILE is required (see --help)\n";
    return 2;
  }
  if (o.rate_mpps < 0 || !(o.duration > 0) || o.burst < 1 || o.burst > 256 || o.settle < 0 ||
      o.settle > 60 || o.linger < 0 || o.linger > 60) {
    std::cerr << "scanscope-replay: --rate must be >= 0, --duration > 0, --burst 1-256, "
                 "--settle 0-60, --linger 0-60\n";
    return 2;
  }
  return -1;
}

/** All frames of a capture, back to back, and where each starts. */
struct capture {
  std::vector<uint8_t> bytes;
  std::vector<uint32_t> start;  // start.size() == frames + 1
  size_t frames() const { return start.size() - 1; }
};

std::string read_capture(const std::string& path, uint16_t room, capture& c) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline(path.c_str(), errbuf);
  if (p == nullptr) {
    const std::string why = errbuf;
    return why.rfind(path, 0) == 0 ? why : path + ": " + why;  // libpcap may name the file
  }
  c.start.push_back(0);
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int rc = 0;
  size_t skipped = 0;
  while ((rc = pcap_next_ex(p, &header, &data)) == 1) {
    if (header->caplen == 0 || header->caplen > room) {
      ++skipped;  // an empty record or one that does not fit an mbuf
      continue;
    }
    c.bytes.insert(c.bytes.end(), data, data + header->caplen);
    c.start.push_back(static_cast<uint32_t>(c.bytes.size()));
  }
  std::string error;
  if (rc == -1) {
    error = path + ": record " + std::to_string(c.frames() + skipped + 1) + ": " + pcap_geterr(p);
  } else if (c.frames() == 0) {
    error = path + ": no frames to send";
  }
  pcap_close(p);
  if (skipped != 0) {
    std::fprintf(stderr, "scanscope-replay: %zu records skipped (empty or over %u bytes)\n",
                 skipped, room);
  }
  return error;
}

std::string start_port(uint16_t port, rte_mempool* pool, double link_wait) {
  if (!rte_eth_dev_is_valid_port(port)) {
    return "no DPDK port " + std::to_string(port) + " (name one with --vdev or -a)";
  }
  rte_eth_conf conf{};
  int rc = rte_eth_dev_configure(port, 1, 1, &conf);
  if (rc == 0) {
    rc = rte_eth_rx_queue_setup(port, 0, 512, rte_eth_dev_socket_id(port), nullptr, pool);
  }
  if (rc == 0) {
    rc = rte_eth_tx_queue_setup(port, 0, 1024, rte_eth_dev_socket_id(port), nullptr);
  }
  if (rc == 0) {
    rc = rte_eth_dev_start(port);
  }
  if (rc != 0) {
    return "port " + std::to_string(port) + ": " + rte_strerror(-rc);
  }
  // Said under --quiet too: a receiver started before this line may reach a memif port that
  // is not started yet (the driver binds its socket at probe).
  std::fprintf(stderr, "scanscope-replay: port %u started, waiting up to %g s for the link\n",
               static_cast<unsigned>(port), link_wait);
  const uint64_t deadline = rte_get_timer_cycles() + static_cast<uint64_t>(
                                                         link_wait * rte_get_timer_hz());
  rte_eth_link link{};
  while (!stop && rte_get_timer_cycles() < deadline) {
    rte_eth_link_get_nowait(port, &link);
    if (link.link_status == RTE_ETH_LINK_UP) {
      return {};
    }
    rte_delay_ms(10);
  }
  return "port " + std::to_string(port) + ": link still down after " +
         std::to_string(link_wait) + " s (is the receiver running?)";
}

struct totals {
  uint64_t sent = 0;
  uint64_t refused = 0;
  bool link_lost = false; /**< the link went down while sending (the receiver left) */
  bool faulted = false;   /**< ... and the driver faulted inside a burst (see the top) */
};

/**
 * Send until the duration is over. Bursts leave on a TSC schedule; a sender that falls behind
 * (the port is slower than the rate) does not try to catch up by more than a millisecond.
 */
void send_loop(const replay_options& o, const capture& c, rte_mempool* pool, totals& t) {
  const uint64_t hz = rte_get_tsc_hz();
  const uint64_t begin = rte_rdtsc();
  const uint64_t end = begin + static_cast<uint64_t>(o.duration * static_cast<double>(hz));
  const double cycles_per_burst =
      o.rate_mpps > 0 ? static_cast<double>(o.burst) * static_cast<double>(hz) / (o.rate_mpps * 1e6)
                      : 0;
  const uint64_t max_debt = hz / 1000;
  double next = static_cast<double>(begin);
  totals last_t;
  uint64_t last_print = begin;
  size_t frame = 0;
  rte_mbuf* pkts[256];
  for (uint64_t now = rte_rdtsc(); now < end && !stop; now = rte_rdtsc()) {
    if (cycles_per_burst > 0) {
      if (static_cast<double>(now) < next) {
        continue;
      }
      next = std::max(next, static_cast<double>(now - std::min(now, max_debt))) + cycles_per_burst;
    }
    if (!port_link_up(o.port)) {
      t.link_lost = true;  // no burst into rings the driver is about to free
      break;
    }
    if (rte_pktmbuf_alloc_bulk(pool, pkts, o.burst) != 0) {
      continue;
    }
    for (unsigned i = 0; i < o.burst; ++i) {
      const uint32_t length = c.start[frame + 1] - c.start[frame];
      std::memcpy(rte_pktmbuf_mtod(pkts[i], uint8_t*), c.bytes.data() + c.start[frame], length);
      pkts[i]->data_len = static_cast<uint16_t>(length);
      pkts[i]->pkt_len = length;
      frame = frame + 1 == c.frames() ? 0 : frame + 1;
    }
    bool faulted = false;
    const uint16_t sent =
        guarded_tx_burst(o.port, 0, pkts, static_cast<uint16_t>(o.burst), faulted);
    if (faulted) {
      t.link_lost = true;  // in the window the link check cannot close (see the top)
      t.faulted = true;
      break;
    }
    if (sent < o.burst) {
      rte_pktmbuf_free_bulk(pkts + sent, o.burst - sent);
    }
    t.sent += sent;
    t.refused += o.burst - sent;
    if (!o.quiet && now - last_print >= hz) {
      const double s = static_cast<double>(now - last_print) / static_cast<double>(hz);
      const uint64_t sent_n = t.sent - last_t.sent;
      const uint64_t refused_n = t.refused - last_t.refused;
      std::fprintf(stderr, "offered %.3f Mpps  sent %.3f Mpps  refused %.3f Mpps\n",
                   static_cast<double>(sent_n + refused_n) / s / 1e6,
                   static_cast<double>(sent_n) / s / 1e6, static_cast<double>(refused_n) / s / 1e6);
      last_t = t;
      last_print = now;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  // EAL would answer --help with its own text: ours first, when no `--` sets EAL options apart.
  bool separated = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    separated = separated || a == "--";
    if (!separated && (a == "--help" || a == "-h")) {
      replay_options o;
      char* args[] = {argv[0], argv[i], nullptr};
      return parse_options(2, args, o);
    }
  }
  const int eal_args = rte_eal_init(argc, argv);
  if (eal_args < 0) {
    std::cerr << "scanscope-replay: EAL initialisation failed: " << rte_strerror(rte_errno)
              << "\n";
    return 1;
  }
  argv[eal_args] = argv[0];
  replay_options o;
  if (const int rc = parse_options(argc - eal_args, argv + eal_args, o); rc >= 0) {
    rte_eal_cleanup();
    return rc;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  constexpr uint16_t data_room = 2048;
  capture c;
  std::string error = read_capture(o.pcap, data_room, c);
  rte_mempool* pool = nullptr;
  if (error.empty()) {
    pool = rte_pktmbuf_pool_create("replay_pool", 8191, 256, 0, data_room + RTE_PKTMBUF_HEADROOM,
                                   static_cast<int>(rte_socket_id()));
    if (pool == nullptr) {
      error = std::string("cannot create the mbuf pool: ") + rte_strerror(rte_errno);
    }
  }
  if (error.empty()) {
    error = start_port(o.port, pool, o.link_wait);
  }
  if (!error.empty()) {
    std::cerr << "scanscope-replay: " << error << "\n";
    rte_eal_cleanup();
    return 1;
  }
  // A memif link is up once the peer connected, which may be before its lcores poll.
  rte_delay_us_sleep(static_cast<unsigned>(o.settle * 1e6));
  const uint64_t begin = rte_rdtsc();
  install_burst_guard();
  totals t;
  send_loop(o, c, pool, t);
  const double seconds =
      static_cast<double>(rte_rdtsc() - begin) / static_cast<double>(rte_get_tsc_hz());
  const uint64_t offered = t.sent + t.refused;
  // One line for scripts: offered and sent rates, the refused share.
  std::printf("replay: %zu frames in the capture, %.2f s, offered %.3f Mpps, sent %.3f Mpps, "
              "sent %llu, refused %llu (%.2f%%)\n",
              c.frames(), seconds, static_cast<double>(offered) / seconds / 1e6,
              static_cast<double>(t.sent) / seconds / 1e6,
              static_cast<unsigned long long>(t.sent), static_cast<unsigned long long>(t.refused),
              offered ? 100.0 * static_cast<double>(t.refused) / static_cast<double>(offered) : 0);
  if (t.link_lost) {
    std::fprintf(stderr,
                 "scanscope-replay: the link went down after %.2f s (the receiver left); "
                 "stopped sending\n",
                 seconds);
  } else if (!stop) {
    // Frames the receiver has not read yet are in the ring, which stopping the port frees.
    rte_delay_us_sleep(static_cast<unsigned>(o.linger * 1e6));
  }
  rte_eth_dev_stop(o.port);
  rte_eth_dev_close(o.port);
  rte_eal_cleanup();
  return t.link_lost ? 3 : 0;
}
