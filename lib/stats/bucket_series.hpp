#pragma once
/**
 * @file
 * Time-bucketed counters of one RX lcore: packets and distinct sources per series key (the
 * dimensions of stats/series_dimensions.hpp), for the few buckets still open.
 * A ring of slots, one bucket each; the stats side folds a bucket once it is closed and marks
 * its slot collected, after which the lcore may reuse the slot for a later bucket. Memory is
 * fixed at creation; an entry that finds no room, or a packet for a bucket whose slot is not
 * free, is counted, never silently dropped.
 */

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "common/counter.hpp"
#include "stats/keyed_counters.hpp"
#include "stats/series_dimensions.hpp"
#include "table/unique_set.hpp"
#include "table/value_marks.hpp"

namespace scanscope {

/**
 * A source counted for the first time under a series key in a bucket: what a fleet store needs
 * to count distinct sources across sensors exactly (the sensor's own counts only add up).
 */
struct source_arrival {
  uint8_t source[16]; /**< the source address (IPv4 mapped) */
  uint64_t key;       /**< the series key it arrived under */
};

/**
 * A source's packets in one bucket, under bucket_series::tally_key of its address_hash
 * (table/unique_set.hpp): what the source store adds up per source.
 */
struct source_tally {
  uint64_t key;
  uint64_t packets;
};

/**
 * What a source did in a bucket that no series key holds, for the source store: an unwatched
 * port it probed (a bounded number per source), or a monitored host that answered it.
 */
struct source_fact {
  static constexpr uint8_t unwatched = 1; /**< it probed `port`, an unwatched one */
  static constexpr uint8_t exposure = 2;  /**< monitored `host` answered it from `port` */
  /** it gave an indicator on `port`: `host` holds the indicator's hash (8 bytes, its key in
   *  the lcores' indicator tables, where its text is) and its indicator_kind (byte 8) */
  static constexpr uint8_t indicator = 3;
  uint8_t source[16];
  uint8_t host[16]; /**< exposure: the host (IPv4 mapped); else zero */
  uint16_t port;
  uint8_t kind;
  uint8_t tcp; /**< 1: TCP, 0: UDP */
};

/** The counters of one bucket on one lcore. */
struct series_slot {
  std::atomic<int64_t> bucket{-1};         /**< bucket held (-1: none) */
  std::atomic<bool> collected{true};       /**< folded by the stats side: free for reuse */
  std::unique_ptr<keyed_counters> entries; /**< series_key → packets, distinct sources */
  std::unique_ptr<unique_set> uniques;     /**< distinct sources of this bucket */
  /** The values each (source, port) of this bucket was counted under (pair_of()) */
  std::unique_ptr<value_marks> marks;
  /** Arrivals of this bucket, when recorded: the lcore writes an element, then publishes the
   *  count; the stats side reads the count once the bucket is closed. */
  std::unique_ptr<source_arrival[]> arrivals;
  std::atomic<uint32_t> arrival_count{0};
  /** tally_key → the source's packets in this bucket (and, as `sources`, the unwatched ports
   *  listed for it), when arrivals are recorded */
  std::unique_ptr<keyed_counters> tallies;
  /** Facts of this bucket, published like the arrivals */
  std::unique_ptr<source_fact[]> facts;
  std::atomic<uint32_t> fact_count{0};
};

class bucket_series {
 public:
  /** Buckets open at once per lcore: the current one, late packets' one, and room to fold. */
  static constexpr size_t slots = 4;

  /**
   * @param entries      distinct keys per bucket (rounded up to a power of two)
   * @param unique_slots distinct (source, key) pairs per bucket; the (source, port) entries
   *                     of their marks get a quarter of this (16 bytes each)
   * @param arrivals     source arrivals recorded per bucket (0: none are, the usual case)
   */
  bucket_series(uint32_t entries, uint32_t unique_slots, uint32_t arrivals = 0);

  /**
   * Count one packet of `source_hash` under each of `keys` in `bucket`.
   * @param combination a hash of everything the keys are derived from besides the source: when
   *                    the source showed it already in this bucket, no key can have a new source,
   *                    so repeats cost one unique-set look instead of one per key
   * @param known_repeat the caller knows the source showed this combination in this bucket
   * @param source      the source's address (16 bytes), recorded when arrivals are
   * @param packets     packets to count (more than one: a source's repeats, known_repeat)
   * @return false when the bucket has no free slot (counted in late())
   */
  bool add(int64_t bucket, uint64_t combination, const uint64_t* keys, size_t n,
           uint64_t source_hash, bool known_repeat, const uint8_t* source, uint64_t packets = 1);

  /**
   * Count `packets` more of the source whose address_hash is `source_hash` in `bucket` (when
   * arrivals are recorded; a bucket with no slot counts nothing here: add() counts it late).
   */
  void tally_source(int64_t bucket, uint64_t source_hash, uint64_t packets) {
    if (arrival_capacity_ != 0) {
      tally(bucket, source_hash, packets);
    }
  }
  /** Start loading the line tally_source() looks at (when the bucket has its slot). */
  void prefetch_tally(int64_t bucket, uint64_t source_hash) const {
    if (arrival_capacity_ != 0) {
      prefetch_tally_line(bucket, source_hash);
    }
  }
  /** Unwatched ports listed per source and bucket: a full-port sweep lists these, not 65,535. */
  static constexpr uint32_t unwatched_per_source = 16;

  /**
   * The source whose address_hash is `source_hash` probed unwatched `port` in `bucket`: listed
   * once per bucket, up to unwatched_per_source ports per source (when arrivals are recorded).
   */
  void note_unwatched(int64_t bucket, uint64_t source_hash, const uint8_t* source, uint16_t port,
                      bool tcp) {
    if (arrival_capacity_ != 0) {
      unwatched(bucket, source_hash, source, port, tcp);
    }
  }
  /** Monitored `host` answered `client` from TCP `port` in `bucket`: listed once per bucket. */
  void note_answer(int64_t bucket, const uint8_t* client, const uint8_t* host, uint16_t port);
  /** `source` gave the indicator `hash` (of `kind`) on TCP `port` in `bucket`: listed once per
   *  bucket. */
  void note_indicator(int64_t bucket, const uint8_t* source, uint16_t port, uint8_t kind,
                      uint64_t hash);

  /** The key a source's tally is kept under (never 0, the empty key). */
  static uint64_t tally_key(uint64_t source_hash) { return source_hash != 0 ? source_hash : 1; }

  /**
   * The key of a source's (source, port) entry in a bucket's marks: the source and its keys'
   * values that are fixed on the port (series_dimensions.hpp's source_mark::pair rows).
   * @param keys a packet's series keys on the port (count_point.hpp's series_keys())
   */
  static uint64_t pair_of(uint64_t source_hash, const uint64_t* keys, size_t n);

  /**
   * A source counted under `from` in an open `bucket` is counted under `to` instead: its
   * distinct-source count (and its arrival, when recorded) moves; packets stay. Nothing
   * happens when the bucket is closed or the source is not under `from` in it. Both keys are
   * of one bit-marked row (clusters: series_dimensions.hpp).
   * @param pair the source's entry on the keys' port (pair_of())
   */
  void move_source(int64_t bucket, uint64_t pair, uint64_t from, uint64_t to,
                   const uint8_t* source);

  /**
   * Whether `key` is new to open bucket `bucket`'s set of distinct pairs (the set is cleared
   * with the bucket's slot, so a key per bucket costs nothing past the bucket). False when it
   * was there, or the bucket has no slot (too late).
   */
  bool first_in_bucket(int64_t bucket, uint64_t key);

  /** Start loading the unique-set slots add() looks at for this source, combination and keys
   *  when the combination is new to the bucket (nothing when the bucket has no slot yet: add()
   *  will make one). */
  void prefetch(int64_t bucket, uint64_t combination, uint64_t source_hash, const uint64_t* keys,
                size_t n) const;

  /** Visit the slots (stats side): fold those whose bucket has closed, then release them. */
  series_slot& slot(size_t i) { return slots_[i]; }
  const series_slot& slot(size_t i) const { return slots_[i]; }

  /**
   * Stats side: every bucket up to `bucket` is closed or was skipped as empty; packets for them
   * are late from now on. Without this a late packet could take a free slot for a bucket the
   * clock has passed, and the slot would never be folded nor freed.
   */
  void close_through(int64_t bucket) { closed_through_.store(bucket, std::memory_order_release); }

  /** Packets for a bucket with no free slot (too late, or its slot not yet folded). */
  const counter& late() const { return late_; }
  /** Packets whose key found no room in the bucket's table. */
  const counter& overflow() const { return overflow_; }
  /** Distinct-source checks the buckets' source sets had no room for, over every bucket so far
   *  (a set's refusals are kept across its clears); safe from the stats side. */
  uint64_t unique_overflow() const;
  /** Source arrivals (and facts) a bucket had no room to record (their counts are still
   *  counted). */
  const counter& arrivals_dropped() const { return arrivals_dropped_; }
  /** Packets whose source's tally found no room in the bucket's table (--bucket-sources). */
  const counter& untallied() const { return untallied_; }
  /** Arrivals recorded per bucket (0: none). */
  uint32_t arrival_capacity() const { return arrival_capacity_; }

  /**
   * Stats side, while the lcore runs: the arrivals of `source` (16 bytes) in the buckets not yet
   * folded, as far as the lcore has published them, as (bucket, key) pairs appended to `out`.
   * What a lookup adds to the source store's answer. Call only from the thread that folds
   * (series_store::close): a slot is reused only after that thread has folded it.
   */
  void open_arrivals(const uint8_t* source, std::vector<std::pair<int64_t, uint64_t>>& out) const;
  /** The same for the packets of `source` (16 bytes): (bucket, packets) pairs. */
  void open_tallies(const uint8_t* source, std::vector<std::pair<int64_t, uint64_t>>& out) const;
  /** The same for the facts of `source`. */
  void open_facts(const uint8_t* source, std::vector<std::pair<int64_t, source_fact>>& out) const;

 private:
  series_slot* slot_for(int64_t bucket);
  /** Facts listed per bucket: as many as sources have tallies. */
  uint32_t fact_capacity() const { return std::max(arrival_capacity_ / 4, 64u); }
  void tally(int64_t bucket, uint64_t source_hash, uint64_t packets);
  void unwatched(int64_t bucket, uint64_t source_hash, const uint8_t* source, uint16_t port,
                 bool tcp);
  void record_fact(series_slot& s, const source_fact& f);
  void prefetch_tally_line(int64_t bucket, uint64_t source_hash) const;
  void record_arrival(series_slot& s, uint64_t key, const uint8_t* source);
  /** The arrival of `source` under `key`, searched from the latest (nullptr: none). */
  source_arrival* find_arrival(series_slot& s, uint64_t key, const uint8_t* source);

  series_slot slots_[slots];
  std::atomic<int64_t> closed_through_{-1};
  counter late_;
  counter overflow_;
  counter arrivals_dropped_;
  counter untallied_;
  uint32_t arrival_capacity_;
};

}  // namespace scanscope
