#include "runtime/conversation_options.hpp"

#include <boost/program_options.hpp>
#include <cstdio>
#include <cstdlib>

#include "converse/port_list.hpp"

namespace po = boost::program_options;

namespace scanscope {

po::options_description conversation_options(conversation_settings& s) {
  po::options_description d("Monitored prefixes, responder and known scanners");
  d.add_options()(
      "actors", po::value(&s.actors)->value_name("FILE"),
      "known scanning organisations by prefix and AS number (format in config/actors.conf): "
      "each source gets one or none, and counts split them from the rest; 'none': no actors. "
      "SIGHUP reads it again")(
      "monitored", po::value(&s.monitored)->value_name("PREFIX[,PREFIX...]"),
      "the sensor's own addresses (a darknet, or the hosts behind a tap), IPv4 and IPv6: only "
      "frames to them are scan traffic; frames from them and frames passing by are counted "
      "apart. Unset: every frame is scan traffic")(
      "respond", po::bool_switch(&s.respond),
      "live: answer SYNs to monitored addresses with SYN cookies, acknowledge the first "
      "payload and close, so scanners send what they came for. Needs --monitored and a port "
      "that can transmit")(
      "respond-ports",
      po::value(&s.respond_ports)->default_value(s.respond_ports)->value_name("all|PORTS"),
      "TCP ports answered: 'all', or ports and ranges such as 8545,3333,5555,8000-8100")(
      "respond-allow", po::value(&s.respond_allow)->value_name("PREFIX[,PREFIX...]"),
      "special-purpose source ranges (private, benchmark, documentation, ...) that may be "
      "answered all the same, e.g. a test bed's 198.18.0.0/15")(
      "respond-rate", po::value(&s.respond_rate)->default_value(s.respond_rate)->value_name("N"),
      "most SYN-ACKs per second for the whole sensor (shared evenly by the RX lcores); the "
      "rest are withheld and counted")(
      "respond-source-rate",
      po::value(&s.respond_source_rate)->default_value(s.respond_source_rate)->value_name("N"),
      "most SYN-ACKs per second to one source address")(
      "respond-source-burst",
      po::value(&s.respond_source_burst)->default_value(s.respond_source_burst)->value_name("N"),
      "SYN-ACKs one source may get at once before its rate applies")(
      "respond-window",
      po::value(&s.respond_window)->default_value(s.respond_window)->value_name("BYTES"),
      "TCP receive window of the answers")(
      "respond-timeout",
      po::value(&s.respond_timeout)->default_value(s.respond_timeout)->value_name("SECONDS"),
      "a completed connection that sends nothing this long is reset (clients that wait for a "
      "banner)")(
      "respond-waiting",
      po::value(&s.respond_waiting)->default_value(s.respond_waiting)->value_name("N"),
      "per RX lcore: completed connections remembered until they speak or --respond-timeout "
      "resets them (a power of two, about 100 bytes each); one whose slot a newer connection "
      "takes is never reset, counted as responder_timeouts_forgotten")(
      "emulate", po::value(&s.emulate)->default_value(s.emulate)->value_name("LIST"),
      "with --respond: protocols spoken past the first payload, so scanners go on to what "
      "they came for: ethereum (JSON-RPC, 8545), claymore (3333), http (80, 8080, 37215, "
      "52869), adb (5555), telnet (23, 2323), or all, or none; each answers on its ports "
      "among --respond-ports. Without --respond (a tap, a capture) their requests are read "
      "as they pass, a segment at a time, for the same steps and indicators "
      "(docs/responder.md)")(
      "emulate-port", po::value(&s.emulate_ports)->composing()->value_name("PROTOCOL=PORTS"),
      "more ports for a protocol --emulate names, e.g. ethereum=8546 or http=8000-8100 "
      "(repeat the option for several protocols)")(
      "emulate-conversations",
      po::value(&s.emulate_conversations)->default_value(s.emulate_conversations)->value_name("N"),
      "per RX lcore: emulated connections held at once (a power of two, 72 bytes each); a "
      "connection finding no room is closed after its first payload, counted")(
      "emulate-buffers",
      po::value(&s.emulate_buffers)->default_value(s.emulate_buffers)->value_name("N"),
      "per RX lcore: requests still arriving held at once (8 KiB each)")(
      "emulate-source-conversations",
      po::value(&s.emulate_source_conversations)
          ->default_value(s.emulate_source_conversations)
          ->value_name("N"),
      "emulated connections one source may hold at once (1-255)")(
      "emulate-keep-secrets", po::bool_switch(&s.emulate_keep_secrets),
      "keep the passphrases scanners try as indicators (they are secrets of a kind: without "
      "this they are counted, their text withheld)")(
      "exposure-slots",
      po::value(&s.exposure_slots)->default_value(s.exposure_slots)->value_name("N"),
      "per RX lcore: (monitored host, port) pairs the exposure view holds (a power of two); "
      "a full table evicts the pair answered least recently (counted)");
  return d;
}

std::pair<std::string, std::string> check_conversation(conversation_settings& s, bool offline) {
  s.monitored_prefixes = prefix_set{};
  s.allow_prefixes = prefix_set{};
  if (std::string e = s.monitored_prefixes.add_list(s.monitored); !e.empty()) {
    return {"monitored", "option 'monitored': " + e};
  }
  if (std::string e = s.allow_prefixes.add_list(s.respond_allow); !e.empty()) {
    return {"respond-allow", "option 'respond-allow': " + e};
  }
  if (std::string e = parse_port_list(s.respond_ports, s.ports); !e.empty()) {
    return {"respond-ports", "option 'respond-ports': " + e};
  }
  if (!(s.respond_rate > 0 && s.respond_rate <= 1e8)) {
    return {"respond-rate", "option 'respond-rate' must be above 0 and at most 100000000"};
  }
  if (!(s.respond_source_rate > 0 && s.respond_source_rate <= s.respond_rate)) {
    return {"respond-source-rate",
            "option 'respond-source-rate' must be above 0 and at most 'respond-rate'"};
  }
  if (s.respond_source_burst < 1 || s.respond_source_burst > 1000) {
    return {"respond-source-burst", "option 'respond-source-burst' must be from 1 to 1000"};
  }
  if (s.respond_window < 1 || s.respond_window > 65535) {
    return {"respond-window", "option 'respond-window' must be from 1 to 65535"};
  }
  if (!(s.respond_timeout >= 0.1 && s.respond_timeout <= 3600)) {
    return {"respond-timeout", "option 'respond-timeout' must be from 0.1 to 3600 seconds"};
  }
  if (s.respond_waiting < 64 || s.respond_waiting > (1u << 20) ||
      (s.respond_waiting & (s.respond_waiting - 1)) != 0) {
    return {"respond-waiting", "option 'respond-waiting' must be a power of two from 64 to 2^20"};
  }
  if (s.exposure_slots < 64 || s.exposure_slots > (1u << 24) ||
      (s.exposure_slots & (s.exposure_slots - 1)) != 0) {
    return {"exposure-slots", "option 'exposure-slots' must be a power of two from 64 to 2^24"};
  }
  if (std::string e = plan_emulation(s.emulate, s.emulate_ports, s.emulation); !e.empty()) {
    return {"emulate", "option 'emulate': " + e};
  }
  s.emulation.keep_secrets = s.emulate_keep_secrets;
  if (s.emulation.any() && s.respond) {
    draw_emulation_secret(s.emulation.secret);
  }
  if (s.emulate_conversations < 64 || s.emulate_conversations > (1u << 20) ||
      (s.emulate_conversations & (s.emulate_conversations - 1)) != 0) {
    return {"emulate-conversations",
            "option 'emulate-conversations' must be a power of two from 64 to 2^20"};
  }
  if (s.emulate_buffers < 1 || s.emulate_buffers > 65535) {
    return {"emulate-buffers", "option 'emulate-buffers' must be from 1 to 65535"};
  }
  if (s.emulate_source_conversations < 1 || s.emulate_source_conversations > 255) {
    return {"emulate-source-conversations",
            "option 'emulate-source-conversations' must be from 1 to 255"};
  }
  if (s.respond && s.monitored_prefixes.empty()) {
    return {"respond",
            "option 'respond' needs 'monitored': the responder answers only the sensor's own "
            "addresses, so it must be told which they are"};
  }
  if (s.respond && offline) {
    return {"respond", "option 'respond' is for live ports: an offline run (--pcap) never "
                       "transmits"};
  }
  return {};
}

std::string describe_conversation(const conversation_settings& s) {
  if (s.monitored_prefixes.empty()) {
    return "scanscope: no monitored prefixes: every frame counts as scan traffic (set "
           "'monitored' to count only frames to the sensor's own addresses)";
  }
  std::string line = "scanscope: monitored " + s.monitored_prefixes.describe() +
                     ": only frames to them are scan traffic";
  if (s.respond) {
    char caps[160];
    std::snprintf(caps, sizeof caps,
                  "; responding on TCP %s (at most %g SYN-ACKs/s, %g/s per source)",
                  s.respond_ports.c_str(), s.respond_rate, s.respond_source_rate);
    line += caps;
    // A lab's scanners sit in private or benchmark ranges: say before the run that they will
    // not be answered, rather than letting a silent responder puzzle the operator.
    line += "; never answered: sources in special-purpose ranges (RFC 6890: private, loopback, "
            "CGNAT, benchmark, documentation, multicast; docs/responder.md)";
    if (!s.allow_prefixes.empty()) {
      line += " except " + s.allow_prefixes.describe() + " (respond-allow)";
    } else {
      line += ", unless named in respond-allow";
    }
    if (s.emulation.any()) {
      line += "; speaking " + s.emulate + " past the first payload (emulate)";
    }
  }
  return line;
}

}  // namespace scanscope
