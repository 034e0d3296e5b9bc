#include "converse/responder.hpp"

#include <algorithm>
#include <cstring>

#include "converse/emulator.hpp"

namespace scanscope {

namespace {

// MSS of the answers: what an Ethernet MTU of 1500 leaves.
constexpr uint16_t mss_ipv4 = 1460;
constexpr uint16_t mss_ipv6 = 1440;
// Waiting connections looked at per call: with 4096 slots and a call per burst (or per
// millisecond when idle) the table is swept in well under a second.
constexpr unsigned sweep_slots = 8;

}  // namespace

uint64_t tuple_key(const connection_tuple& t) {
  uint64_t words[4];
  std::memcpy(words, t.client, 16);
  std::memcpy(words + 2, t.server, 16);
  uint64_t x = words[0] * 0x9E3779B97F4A7C15ULL ^ words[1] ^ (words[2] * 0xC2B2AE3D27D4EB4FULL) ^
               words[3] ^ (uint64_t{t.client_port} << 16 | t.server_port);
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ULL;
  return x ^ (x >> 29);
}

connection_tuple tuple_of(const decoded_packet& p) {
  connection_tuple t{};
  const bool v6 = p.l3 == l3_kind::ipv6;
  map_address(p.src_addr, v6, t.client);
  map_address(p.dst_addr, v6, t.server);
  t.client_port = p.src_port;
  t.server_port = p.dst_port;
  return t;
}

responder::responder(const responder_config& config)
    : config_(config),
      lcore_cap_(config.rate, config.burst),
      source_caps_(config.source_rate, config.source_burst, config.source_slots),
      waiting_(config.waiting_slots, config.timeout_ns) {
  if (config.emulation != nullptr && config.emulation->any()) {
    // ADB and telnet keep a state block for their whole conversation: one for every fourth
    // slot.
    conversations_ = std::make_unique<conversation_table>(
        config.conversation_slots, config.conversation_buffers,
        std::min<uint32_t>(config.conversation_slots / 4, 65535), config.source_conversations,
        config.timeout_ns);
    scratch_ = std::make_unique<emulation_scratch>();
  }
}

void responder::expire(uint64_t now_ns, answer_queue& out, conversation_counters& counts) {
  const unsigned reset = waiting_.sweep(now_ns, sweep_slots, [&](const uint8_t* f, size_t n) {
    if (out.full()) {
      counts.add(conversation_counter::responder_answers_not_sent);
      return;
    }
    std::memcpy(out.frames[out.count], f, n);
    out.lengths[out.count] = static_cast<uint16_t>(n);
    ++out.count;
  });
  counts.add(conversation_counter::responder_timeouts, reset);
  if (conversations_ != nullptr) {
    conversations_->sweep(now_ns, sweep_slots);
  }
}

conversation_event responder::handle(const uint8_t* frame, const decoded_packet& p,
                                     uint64_t time_ns, uint64_t source_hash, uint32_t tag,
                                     answer_queue& out, conversation_counters& counts) {
  if (p.l4 != l4_kind::tcp) {
    return {};
  }
  if (p.first_fragment) {
    counts.add(conversation_counter::responder_ignored_fragments);
    return {};
  }
  // Never answer a RST (that is how loops between two responders start) or a SYN-ACK
  // (backscatter of someone else's spoofed SYN).
  const uint8_t flags = p.tcp_flags;
  emulated_protocol protocol{};
  if (flags & tcp_flag::rst) {
    if (emulates(p.dst_port, protocol)) {
      drop_conversation(p, time_ns, true, counts);  // never answered, but its entry ends
    }
    return {};
  }
  if ((flags & (tcp_flag::syn | tcp_flag::ack)) == tcp_flag::syn) {
    return answer_syn(frame, p, time_ns, source_hash, tag, out, counts);
  }
  if ((flags & (tcp_flag::syn | tcp_flag::ack)) == tcp_flag::ack) {
    return answer_segment_after_syn(frame, p, time_ns, source_hash, out, counts);
  }
  return {};
}

conversation_event responder::answer_syn(const uint8_t* frame, const decoded_packet& p,
                                         uint64_t time_ns, uint64_t source_hash, uint32_t tag,
                                         answer_queue& out, conversation_counters& counts) {
  if (!config_.ports.test(p.dst_port)) {
    counts.add(conversation_counter::responder_refused_port);
    return {};
  }
  emulated_protocol protocol{};
  if (emulates(p.dst_port, protocol)) {
    drop_conversation(p, time_ns, false, counts);  // a new connection on the same tuple
  }
  const bool v6 = p.l3 == l3_kind::ipv6;
  // The parser's own address form: an IPv4 source is one mask and compare per IPv4 prefix.
  if (config_.monitored != nullptr && config_.monitored->contains_packet_address(p.src_addr, v6)) {
    counts.add(conversation_counter::responder_refused_monitored_source);
    return {};
  }
  if (special_purpose_prefixes().contains_packet_address(p.src_addr, v6) &&
      (config_.allow == nullptr || !config_.allow->contains_packet_address(p.src_addr, v6))) {
    counts.add(conversation_counter::responder_refused_special_source);
    return {};
  }
  // The lcore's cap first: under a spoofed flood it is the one that binds, and the per-source
  // slot is then left untouched for the sources that are real.
  if (!lcore_cap_.allow(time_ns)) {
    counts.add(conversation_counter::responder_withheld_rate);
    return {conversation_step::syn_withheld, tag};
  }
  if (!source_caps_.allow(source_hash, time_ns)) {
    counts.add(conversation_counter::responder_withheld_source);
    return {conversation_step::syn_withheld, tag};
  }
  answer_segment a;
  a.flags = tcp_flag::syn | tcp_flag::ack;
  a.seq = config_.cookies->make(tuple_of(p), time_ns, tag);
  a.ack = p.seq + 1;
  a.window = config_.window;
  a.mss = v6 ? mss_ipv6 : mss_ipv4;
  queue(frame, p, a, out, counts);
  counts.add(conversation_counter::responder_synacks_sent);
  return {conversation_step::syn_answered, tag};
}

conversation_event responder::answer_segment_after_syn(const uint8_t* frame,
                                                       const decoded_packet& p, uint64_t time_ns,
                                                       uint64_t source_hash, answer_queue& out,
                                                       conversation_counters& counts) {
  const connection_tuple t = tuple_of(p);
  const uint64_t key = tuple_key(t);
  emulated_protocol protocol{};
  const bool emulated = emulates(p.dst_port, protocol);
  if (emulated) {
    if (emulated_conversation* c = conversations_->find(key, time_ns)) {
      return continue_conversation(*c, frame, p, time_ns, out, counts);
    }
  }
  // The ACK number is our ISN + 1 until we have sent our FIN, then + 2.
  uint32_t tag = 0;
  uint32_t after_fin = 0;
  if (!config_.cookies->check(t, time_ns, p.ack - 1, tag)) {
    if (!config_.cookies->check(t, time_ns, p.ack - 2, tag)) {
      counts.add(conversation_counter::responder_unknown_acks);
      return {};
    }
    after_fin = 1;
  }
  const bool fin = (p.tcp_flags & tcp_flag::fin) != 0;
  const uint32_t length = p.payload_length;
  if (length == 0 && !fin) {
    if (after_fin == 0) {
      counts.add(conversation_counter::responder_handshakes);
      if (emulated && speaks_first(protocol) &&
          start_conversation(frame, p, time_ns, source_hash, key, tag, protocol, out, counts)
                  .step != conversation_step::none) {
        // The server speaks first (telnet's login prompt): the conversation started.
        return {conversation_step::handshake, tag};
      }
      // Its RST, should it stay silent: our next sequence number, acknowledging nothing new.
      arm_timeout(key, p.ack, p.seq, frame, p, time_ns, counts);
      return {conversation_step::handshake, tag};
    }
    return {};  // the client's ACK of our FIN: done
  }
  waiting_.forget(key);
  if (emulated && after_fin == 0 && length != 0) {
    const conversation_event e =
        start_conversation(frame, p, time_ns, source_hash, key, tag, protocol, out, counts);
    if (e.step != conversation_step::none) {
      return e;
    }
  }
  // Data or FIN: acknowledge all of it and close. Before our FIN it goes with this answer;
  // after it, a FIN gets its ACK and more data gets a RST.
  answer_segment a;
  a.seq = p.ack;
  a.ack = p.seq + length + (fin ? 1 : 0);
  a.window = config_.window;
  if (after_fin == 0) {
    a.flags = tcp_flag::fin | tcp_flag::ack;
  } else if (fin) {
    a.flags = tcp_flag::ack;
  } else {
    a.flags = tcp_flag::rst | tcp_flag::ack;
  }
  queue(frame, p, a, out, counts);
  counts.add(conversation_counter::responder_closing_answers);
  if (length != 0) {
    counts.add(conversation_counter::responder_payload_segments);
    return {conversation_step::payload, tag};
  }
  return {conversation_step::closing, tag};
}

void responder::arm_timeout(uint64_t key, uint32_t seq, uint32_t ack, const uint8_t* frame,
                            const decoded_packet& p, uint64_t time_ns,
                            conversation_counters& counts) {
  answer_segment rst;
  rst.flags = tcp_flag::rst | tcp_flag::ack;
  rst.seq = seq;
  rst.ack = ack;
  uint8_t frame_out[max_answer_bytes];
  const size_t n = build_answer(frame, p, rst, frame_out);
  if (n != 0 && waiting_.add(key, time_ns, frame_out, n)) {
    counts.add(conversation_counter::responder_timeouts_forgotten);
  }
}

void responder::queue(const uint8_t* frame, const decoded_packet& p, const answer_segment& a,
                      answer_queue& out, conversation_counters& counts) {
  if (out.full()) {
    counts.add(conversation_counter::responder_answers_not_sent);
    return;
  }
  const size_t length = build_answer(frame, p, a, out.frames[out.count]);
  if (length == 0) {
    counts.add(conversation_counter::responder_answers_not_sent);
    return;
  }
  out.lengths[out.count] = static_cast<uint16_t>(length);
  ++out.count;
}

}  // namespace scanscope
