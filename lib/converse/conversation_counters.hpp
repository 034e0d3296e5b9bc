#pragma once
/**
 * @file
 * What an RX lcore counts about direction and conversation: frames to, from and past the
 * monitored prefixes, the responder's answers and the ones it withheld, and per (watched port,
 * tool) how far scanners went: SYN, completed handshake, payload, two-phase follow-up.
 * Single writer (the lcore); the stats side sums them into conversation_totals.
 */

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/counter.hpp"
#include "common/x_list.hpp"
#include "converse/emulation.hpp"
#include "fingerprint/scan_tool.hpp"

namespace scanscope {

/** X(name, help): scalar counters, exported as scanscope_<name>_total and in the JSON report. */
#define SCANSCOPE_CONVERSATION_COUNTERS(X)                                                       \
  X(responder_synacks_sent, "SYN-ACKs the responder sent to SYNs to monitored addresses")        \
  X(responder_withheld_rate, "SYN-ACKs withheld by the sensor-wide answer cap")                  \
  X(responder_withheld_source, "SYN-ACKs withheld by the per-source answer cap")                 \
  X(responder_refused_special_source,                                                            \
    "SYNs not answered: the source is in a special-purpose range not exempted by respond-allow") \
  X(responder_refused_monitored_source,                                                          \
    "SYNs not answered: the source is inside the monitored prefixes")                            \
  X(responder_refused_port, "SYNs not answered: the port is not in respond-ports")               \
  X(responder_ignored_fragments, "TCP fragments to monitored addresses, never answered")         \
  X(responder_handshakes, "client ACKs whose cookie checked: completed handshakes")              \
  X(responder_unknown_acks, "segments to monitored addresses whose cookie did not check")        \
  X(responder_payload_segments, "data segments after a completed handshake")                     \
  X(responder_closing_answers, "FIN-ACK, ACK and RST answers that close a connection")           \
  X(responder_answers_not_sent, "answers the port did not take (no mbuf, or TX ring full)")      \
  X(responder_timeouts, "connections reset after respond-timeout without a payload")             \
  X(responder_timeouts_forgotten,                                                                \
    "silent connections never reset: a newer one took their slot in the waiting table")          \
  X(outbound_synacks, "SYN-ACKs sent by monitored hosts")                                        \
  X(exposure_answers, "SYN-ACKs of monitored hosts that answered a scanner's SYN")               \
  X(exposure_evicted, "exposure entries pushed out of a full table")                             \
  X(emulation_conversations,                                                                     \
    "connections an emulated protocol (--emulate) took past the first "                          \
    "payload")                                                                                   \
  X(emulation_requests, "requests an emulated protocol answered")                                \
  X(emulation_malformed_http,                                                                    \
    "emulated HTTP requests that were not HTTP/1.x or had framing "                              \
    "it cannot trust (answered 400, closed)")                                                    \
  X(emulation_malformed_json, "emulated JSON-RPC or Claymore requests that were not JSON")       \
  X(emulation_malformed_adb, "emulated ADB messages whose header did not check (closed)")        \
  X(emulation_too_large, "emulated requests or answers over the size bound (closed)")            \
  X(emulation_table_full,                                                                        \
    "connections closed after the first payload: no conversation slot "                          \
    "was free (emulate-conversations)")                                                          \
  X(emulation_source_cap,                                                                        \
    "connections closed after the first payload: the source holds its "                          \
    "most conversations already (emulate-source-conversations)")                                 \
  X(emulation_request_cap, "conversations closed after their most requests or bytes")            \
  X(emulation_out_of_order,                                                                      \
    "segments of emulated conversations ahead of what was expected "                             \
    "(answered with a duplicate ACK)")                                                           \
  X(emulation_retransmissions,                                                                   \
    "segments of emulated conversations already taken (ACKed "                                   \
    "again)")                                                                                    \
  X(emulation_answers_resent,                                                                    \
    "answers sent again: the client sent its request again without "                             \
    "having received any of the answer")                                                         \
  X(emulation_deferred,                                                                          \
    "requests left for the client to send again: the burst's answer "                            \
    "queue had no room for their answers")                                                       \
  X(emulation_resets, "emulated conversations the client reset, or replaced with a new SYN")     \
  X(emulation_buffers_full, "partial requests closed: no request buffer was free")               \
  X(emulation_states_full, "ADB or telnet conversations closed: no state block was free")        \
  X(emulation_indicators_dropped, "indicators beyond a request's bound, or a full ring")

SCANSCOPE_ENUM_OF_LIST(conversation_counter, SCANSCOPE_CONVERSATION_COUNTERS);

const char* conversation_counter_name(conversation_counter c);
const char* conversation_counter_help(conversation_counter c);

/** How far the sources of one (port, tool) went. The tool is the SYN's (for a two-phase
 *  follow-up, the tool of the first phase). */
struct conversation_row {
  source_counter syns;       /**< SYN probes to monitored addresses */
  source_counter handshakes; /**< completed handshakes (a good cookie came back) */
  source_counter payloads;   /**< data segments after the handshake */
  source_counter two_phase;  /**< follow-up SYNs from an ordinary stack after a tool's SYN */
  counter synacks_sent;      /**< SYN-ACKs sent */
  counter synacks_withheld;  /**< SYN-ACKs a cap withheld */
};

/** Plain sums of conversation_row over lcores. */
struct conversation_row_total {
  source_total syns;
  source_total handshakes;
  source_total payloads;
  source_total two_phase;
  uint64_t synacks_sent = 0;
  uint64_t synacks_withheld = 0;

  void add(const conversation_row& r) {
    syns.add(r.syns);
    handshakes.add(r.handshakes);
    payloads.add(r.payloads);
    two_phase.add(r.two_phase);
    synacks_sent += r.synacks_sent.read();
    synacks_withheld += r.synacks_withheld.read();
  }
};

struct conversation_counters {
  bool monitored = false;   /**< the lcore splits frames by monitored prefixes */
  bool responding = false;  /**< the lcore answers */
  traffic_counter inbound;  /**< frames to a monitored address */
  traffic_counter outbound; /**< frames from a monitored address */
  traffic_counter transit;  /**< frames neither to nor from one */
  traffic_counter reply;    /**< frames to one answering a connection it opened */
  std::array<counter, conversation_counter_count> scalars;
  /** [watched-port index][tool] */
  std::vector<std::array<conversation_row, scan_tool_count>> rows;
  /** [watched-port index][emulated_step]: segments that reached the step, and their sources */
  std::vector<std::array<source_counter, emulated_step_count>> steps;

  explicit conversation_counters(size_t port_indexes) : rows(port_indexes), steps(port_indexes) {}
  void add(conversation_counter c, uint64_t n = 1) { scalars[static_cast<size_t>(c)].add(n); }
};

/** One monitored host's port that answered scanners (taps). */
struct exposure_total {
  uint8_t host[16] = {};        /**< the monitored host (IPv4 mapped) */
  uint16_t port = 0;            /**< the TCP port it answered on */
  uint64_t first_seen_ns = 0;   /**< first answer to a scanner */
  uint64_t last_seen_ns = 0;    /**< latest one */
  uint64_t answers = 0;         /**< SYN-ACKs to scanners */
  uint64_t sources = 0;         /**< distinct scanning sources answered */
  uint32_t tools = 0;           /**< bit per scan_tool of the answered SYNs */
  std::vector<uint8_t> countries; /**< country indexes of the answered sources (distinct) */
  std::vector<uint16_t> rules;    /**< signature rule slots that hit on answered connections */
};

/** One indicator summed over lcores. */
struct indicator_total {
  indicator_kind kind = indicator_kind::url;
  uint16_t port = 0;    /**< the TCP port it came on */
  std::string value;    /**< its text ("" for a withheld passphrase) */
  uint64_t count = 0;   /**< requests that gave it */
  uint64_t sources = 0; /**< distinct sources that gave it */
  uint64_t first_seen_ns = 0;
  uint64_t last_seen_ns = 0;
  uint8_t first_source[16] = {}; /**< the first source that gave it (IPv4 mapped) */
};

/** Everything the lcores counted about direction and conversation, summed. */
struct conversation_totals {
  bool monitored = false;  /**< monitored prefixes were given */
  bool responding = false; /**< the responder was on */
  traffic_total inbound;
  traffic_total outbound;
  traffic_total transit;
  traffic_total reply;
  std::array<uint64_t, conversation_counter_count> scalars{};
  std::vector<std::array<conversation_row_total, scan_tool_count>> rows;
  /** [watched-port index][emulated_step] */
  std::vector<std::array<source_total, emulated_step_count>> steps;
  std::vector<exposure_total> exposure; /**< by host then port */
  /** What emulated conversations gave away: most sources first (indicator_table.hpp) */
  std::vector<indicator_total> indicators;

  uint64_t scalar(conversation_counter c) const { return scalars[static_cast<size_t>(c)]; }
  /** Fold one lcore's counters in. */
  void add(const conversation_counters& c);
};

}  // namespace scanscope
