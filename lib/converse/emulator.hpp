#pragma once
/**
 * @file
 * One turn of an emulated conversation: the request at the start of what a client sent, read
 * and answered. Answers are fixed templates filled only with values the sensor made (accounts,
 * balances, hashes derived from the plan's secret); of the client's bytes only a JSON-RPC `id`
 * goes back, and only a number or a short string. Nothing is run, written or opened.
 */

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "converse/conversation_counters.hpp"
#include "converse/emulation.hpp"

namespace scanscope {

/** What an answer may draw on besides the request. */
struct emulation_context {
  const emulation_plan* plan = nullptr;
  uint64_t time_ns = 0;      /**< the request's arrival (the Date header, the block number) */
  uint64_t conversation = 0; /**< the connection's key: hashes differ between conversations */
  uint32_t request = 0;      /**< requests answered before on this connection */
  /** The protocol's state (max_state_bytes, zeroed when the conversation began); null for
   *  the protocols that keep none (needs_state). */
  uint8_t* state = nullptr;
  /** The requests are read as they pass (--emulate without --respond): their steps and
   *  indicators only; the HTTP protocols write no answer (its head and JSON are most of a
   *  request's cost, and nobody would receive it). */
  bool read_only = false;
};

/** Whether a protocol keeps state between requests (ADB, telnet). */
bool needs_state(emulated_protocol protocol);
/** Whether the server speaks first, right after the handshake (telnet's login prompt). */
bool speaks_first(emulated_protocol protocol);

struct emulation_turn {
  static constexpr unsigned max_indicators = 8;

  size_t consumed = 0;      /**< bytes of the request taken; 0: it is not whole yet */
  size_t answer_length = 0; /**< bytes written to the answer */
  bool close = false;       /**< close the connection after the answer */
  bool faulty = false;      /**< the request was malformed or too large ... */
  conversation_counter fault = conversation_counter::emulation_malformed_http; /**< ... so */
  uint32_t steps = 0; /**< bit per emulated_step the request reached */
  unsigned indicator_count = 0;
  emulated_indicator indicators[max_indicators];
  unsigned indicators_dropped = 0; /**< beyond max_indicators */

  void add_step(emulated_step s) { steps |= step_bit(s); }
  /** Keep an indicator (its text cut to emulated_indicator::max_text). */
  void add_indicator(indicator_kind kind, std::string_view text);
  void fail(conversation_counter why) {
    faulty = true;
    fault = why;
  }
};

/**
 * Read the request at the start of `data` and write its answer into `answer` (room for
 * max_answer_data bytes). A turn with consumed 0 and no fault waits for more bytes.
 */
emulation_turn emulate_request(emulated_protocol protocol, const emulation_context& context,
                               const uint8_t* data, size_t length, uint8_t* answer);

/** What the server says first, into `answer`. */
emulation_turn greet(emulated_protocol protocol, const emulation_context& context, uint8_t* answer);

/** The URLs (http, https, ftp, tftp) in `text`, each an indicator of the turn; not those that
 *  are an attribute's value (XML namespaces). */
void note_urls(std::string_view text, emulation_turn& turn);

/** A file a client handed over (an ADB push, a Claymore miner_file): its SHA-256 (indicator
 *  file_sha256) and where it was to go with its size (file_name, "PATH N bytes"). The file
 *  itself is never kept. */
void note_file(const uint8_t (&sha256)[32], std::string_view where, uint64_t size,
               emulation_turn& turn);

}  // namespace scanscope
