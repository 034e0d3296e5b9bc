#include "signature/signature_scanner.hpp"

#include <algorithm>
#include <cstring>

#include "fingerprint/scan_tool.hpp"

namespace scanscope {

namespace {

/** What the match callback needs. */
struct match_context {
  const signature_db* db;
  signature_hits* hits;
  signature_excerpt* excerpts;
  const uint8_t* payload;  // this packet's scanned bytes
  uint32_t length;
  uint64_t base;  // stream offset of payload[0] (0 in block mode)
  bool tcp;
  uint16_t dst_port;
  bool check_port;  // the database holds rules for other ports or transports too
};

int on_match(unsigned int id, unsigned long long /*from*/, unsigned long long to,
             unsigned int /*flags*/, void* context) {
  auto& c = *static_cast<match_context*>(context);
  if (c.check_port && !c.db->applies(static_cast<uint16_t>(id), c.tcp, c.dst_port)) {
    return 0;
  }
  signature_hits& h = *c.hits;
  for (unsigned i = 0; i < h.count; ++i) {
    if (h.rule[i] == id) {
      return 0;
    }
  }
  if (h.count < signature_hits::max_hits) {
    h.rule[h.count++] = static_cast<uint16_t>(id);
  }
  signature_excerpt& e = c.excerpts[id];
  // A match found at the end of a connection that ended with no bytes of its own (a bare FIN)
  // has no bytes to show here; a later match of the rule sets the excerpt.
  if (!e.set.load(std::memory_order_relaxed) && to > c.base) {
    // The bytes of this packet up to the end of the match (a match that began in an earlier
    // segment shows its tail).
    const uint64_t end = std::min<uint64_t>(to - c.base, c.length);
    uint64_t head = 0;
    if (end > signature_excerpt::max_bytes) {
      // Too long to show whole: the request's first line, then what leads up to the match.
      const uint64_t line_limit = std::min<uint64_t>(signature_excerpt::max_head, end);
      const void* eol = std::memchr(c.payload, '\n', line_limit);
      head = eol != nullptr ? static_cast<const uint8_t*>(eol) - c.payload + 1 : line_limit;
      std::memcpy(e.bytes, c.payload, head);
    }
    const uint64_t begin = end - std::min<uint64_t>(end, signature_excerpt::max_bytes - head);
    std::memcpy(e.bytes + head, c.payload + begin, end - begin);
    e.length = static_cast<uint8_t>(head + end - begin);
    e.head = static_cast<uint8_t>(head);
    e.set.store(1, std::memory_order_release);
  }
  return 0;
}

flow_key make_flow_key(const decoded_packet& p) {
  flow_key k{};
  std::memcpy(k.src, p.src_addr, sizeof k.src);
  std::memcpy(k.dst, p.dst_addr, sizeof k.dst);
  k.src_port = p.src_port;
  k.dst_port = p.dst_port;
  return k;
}

}  // namespace

rule_switch::~rule_switch() {
  for (hs_stream_t* s : streams) {
    hs_close_stream(s, nullptr, nullptr, nullptr);  // no callback: no scratch needed
  }
}

// Excerpts are kept for every slot a reload may fill.
signature_scanner::signature_scanner(const signature_db& db, uint32_t scan_bytes,
                                     uint32_t flow_capacity)
    : db_(&db),
      scan_bytes_(scan_bytes),
      tracked_(flow_capacity),
      excerpts_(std::make_unique<signature_excerpt[]>(signature_db::max_rules)) {}

signature_scanner::~signature_scanner() {
  if (flows_) {
    flows_->for_each([&](flow_state& f) { free_streams_.push_back(f.stream); });
  }
  for (hs_stream_t* s : free_streams_) {
    hs_close_stream(s, scratch_.get(), nullptr, nullptr);
  }
}

std::unique_ptr<signature_scanner> signature_scanner::create(
    const signature_db& db, const std::string& name, uint32_t flow_capacity, uint64_t flow_idle_ns,
    uint32_t scan_bytes, std::string& error) {
  std::unique_ptr<signature_scanner> s(new signature_scanner(db, scan_bytes, flow_capacity));
  s->scratch_ = db.clone_scratch(error);
  if (!s->scratch_) {
    return nullptr;
  }
  s->flows_ = clock_hash_table<flow_key, flow_state>::create("flow_" + name, "TCP flows",
                                                             flow_capacity, flow_idle_ns, error);
  if (!s->flows_) {
    return nullptr;
  }
  // Stream states opened now so that the RX path never allocates.
  s->free_streams_.reserve(s->stream_pool_size());
  for (uint32_t i = 0; i < s->stream_pool_size(); ++i) {
    hs_stream_t* stream = nullptr;
    if (hs_open_stream(db.stream(), 0, &stream) != HS_SUCCESS) {
      error = "Hyperscan: cannot open stream state " + std::to_string(i) + " of " +
              std::to_string(s->stream_pool_size()) + " (lower --flow-capacity)";
      return nullptr;
    }
    s->free_streams_.push_back(stream);
  }
  return s;
}

std::unique_ptr<rule_switch> signature_scanner::prepare(const signature_db& db,
                                                        std::string& error) const {
  auto next = std::make_unique<rule_switch>();
  next->db = &db;
  next->scratch = db.clone_scratch(error);
  if (!next->scratch) {
    return nullptr;
  }
  next->streams.reserve(stream_pool_size());
  for (uint32_t i = 0; i < stream_pool_size(); ++i) {
    hs_stream_t* stream = nullptr;
    if (hs_open_stream(db.stream(), 0, &stream) != HS_SUCCESS) {
      error = "Hyperscan: cannot open stream state " + std::to_string(i) + " of " +
              std::to_string(stream_pool_size());
      return nullptr;
    }
    next->streams.push_back(stream);
  }
  return next;
}

void signature_scanner::switch_rules(rule_switch& next) {
  // free_streams_ was reserved for the whole pool at start, so the old states of the flows in
  // progress go back into it without allocating; then the two pools change hands.
  std::vector<hs_stream_t*> fresh = std::move(next.streams);
  std::vector<hs_stream_t*> old = std::move(free_streams_);
  flows_->for_each([&](flow_state& f) {
    old.push_back(f.stream);
    f.stream = fresh.back();
    fresh.pop_back();
    f.scanned = 0;
  });
  free_streams_ = std::move(fresh);
  next.streams = std::move(old);
  std::swap(scratch_, next.scratch);
  std::swap(db_, next.db);
}

void signature_scanner::release(flow_state& f) {
  // The data did not end (evicted, idle, or replaced by a new connection on the same ports):
  // matches that need the end of the data are not reported.
  hs_reset_stream(f.stream, 0, scratch_.get(), nullptr, nullptr);
  give_back(f);
}

void signature_scanner::end_flow(flow_state& f, const uint8_t* bytes, uint32_t n, uint16_t dst_port,
                                 signature_hits& hits) {
  if (f.scanned >= scan_bytes_) {
    // Cut at --scan-bytes: the end of what was scanned is not the end of the data.
    release(f);
    return;
  }
  // FIN or RST: the connection's data ends here, so a `$` or a `\b` after its last byte
  // matches, as it does at the end of a datagram or of a request scanned in block mode.
  match_context c{db_, &hits, excerpts_.get(), bytes, n, f.scanned - n, true, dst_port, true};
  hs_reset_stream(f.stream, 0, scratch_.get(), on_match, &c);
  give_back(f);
}

void signature_scanner::give_back(flow_state& f) {
  tracked_.remove(flow_filter::hash(f.key));
  free_streams_.push_back(f.stream);
  f.stream = nullptr;
}

void signature_scanner::expire(uint64_t now_ns, uint32_t budget) {
  flows_->expire(now_ns, budget, [&](flow_state& f) { release(f); });
}

void signature_scanner::scan(const decoded_packet& p, const uint8_t* frame, uint64_t time_ns,
                             signature_hits& hits, uint64_t flow_hash) {
  uint32_t length = p.payload_length;
  if (length > scan_bytes_) {
    length = scan_bytes_;
    counters_.truncated.add();
  }
  const uint8_t* payload = frame + p.payload_offset;
  if (p.l4 == l4_kind::tcp) {
    scan_tcp(p, payload, length, time_ns, hits, flow_hash);
    return;
  }
  if (length != 0) {
    scan_block(payload, length, false, p.dst_port, hits);
  }
}

void signature_scanner::scan_block(const uint8_t* bytes, uint32_t n, bool tcp, uint16_t dst_port,
                                   signature_hits& hits) {
  const hs_database_t* rules = db_->block_for(tcp, dst_port);
  if (rules == nullptr) {
    return;  // no rule applies here (callers ask wants() first)
  }
  const bool check_port = db_->block_needs_port_check();
  match_context c{db_, &hits, excerpts_.get(), bytes, n, 0, tcp, dst_port, check_port};
  if (hs_scan(rules, reinterpret_cast<const char*>(bytes), n, 0, scratch_.get(), on_match, &c) !=
      HS_SUCCESS) {
    counters_.errors.add();
  }
  counters_.packets.add();
  counters_.bytes.add(n);
}

void signature_scanner::scan_segment(hs_stream_t* stream, const uint8_t* bytes, uint32_t n,
                                     uint64_t base, uint16_t dst_port, signature_hits& hits) {
  match_context c{db_, &hits, excerpts_.get(), bytes, n, base, true, dst_port, true};
  if (hs_scan_stream(stream, reinterpret_cast<const char*>(bytes), n, 0, scratch_.get(), on_match,
                     &c) != HS_SUCCESS) {
    counters_.errors.add();
  }
  counters_.packets.add();
  counters_.bytes.add(n);
}

void signature_scanner::scan_tcp(const decoded_packet& p, const uint8_t* payload, uint32_t length,
                                 uint64_t time_ns, signature_hits& hits, uint64_t hash) {
  const bool ends = (p.tcp_flags & (tcp_flag::fin | tcp_flag::rst)) != 0;
  const bool opens = is_syn_probe(p);
  flow_state* f = tracked_.may_hold(hash) ? flows_->find(make_flow_key(p)) : nullptr;
  if (f != nullptr && opens) {
    // A new connection reusing the 4-tuple (scanners with a fixed source port do): its
    // sequence numbers have nothing to do with the old one's, nor have its matches.
    release(*f);
    flows_->remove(*f);
    f = nullptr;
  }
  if (length == 0) {
    if (f != nullptr && ends) {
      end_flow(*f, nullptr, 0, p.dst_port, hits);
      flows_->remove(*f);
    }
    return;
  }
  if (f == nullptr && ends && length == p.payload_length) {
    // A connection's whole payload in one segment (a request closed in the segment that
    // carries it): block mode gives the hits the stream would give with its end, costs less,
    // and leaves the table alone, so a full table evicts no followed flow for it.
    scan_block(payload, length, true, p.dst_port, hits);
    return;
  }
  if (f == nullptr && ends) {
    // The same cut at --scan-bytes: its end is not the data's, so the end-of-data matches block
    // mode would report must not be. A pooled stream state scans it and goes straight back.
    if (free_streams_.empty()) {
      counters_.no_stream.add();
      return;
    }
    hs_stream_t* stream = free_streams_.back();
    scan_segment(stream, payload, length, 0, p.dst_port, hits);
    hs_reset_stream(stream, 0, scratch_.get(), nullptr, nullptr);
    return;
  }
  if (f == nullptr) {
    f = &flows_->insert(make_flow_key(p), time_ns, [&](flow_state& victim) { release(victim); });
    if (free_streams_.empty()) {
      counters_.no_stream.add();
      flows_->remove(*f);
      return;
    }
    f->stream = free_streams_.back();
    free_streams_.pop_back();
    f->next_seq = p.seq;
    tracked_.add(hash);
  }
  f->last_seen_ns = time_ns;
  // Scan only bytes not scanned yet: a retransmission overlaps, a hole restarts the stream.
  const int32_t ahead = static_cast<int32_t>(p.seq - f->next_seq);
  uint32_t skip = 0;
  if (ahead < 0) {
    skip = static_cast<uint32_t>(-ahead);
    if (skip >= length) {
      if (ends) {  // a retransmission that also ends the connection
        end_flow(*f, nullptr, 0, p.dst_port, hits);
        flows_->remove(*f);
      }
      return;
    }
  } else if (ahead > 0) {
    counters_.stream_gaps.add();
    hs_reset_stream(f->stream, 0, scratch_.get(), nullptr, nullptr);
    f->scanned = 0;
  }
  const uint8_t* bytes = payload + skip;
  uint32_t n = length - skip;
  f->next_seq = p.seq + skip + n;
  if (f->scanned >= scan_bytes_) {
    n = 0;
  } else if (n > scan_bytes_ - f->scanned) {
    n = scan_bytes_ - f->scanned;
    counters_.truncated.add();
  }
  if (n != 0) {
    scan_segment(f->stream, bytes, n, f->scanned, p.dst_port, hits);
    f->scanned += n;
  }
  if (ends) {
    end_flow(*f, bytes, n, p.dst_port, hits);
    flows_->remove(*f);
  }
}

}  // namespace scanscope
