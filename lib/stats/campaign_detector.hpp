#pragma once
/**
 * @file
 * Campaigns: waves of scanning with a start and an end, per port, per (port, country) and per
 * (port, value) of every dimension with a campaign scope (series_dimensions.hpp: cluster, tool,
 * signature, fingerprint key, AS, tool by payload), found on each closed bucket against a baseline
 * taken before the wave and frozen while it lasts; and lead changes, when another country or value
 * of a dimension with a lead takes over a port's sources and holds the lead. See docs/report.md
 * ("Campaigns") for the tests and the reason behind each constant.
 */

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "common/x_list.hpp"
#include "stats/bucket_series.hpp"

namespace scanscope {

/** Packets and distinct sources of one series key in one bucket. */
struct series_point {
  uint64_t packets = 0; /**< packets */
  uint64_t sources = 0; /**< distinct sources */

  bool operator==(const series_point& o) const {
    return packets == o.packets && sources == o.sources;
  }
};

/** A closed bucket: series key → point. */
using bucket_points = std::map<uint64_t, series_point>;

/** Campaign detection settings; the defaults assume hourly buckets. */
struct campaign_settings {
  /** A bucket opens a campaign at this many times the baseline median: well above the
   *  everyday swing of a port (the seeds' background varies by about a third hour to hour). */
  double ratio = 3;
  /** ... and above the median plus this many robust deviations (IQR / 1.349, at least the
   *  square root of the median, the spread of a count): a chance excess is not a wave. */
  double band_k = 5;
  /** ... and with at least this many packets: a handful of probes is no campaign. */
  uint64_t min_count = 50;
  /** Baseline buckets (7 days of hours): long enough that a weekly rhythm is the norm. */
  size_t window = 168;
  /** Buckets of history before anything can open (a day of hours). */
  size_t min_history = 24;
  /** A campaign ends after this many buckets in a row back under median + 3 deviations; its
   *  end is the first of them (one quiet hour inside a wave is not its end). */
  size_t end_buckets = 3;
  /** Trend test (one-sided CUSUM in deviations): drift ignored per bucket ... */
  double cusum_slack = 1;
  /** ... and the sum that makes a ramp, once a bucket is also ramp_ratio times the median and
   *  at least min_count: a slow take-over that never jumps by `ratio` in one bucket. */
  double cusum_limit = 12;
  double ramp_ratio = 2; /**< see cusum_limit */
  /** Slack of a second CUSUM that dates a campaign's start: a sparse count (a median of 0 with
   *  the odd 1 or 2) keeps the first one from falling back to zero for hours before a wave,
   *  this one drops to zero on any bucket not clearly above the band. */
  double dating_slack = 2;
  /** A new leader of a port's sources must lead this many buckets in a row (6 hours). */
  size_t lead_hold = 6;
  /** ... with at least this many times the old leader's sources in each of them: two
   *  countries or tools at par trade places by chance, which is no take-over. */
  double lead_margin = 1.2;
  /** Buckets with fewer sources on the port elect no leader. */
  uint64_t lead_min_sources = 10;
};

/** Stable name of a scope ("port_country"), as in reports and metric labels. */
const char* campaign_scope_name(campaign_scope s);

/** Who drove a campaign, summed over its buckets: value → packets, per dimension. */
struct campaign_drivers {
  std::map<uint32_t, uint64_t> countries; /**< country index */
  /** By series kind (series_dimensions.hpp): cluster index, scan_tool, rule slot (hits),
   *  fingerprint_short, AS number, ... */
  std::map<uint32_t, uint64_t> by_kind[series_key::kind_limit];

  std::map<uint32_t, uint64_t>& of(series_key::kind k) { return by_kind[static_cast<size_t>(k)]; }
  const std::map<uint32_t, uint64_t>& of(series_key::kind k) const {
    return by_kind[static_cast<size_t>(k)];
  }
};

/** The baseline a campaign was measured against, frozen when it opened. */
struct campaign_baseline {
  double median = 0;    /**< median packets per bucket */
  double iqr = 0;       /**< interquartile range */
  double deviation = 1; /**< robust deviation used by the tests */
  double threshold = 0; /**< packets a bucket needed to open a campaign by itself */
  size_t buckets = 0;   /**< buckets it was taken from */
};

struct campaign {
  campaign_scope scope = campaign_scope::port;
  uint16_t port = 0;         /**< watched-port index */
  uint32_t dim = 0;          /**< per scope */
  int64_t start = 0;         /**< first bucket of the wave */
  int64_t end = -1;          /**< first bucket back to normal (-1: ongoing) */
  int64_t peak = 0;          /**< bucket with the most packets */
  double peak_ratio = 0;     /**< its packets / max(median, 1) */
  uint64_t packets = 0;      /**< packets in the wave's buckets */
  uint64_t peak_sources = 0; /**< most distinct sources in one bucket (a lower bound of all) */
  bool ramp = false;         /**< opened by the trend test, not by one bucket */
  campaign_baseline baseline;
  campaign_drivers drivers;
};

const char* lead_dimension_name(lead_dimension d);

/** Another country, cluster, tool or AS took over a port's distinct sources and held the lead. */
struct lead_change {
  uint16_t port = 0; /**< watched-port index */
  lead_dimension dimension = lead_dimension::country;
  int64_t bucket = 0; /**< first bucket the new leader led */
  uint32_t from = 0;  /**< previous leader */
  uint32_t to = 0;    /**< new leader */
};

class campaign_detector {
 public:
  explicit campaign_detector(campaign_settings settings) : settings_(settings) {}

  /** What one call to observe() changed. */
  struct changes {
    std::vector<size_t> opened;       /**< indexes into campaigns() */
    std::vector<size_t> ended;        /**< indexes into campaigns() */
    std::vector<size_t> lead_changes; /**< indexes into lead_changes() */
  };

  /**
   * Take one closed bucket. Buckets come in increasing order; buckets skipped since the last
   * one count as empty (at most `window` of them are looked at: more all read as zero).
   * @param retained the buckets still held, to sum a ramp's buckets before it was confirmed
   */
  changes observe(int64_t bucket, const bucket_points& points,
                  const std::map<int64_t, bucket_points>& retained);

  /**
   * A bucket that was counted but whose counts are lost (a series day file gone): passed over,
   * neither seen nor taken for silence, so it does not end the campaigns open across it.
   */
  void pass_over(int64_t bucket) { last_bucket_ = std::max(last_bucket_, bucket); }

  const std::deque<campaign>& campaigns() const { return campaigns_; }
  const std::vector<lead_change>& lead_changes() const { return lead_changes_; }
  /** Campaigns started per scope (never decreases). */
  const uint64_t* started() const { return started_; }
  const campaign_settings& settings() const { return settings_; }

 private:
  struct key_state {
    std::deque<uint64_t> history; /**< baseline buckets, oldest first; frozen in a campaign */
    double cusum = 0;             /**< the trend test's sum */
    double rise = 0;              /**< the dating sum (campaign_settings::dating_slack) */
    int64_t rise_start = -1;      /**< first bucket of the dating sum's current excursion */
    long open = -1;               /**< index of the open campaign */
    size_t calm = 0;              /**< buckets in a row back under the band */
    int64_t calm_since = -1;
  };
  struct lead_state {
    long leader = -1;
    long candidate = -1;
    int64_t candidate_since = 0;
    size_t streak = 0;
  };

  void step_key(uint64_t key, key_state& s, int64_t bucket, const series_point& now,
                const bucket_points& points, const std::map<int64_t, bucket_points>& retained,
                changes& out);
  /** A bucket of a key with an open campaign: its packets, peak and drivers; its end. */
  void extend_campaign(uint64_t key, key_state& s, int64_t bucket, const series_point& now,
                       const bucket_points& points, changes& out);
  /** A step or ramp opens a campaign: dated, its rising buckets taken out of the baseline and
   *  counted in. */
  void open_campaign(uint64_t key, key_state& s, int64_t bucket, const series_point& now,
                     const bucket_points& points, const std::map<int64_t, bucket_points>& retained,
                     bool ramp, double threshold, changes& out);
  void elect(uint16_t port, lead_dimension d, const std::map<uint32_t, uint64_t>& sources,
             int64_t bucket, changes& out);

  campaign_settings settings_;
  int64_t last_bucket_ = -1;
  size_t observed_ = 0;
  std::map<uint64_t, key_state> keys_;
  std::map<uint64_t, lead_state> leads_; /**< by count_key<lead_dimension> (dimension, port) */
  std::deque<campaign> campaigns_;
  std::vector<lead_change> lead_changes_;
  uint64_t started_[campaign_scope_count] = {};
};

/** Detector key of (scope, port, dim). */
constexpr uint64_t campaign_key(campaign_scope scope, uint16_t port, uint32_t dim) {
  return count_key<campaign_scope>{scope, port, dim, 0}.packed();
}

/**
 * The packets and distinct sources of every campaign key in one bucket (distinct sources add
 * up over countries because each source has one country).
 */
std::map<uint64_t, series_point> campaign_values(const bucket_points& points);

/** Add what drove `key` in one bucket to `drivers`. */
void add_drivers(uint64_t key, const bucket_points& points, campaign_drivers& drivers);

}  // namespace scanscope
