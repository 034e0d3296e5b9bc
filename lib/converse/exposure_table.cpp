#include "converse/exposure_table.hpp"

#include <cstring>

namespace scanscope {

namespace {

uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

/** Small values packed in one counter, `Bits` each, held as value + 1 (0: an empty place). */
template <typename Value, unsigned Bits>
struct packed_list {
  static constexpr unsigned size = 64 / Bits;
  static constexpr uint64_t mask = (uint64_t{1} << Bits) - 1;

  /** Adds `v` unless held already; a full list takes no more. */
  static void add(counter& c, uint64_t v) {
    const uint64_t list = c.read();
    for (unsigned i = 0; i < size; ++i) {
      const uint64_t held = (list >> (Bits * i)) & mask;
      if (held == v + 1) {
        return;
      }
      if (held == 0) {
        c.set(list | ((v + 1) << (Bits * i)));
        return;
      }
    }
  }

  static void append_to(const counter& c, std::vector<Value>& out) {
    const uint64_t list = c.read();
    for (unsigned i = 0; i < size; ++i) {
      const uint64_t held = (list >> (Bits * i)) & mask;
      if (held != 0) {
        out.push_back(static_cast<Value>(held - 1));
      }
    }
  }
};

using country_list = packed_list<uint8_t, 8>;
using rule_list = packed_list<uint16_t, 16>;
static_assert(country_list::size == exposure_table::max_countries);
static_assert(rule_list::size == exposure_table::max_rules);

uint64_t slot_hash(uint64_t high, uint64_t low, uint16_t port) {
  uint64_t x = high * 0x9E3779B97F4A7C15ULL ^ low * 0xC2B2AE3D27D4EB4FULL ^ port;
  x ^= x >> 29;
  x *= 0xBF58476D1CE4E5B9ULL;
  return x ^ (x >> 32);
}

}  // namespace

exposure_table::exposure_table(uint32_t slots) : slots_(slots), mask_(slots - 1) {}

exposure_table::entry* exposure_table::find(const uint8_t* host16, uint16_t port) {
  const uint64_t high = load64(host16);
  const uint64_t low = load64(host16 + 8);
  const uint64_t h = slot_hash(high, low, port);
  for (unsigned i = 0; i < probe_window; ++i) {
    entry& e = slots_[(h + i) & mask_];
    if (e.port_key.read() == uint64_t{port} + 1 && e.host_high.read() == high &&
        e.host_low.read() == low) {
      return &e;
    }
  }
  return nullptr;
}

exposure_table::entry& exposure_table::touch(const uint8_t* host16, uint16_t port,
                                             uint64_t time_ns, counter& evicted) {
  if (entry* e = find(host16, port)) {
    return *e;
  }
  const uint64_t high = load64(host16);
  const uint64_t low = load64(host16 + 8);
  const uint64_t h = slot_hash(high, low, port);
  entry* victim = nullptr;
  for (unsigned i = 0; i < probe_window; ++i) {
    entry& e = slots_[(h + i) & mask_];
    if (e.port_key.read() == 0) {
      victim = &e;
      break;
    }
    if (victim == nullptr || e.last_seen_ns.read() < victim->last_seen_ns.read()) {
      victim = &e;
    }
  }
  if (victim->port_key.read() != 0) {
    evicted.add();
  }
  entry& e = *victim;
  e.port_key.set(0);  // a reader skips the slot while it changes hands
  e.host_high.set(high);
  e.host_low.set(low);
  e.first_seen_ns.set(time_ns);
  e.last_seen_ns.set(time_ns);
  e.answers.set(0);
  e.sources.set(0);
  e.tools.set(0);
  e.countries.set(0);
  e.rules.set(0);
  e.port_key.set(uint64_t{port} + 1);
  return e;
}

void exposure_table::record_answer(entry& e, uint64_t time_ns, uint8_t tool, uint8_t country,
                                   bool new_source) {
  e.answers.add();
  if (time_ns > e.last_seen_ns.read()) {
    e.last_seen_ns.set(time_ns);
  }
  if (time_ns < e.first_seen_ns.read()) {
    e.first_seen_ns.set(time_ns);
  }
  e.tools.set(e.tools.read() | (uint64_t{1} << tool));
  if (!new_source) {
    return;
  }
  e.sources.add();
  if (country != 255) {  // 255 + 1 does not fit a byte: not listed
    country_list::add(e.countries, country);
  }
}

void exposure_table::record_rule(entry& e, uint16_t rule) {
  rule_list::add(e.rules, rule);
}

void exposure_table::collect(std::vector<exposure_total>& out) const {
  for (const entry& e : slots_) {
    const uint64_t key = e.port_key.read();
    if (key == 0) {
      continue;
    }
    exposure_total t;
    const uint64_t high = e.host_high.read();
    const uint64_t low = e.host_low.read();
    std::memcpy(t.host, &high, 8);
    std::memcpy(t.host + 8, &low, 8);
    t.port = static_cast<uint16_t>(key - 1);
    t.first_seen_ns = e.first_seen_ns.read();
    t.last_seen_ns = e.last_seen_ns.read();
    t.answers = e.answers.read();
    t.sources = e.sources.read();
    t.tools = static_cast<uint32_t>(e.tools.read());
    country_list::append_to(e.countries, t.countries);
    rule_list::append_to(e.rules, t.rules);
    out.push_back(std::move(t));
  }
}

}  // namespace scanscope
