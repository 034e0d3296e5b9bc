#include "stats/campaign_detector.hpp"

#include <algorithm>
#include <cmath>

#include "stats/quantile.hpp"

namespace scanscope {

namespace {

using campaign_count = count_key<campaign_scope>;
using lead_key = count_key<lead_dimension>;

/** A campaign ends once buckets are back under median + this many deviations. */
constexpr double end_band_k = 3;

struct baseline_stats {
  double median = 0;
  double iqr = 0;
  double deviation = 1;
};

baseline_stats stats_of(const std::deque<uint64_t>& history) {
  baseline_stats b;
  if (history.empty()) {
    return b;
  }
  std::vector<uint64_t> v(history.begin(), history.end());
  std::sort(v.begin(), v.end());
  b.median = quantile_of_sorted(v, 0.5);
  b.iqr = quantile_of_sorted(v, 0.75) - quantile_of_sorted(v, 0.25);
  // IQR / 1.349 is the standard deviation of a normal sample; a count's own spread is at
  // least the square root of its mean, which keeps a flat history from making any blip a wave.
  b.deviation = std::max(b.iqr / 1.349, std::sqrt(std::max(b.median, 1.0)));
  return b;
}

/** The row of a kind whose campaigns are watched per (port, value); null for the port's own
 *  entries and for kinds without a campaign scope (actors). */
const series_dimension* dimension_with_scope(series_key::kind kind) {
  const series_dimension& d = dimension_of(kind);
  return d.has_scope && kind != series_key::kind::port ? &d : nullptr;
}

/** Whether a point belongs to the slice of traffic a campaign key stands for. */
bool in_slice(campaign_scope scope, uint32_t dim, series_key::kind kind, uint32_t point_dim,
              uint8_t country) {
  if (scope == campaign_scope::port) {
    return true;
  }
  if (scope == campaign_scope::port_country) {
    return series_key::has_country(kind) && country == dim;
  }
  const series_dimension* d = dimension_with_scope(kind);
  return d != nullptr && d->scope == scope && point_dim == dim;
}

}  // namespace

const char* campaign_scope_name(campaign_scope s) {
  static constexpr const char* names[] = {SCANSCOPE_CAMPAIGN_SCOPES(SCANSCOPE_X_NAME)};
  return name_in(names, static_cast<size_t>(s), "?");
}

const char* lead_dimension_name(lead_dimension d) {
  static constexpr const char* names[] = {SCANSCOPE_LEAD_DIMENSIONS(SCANSCOPE_X_NAME)};
  return name_in(names, static_cast<size_t>(d), "?");
}

std::map<uint64_t, series_point> campaign_values(const bucket_points& points) {
  std::map<uint64_t, series_point> values;
  auto add = [&](campaign_scope s, uint16_t port, uint32_t dim, const series_point& p) {
    series_point& v = values[campaign_key(s, port, dim)];
    v.packets += p.packets;
    v.sources += p.sources;
  };
  for (const auto& [key, p] : points) {
    const uint16_t port = series_key::port_of(key);
    const uint32_t dim = series_key::dim_of(key);
    const auto kind = series_key::kind_of(key);
    if (kind == series_key::kind::port) {
      add(campaign_scope::port, port, 0, p);
      add(campaign_scope::port_country, port, series_key::country_of(key), p);
    } else if (const series_dimension* d = dimension_with_scope(kind)) {
      add(d->scope, port, dim, p);
    }
  }
  return values;
}

void add_drivers(uint64_t key, const bucket_points& points, campaign_drivers& d) {
  const campaign_count at = campaign_count::of(key);
  const campaign_scope scope = at.what;
  const uint16_t port = at.port;
  const uint32_t dim = at.value;
  // Countries come from the per-country entries for the whole port or one country, and from
  // the matched entries themselves for a cluster, tool or signature.
  const bool countries_from_port =
      scope == campaign_scope::port || scope == campaign_scope::port_country;
  for (const auto& [k, p] : points) {
    if (series_key::port_of(k) != port) {
      continue;
    }
    const auto kind = series_key::kind_of(k);
    const uint32_t point_dim = series_key::dim_of(k);
    const uint8_t country = series_key::country_of(k);
    if (!in_slice(scope, dim, kind, point_dim, country)) {
      continue;
    }
    if (kind == series_key::kind::port) {
      d.countries[country] += p.packets;
    } else if (dimension_with_scope(kind) != nullptr) {
      d.of(kind)[point_dim] += p.packets;
    }
    if (!countries_from_port && series_key::has_country(kind)) {
      d.countries[country] += p.packets;
    }
  }
}

campaign_detector::changes campaign_detector::observe(
    int64_t bucket, const bucket_points& points, const std::map<int64_t, bucket_points>& retained) {
  changes out;
  static const bucket_points empty;
  if (last_bucket_ >= 0 && bucket > last_bucket_ + 1) {
    // After window + end_buckets empty buckets every campaign has ended and every history
    // reads zero: further empty buckets change nothing, so a long gap costs no more.
    const int64_t gap =
        std::min<int64_t>(bucket - last_bucket_ - 1,
                          static_cast<int64_t>(settings_.window + settings_.end_buckets + 1));
    const int64_t first_empty = last_bucket_ + 1;
    for (int64_t b = first_empty; b < first_empty + gap; ++b) {
      const changes quiet = observe(b, empty, retained);
      out.ended.insert(out.ended.end(), quiet.ended.begin(), quiet.ended.end());
      out.lead_changes.insert(out.lead_changes.end(), quiet.lead_changes.begin(),
                              quiet.lead_changes.end());
    }
  }
  const std::map<uint64_t, series_point> values = campaign_values(points);
  for (const auto& [key, v] : values) {
    if (v.packets != 0 && !keys_.count(key)) {
      // A key seen for the first time had nothing in the buckets before.
      keys_[key].history.assign(std::min(observed_, settings_.window), 0);
    }
  }
  for (auto it = keys_.begin(); it != keys_.end();) {
    const auto v = values.find(it->first);
    const series_point now = v == values.end() ? series_point{} : v->second;
    step_key(it->first, it->second, bucket, now, points, retained, out);
    const key_state& s = it->second;
    // A key with an all-zero history and nothing open is the same as one never seen.
    const bool idle =
        s.open < 0 && s.cusum == 0 && s.rise == 0 &&
        std::all_of(s.history.begin(), s.history.end(), [](uint64_t x) { return x == 0; });
    it = idle ? keys_.erase(it) : std::next(it);
  }
  // Leaders by distinct sources per port: countries from the port's own entries, the other
  // lead dimensions from their kinds' entries.
  std::map<uint16_t, std::map<uint32_t, uint64_t>> by[lead_dimension_count];
  for (const auto& [key, p] : points) {
    const uint16_t port = series_key::port_of(key);
    const series_key::kind kind = series_key::kind_of(key);
    if (kind == series_key::kind::port) {
      by[static_cast<size_t>(lead_dimension::country)][port][series_key::country_of(key)] +=
          p.sources;
    } else if (const series_dimension& d = dimension_of(kind); d.has_lead) {
      by[static_cast<size_t>(d.lead)][port][series_key::dim_of(key)] += p.sources;
    }
  }
  for (size_t d = 0; d < lead_dimension_count; ++d) {
    for (auto& [key, state] : leads_) {
      // Ports with no traffic in this bucket break a candidate's streak.
      const lead_key at = lead_key::of(key);
      if (static_cast<size_t>(at.what) == d && !by[d].count(at.port)) {
        state.candidate = -1;
        state.streak = 0;
      }
    }
    for (const auto& [port, sources] : by[d]) {
      elect(port, static_cast<lead_dimension>(d), sources, bucket, out);
    }
  }
  last_bucket_ = bucket;
  ++observed_;
  return out;
}

void campaign_detector::step_key(uint64_t key, key_state& s, int64_t bucket,
                                 const series_point& now, const bucket_points& points,
                                 const std::map<int64_t, bucket_points>& retained, changes& out) {
  if (s.open >= 0) {
    extend_campaign(key, s, bucket, now, points, out);
    return;  // the baseline stays frozen while the campaign is open
  }
  const uint64_t x = now.packets;
  if (s.history.size() < settings_.min_history) {
    s.history.push_back(x);
    return;
  }
  baseline_stats b = stats_of(s.history);
  const double fx = static_cast<double>(x);
  const double z = (fx - b.median) / b.deviation;
  s.cusum = std::max(0.0, s.cusum + z - settings_.cusum_slack);
  s.rise = std::max(0.0, s.rise + z - settings_.dating_slack);
  if (s.rise == 0) {
    s.rise_start = -1;
  } else if (s.rise_start < 0) {
    s.rise_start = bucket;
  }
  const double floor = std::max(b.median, 1.0);
  const double threshold =
      std::max({settings_.ratio * floor, b.median + settings_.band_k * b.deviation,
                static_cast<double>(settings_.min_count)});
  const bool step = fx >= threshold;
  const bool ramp =
      !step && s.cusum >= settings_.cusum_limit &&
      fx >= std::max(settings_.ramp_ratio * floor, static_cast<double>(settings_.min_count));
  if (!step && !ramp) {
    s.history.push_back(x);
    while (s.history.size() > settings_.window) {
      s.history.pop_front();
    }
    return;
  }
  open_campaign(key, s, bucket, now, points, retained, ramp, threshold, out);
}

void campaign_detector::extend_campaign(uint64_t key, key_state& s, int64_t bucket,
                                        const series_point& now, const bucket_points& points,
                                        changes& out) {
  const uint64_t x = now.packets;
  campaign& c = campaigns_[static_cast<size_t>(s.open)];
  c.packets += x;
  c.peak_sources = std::max(c.peak_sources, now.sources);
  const double ratio = static_cast<double>(x) / std::max(c.baseline.median, 1.0);
  if (ratio > c.peak_ratio) {
    c.peak_ratio = ratio;
    c.peak = bucket;
  }
  add_drivers(key, points, c.drivers);
  const double band = c.baseline.median + end_band_k * c.baseline.deviation;
  if (static_cast<double>(x) <= band) {
    if (s.calm++ == 0) {
      s.calm_since = bucket;
    }
    if (s.calm >= settings_.end_buckets) {
      c.end = s.calm_since;
      out.ended.push_back(static_cast<size_t>(s.open));
      s.open = -1;
      s.calm = 0;
      s.cusum = 0;
      s.rise = 0;
      s.rise_start = -1;
    }
  } else {
    s.calm = 0;
  }
}

void campaign_detector::open_campaign(uint64_t key, key_state& s, int64_t bucket,
                                      const series_point& now, const bucket_points& points,
                                      const std::map<int64_t, bucket_points>& retained, bool ramp,
                                      double threshold, changes& out) {
  campaign c;
  const campaign_count at = campaign_count::of(key);
  c.scope = at.what;
  c.port = at.port;
  c.dim = at.value;
  c.ramp = ramp;
  // Its start is where the dating sum's excursion began: the bucket itself for a step out of
  // a quiet baseline, the first clearly rising bucket for a ramp or a trickle grown into a step.
  c.start = s.rise_start >= 0 ? s.rise_start : bucket;
  // The ramp's buckets before it was confirmed belong to the wave, not to the baseline.
  const auto rising = static_cast<size_t>(bucket - c.start);
  for (size_t i = 0; i < rising && s.history.size() > settings_.min_history; ++i) {
    s.history.pop_back();
  }
  const baseline_stats b = stats_of(s.history);
  c.baseline = {b.median, b.iqr, b.deviation, threshold, s.history.size()};
  auto take = [&](int64_t at, const bucket_points& p) {
    series_point v = now;
    if (at != bucket) {
      const auto values = campaign_values(p);
      const auto found = values.find(key);
      v = found == values.end() ? series_point{} : found->second;
    }
    const uint64_t packets = v.packets;
    const uint64_t sources = v.sources;
    c.packets += packets;
    c.peak_sources = std::max(c.peak_sources, sources);
    const double r = static_cast<double>(packets) / std::max(b.median, 1.0);
    if (r > c.peak_ratio) {
      c.peak_ratio = r;
      c.peak = at;
    }
    add_drivers(key, p, c.drivers);
  };
  for (int64_t at = c.start; at < bucket; ++at) {
    const auto found = retained.find(at);
    if (found != retained.end()) {
      take(at, found->second);
    }
  }
  take(bucket, points);
  campaigns_.push_back(std::move(c));
  s.open = static_cast<long>(campaigns_.size() - 1);
  s.calm = 0;
  ++started_[static_cast<size_t>(campaigns_.back().scope)];
  out.opened.push_back(campaigns_.size() - 1);
}

void campaign_detector::elect(uint16_t port, lead_dimension d,
                              const std::map<uint32_t, uint64_t>& sources, int64_t bucket,
                              changes& out) {
  lead_state& s = leads_[lead_key{d, port}.packed()];
  uint64_t total = 0;
  long best = -1;
  uint64_t best_sources = 0;
  for (const auto& [index, n] : sources) {
    total += n;
    if (n > best_sources) {
      best_sources = n;
      best = index;
    }
  }
  const auto held = s.leader < 0 ? sources.end() : sources.find(static_cast<uint32_t>(s.leader));
  const double old_sources = held == sources.end() ? 0.0 : static_cast<double>(held->second);
  if (total < settings_.lead_min_sources || best < 0 || best == s.leader ||
      static_cast<double>(best_sources) < settings_.lead_margin * old_sources) {
    s.candidate = -1;
    s.streak = 0;
    return;
  }
  if (best != s.candidate) {
    s.candidate = best;
    s.candidate_since = bucket;
    s.streak = 0;
  }
  if (++s.streak < settings_.lead_hold) {
    return;
  }
  if (s.leader >= 0) {
    lead_changes_.push_back(
        {port, d, s.candidate_since, static_cast<uint32_t>(s.leader), static_cast<uint32_t>(best)});
    out.lead_changes.push_back(lead_changes_.size() - 1);
  }
  s.leader = best;
  s.candidate = -1;
  s.streak = 0;
}

}  // namespace scanscope
