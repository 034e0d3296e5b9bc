#include "stats/series_store.hpp"

#include <algorithm>
#include <utility>

#include "stats/quantile.hpp"

namespace scanscope {

namespace {

/** Detector keys: scope, port and country or cluster. */
uint64_t detector_key(surge_scope scope, uint16_t port, uint16_t dim) {
  return (uint64_t{static_cast<uint8_t>(scope)} << 40) | (uint64_t{port} << 16) | dim;
}

std::vector<std::pair<uint16_t, uint64_t>> top3(const std::map<uint16_t, uint64_t>& counts) {
  std::vector<std::pair<uint16_t, uint64_t>> v(counts.begin(), counts.end());
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (v.size() > 3) {
    v.resize(3);
  }
  return v;
}

}  // namespace

const char* surge_scope_name(surge_scope s) {
  static constexpr const char* names[] = {SCANSCOPE_SURGE_SCOPES(SCANSCOPE_X_NAME)};
  return name_in(names, static_cast<size_t>(s), "?");
}

series_store::series_store(size_t retention, surge_settings settings, campaign_settings campaigns)
    : retention_(retention), settings_(settings), campaigns_(campaigns) {}

closed_bucket series_store::close(int64_t bucket, const std::vector<bucket_series*>& lcores) {
  closed_bucket out;
  out.bucket = bucket;
  for (bucket_series* series : lcores) {
    for (size_t i = 0; i < bucket_series::slots; ++i) {
      series_slot& slot = series->slot(i);
      if (slot.bucket.load(std::memory_order_acquire) != bucket ||
          slot.collected.load(std::memory_order_acquire)) {
        continue;
      }
      slot.entries->for_each([&](uint64_t key, const keyed_entry& entry) {
        series_point& p = out.points[key];
        p.packets += entry.packets.read();
        p.sources += entry.sources.read();
      });
      if (slot.arrivals) {
        const uint32_t n = slot.arrival_count.load(std::memory_order_acquire);
        out.arrivals.insert(out.arrivals.end(), slot.arrivals.get(), slot.arrivals.get() + n);
        slot.tallies->for_each([&](uint64_t key, const keyed_entry& entry) {
          out.tallies.push_back({key, entry.packets.read()});
        });
        const uint32_t facts = slot.fact_count.load(std::memory_order_acquire);
        out.facts.insert(out.facts.end(), slot.facts.get(), slot.facts.get() + facts);
      }
      slot.collected.store(true, std::memory_order_release);
    }
  }
  if (partial_ >= 0 && bucket > partial_) {
    // The cut-short bucket got no more counts: detect it as it is before this one.
    closed_bucket earlier;
    take(std::exchange(partial_, -1), earlier);
  }
  if (bucket <= last_closed_ || bucket == partial_) {
    // Read back from an earlier run: add this run's counts. Distinct sources of the two runs
    // are added too, an upper bound for this one bucket.
    bucket_points& held = buckets_[bucket];
    for (const auto& [key, p] : out.points) {
      held[key].packets += p.packets;
      held[key].sources += p.sources;
    }
    if (bucket != partial_) {
      out.detected = false;
      return out;
    }
    partial_ = -1;
  } else {
    buckets_[bucket] = out.points;
  }
  take(bucket, out);
  return out;
}

void series_store::restore(std::map<int64_t, bucket_points> buckets, bool partial_last,
                           const std::set<int64_t>& lost) {
  const int64_t last = buckets.empty() ? -1 : buckets.rbegin()->first;
  auto gone = lost.begin();
  for (auto& [bucket, points] : buckets) {
    for (; gone != lost.end() && *gone < bucket; ++gone) {
      if (*gone > last_closed_) {
        last_closed_ = *gone;  // no zeros for the surge baseline either
        campaigns_.pass_over(*gone);
      }
    }
    if (bucket <= last_closed_) {
      continue;
    }
    buckets_[bucket] = std::move(points);
    if (partial_last && bucket == last) {
      partial_ = bucket;
      break;
    }
    closed_bucket ignored;
    take(bucket, ignored);
  }
  for (; partial_ < 0 && gone != lost.end(); ++gone) {
    if (*gone > last_closed_) {
      last_closed_ = *gone;
      campaigns_.pass_over(*gone);
    }
  }
}

void series_store::take(int64_t bucket, closed_bucket& out) {
  if (last_closed_ >= 0 && bucket > last_closed_ + 1) {
    // Buckets skipped as empty: the surge baseline sees them as zeros (past its window, more
    // zeros change nothing). The campaign detector counts its own gaps.
    const bucket_points none;
    std::vector<const surge_event*> ignored;
    const int64_t gap =
        std::min<int64_t>(bucket - last_closed_ - 1, static_cast<int64_t>(settings_.window) + 1);
    for (int64_t b = bucket - gap; b < bucket; ++b) {
      detect(b, none, ignored);
    }
  }
  const bucket_points& points = buckets_[bucket];
  detect(bucket, points, out.surges);
  out.campaigns = campaigns_.observe(bucket, points, buckets_);
  while (buckets_.size() > retention_) {
    buckets_.erase(buckets_.begin());
  }
  last_closed_ = bucket;
}

void series_store::detect(int64_t bucket, const bucket_points& points,
                          std::vector<const surge_event*>& changed) {
  // This bucket's packets per detector key, and who drove them.
  std::map<uint64_t, uint64_t> value;
  std::map<uint16_t, std::map<uint16_t, uint64_t>> port_countries, port_clusters;
  std::map<uint64_t, std::map<uint16_t, uint64_t>> cluster_countries, country_clusters;
  for (const auto& [key, p] : points) {
    const uint16_t port = series_key::port_of(key);
    const uint16_t dim = series_key::dim_of(key);
    const uint8_t country = series_key::country_of(key);
    if (series_key::kind_of(key) == series_key::kind::cluster) {
      value[detector_key(surge_scope::port, port, 0)] += p.packets;
      value[detector_key(surge_scope::port_cluster, port, dim)] += p.packets;
      port_clusters[port][dim] += p.packets;
      cluster_countries[detector_key(surge_scope::port_cluster, port, dim)][country] += p.packets;
      country_clusters[detector_key(surge_scope::port_country, port, country)][dim] += p.packets;
    } else if (series_key::kind_of(key) == series_key::kind::port) {
      value[detector_key(surge_scope::port_country, port, country)] += p.packets;
      port_countries[port][country] += p.packets;
    }
  }
  for (const auto& [key, v] : value) {
    if (!history_.count(key)) {
      // A key seen for the first time had nothing in the buckets before.
      history_[key] = std::deque<uint64_t>(std::min(closed_count_, settings_.window), 0);
    }
  }
  for (auto& [key, history] : history_) {
    const auto it = value.find(key);
    const uint64_t packets = it == value.end() ? 0 : it->second;
    bool surging = false;
    double median = 0;
    if (history.size() >= settings_.min_history) {
      std::vector<uint64_t> past(history.begin(), history.end());
      std::sort(past.begin(), past.end());
      median = quantile_of_sorted(past, 0.5);
      const double iqr = quantile_of_sorted(past, 0.75) - quantile_of_sorted(past, 0.25);
      const double threshold =
          std::max(settings_.ratio * std::max(median, 1.0), median + settings_.iqr_k * iqr);
      surging = packets >= settings_.min_count && static_cast<double>(packets) >= threshold;
    }
    const double ratio = static_cast<double>(packets) / std::max(median, 1.0);
    const auto open = open_.find(key);
    if (surging && open == open_.end()) {
      surge_event e;
      e.scope = static_cast<surge_scope>(key >> 40);
      e.port = static_cast<uint16_t>((key >> 16) & 0xFFFF);
      e.dim = static_cast<uint16_t>(key & 0xFFFF);
      e.start = bucket;
      e.packets = packets;
      e.baseline = median;
      e.ratio = ratio;
      e.peak_ratio = ratio;
      if (e.scope == surge_scope::port) {
        e.top_countries = top3(port_countries[e.port]);
        e.top_clusters = top3(port_clusters[e.port]);
      } else if (e.scope == surge_scope::port_cluster) {
        e.top_countries = top3(cluster_countries[key]);
      } else {
        e.top_clusters = top3(country_clusters[key]);
      }
      surges_.push_back(std::move(e));
      open_[key] = surges_.size() - 1;
      changed.push_back(&surges_.back());
    } else if (open != open_.end()) {
      surge_event& e = surges_[open->second];
      if (surging) {
        e.peak_ratio = std::max(e.peak_ratio, ratio);
      } else {
        e.end = bucket;
        changed.push_back(&e);
        open_.erase(open);
      }
    }
    history.push_back(packets);
    while (history.size() > settings_.window) {
      history.pop_front();
    }
  }
  ++closed_count_;
}

}  // namespace scanscope
