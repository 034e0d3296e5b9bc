#pragma once
/**
 * @file
 * Feeds the source store from a thread of its own: the stats loop hands a closed bucket's
 * arrivals over (a lock and a move) and never waits for SQLite. Buckets are merged in memory
 * (pending_sources) and written every few seconds, or sooner when many are waiting, so a source
 * that shows every hour costs one upsert per write rather than one per hour; drain() and
 * finish() write everything.
 */

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "export/series_files.hpp"
#include "stats/bucket_series.hpp"
#include "store/pending_sources.hpp"
#include "store/source_store.hpp"

namespace scanscope {

/** One closed bucket for the store. */
struct store_bucket {
  int64_t bucket = 0;
  std::vector<source_arrival> arrivals;
  std::vector<source_tally> tallies;   /**< its sources' packets */
  std::vector<source_fact> facts;      /**< its sources' unwatched ports and answers */
  series_names names;                  /**< the names behind its keys when it closed */
  std::vector<std::string> categories; /**< rule slot → category when it closed */
  /** The indicators its facts name: hash → "kind value" (the lcores' tables hold the text) */
  std::unordered_map<uint64_t, std::string> indicator_texts;
};

/** What the store has not taken yet of one source: for a lookup to add to the store's answer. */
struct unwritten_source {
  /** Its sighting in the write under way (the store may hold it already: compare last_seen). */
  std::optional<source_sighting> writing;
  /** Its closed buckets merged or queued, not yet written (later than `writing`). */
  pending_sources waiting;
};

class store_feed {
 public:
  /**
   * @param width_s    the buckets' width in seconds
   * @param write_every longest a closed bucket waits in memory before it is written
   */
  store_feed(std::unique_ptr<source_store> store, uint64_t width_s,
             std::chrono::milliseconds write_every = std::chrono::seconds(5));
  ~store_feed();

  /** Stats side: take a closed bucket after the ones before it. */
  void submit(store_bucket bucket);
  /** Wait until every bucket submitted so far is written to the store. */
  void drain();
  /** drain(), then end the thread. */
  void finish();

  uint64_t width_s() const { return width_s_; }
  source_store& store() { return *store_; }
  const source_store& store() const { return *store_; }
  /** Buckets handed over and not yet written. */
  size_t waiting() const;

  /**
   * What is not written yet of `source` (16 bytes; `address` its canonical text). Waits at most
   * for one bucket's merge or the start of a write, never for SQLite.
   */
  unwritten_source unwritten(const uint8_t* source, const std::string& address) const;
  /** Packets of closed buckets no source took (pending_sources::untallied). */
  uint64_t untallied() const;
  /** How many times merged buckets were taken into a write (see unwritten_lookup). */
  uint64_t generation() const;

 private:
  void run();
  /** Write what is pending (the lock is not held). */
  void write(const series_names& names, const std::vector<std::string>& categories);

  std::unique_ptr<source_store> store_;
  // Lookups see every closed bucket in exactly one place: queued, merged (pending_), being
  // written (writing_), or in the store. view_lock_ is taken before lock_, never after.
  mutable std::mutex view_lock_;
  std::vector<source_sighting> writing_;  // sorted by address (view_lock_)
  uint64_t generation_ = 0;               // writes begun (view_lock_)
  uint64_t width_s_;
  std::chrono::milliseconds write_every_;
  pending_sources pending_;     // the thread's; changed under view_lock_
  size_t pending_buckets_ = 0;  // merged, not written (under lock_)
  mutable std::mutex lock_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<store_bucket> queue_;
  bool busy_ = false;
  bool write_now_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace scanscope
