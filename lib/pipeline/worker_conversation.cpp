// The worker's side of direction and conversation: which frames are scan traffic when
// monitored prefixes are set, the responder's answers and what they are counted under, the
// two-phase join, and the exposure view of a tap.
#include <cstring>

#include "converse/emulator.hpp"
#include "fingerprint/scan_tool.hpp"
#include "pipeline/unique_domains.hpp"
#include "pipeline/worker.hpp"

namespace scanscope {

namespace {

// A follow-up SYN from an ordinary stack counts as the second phase of a scan when the same
// source probed the same address with a tool's SYN this recently (Spoki joins the two phases
// within minutes; ten covers a slow first phase over a /24).
constexpr uint32_t two_phase_window_s = 600;
// A host's SYN-ACK answers a SYN seen at most this long before it (SYN retransmits included).
constexpr uint32_t answer_window_s = 120;
// A connection a monitored host opened is forgotten after this long without a frame from the
// host; every frame it sends on it renews it, so only a long silence ends it early.
constexpr uint32_t opened_window_s = 600;
// UDP: a host's datagram from a port at least this high opens a flow (Linux's ephemeral range
// starts at 32768, Windows' at 49152); a service answering a scanner answers from its own port.
constexpr uint16_t first_ephemeral_port = 32768;
// Mixed into a UDP flow's key, so a TCP and a UDP flow on the same ports stay apart.
constexpr uint64_t udp_flow = 0x9E3779B97F4A7C15ULL;
// The cookie's tag: the SYN's tool in the low bits, and whether it was a two-phase follow-up.
constexpr uint32_t tag_two_phase = 8;
static_assert(scan_tool_count <= tag_two_phase, "the tool must fit in the cookie's tag");

enum step_count { count_handshake, count_payload };

uint64_t pair_key(const decoded_packet& p) {
  return light_set_key(load64(p.src_addr) ^ load64(p.src_addr + 8),
                       load64(p.dst_addr) ^ load64(p.dst_addr + 8), 0x2FA5E);
}

/** The connection's key, the same from the client's SYN and from the host's SYN-ACK: the
 *  addresses as the parser holds them (cleared past an IPv4 address's 4 bytes). */
uint64_t connection_key(const uint8_t* client, const uint8_t* server, uint16_t client_port,
                        uint16_t server_port) {
  return light_set_key(load64(client) ^ load64(client + 8), load64(server) ^ load64(server + 8),
                       (uint64_t{client_port} << 16) | server_port);
}

uint32_t seconds(uint64_t time_ns) {
  return static_cast<uint32_t>(time_ns / 1000000000ULL);
}

uint32_t since(uint64_t time_ns, uint32_t window_s) {
  const uint32_t now = seconds(time_ns);
  return now > window_s ? now - window_s : 0;
}

}  // namespace

bool worker::count_direction(const decoded_packet& p, const frame_ref& f) {
  const uint32_t bytes = link_length(f);
  const bool v6 = p.l3 == l3_kind::ipv6;
  if (monitored_->contains_packet_address(p.dst_addr, v6)) {
    if (opened_any_ && is_reply(p, f.time_ns)) {
      stats_.conversation.reply.add(bytes);
      return false;
    }
    stats_.conversation.inbound.add(bytes);
    return true;
  }
  if (monitored_->contains_packet_address(p.src_addr, v6)) {
    stats_.conversation.outbound.add(bytes);
    note_opened(p, f.time_ns);
  } else {
    stats_.conversation.transit.add(bytes);
  }
  return false;
}

void worker::note_opened(const decoded_packet& p, uint64_t time_ns) {
  // The key as the reply will give it: the host is the client either way.
  if (p.l4 == l4_kind::tcp) {
    const uint64_t key = connection_key(p.src_addr, p.dst_addr, p.src_port, p.dst_port);
    const bool opens = (p.tcp_flags & (tcp_flag::syn | tcp_flag::ack)) == tcp_flag::syn;
    // Later frames renew a connection the host opened; a SYN-ACK or data to a scanner never
    // makes one.
    if (opens || opened_.find(key, since(time_ns, opened_window_s)) != nullptr) {
      opened_.put(key, seconds(time_ns), opened_memo{});
      opened_any_ = true;
    }
  } else if (p.l4 == l4_kind::udp && p.src_port >= first_ephemeral_port) {
    opened_.put(connection_key(p.src_addr, p.dst_addr, p.src_port, p.dst_port) ^ udp_flow,
                seconds(time_ns), opened_memo{});
    opened_any_ = true;
  }
}

bool worker::is_reply(const decoded_packet& p, uint64_t time_ns) {
  if (p.l4 == l4_kind::tcp) {
    // A SYN opens; it answers nothing. Scans are mostly SYNs: they skip the lookup.
    if ((p.tcp_flags & (tcp_flag::syn | tcp_flag::ack)) == tcp_flag::syn) {
      return false;
    }
    return opened_.find(connection_key(p.dst_addr, p.src_addr, p.dst_port, p.src_port),
                        since(time_ns, opened_window_s)) != nullptr;
  }
  if (p.l4 == l4_kind::udp) {
    return opened_.find(connection_key(p.dst_addr, p.src_addr, p.dst_port, p.src_port) ^ udp_flow,
                        since(time_ns, opened_window_s)) != nullptr;
  }
  return false;
}

void worker::observe_outbound(const decoded_packet& p, const frame_ref& f) {
  // A monitored host's SYN-ACK: did it answer a scanner's SYN?
  if (p.l4 != l4_kind::tcp ||
      (p.tcp_flags & (tcp_flag::syn | tcp_flag::ack | tcp_flag::rst)) !=
          (tcp_flag::syn | tcp_flag::ack) ||
      !monitored_->contains_packet_address(p.src_addr, p.l3 == l3_kind::ipv6)) {
    return;
  }
  stats_.conversation.add(conversation_counter::outbound_synacks);
  syn_memo* syn = syns_.find(connection_key(p.dst_addr, p.src_addr, p.dst_port, p.src_port),
                             since(f.time_ns, answer_window_s));
  if (syn == nullptr) {
    return;
  }
  stats_.conversation.add(conversation_counter::exposure_answers);
  const bool v6 = p.l3 == l3_kind::ipv6;
  uint8_t host[16];
  uint8_t client[16];
  map_address(p.src_addr, v6, host);
  map_address(p.dst_addr, v6, client);
  series_.note_answer(bucket_of(f.time_ns), client, host, p.src_port);
  exposure_table::entry& e = exposure_.touch(
      host, p.src_port, f.time_ns,
      stats_.conversation.scalars[static_cast<size_t>(conversation_counter::exposure_evicted)]);
  if (alerts_ && e.answers.read() == 0) {
    // First seen answering here: the event log's (it keeps one per host and port).
    if (alert_record* a = alerts_->claim()) {
      a->time_ns = f.time_ns;
      std::memcpy(a->source, client, sizeof a->source);
      std::memcpy(a->destination, host, sizeof a->destination);
      a->src_port = p.dst_port;
      a->dst_port = p.src_port;
      a->rule = alert_record::exposure;
      a->tcp = 1;
      a->tool = syn->tool;
      a->excerpt_length = 0;
      alerts_->publish();
    }
  }
  const bool new_source = uniques_.insert(
      set_key(address_hash(client), unique_domain::exposure, address_hash(host) ^ p.src_port));
  exposure_table::record_answer(e, f.time_ns, syn->tool, syn->country, new_source);
  syn->answered = true;
}

void worker::note_exposed_hit(const decoded_packet& p, uint16_t rule) {
  const syn_memo* syn =
      syns_.find(connection_key(p.src_addr, p.dst_addr, p.src_port, p.dst_port), 0);
  if (syn == nullptr || !syn->answered) {
    return;
  }
  uint8_t host[16];
  map_address(p.dst_addr, p.l3 == l3_kind::ipv6, host);
  if (exposure_table::entry* e = exposure_.find(host, p.dst_port)) {
    exposure_table::record_rule(*e, rule);
  }
}

void worker::prefetch_conversation(const decoded_packet& p, packet_class& c) {
  // The two memories are written for every SYN; their slots load while the burst goes on.
  c.pair = pair_key(p);
  c.connection = connection_key(p.src_addr, p.dst_addr, p.src_port, p.dst_port);
  probes_.prefetch(c.pair);
  syns_.prefetch(c.connection);
}

void worker::count_step(const packet_class& k, uint32_t syn_tag, int what) {
  const uint64_t source_hash = k.source_hash;
  const uint16_t port = k.port;
  // The hour's series by stage, whatever the tool: the ACK that completed a handshake, and
  // the data after one. (A source whose data rode on that ACK is under payload only: a packet
  // is one event, and no entry may have more sources than packets.)
  const uint64_t stage = series_key::make(
      series_key::kind::conversation, port,
      static_cast<uint32_t>(what == count_handshake ? conversation_stage::handshake
                                                    : conversation_stage::payload),
      0);
  series_.add(k.bucket, stage, &stage, 1, source_hash, false, k.source->key.bytes);
  const uint32_t tool = syn_tag & (tag_two_phase - 1);
  if (tool >= scan_tool_count) {
    return;
  }
  conversation_row& row = stats_.conversation.rows[port][tool];
  const uint64_t where = port_value(port, tool);
  // A payload completes the handshake too, when its ACK carried the data.
  const bool new_source = uniques_.insert(set_key(source_hash, unique_domain::handshake, where));
  if (what == count_handshake) {
    row.handshakes.packets.add();
  }
  if (new_source) {
    row.handshakes.sources.add();
  }
  if (what == count_payload) {
    count_per_port(uniques_, row.payloads, true, source_hash, unique_domain::payload, port, tool);
  }
}

void worker::count_emulated(const decoded_packet& p, const frame_ref& f, const packet_class& k,
                            const conversation_event& e) {
  for (uint32_t bits = e.steps; bits != 0; bits &= bits - 1) {
    const auto step = static_cast<unsigned>(__builtin_ctz(bits));
    const uint64_t stage =
        series_key::make(series_key::kind::conversation, k.port,
                         static_cast<uint32_t>(stage_of(static_cast<emulated_step>(step))), 0);
    series_.add(k.bucket, stage, &stage, 1, k.source_hash, false, k.source->key.bytes);
    count_per_port(uniques_, stats_.conversation.steps[k.port][step], true, k.source_hash,
                   unique_domain::emulated_step, k.port, step);
  }
  // What the requests gave away: counted per (kind, port, value), and an event each.
  for (unsigned i = 0; i < e.indicator_count; ++i) {
    const emulated_indicator& indicator = e.indicators[i];
    if (indicators_) {
      const uint64_t hash = indicator_table::hash_of(indicator.kind, p.dst_port, indicator.value());
      const bool new_source =
          uniques_.insert(set_key(k.source_hash, unique_domain::indicator, hash));
      if (indicators_->record(hash, indicator.kind, p.dst_port, indicator.value(),
                              k.source->key.bytes, f.time_ns, new_source)) {
        // The source's own record (the source store): its text stays in the table.
        series_.note_indicator(k.bucket, k.source->key.bytes, p.dst_port,
                               static_cast<uint8_t>(indicator.kind), hash);
      } else {
        stats_.conversation.add(conversation_counter::emulation_indicators_dropped);
      }
    }
    alert_record* a = alerts_ ? alerts_->claim() : nullptr;
    if (a == nullptr) {
      continue;  // no event log, or a full ring (counted by the ring)
    }
    a->time_ns = f.time_ns;
    std::memcpy(a->source, k.source->key.bytes, sizeof a->source);
    map_address(p.dst_addr, p.l3 == l3_kind::ipv6, a->destination);
    a->src_port = p.src_port;
    a->dst_port = p.dst_port;
    a->rule = alert_record::indicator;
    a->tcp = 1;
    a->tool = static_cast<uint8_t>(indicator.kind);
    a->excerpt_length = indicator.length;
    std::memcpy(a->excerpt, indicator.text, indicator.length);
    alerts_->publish();
  }
}

void worker::observe_payload(const decoded_packet& p, const frame_ref& f, const packet_class& k) {
  emulated_protocol protocol;
  // Telnet's lines mean something only in the order of a dialogue: not read a segment alone.
  if (!observe_->protocol_of(p.dst_port, protocol) || protocol == emulated_protocol::telnet) {
    return;
  }
  observation& o = *observation_;
  std::memset(o.state, 0, sizeof o.state);  // each segment read on its own
  conversation_event e{conversation_step::payload, 0};
  e.indicators = o.indicators;
  const uint8_t* data = f.data + p.payload_offset;
  size_t offset = 0;
  // A few requests per segment (ADB's CNXN and OPEN travel together); a request the segment
  // does not hold whole is not read.
  for (unsigned turn = 0; turn < 8 && offset < p.payload_length; ++turn) {
    const emulation_context context{observe_, f.time_ns, k.flow_hash, turn, o.state, true};
    const emulation_turn t =
        emulate_request(protocol, context, data + offset, p.payload_length - offset, o.answer);
    if (t.consumed == 0) {
      break;
    }
    offset += t.consumed;
    e.steps |= t.steps;
    for (unsigned i = 0; i < t.indicator_count && e.indicator_count < std::size(o.indicators);
         ++i) {
      o.indicators[e.indicator_count++] = t.indicators[i];
    }
    if (t.faulty || t.close) {
      break;
    }
  }
  if (e.steps != 0 || e.indicator_count != 0) {
    count_emulated(p, f, k, e);
  }
}

void worker::converse(const decoded_packet& p, const frame_ref& f, const packet_class& k,
                      bool new_combination) {
  uint32_t tag = static_cast<uint32_t>(k.tool);
  if (is_syn_probe(p)) {
    const auto tool = static_cast<size_t>(k.tool);
    // The packet's combination holds its port, tool and SYN flags: a source it is not new to
    // has been counted here before (the same reasoning as the worker's other counts).
    count_per_port(uniques_, stats_.conversation.rows[k.port][tool].syns, new_combination,
                   k.source_hash, unique_domain::syn, k.port, tool);
    // Two-phase: a tool's SYN is remembered by (source, destination); an ordinary stack's
    // SYN to the same place soon after is its second phase.
    if (k.tool != scan_tool::none) {
      probes_.put(k.pair, seconds(f.time_ns), probe_memo{static_cast<uint8_t>(k.tool)});
    } else if (const probe_memo* first =
                   probes_.find(k.pair, since(f.time_ns, two_phase_window_s))) {
      tag = first->tool | tag_two_phase;
      count_per_port(uniques_, stats_.conversation.rows[k.port][first->tool].two_phase, true,
                     k.source_hash, unique_domain::two_phase, k.port, first->tool);
    }
    // Remembered for the host's SYN-ACK, should a monitored host answer it (taps).
    syns_.put(k.connection, seconds(f.time_ns),
              syn_memo{static_cast<uint8_t>(k.tool), k.source->country, false});
  }
  if (!responder_) {
    return;
  }
  const conversation_event e =
      responder_->handle(f.data, p, f.time_ns, k.source_hash, tag, answers_, stats_.conversation);
  switch (e.step) {
    case conversation_step::syn_answered:
      stats_.conversation.rows[k.port][static_cast<size_t>(k.tool)].synacks_sent.add();
      break;
    case conversation_step::syn_withheld:
      stats_.conversation.rows[k.port][static_cast<size_t>(k.tool)].synacks_withheld.add();
      break;
    case conversation_step::handshake:
      count_step(k, e.tag, count_handshake);
      break;
    case conversation_step::payload:
      count_step(k, e.tag, count_payload);
      count_emulated(p, f, k, e);
      break;
    case conversation_step::closing:
      count_emulated(p, f, k, e);
      break;
    case conversation_step::none:
      break;
  }
}

}  // namespace scanscope
