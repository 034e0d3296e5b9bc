#pragma once
/**
 * @file
 * Decides when time buckets close and hands them to the series store: a bucket closes once the
 * clock (packet time offline, wall clock live) is past its end plus a grace period for
 * late packets. Buckets no lcore holds (no packet fell in them) are skipped. Surges and
 * campaigns that open or end, and lead changes, are logged.
 */

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "stats/series_store.hpp"

namespace scanscope {

class series_clock {
 public:
  /**
   * @param width_ns   bucket width
   * @param grace_ns   how long after its end a bucket still takes packets
   * @param log        called with what each close found (surges, campaigns, lead changes)
   */
  series_clock(series_store& store, uint64_t width_ns, uint64_t grace_ns,
               std::function<void(const closed_bucket&)> log);

  /**
   * Also call `f` after each bucket closes, with what the close folded (the points this run
   * counted in it, which the series files append, and the arrivals) and whether a stop cut it
   * short. Listeners are called in the order they were added.
   */
  void on_closed(std::function<void(const closed_bucket&, bool)> f) {
    on_closed_.push_back(std::move(f));
  }

  /** The lcores whose buckets are folded (set before the first close). */
  void set_lcores(std::vector<bucket_series*> lcores) { lcores_ = std::move(lcores); }

  /** True when `now_ns` would close at least one bucket. */
  bool due(uint64_t now_ns) const;

  /** Close every bucket whose end plus grace is at or before `now_ns`. */
  void close_until(uint64_t now_ns);

  /**
   * Close every bucket up to and including the one holding `last_ns`.
   * @param partial the last one was cut short (a live run stopped inside it)
   */
  void close_all(uint64_t last_ns, bool partial = false);

  uint64_t width_ns() const { return width_ns_; }
  uint64_t grace_ns() const { return grace_ns_; }

 private:
  void close(int64_t bucket, bool partial);
  /** Close every bucket from next_ to `last` that an lcore holds; skip the others. */
  void close_through(int64_t last, bool partial_last);
  /** The earliest bucket from `from` on that an lcore holds and has not handed over. */
  int64_t next_held(int64_t from) const;

  series_store& store_;
  uint64_t width_ns_;
  uint64_t grace_ns_;
  std::function<void(const closed_bucket&)> log_;
  std::vector<bucket_series*> lcores_;
  std::vector<std::function<void(const closed_bucket&, bool)>> on_closed_;
  int64_t next_ = -1;  // first bucket not closed yet (-1: no time seen yet)
};

}  // namespace scanscope
