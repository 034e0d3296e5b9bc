#pragma once
/**
 * @file
 * The reactive responder of a darknet: answers SYNs to monitored addresses with a SYN-ACK whose
 * sequence number is a SYN cookie, acknowledges the first payload and closes, so that scanners
 * send the request that says what they want. It keeps no state per connection; its only
 * memory is the caps' time values. One per RX lcore; it writes answers into an answer_queue
 * that the lcore's loop transmits after the burst.
 *
 * Safety, as a transmitter must have it: it answers only frames the caller found inbound (to a
 * monitored address), never sources in special-purpose ranges or in the monitored prefixes
 * (unless exempted), never RSTs, fragments or ACKs whose cookie does not check, and SYN-ACKs
 * are capped per lcore and per source.
 */

#include <bitset>
#include <cstdint>
#include <memory>

#include "converse/answer_frame.hpp"
#include "converse/conversation_counters.hpp"
#include "converse/conversation_table.hpp"
#include "converse/emulation.hpp"
#include "converse/rate_cap.hpp"
#include "converse/syn_cookie.hpp"
#include "converse/waiting_connections.hpp"
#include "packet/prefix_set.hpp"

namespace scanscope {

/** The responder's settings (options --respond-*). */
struct responder_config {
  const prefix_set* monitored = nullptr; /**< sources inside are never answered */
  const prefix_set* allow = nullptr;     /**< special-purpose sources answered anyway */
  std::bitset<65536> ports;              /**< TCP ports answered */
  uint16_t window = 65535;               /**< receive window of the answers */
  double rate = 1000;                    /**< SYN-ACKs per second for this lcore */
  uint32_t burst = 100;                  /**< how many of them may go at once */
  double source_rate = 5;                /**< SYN-ACKs per second to one source */
  uint32_t source_burst = 20;            /**< how many of them may go at once */
  uint32_t source_slots = 1u << 16;      /**< per-source cap slots (a power of two) */
  const syn_cookies* cookies = nullptr;  /**< shared by the lcores (read-only) */
  uint64_t timeout_ns = 10ULL * 1000000000ULL; /**< a silent connection is reset after this */
  uint32_t waiting_slots = 4096;         /**< silent connections remembered (a power of two) */
  /** What the emulated protocols answer (--emulate); null or none: every connection closes
   *  after its first payload. */
  const emulation_plan* emulation = nullptr;
  uint32_t conversation_slots = 4096;  /**< emulated connections held (a power of two) */
  uint32_t conversation_buffers = 256; /**< partial requests held at once */
  uint32_t source_conversations = 16;  /**< emulated connections one source may hold */
};

/** Frames to transmit after a burst: fixed room, no allocation. */
struct answer_queue {
  static constexpr unsigned capacity = 64;
  uint8_t frames[capacity][max_answer_frame_bytes];
  uint16_t lengths[capacity];
  unsigned count = 0;

  bool full() const { return count == capacity; }
  void clear() { count = 0; }
};

/** What the responder made of one segment. */
enum class conversation_step : uint8_t {
  none,         /**< nothing to account (not for the responder, or refused) */
  syn_answered, /**< a SYN, answered */
  syn_withheld, /**< a SYN a cap kept from being answered */
  handshake,    /**< the client's ACK of the SYN-ACK */
  payload,      /**< data after the handshake */
  closing,      /**< a FIN after the handshake */
};

struct conversation_event {
  conversation_step step = conversation_step::none;
  uint32_t tag = 0; /**< the SYN's tag, recovered from the cookie (handshake, payload, closing) */
  uint32_t steps = 0; /**< emulated: bit per emulated_step the segment's requests reached */
  /** emulated: what the requests gave away (valid until the next handle()) */
  const emulated_indicator* indicators = nullptr;
  unsigned indicator_count = 0;
};

class responder {
 public:
  explicit responder(const responder_config& config);

  /**
   * Look at one inbound TCP segment and queue an answer when one is due.
   * @param frame   the received Ethernet frame
   * @param p       its parse
   * @param time_ns arrival time
   * @param source_hash hash of the source address (for the per-source cap)
   * @param tag     for a SYN: what its cookie carries (syn_cookies::tag_bits)
   */
  conversation_event handle(const uint8_t* frame, const decoded_packet& p, uint64_t time_ns,
                            uint64_t source_hash, uint32_t tag, answer_queue& out,
                            conversation_counters& counts);

  /** Reset connections silent for longer than the timeout (a few slots per call). */
  void expire(uint64_t now_ns, answer_queue& out, conversation_counters& counts);

 private:
  conversation_event answer_syn(const uint8_t* frame, const decoded_packet& p, uint64_t time_ns,
                                uint64_t source_hash, uint32_t tag, answer_queue& out,
                                conversation_counters& counts);
  conversation_event answer_segment_after_syn(const uint8_t* frame, const decoded_packet& p,
                                              uint64_t time_ns, uint64_t source_hash,
                                              answer_queue& out, conversation_counters& counts);
  void queue(const uint8_t* frame, const decoded_packet& p, const answer_segment& a,
             answer_queue& out, conversation_counters& counts);

  // Emulated conversations (responder_emulation.cpp).
  bool emulates(uint16_t port, emulated_protocol& protocol) const {
    return conversations_ != nullptr && config_.emulation->protocol_of(port, protocol);
  }
  conversation_event start_conversation(const uint8_t* frame, const decoded_packet& p,
                                        uint64_t time_ns, uint64_t source_hash, uint64_t key,
                                        uint32_t tag, emulated_protocol protocol, answer_queue& out,
                                        conversation_counters& counts);
  conversation_event continue_conversation(emulated_conversation& c, const uint8_t* frame,
                                           const decoded_packet& p, uint64_t time_ns,
                                           answer_queue& out, conversation_counters& counts);
  /** A segment after our FIN: the closing handshake. */
  conversation_event close_conversation(emulated_conversation& c, const uint8_t* frame,
                                        const decoded_packet& p, answer_queue& out,
                                        conversation_counters& counts);
  /** A client's RST, or a new SYN on the tuple: its conversation, if any, ends. */
  void drop_conversation(const decoded_packet& p, uint64_t time_ns, bool rst,
                         conversation_counters& counts);
  /** Run the requests in what the client sent; the answers' bytes, or close on a fault. */
  size_t take_requests(emulated_conversation& c, const uint8_t* data, size_t length,
                       uint64_t time_ns, bool& close, conversation_counters& counts);
  /** A segment sent again whose answer the client has not seen: the answer sent again, the
   *  same bytes at the same sequence numbers. @return false when it is not that case */
  bool resend_answer(emulated_conversation& c, const uint8_t* frame, const decoded_packet& p,
                     answer_queue& out, conversation_counters& counts);
  /** Our answer bytes as segments, the last with FIN when `fin`. */
  void send_answer(emulated_conversation& c, const uint8_t* frame, const decoded_packet& p,
                   size_t length, bool fin, answer_queue& out, conversation_counters& counts);
  /** Remember the RST (our `seq`, acknowledging `ack`) that ends the connection `key` should it
   *  fall silent for the timeout. */
  void arm_timeout(uint64_t key, uint32_t seq, uint32_t ack, const uint8_t* frame,
                   const decoded_packet& p, uint64_t time_ns, conversation_counters& counts);

  responder_config config_;
  rate_cap lcore_cap_;
  per_source_caps source_caps_;
  waiting_connections waiting_;
  std::unique_ptr<conversation_table> conversations_; /**< null: no --emulate */
  /** Answers of one segment's requests, and what they gave away. */
  struct emulation_scratch {
    static constexpr unsigned max_indicators = 32;
    /** Room for four of the largest answers; smaller ones share it (a telnet prompt each). */
    uint8_t answer[4 * max_answer_data];
    emulated_indicator indicators[max_indicators];
    unsigned indicator_count = 0;
    uint32_t steps = 0;
  };
  std::unique_ptr<emulation_scratch> scratch_;
};

/** The connection a received segment belongs to, as the cookie sees it. */
connection_tuple tuple_of(const decoded_packet& p);

/** A connection's key in the waiting and conversation tables; never 0 in practice. */
uint64_t tuple_key(const connection_tuple& t);

}  // namespace scanscope
