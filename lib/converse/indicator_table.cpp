#include "converse/indicator_table.hpp"

#include <algorithm>
#include <cstring>
#include <tuple>

#include "converse/syn_cookie.hpp"

namespace scanscope {

indicator_table::indicator_table(uint32_t slots) : slots_(slots), mask_(slots - 1) {}

uint64_t indicator_table::hash_of(indicator_kind kind, uint16_t port, std::string_view value) {
  static constexpr uint64_t key[2] = {0x696e646963ULL, 0x61746f72ULL};
  uint64_t h = value.empty() ? 0 : siphash24(key, value.data(), value.size());
  return h ^ (uint64_t{static_cast<uint8_t>(kind)} << 56) ^ (uint64_t{port} << 32);
}

bool indicator_table::record(uint64_t hash, indicator_kind kind, uint16_t port,
                             std::string_view value, const uint8_t* source16, uint64_t time_ns,
                             bool new_source) {
  const uint64_t key = hash | 1;
  const size_t length = std::min(value.size(), emulated_indicator::max_text);
  for (unsigned i = 0; i < probe_window; ++i) {
    entry& e = slots_[(hash + i) & mask_];
    const uint64_t k = e.key.load(std::memory_order_relaxed);
    if (k == key && e.kind == kind && e.port == port && e.length == length &&
        (length == 0 || std::memcmp(e.text, value.data(), length) == 0)) {
      e.count.add();
      if (new_source) {
        e.sources.add();
      }
      e.last_seen_ns.set(time_ns);
      return true;
    }
    if (k == 0) {
      e.kind = kind;
      e.port = port;
      e.length = static_cast<uint8_t>(length);
      if (length != 0) {
        std::memcpy(e.text, value.data(), length);
      }
      std::memcpy(e.first_source, source16, 16);
      e.count.add();
      e.sources.add();
      e.first_seen_ns.set(time_ns);
      e.last_seen_ns.set(time_ns);
      e.key.store(key, std::memory_order_release);  // whole now: the stats side may read it
      return true;
    }
  }
  dropped_.add();
  return false;
}

void indicator_table::collect(std::vector<indicator_total>& out) const {
  for (const entry& e : slots_) {
    if (e.key.load(std::memory_order_acquire) == 0) {
      continue;
    }
    indicator_total t;
    t.kind = e.kind;
    t.port = e.port;
    t.value.assign(e.text, e.length);
    t.count = e.count.read();
    t.sources = e.sources.read();
    t.first_seen_ns = e.first_seen_ns.read();
    t.last_seen_ns = e.last_seen_ns.read();
    std::memcpy(t.first_source, e.first_source, 16);
    out.push_back(std::move(t));
  }
}

void merge_indicators(std::vector<indicator_total>& entries) {
  const auto key = [](const indicator_total& t) { return std::tie(t.kind, t.port, t.value); };
  std::sort(entries.begin(), entries.end(),
            [&](const indicator_total& a, const indicator_total& b) { return key(a) < key(b); });
  std::vector<indicator_total> merged;
  for (indicator_total& e : entries) {
    if (!merged.empty() && key(merged.back()) == key(e)) {
      indicator_total& m = merged.back();
      m.count += e.count;
      m.sources += e.sources;  // a source lives on one lcore: the sums are exact
      if (e.first_seen_ns < m.first_seen_ns) {
        m.first_seen_ns = e.first_seen_ns;
        std::memcpy(m.first_source, e.first_source, 16);
      }
      m.last_seen_ns = std::max(m.last_seen_ns, e.last_seen_ns);
    } else {
      merged.push_back(std::move(e));
    }
  }
  std::stable_sort(merged.begin(), merged.end(),
                   [](const indicator_total& a, const indicator_total& b) {
                     return a.sources != b.sources ? a.sources > b.sources : a.count > b.count;
                   });
  entries = std::move(merged);
}

}  // namespace scanscope
