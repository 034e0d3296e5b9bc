#pragma once
/**
 * @file
 * The stats side of the time series: closed buckets folded from every RX lcore, kept for a
 * bounded number of buckets, a surge detector and the campaign detector run on each bucket as
 * it closes. Buckets written by an earlier run can be read back first (restore), so a restart
 * keeps its baselines and open campaigns.
 */

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/x_list.hpp"
#include "stats/bucket_series.hpp"
#include "stats/campaign_detector.hpp"

namespace scanscope {

/** Surge detection settings (see docs/report.md). */
struct surge_settings {
  double ratio = 10;        /**< a bucket must reach this many times the baseline median */
  double iqr_k = 3;         /**< ... and the median plus this many interquartile ranges */
  uint64_t min_count = 100; /**< ... and at least this many packets */
  size_t window = 24;       /**< previous buckets the baseline is taken from */
  size_t min_history = 6;   /**< buckets of history before anything can surge */
};

/** What a surge is about. */
/** X(scope, what `dim` holds): where a surge is found. */
#define SCANSCOPE_SURGE_SCOPES(X)       \
  X(port, "a watched port")             \
  X(port_country, "dim: country index") \
  X(port_cluster, "dim: cluster index")

SCANSCOPE_ENUM_OF_LIST(surge_scope, SCANSCOPE_SURGE_SCOPES);

/** Stable name of a surge scope ("port_country"), as in reports and metric labels. */
const char* surge_scope_name(surge_scope s);

/** One surge: opened when a bucket crosses the thresholds, ended by the first that does not. */
struct surge_event {
  surge_scope scope;     /**< port, (port, country) or (port, cluster) */
  uint16_t port = 0;     /**< watched-port index */
  uint16_t dim = 0;      /**< country index or cluster index, per scope */
  int64_t start = 0;     /**< first bucket of the surge */
  int64_t end = -1;      /**< first bucket back under the thresholds (-1: ongoing) */
  uint64_t packets = 0;  /**< packets in the first bucket */
  double baseline = 0;   /**< baseline median when it started */
  double ratio = 0;      /**< packets / max(baseline, 1) in the first bucket */
  double peak_ratio = 0; /**< highest ratio while it lasted */
  std::vector<std::pair<uint16_t, uint64_t>> top_countries; /**< country index, packets */
  std::vector<std::pair<uint16_t, uint64_t>> top_clusters;  /**< cluster index, packets */
};

/** What closing one bucket did. */
struct closed_bucket {
  int64_t bucket = 0;
  bucket_points points;                   /**< what this close folded from the lcores */
  /** The sources that arrived under each key, when the lcores record them (one per key and
   *  source: an lcore holds every packet of a source) */
  std::vector<source_arrival> arrivals;
  std::vector<source_tally> tallies;      /**< each source's packets, with the arrivals */
  std::vector<source_fact> facts;         /**< unwatched ports and answers, with them */
  std::vector<const surge_event*> surges; /**< surges that opened or ended */
  campaign_detector::changes campaigns;   /**< campaigns opened or ended, lead changes */
  bool detected = true; /**< false: the bucket was read back already and was added to */
};

class series_store {
 public:
  /**
   * @param retention buckets kept (older ones are dropped from the store, not from totals)
   */
  series_store(size_t retention, surge_settings settings, campaign_settings campaigns = {});

  /**
   * Fold bucket `bucket` from the lcores' slots that hold it, mark those slots collected, and
   * run the detectors on it. Buckets are closed in increasing order. A bucket the store holds
   * already (read back by restore()) gets the new counts added: the detectors run on it only
   * when it was the restored run's last, cut-short bucket.
   */
  closed_bucket close(int64_t bucket, const std::vector<bucket_series*>& lcores);

  /**
   * Take buckets an earlier run wrote, oldest first, and run the detectors over them as if
   * they had just closed (nothing is reported as new). Call before the first close().
   * @param partial_last the last bucket was cut short by a stop: it is completed by the
   *                     first close() of the same bucket, and detected then
   * @param lost buckets that were counted but whose counts are gone (a day file removed): the
   *             detectors pass over them instead of taking them for silence
   */
  void restore(std::map<int64_t, bucket_points> buckets, bool partial_last,
               const std::set<int64_t>& lost = {});

  /** Closed buckets still retained: bucket → series key → point. */
  const std::map<int64_t, bucket_points>& buckets() const { return buckets_; }
  const std::deque<surge_event>& surges() const { return surges_; }
  const campaign_detector& campaigns() const { return campaigns_; }
  int64_t last_closed() const { return last_closed_; }

 private:
  void detect(int64_t bucket, const bucket_points& points,
              std::vector<const surge_event*>& changed);
  /** Run both detectors on a bucket now in buckets_ and drop buckets past retention. */
  void take(int64_t bucket, closed_bucket& out);

  size_t retention_;
  surge_settings settings_;
  int64_t last_closed_ = -1;
  int64_t partial_ = -1;  // a restored bucket waiting for the rest of its counts
  size_t closed_count_ = 0;
  std::map<int64_t, bucket_points> buckets_;
  /** Per detector key: the packets of the previous buckets, oldest first. */
  std::map<uint64_t, std::deque<uint64_t>> history_;
  /** Per detector key: the surge that is open, as an index into surges_. */
  std::map<uint64_t, size_t> open_;
  std::deque<surge_event> surges_;
  campaign_detector campaigns_;
};

}  // namespace scanscope
