#pragma once
/**
 * @file
 * Feeds the source store from a thread of its own: the stats loop hands a closed bucket's
 * arrivals over (a lock and a move) and never waits for SQLite. Buckets are taken in the order
 * they closed; finish() takes what is left before the run ends.
 */

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "export/series_files.hpp"
#include "stats/bucket_series.hpp"
#include "store/source_store.hpp"

namespace scanscope {

/** One closed bucket for the store. */
struct store_bucket {
  uint64_t start_s = 0;
  uint64_t end_s = 0;
  std::vector<source_arrival> arrivals;
  series_names names;                 /**< the names behind its keys when it closed */
  std::vector<std::string> categories; /**< rule slot → category when it closed */
};

class store_feed {
 public:
  explicit store_feed(std::unique_ptr<source_store> store);
  ~store_feed();

  /** Stats side: take a closed bucket after the ones before it. */
  void submit(store_bucket bucket);
  /** Take every bucket submitted so far, then end the thread. */
  void finish();
  /** Wait until every bucket submitted so far is in the store. */
  void drain();

  source_store& store() { return *store_; }
  const source_store& store() const { return *store_; }
  /** Buckets waiting for the store. */
  size_t waiting() const;

 private:
  void run();

  std::unique_ptr<source_store> store_;
  mutable std::mutex lock_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<store_bucket> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace scanscope
