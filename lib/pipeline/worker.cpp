#include "pipeline/worker.hpp"

#include <cstring>

#include "fingerprint/fingerprint_key.hpp"
#include "fingerprint/probe_shape.hpp"
#include "fingerprint/scan_technique.hpp"
#include "fingerprint/scan_tool.hpp"
#include "pipeline/source_accounting.hpp"
#include "pipeline/unique_domains.hpp"

namespace scanscope {

namespace {

// Indicators one RX lcore holds (about 170 bytes each); more are dropped, counted.
constexpr uint32_t indicator_slots = 4096;

// Aging looks at this many source slots per burst: a table of 256k sources is swept once per
// 64k bursts (under a second at 5 Mpps), far more often than any sensible idle timeout, while
// the sweep's cache misses stay below one line per eight packets.
constexpr uint32_t aging_slots_per_burst = 4;

using kind = series_key::kind;

}  // namespace

worker::worker(const worker_config& config, std::unique_ptr<source_table> sources)
    : ports_(*config.ports),
      clusters_(config.clusters),
      actors_(config.actors),
      memoize_clusters_(config.clusters->depends_only_on_fingerprint()),
      shape_shortcut_(config.shape_shortcut),
      memo_(std::make_unique<cluster_memo[]>(cluster_memo_size)),
      stats_(config.ports->size() + 1, location_db::max_countries,
             config.signatures != nullptr ? signature_db::max_rules : 0),
      sources_(std::move(sources)),
      repeats_(sources_->capacity(), config.repeat_lag_ns),
      uniques_(config.unique_slots),
      // A (source, port) entry stands for several keys: the set keeps about two a combination.
      marks_(config.unique_slots / 4),
      fingerprints_(config.fingerprint_slots),
      geo_(config.geo),
      bucket_ns_(config.bucket_ns),
      series_(config.bucket_entries, config.bucket_unique_slots, config.bucket_arrivals),
      monitored_(config.monitored),
      exposure_(config.exposure_slots) {
  stats_.conversation.monitored = config.monitored != nullptr;
  if (config.respond != nullptr) {
    responder_ = std::make_unique<responder>(*config.respond);
    stats_.conversation.responding = true;
    if (config.respond->emulation != nullptr && config.respond->emulation->any()) {
      indicators_ = std::make_unique<indicator_table>(indicator_slots);
    }
  } else if (config.observe != nullptr && config.observe->any()) {
    observe_ = config.observe;
    observation_ = std::make_unique<observation>();
    indicators_ = std::make_unique<indicator_table>(indicator_slots);
  }
}

std::unique_ptr<worker> worker::create(const worker_config& config, std::string& error) {
  auto sources = source_table::create("src_" + config.name, "sources", config.source_capacity,
                                      config.source_idle_ns, error);
  if (!sources) {
    return nullptr;
  }
  std::unique_ptr<worker> w(new worker(config, std::move(sources)));
  if (config.signatures != nullptr) {
    w->scanner_ = signature_scanner::create(*config.signatures, config.name, config.flow_capacity,
                                            config.flow_idle_ns, config.scan_bytes, error);
    if (!w->scanner_) {
      return nullptr;
    }
    w->pending_hits_.reserve(size_t{max_burst} * signature_hits::max_hits);
  }
  if (config.alert_slots != 0) {
    w->alerts_ = std::make_unique<alert_ring>(config.alert_slots);
  }
  return w;
}

worker::~worker() {
  delete offered_.load(std::memory_order_acquire);
  delete applied_.load(std::memory_order_acquire);
}

void worker::apply_offered() {
  rule_update* u = offered_.exchange(nullptr, std::memory_order_acquire);
  if (u->clusters != nullptr) {
    // Remembered clusters came from the old rules.
    std::swap(clusters_, u->clusters);
    memoize_clusters_ = clusters_->depends_only_on_fingerprint();
    for (size_t i = 0; i < cluster_memo_size; ++i) {
      memo_[i] = cluster_memo{};
    }
    // Held clusters too: each source's next packet decides again under the new rules (one
    // pass over the source table, between two bursts).
    // A provisional one keeps its slot (slots outlive reloads): its move is still to come.
    sources_->for_each([](source_state& s) {
      if (s.cluster_state & source_state::cluster_decided) {
        s.cluster_state = 0;
      }
    });
  }
  if (u->signatures && scanner_) {
    scanner_->switch_rules(*u->signatures);
  }
  if (u->actors != nullptr) {
    std::swap(actors_, u->actors);
  }
  if (u->geo != nullptr) {
    std::swap(geo_, u->geo);
  }
  applied_.store(u, std::memory_order_release);
}

void worker::handle_burst(const frame_ref* frames, uint16_t n) {
  while (n > max_burst) {
    handle_burst(frames, max_burst);
    frames += max_burst;
    n = static_cast<uint16_t>(n - max_burst);
  }
  uint64_t latest = 0;
  uint64_t earliest = UINT64_MAX;
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < n; ++i) {
    latest = frames[i].time_ns > latest ? frames[i].time_ns : latest;
    // Time 0 is "not known" (the lcore's first timestamp starts there): not the earliest.
    if (frames[i].time_ns != 0 && frames[i].time_ns < earliest) {
      earliest = frames[i].time_ns;
    }
    bytes += link_length(frames[i]);
  }
  if (n != 0) {
    count_burst(n, bytes, earliest, latest);
  }
  // Repeats wait at most the lag, and none outlives its bucket: a burst that enters a new
  // bucket counts them all before its own packets.
  fold_due(latest, latest >= bucket_end_ns_);
  // Phase 1: parse and count every frame, and look every source up in one bulk call.
  decoded_packet packets[max_burst];
  source_key keys[max_burst];
  const source_key* key_ptrs[max_burst];
  int32_t positions[max_burst];
  bool scan_traffic[max_burst];
  uint16_t keyed = 0;
  for (uint16_t i = 0; i < n; ++i) {
    decoded_packet& p = packets[i];
    parse_frame(frames[i].data, frames[i].captured, frames[i].wire_length, p);
    count_frame(p, frames[i]);
    scan_traffic[i] = p.l3 != l3_kind::none;
    if (monitored_ != nullptr && scan_traffic[i]) {
      // Only frames to a monitored address are scan traffic; the rest have counts of their own.
      scan_traffic[i] = count_direction(p, frames[i]);
    }
    if (scan_traffic[i]) {
      keys[keyed] = make_source_key(p.src_addr, p.l3 == l3_kind::ipv6);
      key_ptrs[keyed] = &keys[keyed];
      ++keyed;
    }
  }
  if (keyed != 0) {
    sources_->lookup_bulk(key_ptrs, keyed, positions);
    for (uint16_t i = 0; i < keyed; ++i) {
      if (positions[i] >= 0) {
        sources_->prefetch(positions[i]);
        repeats_.prefetch(static_cast<uint32_t>(positions[i]));
      }
    }
  }
  // Phase 2: source state, tool, cluster and fingerprint; prefetch the tables phase 3 writes,
  // so their cache misses overlap instead of queueing one after another.
  packet_class classes[max_burst];
  uint16_t k = 0;
  for (uint16_t i = 0; i < n; ++i) {
    const uint64_t t = frames[i].time_ns;
    packet_class& c = classes[i];
    c.source = nullptr;
    if (scan_traffic[i]) {
      c.source = resolve_source(keys[k], positions[k], t);
      c.position = sources_->position_of(*c.source);
      ++k;
      classify(packets[i], t, c);
    }
  }
  // Phase 3: each scan packet's counters, and payload scans.
  for (uint16_t i = 0; i < n; ++i) {
    account(packets[i], frames[i], classes[i]);
    // In frame order: a host's SYN-ACK may answer a SYN earlier in this very burst.
    if (!scan_traffic[i] && monitored_ != nullptr && packets[i].l3 != l3_kind::none) {
      observe_outbound(packets[i], frames[i]);
    }
  }
  // Phase 4: the burst's signature hits, whose unique-set slots loaded during the later scans.
  if (!pending_hits_.empty()) {
    count_hits();
  }
  sources_->expire(latest, aging_slots_per_burst, [this](source_state& s) { retire_source(s); });
  if (responder_) {
    responder_->expire(latest, answers_, stats_.conversation);
  }
  if (scanner_) {
    scanner_->expire(latest, aging_slots_per_burst);
  }
}

void worker::classify(const decoded_packet& p, uint64_t time_ns, packet_class& c) {
  source_state& s = *c.source;
  account_source(p, s, time_ns);
  c.source_hash = address_hash(s.key.bytes);
  c.continues_last = false;
  const bool same_shape = identify(p, s, c);
  if (c.tool == scan_tool::none && s.src_port_behaviour() == source_port_behaviour::fixed &&
      p.src_port == s.first_src_port && nmap_udp_shape(p)) {
    c.tool = scan_tool::nmap;  // its UDP probe, from the port its source keeps (scan_tool.hpp)
  }
  c.bucket = bucket_of(time_ns);
  if (!p.has_ports) {
    // The combination of a packet without ports is (source, tool), marked in the source's
    // entry over all traffic; its key makes the repeat memo.
    c.combination = overall_key(c.source_hash, unique_domain::of(kind::tool, true),
                                static_cast<uint64_t>(c.tool));
    c.repeat_memo = repeat_memo_of(c.combination.key, c.bucket);
    // The source's entry over all traffic holds all this packet's distinct-source counts.
    marks_.prefetch(total_marks_key(c.source_hash, s.country, s.actor()));
    return;
  }
  const transport t = p.l4 == l4_kind::tcp ? transport::tcp : transport::udp;
  // A TCP probe of its source's last shape has the last packet's tool, fingerprint and
  // technique; with the cluster held, the record (the last packet's combination) tells the
  // rest: the port and the bucket. Then it is a repeat, known without its combination's keys.
  // (A UDP probe's tool also depends on its source port: see above.)
  const repeat_record& last = repeats_.at(c.position);
  if (same_shape && t == transport::tcp && (s.cluster_state & source_state::cluster_decided) &&
      last.continues(p.dst_port, true, c.bucket)) {
    c.continues_last = true;
    c.port = last.at.port;  // the port's index, without a look in the 64 KiB port table
    c.cluster = s.cluster_slot();
    c.moved_from = no_move;
  } else {
    c.port = ports_.index(t, p.dst_port);
    decide_source_cluster(p, s, c);
    name_combination(c);
  }
  // A repeat of the source's last combination goes to its record (loaded with the source):
  // the counters below are only the other packets' to touch.
  if (!c.continues_last && s.last_combination != c.repeat_memo) {
    __builtin_prefetch(&stats_.block->by_dst_port[static_cast<size_t>(t)][p.dst_port]);
    fingerprints_.prefetch(c.port, c.key_hash);
    uniques_.prefetch(c.combination);
    // Not a repeat of the source's last packet: the combination may be new, and then its
    // count keys are looked at. They sit in two lines of the set (its homes), so loading them
    // ahead is cheap enough for every source (docs/benchmarks/line-rate-goals.md).
    prefetch_count_keys(c);
    const count_point at{repeats_.at(c.position).at.asn,
                         c.port,
                         p.dst_port,
                         series_key::fingerprint_short(c.key_hash),
                         c.cluster,
                         static_cast<uint8_t>(c.tool),
                         static_cast<uint8_t>(classify_technique(p)),
                         s.country,
                         s.actor(),
                         count_point::marks_of(t == transport::tcp, names_fingerprint(p, c.tool))};
    uint64_t keys[max_series_keys];
    const size_t key_count = series_keys(at, keys);
    series_.prefetch(c.bucket, c.combination.key, c.source_hash, keys, key_count);
    series_.prefetch_tally(c.bucket, c.source_hash);
  }
  if (scanner_ && t == transport::tcp) {
    c.flow_hash = signature_scanner::flow_hash(p);
    scanner_->prefetch(c.flow_hash);
  }
  if (monitored_ != nullptr && is_syn_probe(p)) {
    prefetch_conversation(p, c);
  }
}

void worker::name_combination(packet_class& c) const {
  c.combination = {light_set_key(c.source_hash, c.key_hash ^ c.port,
                                 cluster_and_tool(c.cluster, static_cast<uint8_t>(c.tool))),
                   fingerprint_home(c.source_hash, c.key_hash, c.port)};
  c.repeat_memo = repeat_memo_of(c.combination.key, c.bucket);
}

// Inlined into classify(), its one caller: the call's saved registers cost about 2% of a SYN
// in stage_bench (GCC keeps a function this size out of line).
__attribute__((always_inline)) inline bool worker::identify(const decoded_packet& p,
                                                            source_state& s, packet_class& c) {
  c.key_made = false;
  const uint8_t doubts_in = s.tool_doubts;
  probe_shape shape;
  shape_memo* memo = nullptr;
  if (shape_shortcut_) {
    shape = shape_of(p);
    memo = &repeats_.shape_at(c.position);
    if (memo->matches(shape, doubts_in)) {
      ++shape_matches_;
      c.tool = static_cast<scan_tool>(memo->tool());
      c.key_hash = memo->key_hash();
      s.tool_doubts = memo->doubts_out() & 3;
      return true;
    }
  }
  uint8_t doubts = doubts_in;
  c.tool = identify_tool(p, doubts);
  s.tool_doubts = doubts & 3;
  if (p.has_ports) {
    c.key = make_fingerprint_key(p);
    c.key_hash = c.key.hash();
    c.key_made = true;
  }
  if (memo != nullptr) {
    memo->remember(shape, doubts_in, static_cast<uint8_t>(c.tool), s.tool_doubts,
                   c.key_made ? c.key_hash : 0);
  }
  return false;
}

void worker::prefetch_count_keys(const packet_class& c) {
  // The entries account() looks at when the packet's combination is new to its source: with a
  // large table each is a cache miss, and loading them here, a burst ahead, overlaps them.
  // The fingerprint's key is the combination's home, loaded with it.
  const uint8_t country = c.source->country;
  const uint8_t actor = c.source->actor();
  marks_.prefetch(total_marks_key(c.source_hash, country, actor));
  marks_.prefetch(port_marks_key(c.source_hash, c.port, country, actor));
}

void worker::count_burst(uint16_t frames, uint64_t bytes, uint64_t earliest, uint64_t latest) {
  lcore_counters& c = *stats_.block;
  c.total.packets.add(frames);
  c.total.bytes.add(bytes);
  // Captures are not always in time order: keep the earliest and the latest.
  const uint64_t first = c.first_timestamp_ns.read();
  if (earliest != UINT64_MAX && (first == 0 || earliest < first)) {
    c.first_timestamp_ns.set(earliest);
  }
  if (latest > c.last_timestamp_ns.read()) {
    c.last_timestamp_ns.set(latest);
  }
}

void worker::count_frame(const decoded_packet& p, const frame_ref& f) {
  lcore_counters& c = *stats_.block;
  // Bytes are the frame's length on its own link (the capture record's), not the length of the
  // Ethernet frame a raw-IP or cooked record is presented as.
  c.protocols[static_cast<size_t>(classify_protocol(p))].add(link_length(f));
  c.parse[static_cast<size_t>(p.result)].add();
}

void worker::account(const decoded_packet& p, const frame_ref& f, const packet_class& k) {
  if (k.source == nullptr) {
    return;
  }
  // A source's repeat of its last combination waits in its record, to be counted with the
  // next ones (repeat_tally.hpp); the payload and the conversation are the packet's own.
  const bool new_combination =
      !(k.continues_last && tally_continued(p, f, k)) && count_combination(p, f, k);
  if (!p.has_ports) {
    return;
  }
  if (scanner_) {
    scan_payload(p, f, k);
  }
  if (observe_ != nullptr && p.l4 == l4_kind::tcp && p.payload_length != 0) {
    observe_payload(p, f, k);
  }
  if (monitored_ != nullptr && p.l4 == l4_kind::tcp) {
    converse(p, f, k, new_combination);
  }
}

bool worker::count_combination(const decoded_packet& p, const frame_ref& f, const packet_class& k) {
  if (k.continues_last) {
    // An earlier packet of the burst changed the source's combination after classify().
    packet_class named = k;
    name_combination(named);
    named.continues_last = false;
    return count_combination(p, f, named);
  }
  const bool repeat = k.source->last_combination == k.repeat_memo;
  const auto technique = static_cast<uint8_t>(classify_technique(p));
  if (!p.has_ports || !repeat || !tally_repeat(p, f, k, technique)) {
    return count_in_full(p, f, k, repeat, technique);
  }
  return false;
}

bool worker::count_in_full(const decoded_packet& p, const frame_ref& f, const packet_class& k,
                           bool repeat, uint8_t technique) {
  const auto tool_index = static_cast<uint64_t>(k.tool);
  // The country, the actor and the AS are the source's (set once, when it is new).
  const uint8_t country = k.source->country;
  const uint8_t actor = k.source->actor();
  const uint32_t asn = repeats_.at(k.position).at.asn;
  const bool tcp = p.l4 == l4_kind::tcp;
  // A packet without ports has no watched port nor cluster (classify() leaves them unset).
  const count_point at{asn, p.has_ports ? k.port : uint16_t{0}, p.dst_port,
                       // classify() leaves a packet without ports no fingerprint key either
                       p.has_ports ? series_key::fingerprint_short(k.key_hash) : uint16_t{0},
                       p.has_ports ? k.cluster : uint8_t{0}, static_cast<uint8_t>(tool_index),
                       technique, country, actor,
                       count_point::marks_of(tcp, p.has_ports && names_fingerprint(p, k.tool))};
  add_packets(at, 1, link_length(f), p.has_ports);
  series_.tally_source(k.bucket, k.source_hash, 1);
  // A source can only be new to a count through a combination it never showed before. A
  // horizontal scan repeats one combination over many addresses: the source remembers its
  // last one, so the repeat costs no look at all; another repeat costs one look in the unique
  // set, and a first time one more in each of its two entries in the value marks.
  // The memo holds the bucket too, so a repeat is also known not to be new to this bucket.
  // A packet without ports has (source, tool) as its combination: the tool's mark over all
  // traffic.
  const bool new_combination = !repeat && (!p.has_ports || uniques_.insert(k.combination));
  k.source->last_combination = k.repeat_memo;
  // Packets without ports have only (source, tool) as their combination, which says nothing
  // of their technique: they always look.
  const bool new_tool = count_total_sources(at, k.source_hash, new_combination || !p.has_ports,
                                            new_combination);
  if (!p.has_ports) {
    return new_tool;
  }
  if (k.port == watched_ports::other_index) {
    series_.note_unwatched(k.bucket, k.source_hash, k.source->key.bytes, p.dst_port, tcp);
  }
  count_port_sources(at, k.source_hash, new_combination);
  // Before this packet's own counts: they then find the source where it moved to.
  if (k.moved_from != no_move) {
    move_first_probe(k, at);
  }
  uint64_t keys[max_series_keys];
  const size_t key_count = series_keys(at, keys);
  series_.add(k.bucket, k.combination.key, keys, key_count, k.source_hash, repeat,
              k.source->key.bytes);
  // A probe of its source's last shape came with the key's hash alone (identify()).
  const fingerprint_key key = k.key_made ? k.key : make_fingerprint_key(p);
  fingerprint_slot* slot = fingerprints_.find_or_add(k.port, key, k.key_hash);
  if (slot != nullptr) {
    slot->packets.add();
    if (new_to(uniques_, new_combination,
               fingerprint_count_key(k.source_hash, k.key_hash, k.port))) {
      slot->sources.add();
    }
  }
  start_record(at, slot, k.bucket, k.position);
  return new_combination;
}

bool worker::count_total_sources(const count_point& at, uint64_t source_hash, bool look,
                                 bool new_combination) {
  lcore_counters& c = *stats_.block;
  // A combination the source showed before cannot be new to its country or actor, nor to a
  // value marked over all traffic: the technique follows from the TCP flags and whether a
  // payload rode along, which the fingerprint key in a TCP/UDP packet's combination holds.
  bool new_entry = false;
  marked_values* total =
      look ? marks_.find_or_add(total_marks_key(source_hash, at.country, at.actor), new_entry)
           : nullptr;
  if (total == nullptr) {
    return false;
  }
  if (new_entry) {
    stats_.country_totals[at.country].sources.add();
    c.in_total(kind::actor, at.actor).sources.add();
  }
  if (total->mark(marked_bit(kind::technique, at.technique))) {
    c.in_total(kind::technique, at.technique).sources.add();
  }
  if (new_combination && total->mark(marked_bit(kind::tool, at.tool))) {
    c.in_total(kind::tool, at.tool).sources.add();
    return true;
  }
  return false;
}

void worker::count_port_sources(const count_point& at, uint64_t source_hash,
                                bool new_combination) {
  lcore_counters& c = *stats_.block;
  // The source's entry on the port: new to the port is new to its (country, actor) and AS
  // counts there (the source's AS is fixed with its country).
  bool new_on_port = false;
  marked_values* on_port =
      new_combination ? marks_.find_or_add(
                            port_marks_key(source_hash, at.port, at.country, at.actor), new_on_port)
                      : nullptr;
  if (new_on_port) {
    stats_.country_counts[at.port * location_db::max_countries + at.country].sources.add();
    c.on_port(kind::actor, at.port, at.actor).sources.add();
  }
  count_keyed(stats_.port_ases, stats_.port_as_overflow,
              series_key::make(series_key::kind::as, at.port, at.asn, 0), 1, new_on_port);
  if (on_port == nullptr) {
    return;
  }
  // The dense rows a packet counts in, per port, marked as bits of the entry (the source's own
  // values, its actor, came with the entry).
  each_dimension([&](auto row) {
    constexpr const series_dimension& d = series_dimensions[row];
    if constexpr (d.values != 0 && mark_of(d) == source_mark::bit) {
      const uint32_t value = packet_value(d.kind, at);
      if (on_port->mark(marked_bit(d.kind, value))) {
        c.on_port(d.kind, at.port, value).sources.add();
      }
    }
  });
}

void worker::add_packets(const count_point& at, uint64_t n, uint64_t bytes, bool has_ports) {
  lcore_counters& c = *stats_.block;
  // The dense dimensions a packet counts in (series_dimensions.hpp: cluster, tool, actor,
  // technique): over all traffic where the row is, per port for packets with ports.
  each_dimension([&](auto row) {
    constexpr const series_dimension& d = series_dimensions[row];
    if constexpr (d.values != 0 && d.per_packet) {
      const uint32_t value = packet_value(d.kind, at);
      if constexpr (d.overall) {
        c.in_total(d.kind, value).packets.add(n);
      }
      if (has_ports) {
        c.on_port(d.kind, at.port, value).packets.add(n);
      }
    }
  });
  stats_.country_totals[at.country].packets.add(n);
  if (!has_ports) {
    return;
  }
  stats_.country_counts[at.port * location_db::max_countries + at.country].packets.add(n);
  c.watched[at.port].packets.add(n);
  c.watched[at.port].bytes.add(bytes);
  c.by_dst_port[static_cast<size_t>(at.tcp() ? transport::tcp : transport::udp)][at.dst_port].add(
      n);
}

void worker::scan_payload(const decoded_packet& p, const frame_ref& f, const packet_class& k) {
  const bool tcp = p.l4 == l4_kind::tcp;
  // Payloads to ports no rule covers are not scanned. A TCP FIN or RST ends its flow, and a
  // SYN starts a new one on the same addresses and ports: either way the old stream goes.
  const bool opens = is_syn_probe(p);
  const bool ends = tcp && (p.tcp_flags & (tcp_flag::fin | tcp_flag::rst)) != 0;
  if ((p.payload_length == 0 && !ends && !opens) || !scanner_->wants(tcp, p.dst_port)) {
    return;
  }
  // A bare SYN, FIN or RST matters only to a flow the scanner follows; the filter, loaded in
  // the classify phase, rules that out for nearly every SYN without a call into the scanner.
  if (p.payload_length == 0 && !scanner_->may_follow(k.flow_hash)) {
    return;
  }
  signature_hits hits;
  scanner_->scan(p, f.data, f.time_ns, hits, tcp ? k.flow_hash : 0);
  uint32_t tools_named = 0;  // tools this packet's hits named already (bit per scan_tool)
  // A hit's counts wait for the end of the burst: the unique-set slot they look at is a likely
  // miss in a set far larger than the cache, and the rest of the burst's scans hide it.
  for (unsigned i = 0; i < hits.count; ++i) {
    const uint16_t rule = hits.rule[i];
    if (monitored_ != nullptr) {
      note_exposed_hit(p, rule);
    }
    if (alerts_) {
      alert(p, f, k, rule);
    }
    pending_hit& h = pending_hits_.emplace_back();  // reserved for a whole burst
    h.by_port = set_key(k.source_hash, unique_domain::signature, port_value(k.port, rule));
    h.series = series_key::make(series_key::kind::signature, k.port, rule, k.source->country);
    h.source_hash = k.source_hash;
    h.bucket = k.bucket;
    h.port = k.port;
    h.rule = rule;
    h.tool = scanner_->rules().rules()[rule].tool;
    if (tools_named & (1u << static_cast<unsigned>(h.tool))) {
      h.tool = scan_tool::none;
    }
    tools_named |= 1u << static_cast<unsigned>(h.tool);
    std::memcpy(h.source, k.source->key.bytes, sizeof h.source);
    uniques_.prefetch(h.by_port);
    series_.prefetch(h.bucket, h.series, h.source_hash, &h.series, 1);
  }
}

void worker::alert(const decoded_packet& p, const frame_ref& f, const packet_class& k,
                   uint16_t rule) {
  // Once per bucket: the bucket's own set, cleared with it (the lcore's long-lived set would
  // fill with a key per bucket).
  if (!series_.first_in_bucket(
          k.bucket, set_key(k.source_hash, unique_domain::alert, port_value(k.port, rule)))) {
    return;  // alerted in this bucket already
  }
  alert_record* a = alerts_->claim();
  if (a == nullptr) {
    return;  // counted by the ring
  }
  a->time_ns = f.time_ns;
  std::memcpy(a->source, k.source->key.bytes, sizeof a->source);
  map_address(p.dst_addr, p.l3 == l3_kind::ipv6, a->destination);
  a->src_port = p.src_port;
  a->dst_port = p.dst_port;
  a->rule = rule;
  a->tcp = p.l4 == l4_kind::tcp;
  a->excerpt_length = static_cast<uint16_t>(
      std::min<uint32_t>(p.payload_length, alert_record::max_excerpt));
  std::memcpy(a->excerpt, f.data + p.payload_offset, a->excerpt_length);
  alerts_->publish();
}

void worker::count_hits() {
  for (const pending_hit& h : pending_hits_) {
    // A source that hit a rule on this port before has been counted under it everywhere: on
    // the port, under its country (the source's own, fixed while it is in the table) and in
    // the rule's total. So one unique-set look tells all three, and the total needs a second
    // only the first time.
    const bool first_here = uniques_.insert(h.by_port);
    source_counter& c = stats_.signature_counts[h.port * signature_db::max_rules + h.rule];
    c.packets.add();
    if (first_here) {
      c.sources.add();
    }
    series_.add(h.bucket, h.series, &h.series, 1, h.source_hash, false, h.source);
    if (keyed_entry* e = stats_.signature_countries.find_or_add(h.series)) {
      e->packets.add();
      if (first_here) {
        e->sources.add();
      }
    } else {
      stats_.signature_country_overflow.add();
    }
    source_counter& total = stats_.signature_totals[h.rule];
    total.packets.add();
    if (first_here &&
        uniques_.insert(set_key(h.source_hash, unique_domain::signature_total, h.rule))) {
      total.sources.add();
    }
    if (h.tool != scan_tool::none) {
      count_payload_tool(h);
    }
  }
  pending_hits_.clear();
}

void worker::count_payload_tool(const pending_hit& h) {
  const auto tool = static_cast<unsigned>(h.tool);
  lcore_counters& c = *stats_.block;
  const bool first_here = uniques_.insert(
      set_key(h.source_hash, unique_domain::of(kind::payload_tool), port_value(h.port, tool)));
  c.on_port(kind::payload_tool, h.port, tool).packets.add();
  c.in_total(kind::payload_tool, tool).packets.add();
  if (first_here) {
    c.on_port(kind::payload_tool, h.port, tool).sources.add();
    if (uniques_.insert(
            set_key(h.source_hash, unique_domain::of(kind::payload_tool, true), tool))) {
      c.in_total(kind::payload_tool, tool).sources.add();
    }
  }
  const uint64_t key = series_key::make(series_key::kind::payload_tool, h.port, tool, 0);
  series_.add(h.bucket, key, &key, 1, h.source_hash, false, h.source);
}

}  // namespace scanscope
