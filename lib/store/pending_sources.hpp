#pragma once
/**
 * @file
 * The sources of closed buckets not yet written to the source store, merged: a source seen in
 * every hour of a day is one row of spans, not 24 rows of upserts. Kept as the lcores record
 * them (16-byte address, series key), put in words only when taken for the store.
 */

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "export/series_files.hpp"
#include "stats/bucket_series.hpp"
#include "store/source_store.hpp"

namespace scanscope {

class pending_sources {
 public:
  /**
   * The arrivals of closed bucket `bucket` (buckets come in increasing order), its sources'
   * packets (a tally counts for the source whose arrivals in the bucket match its key) and
   * their facts (at most unwatched_ports_kept unwatched ports per source are held).
   */
  void add(int64_t bucket, const std::vector<source_arrival>& arrivals,
           const std::vector<source_tally>& tallies, const std::vector<source_fact>& facts = {});

  /** What `from` holds of `source` (16 bytes), into this one (empty of it): a lookup's copy. */
  void add_source_of(const pending_sources& from, const uint8_t* source);

  /** The texts of indicator facts: hash → "kind value" (kept until take()). */
  void add_texts(const std::unordered_map<uint64_t, std::string>& texts);

  /** Packets of closed buckets whose source brought no arrival there, so no stored source
   *  takes them (its packets had no ports, or its arrivals were dropped). */
  uint64_t untallied() const { return untallied_; }

  /** (source, key) pairs held: what a flush writes. */
  size_t size() const { return pairs_; }
  bool empty() const { return sources_.empty(); }

  /**
   * Everything held, in words, then nothing is.
   * @param names      the names behind series keys
   * @param categories rule slot → its category in the rule file
   * @param width_s    the buckets' width (bucket b spans [b * width_s, (b + 1) * width_s))
   */
  std::vector<source_sighting> take(const series_names& names,
                                    const std::vector<std::string>& categories, uint64_t width_s);

 private:
  struct address {
    uint64_t hi, lo;
    bool operator==(const address& o) const { return hi == o.hi && lo == o.lo; }
  };
  struct hash {
    size_t operator()(const address& a) const {
      return static_cast<size_t>((a.hi * 0x9E3779B97F4A7C15ULL) ^ (a.lo * 0xC2B2AE3D27D4EB4FULL));
    }
  };
  struct span {
    int64_t first = 0;
    int64_t last = 0;
    uint32_t buckets = 0;
  };
  struct keyed_span {
    uint64_t key;
    span when;
  };
  struct fact_span {
    source_fact fact; /**< its source bytes unused: the entry's */
    span when;
  };
  /** A source's span and its keys' (a handful: searched in place), found by one lookup: what
   *  a live lookup copies without walking every pair. */
  struct source_entry {
    span when;
    uint64_t packets = 0;
    std::vector<keyed_span> keys;
    std::vector<fact_span> facts;
  };

  void add_facts(int64_t bucket, const std::vector<source_fact>& facts);

  std::unordered_map<address, source_entry, hash> sources_;
  std::unordered_map<uint64_t, std::string> texts_; /**< indicator facts' texts by hash */
  size_t pairs_ = 0;
  uint64_t untallied_ = 0;
};

}  // namespace scanscope
