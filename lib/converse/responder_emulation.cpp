// The responder past the first payload (--emulate): a connection on an emulated port gets an
// entry in the conversation table, its requests are answered, and it stays open for the next
// until the client closes, falls silent, or reaches its bounds.
#include <algorithm>
#include <cstring>

#include "converse/emulator.hpp"
#include "converse/responder.hpp"

namespace scanscope {

namespace {

// Past these a conversation is closed (counted): a scanner's dialogue is a handful of requests.
// ADB pushes files (a miner's binary is megabytes, in 4 KiB messages each acknowledged).
constexpr uint16_t max_requests = 64;
constexpr uint32_t max_bytes = 64 * 1024;
constexpr uint16_t max_adb_requests = 8192;
constexpr uint32_t max_adb_bytes = 16 * 1024 * 1024;
// The most segments one client segment's answers take (the scratch's room at 1,400 bytes
// each): a burst whose queue has less room leaves the segment for the client to send again.
constexpr unsigned max_answer_segments =
    (4 * max_answer_data + max_segment_data - 1) / max_segment_data + 1;

bool seq_before(uint32_t a, uint32_t b) {
  return static_cast<int32_t>(a - b) < 0;
}

}  // namespace

conversation_event responder::start_conversation(const uint8_t* frame, const decoded_packet& p,
                                                 uint64_t time_ns, uint64_t source_hash,
                                                 uint64_t key, uint32_t tag,
                                                 emulated_protocol protocol, answer_queue& out,
                                                 conversation_counters& counts) {
  conversation_counter refusal{};
  emulated_conversation* c = conversations_->open(key, source_hash, time_ns, refusal);
  if (c == nullptr) {
    counts.add(refusal);
    return {};
  }
  counts.add(conversation_counter::emulation_conversations);
  c->our_next = p.ack;  // our ISN + 1: nothing sent yet but the SYN-ACK
  c->their_next = p.seq;
  c->tag = tag;
  c->protocol = static_cast<uint8_t>(protocol);
  if (needs_state(protocol) && conversations_->state_of(*c) == nullptr) {
    counts.add(conversation_counter::emulation_states_full);
    conversations_->close(*c);
    return {};
  }
  if (p.payload_length == 0) {
    // A server that speaks first greets the completed handshake.
    const emulation_context context{config_.emulation, time_ns, c->key, 0,
                                    conversations_->state_of(*c)};
    const emulation_turn turn = greet(protocol, context, scratch_->answer);
    send_answer(*c, frame, p, turn.answer_length, false, out, counts);
    arm_timeout(c->key, c->our_next, c->their_next, frame, p, time_ns, counts);
    return {conversation_step::handshake, tag};
  }
  return continue_conversation(*c, frame, p, time_ns, out, counts);
}

conversation_event responder::continue_conversation(emulated_conversation& c, const uint8_t* frame,
                                                    const decoded_packet& p, uint64_t time_ns,
                                                    answer_queue& out,
                                                    conversation_counters& counts) {
  const bool fin = (p.tcp_flags & tcp_flag::fin) != 0;
  const uint32_t length = p.payload_length;
  c.last_ns = time_ns;
  scratch_->indicator_count = 0;
  scratch_->steps = 0;
  const conversation_event event{conversation_step::payload, c.tag};
  if (c.closing) {
    return close_conversation(c, frame, p, out, counts);
  }
  if (length == 0 && !fin) {
    return {};  // the client's ACK of our answer
  }
  if (answer_queue::capacity - out.count < max_answer_segments) {
    // No room for the answers in this burst: not taken, not acknowledged; the client sends
    // it again.
    counts.add(conversation_counter::emulation_deferred);
    return {};
  }
  if (p.seq != c.their_next) {
    // Already taken (the client missed our ACK) or ahead of a gap: say again what we have.
    counts.add(seq_before(p.seq, c.their_next) ? conversation_counter::emulation_retransmissions
                                               : conversation_counter::emulation_out_of_order);
    if (resend_answer(c, frame, p, out, counts)) {
      return {};
    }
    answer_segment a;
    a.flags = tcp_flag::ack;
    a.seq = c.our_next;
    a.ack = c.their_next;
    a.window = config_.window;
    queue(frame, p, a, out, counts);
    return {};
  }
  counts.add(conversation_counter::responder_payload_segments);
  c.their_next = p.seq + length + (fin ? 1 : 0);
  c.their_fin = fin;
  c.bytes += length;
  bool close = fin;
  // What an answer made again needs: the segment held whole requests only, and the protocol
  // keeps no state a request changes.
  const bool alone =
      c.buffer == 0 && !fin && !needs_state(static_cast<emulated_protocol>(c.protocol));
  const uint16_t number = c.requests;
  const uint32_t answer_from = c.our_next;
  const size_t answer = take_requests(c, frame + p.payload_offset, length, time_ns, close, counts);
  c.answered_ns = alone && !close && c.buffer == 0 && answer != 0 ? time_ns : 0;
  c.answered_seq = p.seq;
  c.answer_from = answer_from;
  c.answered_number = number;
  c.answered_length = static_cast<uint16_t>(length);
  const bool adb = c.protocol == static_cast<uint8_t>(emulated_protocol::adb);
  if (c.requests >= (adb ? max_adb_requests : max_requests) ||
      c.bytes >= (adb ? max_adb_bytes : max_bytes)) {
    counts.add(conversation_counter::emulation_request_cap);
    close = true;
  }
  send_answer(c, frame, p, answer, close, out, counts);
  if (close) {
    c.closing = true;
    conversations_->release_buffer(c);
  }
  arm_timeout(c.key, c.our_next, c.their_next, frame, p, time_ns, counts);
  conversation_event e = event;
  if (length == 0) {
    e.step = conversation_step::closing;
  }
  e.steps = scratch_->steps;
  e.indicators = scratch_->indicators;
  e.indicator_count = scratch_->indicator_count;
  return e;
}

void responder::drop_conversation(const decoded_packet& p, uint64_t time_ns, bool rst,
                                  conversation_counters& counts) {
  const uint64_t key = tuple_key(tuple_of(p));
  emulated_conversation* c = conversations_->find(key, time_ns);
  // A RST counts when it is where the client's data would go next (RFC 5961's exact match).
  if (c == nullptr || (rst && p.seq != c->their_next)) {
    return;
  }
  counts.add(conversation_counter::emulation_resets);
  waiting_.forget(key);
  conversations_->close(*c);
}

conversation_event responder::close_conversation(emulated_conversation& c, const uint8_t* frame,
                                                 const decoded_packet& p, answer_queue& out,
                                                 conversation_counters& counts) {
  // Our FIN is out (our_next counts it). The conversation ends when both FINs are acknowledged:
  // the client's ACK of ours after its own FIN, or its FIN after our FIN was acknowledged.
  const bool fin = (p.tcp_flags & tcp_flag::fin) != 0;
  const uint32_t length = p.payload_length;
  answer_segment a;
  a.seq = c.our_next;
  a.window = config_.window;
  if (length != 0) {
    // Data after our FIN: refused.
    a.flags = tcp_flag::rst | tcp_flag::ack;
    a.ack = p.seq + length + (fin ? 1 : 0);
    queue(frame, p, a, out, counts);
    counts.add(conversation_counter::responder_closing_answers);
    waiting_.forget(c.key);
    conversations_->close(c);
    return {conversation_step::payload, c.tag};
  }
  if (fin) {
    // The client's FIN (or its FIN again): acknowledged; after it nothing is left to wait for.
    if (!c.their_fin) {
      c.their_next = p.seq + 1;
    }
    a.flags = tcp_flag::ack;
    a.ack = c.their_next;
    queue(frame, p, a, out, counts);
    counts.add(conversation_counter::responder_closing_answers);
    waiting_.forget(c.key);
    conversations_->close(c);
    return {conversation_step::closing, c.tag};
  }
  if (c.their_fin && p.ack == c.our_next) {
    waiting_.forget(c.key);  // the last ACK: both sides closed
    conversations_->close(c);
  }
  return {};  // an ACK of our data or FIN: the client's FIN is still to come
}

size_t responder::take_requests(emulated_conversation& c, const uint8_t* data, size_t length,
                                uint64_t time_ns, bool& close, conversation_counters& counts) {
  // A request still arriving waits in a buffer; what came now is added to it.
  const uint8_t* input = data;
  size_t input_length = length;
  if (c.buffer != 0) {
    uint8_t* buffer = conversations_->buffer_of(c);
    const size_t room = max_request_bytes - c.buffered;
    const size_t taken = std::min(room, length);
    std::memcpy(buffer + c.buffered, data, taken);
    c.buffered = static_cast<uint16_t>(c.buffered + taken);
    input = buffer;
    input_length = c.buffered;
    if (taken < length) {
      counts.add(conversation_counter::emulation_too_large);
      close = true;
      return 0;
    }
  }
  const auto protocol = static_cast<emulated_protocol>(c.protocol);
  size_t offset = 0;
  size_t answer = 0;
  uint8_t* state = needs_state(protocol) ? conversations_->state_of(c) : nullptr;
  // Requests while the answers have room for one more of the largest.
  while (offset < input_length && answer + max_answer_data <= sizeof scratch_->answer) {
    emulation_context context{config_.emulation, time_ns, c.key, c.requests, state};
    const emulation_turn turn = emulate_request(protocol, context, input + offset,
                                                input_length - offset, scratch_->answer + answer);
    if (turn.faulty) {
      counts.add(turn.fault);
    }
    if (turn.consumed == 0 && !turn.faulty) {
      break;  // not whole yet
    }
    offset += turn.consumed;
    answer += turn.answer_length;
    if (turn.answer_length != 0) {
      ++c.requests;
      counts.add(conversation_counter::emulation_requests);
    }
    scratch_->steps |= turn.steps;
    c.steps |= turn.steps;
    unsigned dropped = turn.indicators_dropped;
    for (unsigned k = 0; k < turn.indicator_count; ++k) {
      if (scratch_->indicator_count == emulation_scratch::max_indicators) {
        ++dropped;
        continue;
      }
      scratch_->indicators[scratch_->indicator_count++] = turn.indicators[k];
    }
    counts.add(conversation_counter::emulation_indicators_dropped, dropped);
    if (turn.close) {
      close = true;
      offset = input_length;
      break;
    }
  }
  const size_t left = input_length - offset;
  if (left == 0 || close) {
    conversations_->release_buffer(c);
    return answer;
  }
  if (left >= max_request_bytes) {
    counts.add(conversation_counter::emulation_too_large);
    close = true;
    conversations_->release_buffer(c);
    return answer;
  }
  uint8_t* buffer = conversations_->buffer_of(c);
  if (buffer == nullptr) {
    counts.add(conversation_counter::emulation_buffers_full);
    close = true;
    return answer;
  }
  std::memmove(buffer, input + offset, left);
  c.buffered = static_cast<uint16_t>(left);
  return answer;
}

bool responder::resend_answer(emulated_conversation& c, const uint8_t* frame,
                              const decoded_packet& p, answer_queue& out,
                              conversation_counters& counts) {
  // The very segment answered last, and an ACK that says none of the answer arrived.
  if (c.answered_ns == 0 || p.seq != c.answered_seq || p.payload_length != c.answered_length ||
      p.ack != c.answer_from || c.closing) {
    return false;
  }
  const auto protocol = static_cast<emulated_protocol>(c.protocol);
  const uint8_t* input = frame + p.payload_offset;
  size_t offset = 0;
  size_t answer = 0;
  uint16_t number = c.answered_number;
  // As take_requests() made it, from what it was made of; nothing counted again.
  while (offset < p.payload_length && answer + max_answer_data <= sizeof scratch_->answer) {
    const emulation_context context{config_.emulation, c.answered_ns, c.key, number, nullptr};
    const emulation_turn turn = emulate_request(
        protocol, context, input + offset, p.payload_length - offset, scratch_->answer + answer);
    if (turn.consumed == 0 || turn.faulty) {
      break;
    }
    offset += turn.consumed;
    answer += turn.answer_length;
    number = static_cast<uint16_t>(number + (turn.answer_length != 0 ? 1 : 0));
  }
  // Other bytes than the client took the first time: it is not the same request after all.
  if (answer != c.our_next - c.answer_from) {
    return false;
  }
  const uint32_t next = c.our_next;
  c.our_next = c.answer_from;
  send_answer(c, frame, p, answer, false, out, counts);
  c.our_next = next;
  counts.add(conversation_counter::emulation_answers_resent);
  return true;
}

void responder::send_answer(emulated_conversation& c, const uint8_t* frame, const decoded_packet& p,
                            size_t length, bool fin, answer_queue& out,
                            conversation_counters& counts) {
  size_t sent = 0;
  do {
    const size_t n = std::min(length - sent, max_segment_data);
    const bool last = sent + n == length;
    answer_segment a;
    a.seq = c.our_next;
    a.ack = c.their_next;
    a.window = config_.window;
    a.flags = tcp_flag::ack;
    if (n != 0) {
      a.flags |= tcp_flag::psh;
    }
    if (last && fin) {
      a.flags |= tcp_flag::fin;
    }
    a.data = scratch_->answer + sent;
    a.data_length = static_cast<uint16_t>(n);
    queue(frame, p, a, out, counts);
    c.our_next += static_cast<uint32_t>(n) + ((last && fin) ? 1 : 0);
    sent += n;
  } while (sent < length);
  if (fin) {
    counts.add(conversation_counter::responder_closing_answers);
  }
}

}  // namespace scanscope
