#include "stats/bucket_series.hpp"

#include <algorithm>
#include <cstring>

namespace scanscope {

namespace {
// Keep a combination's unique-set key apart from a series key's with the same value.
constexpr uint64_t combination_salt = 0xC0B;
constexpr uint64_t key_salt = 0xB0C;
// Marks a source whose count already left a key in a bucket (move_source): once only.
constexpr uint64_t moved_salt = 0xB0D;
// The key of a (source, port) entry in a bucket's marks.
constexpr uint64_t pair_salt = 0xB0E;
// Keys callers ask first_in_bucket() about (the event log's alerts).
constexpr uint64_t first_salt = 0xB0F;
// A source's fact listed in a bucket: once per (source, port) or (client, host, port).
constexpr uint64_t fact_salt = 0xB10;

/**
 * Stats side: call `read(bucket, slot)` for each slot of `slots` whose bucket is open (after
 * `closed`), appending to `out`; what it appended is taken back when the slot was taken for
 * another bucket meanwhile. Checking the bucket, not only the slot's flag, keeps a slot the
 * lcore is taking for a new bucket from reading as the old one.
 */
template <typename Out, typename Read>
void read_open(const series_slot* slots, int64_t closed, Out& out, Read&& read) {
  for (size_t i = 0; i < bucket_series::slots; ++i) {
    const series_slot& s = slots[i];
    const int64_t bucket = s.bucket.load(std::memory_order_acquire);
    if (bucket < 0 || bucket <= closed || s.collected.load(std::memory_order_acquire)) {
      continue;
    }
    const size_t before = out.size();
    read(bucket, s);
    if (s.bucket.load(std::memory_order_acquire) != bucket) {
      out.resize(before);
    }
  }
}

/**
 * The unique-set key that tells whether a source showed a combination in a bucket. Its home
 * is the source's (source, port) entry (pair_of()), shared with the source's keys under the
 * port's unmarked rows: a new combination's look and its fingerprint's are one line.
 */
set_entry combination_key(uint64_t source_hash, uint64_t combination, uint64_t pair) {
  return {light_set_key(source_hash, combination, combination_salt), pair};
}

/** The unique-set key of a source under a series key whose values are not marked in its
 *  (source, port) entry (fingerprints: without bound per source), at home with its
 *  combinations. */
set_entry source_under(uint64_t source_hash, uint64_t series, uint64_t pair) {
  return {light_set_key(source_hash, series, key_salt), pair};
}
}  // namespace

bucket_series::bucket_series(uint32_t entries, uint32_t unique_slots, uint32_t arrivals)
    : arrival_capacity_(arrivals) {
  for (series_slot& s : slots_) {
    s.entries = std::make_unique<keyed_counters>(entries);
    s.uniques = std::make_unique<unique_set>(unique_slots);
    // A (source, port) entry stands for several keys: the set keeps about two a combination.
    s.marks = std::make_unique<value_marks>(unique_slots / 4);
    if (arrivals != 0) {
      s.arrivals = std::make_unique<source_arrival[]>(arrivals);
      // A source records several arrivals (its port, cluster, tool, technique, country, ...).
      s.tallies = std::make_unique<keyed_counters>(fact_capacity());
      s.facts = std::make_unique<source_fact[]>(fact_capacity());
    }
  }
}

series_slot* bucket_series::slot_for(int64_t bucket) {
  if (bucket <= closed_through_.load(std::memory_order_acquire)) {
    return nullptr;  // closed or skipped: it would never be folded
  }
  series_slot& s = slots_[static_cast<uint64_t>(bucket) % slots];
  const int64_t held = s.bucket.load(std::memory_order_relaxed);
  if (held == bucket) {
    // Once folded, a bucket takes no more packets: they would never be reported.
    return s.collected.load(std::memory_order_acquire) ? nullptr : &s;
  }
  // A slot is reused only for a later bucket, and only once the stats side has folded it.
  if (held > bucket || !s.collected.load(std::memory_order_acquire)) {
    return nullptr;
  }
  s.entries->clear();
  s.uniques->clear();
  s.marks->clear();
  s.arrival_count.store(0, std::memory_order_relaxed);
  if (s.tallies) {
    s.tallies->clear();
  }
  s.fact_count.store(0, std::memory_order_relaxed);
  s.collected.store(false, std::memory_order_relaxed);
  s.bucket.store(bucket, std::memory_order_release);
  return &s;
}

bool bucket_series::first_in_bucket(int64_t bucket, uint64_t key) {
  series_slot* s = slot_for(bucket);
  return s != nullptr && s->uniques->insert(light_set_key(key, 0, first_salt));
}

uint64_t bucket_series::unique_overflow() const {
  uint64_t n = 0;
  for (const series_slot& s : slots_) {
    n += s.uniques->overflow().read() + s.marks->overflow().read();
  }
  return n;
}

void bucket_series::record_arrival(series_slot& s, uint64_t key, const uint8_t* source) {
  const uint32_t n = s.arrival_count.load(std::memory_order_relaxed);
  if (n >= arrival_capacity_) {
    arrivals_dropped_.add();
    return;
  }
  source_arrival& a = s.arrivals[n];
  std::memcpy(a.source, source, sizeof a.source);
  a.key = key;
  s.arrival_count.store(n + 1, std::memory_order_release);
}

uint64_t bucket_series::pair_of(uint64_t source_hash, const uint64_t* keys, size_t n) {
  uint64_t fixed = 0;
  for (size_t i = 0; i < n; ++i) {
    if (mark_of(series_key::kind_of(keys[i])) == source_mark::pair) {
      fixed = (fixed ^ keys[i]) * 0x9E3779B97F4A7C15ULL;
    }
  }
  return light_set_key(source_hash, fixed, pair_salt);
}

void bucket_series::prefetch(int64_t bucket, uint64_t combination, uint64_t source_hash,
                             const uint64_t* keys, size_t n) const {
  const series_slot& s = slots_[static_cast<uint64_t>(bucket) % slots];
  if (s.bucket.load(std::memory_order_relaxed) == bucket) {
    const uint64_t pair = pair_of(source_hash, keys, n);
    // The combination and the source's unmarked keys share this line (their home).
    s.uniques->prefetch(combination_key(source_hash, combination, pair));
    s.marks->prefetch(pair);
  }
}

bool bucket_series::add(int64_t bucket, uint64_t combination, const uint64_t* keys, size_t n,
                        uint64_t source_hash, bool known_repeat, const uint8_t* source,
                        uint64_t packets) {
  series_slot* s = slot_for(bucket);
  if (s == nullptr) {
    late_.add(packets);
    return false;
  }
  // A known repeat is counted under its keys alone: no distinct-source look needs the entry.
  const uint64_t pair_key = known_repeat ? 0 : pair_of(source_hash, keys, n);
  const bool fresh =
      !known_repeat && s->uniques->insert(combination_key(source_hash, combination, pair_key));
  // A new combination may be a new (source, port) pair: one entry holds what the source was
  // counted under on the port, the keys fixed with the pair and a bit per value of the others.
  // Looked up only for such keys (a signature's or a conversation's keep keys of their own).
  marked_values* pair = nullptr;
  bool new_pair = false;
  bool looked = false;
  auto pair_entry = [&]() {
    if (!looked) {
      looked = true;
      pair = s->marks->find_or_add(pair_key, new_pair);
    }
    return pair;
  };
  auto arrives = [&](uint64_t key) {
    const series_key::kind k = series_key::kind_of(key);
    switch (mark_of(k)) {
      case source_mark::pair:
        pair_entry();
        return new_pair;
      case source_mark::bit: {
        marked_values* e = pair_entry();
        return e != nullptr && e->mark(marked_bit(k, series_key::dim_of(key)));
      }
      default:
        return s->uniques->insert(source_under(source_hash, key, pair_key));
    }
  };
  for (size_t i = 0; i < n; ++i) {
    keyed_entry* e = s->entries->find_or_add(keys[i]);
    if (e == nullptr) {
      overflow_.add(packets);
      continue;
    }
    e->packets.add(packets);
    if (fresh && arrives(keys[i])) {
      e->sources.add();
      // Fingerprint entries are a per-port question the series answer: no arrival needed.
      if (arrival_capacity_ != 0 && dimension_of(series_key::kind_of(keys[i])).in_arrivals) {
        record_arrival(*s, keys[i], source);
      }
    }
  }
  return true;
}

void bucket_series::tally(int64_t bucket, uint64_t source_hash, uint64_t packets) {
  series_slot* s = slot_for(bucket);
  if (s == nullptr) {
    return;
  }
  keyed_entry* e = s->tallies->find_or_add(tally_key(source_hash));
  if (e == nullptr) {
    untallied_.add(packets);
    return;
  }
  e->packets.add(packets);
}

void bucket_series::record_fact(series_slot& s, const source_fact& f) {
  const uint32_t n = s.fact_count.load(std::memory_order_relaxed);
  if (n >= fact_capacity()) {
    arrivals_dropped_.add();
    return;
  }
  s.facts[n] = f;
  s.fact_count.store(n + 1, std::memory_order_release);
}

void bucket_series::unwatched(int64_t bucket, uint64_t source_hash, const uint8_t* source,
                              uint16_t port, bool tcp) {
  series_slot* s = slot_for(bucket);
  if (s == nullptr) {
    return;
  }
  keyed_entry* e = s->tallies->find_or_add(tally_key(source_hash));
  // The bound first: a sweep past it costs no look in the bucket's set.
  if (e == nullptr || e->sources.read() >= unwatched_per_source ||
      !s->uniques->insert(light_set_key(source_hash, port | (tcp ? 0x10000u : 0u), fact_salt))) {
    return;
  }
  e->sources.add();
  source_fact f{};
  std::memcpy(f.source, source, sizeof f.source);
  f.port = port;
  f.kind = source_fact::unwatched;
  f.tcp = tcp ? 1 : 0;
  record_fact(*s, f);
}

void bucket_series::note_answer(int64_t bucket, const uint8_t* client, const uint8_t* host,
                                uint16_t port) {
  if (arrival_capacity_ == 0) {
    return;
  }
  series_slot* s = slot_for(bucket);
  if (s == nullptr ||
      !s->uniques->insert(light_set_key(address_hash(client), address_hash(host) ^ port,
                                        fact_salt))) {
    return;
  }
  source_fact f{};
  std::memcpy(f.source, client, sizeof f.source);
  std::memcpy(f.host, host, sizeof f.host);
  f.port = port;
  f.kind = source_fact::exposure;
  f.tcp = 1;
  record_fact(*s, f);
}

void bucket_series::note_indicator(int64_t bucket, const uint8_t* source, uint16_t port,
                                   uint8_t kind, uint64_t hash) {
  if (arrival_capacity_ == 0) {
    return;
  }
  series_slot* s = slot_for(bucket);
  if (s == nullptr ||
      !s->uniques->insert(light_set_key(address_hash(source), hash ^ port, fact_salt ^ 3))) {
    return;
  }
  source_fact f{};
  std::memcpy(f.source, source, sizeof f.source);
  std::memcpy(f.host, &hash, sizeof hash);
  f.host[8] = kind;
  f.port = port;
  f.kind = source_fact::indicator;
  f.tcp = 1;
  record_fact(*s, f);
}

void bucket_series::prefetch_tally_line(int64_t bucket, uint64_t source_hash) const {
  const series_slot& s = slots_[static_cast<uint64_t>(bucket) % slots];
  if (s.bucket.load(std::memory_order_relaxed) == bucket) {
    s.tallies->prefetch(tally_key(source_hash));
  }
}

void bucket_series::open_arrivals(const uint8_t* source,
                                  std::vector<std::pair<int64_t, uint64_t>>& out) const {
  if (arrival_capacity_ == 0) {
    return;
  }
  // Every bucket up to closed_through_ was folded by this (the calling) thread: only later ones
  // are open, and their slots are not reused until folded.
  read_open(slots_, closed_through_.load(std::memory_order_acquire), out,
            [&](int64_t bucket, const series_slot& s) {
              // Entries below the published count are written; move_source() may rewrite one as
              // it is read here (a provisional cluster replaced), which at worst shows the one
              // it replaces.
              const uint32_t n = s.arrival_count.load(std::memory_order_acquire);
              for (uint32_t i = 0; i < n; ++i) {
                source_arrival a;
                std::memcpy(&a, &s.arrivals[i], sizeof a);
                if (std::memcmp(a.source, source, sizeof a.source) == 0) {
                  out.emplace_back(bucket, a.key);
                }
              }
            });
}

void bucket_series::open_facts(const uint8_t* source,
                               std::vector<std::pair<int64_t, source_fact>>& out) const {
  if (arrival_capacity_ == 0) {
    return;
  }
  read_open(slots_, closed_through_.load(std::memory_order_acquire), out,
            [&](int64_t bucket, const series_slot& s) {
              const uint32_t n = s.fact_count.load(std::memory_order_acquire);
              for (uint32_t i = 0; i < n; ++i) {
                if (std::memcmp(s.facts[i].source, source, sizeof s.facts[i].source) == 0) {
                  out.emplace_back(bucket, s.facts[i]);
                }
              }
            });
}

void bucket_series::open_tallies(const uint8_t* source,
                                 std::vector<std::pair<int64_t, uint64_t>>& out) const {
  if (arrival_capacity_ == 0) {
    return;
  }
  const uint64_t key = tally_key(address_hash(source));
  read_open(slots_, closed_through_.load(std::memory_order_acquire), out,
            [&](int64_t bucket, const series_slot& s) {
              if (const keyed_entry* e = s.tallies->find(key)) {
                out.emplace_back(bucket, e->packets.read());
              }
            });
}

source_arrival* bucket_series::find_arrival(series_slot& s, uint64_t key, const uint8_t* source) {
  for (uint32_t i = s.arrival_count.load(std::memory_order_relaxed); i-- > 0;) {
    source_arrival& a = s.arrivals[i];
    if (a.key == key && std::memcmp(a.source, source, sizeof a.source) == 0) {
      return &a;
    }
  }
  return nullptr;
}

void bucket_series::move_source(int64_t bucket, uint64_t pair, uint64_t from, uint64_t to,
                                const uint8_t* source) {
  // A closed bucket is the stats side's to read, as in slot_for().
  if (bucket <= closed_through_.load(std::memory_order_acquire)) {
    return;
  }
  series_slot& s = slots_[static_cast<uint64_t>(bucket) % slots];
  if (s.bucket.load(std::memory_order_relaxed) != bucket ||
      s.collected.load(std::memory_order_acquire)) {
    return;
  }
  const series_key::kind k = series_key::kind_of(from);
  marked_values* marks = s.marks->find_existing(pair);
  // Counted under `from`, and not moved from it already (a key in the set: moves are rare).
  if (mark_of(k) != source_mark::bit || marks == nullptr ||
      !marks->marked(marked_bit(k, series_key::dim_of(from))) ||
      s.uniques->contains(light_set_key(pair, from, moved_salt))) {
    return;
  }
  keyed_entry* to_entry = s.entries->find_or_add(to);
  keyed_entry* from_entry = s.entries->find_or_add(from);
  if (to_entry == nullptr || from_entry == nullptr) {
    overflow_.add();
    return;
  }
  if (!s.uniques->insert(light_set_key(pair, from, moved_salt))) {
    return;  // the bucket's set is full: leave the counts as they are
  }
  from_entry->sources.sub();
  const bool arrives = marks->mark(marked_bit(k, series_key::dim_of(to)));
  if (arrives) {
    to_entry->sources.add();
  }
  source_arrival* a = arrival_capacity_ != 0 ? find_arrival(s, from, source) : nullptr;
  if (a == nullptr) {
    if (arrives && arrival_capacity_ != 0) {
      record_arrival(s, to, source);
    }
    return;
  }
  if (arrives) {
    a->key = to;
    return;
  }
  // Already arrived under `to`: the provisional arrival goes (the last takes its place; the
  // stats side reads a bucket's arrivals only once it is closed).
  const uint32_t n = s.arrival_count.load(std::memory_order_relaxed);
  *a = s.arrivals[n - 1];
  s.arrival_count.store(n - 1, std::memory_order_release);
}

}  // namespace scanscope
