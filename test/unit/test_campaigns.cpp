#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <random>
#include <tuple>
#include <vector>

#include "export/campaign_text.hpp"
#include "stats/campaign_detector.hpp"
#include "stats/series_store.hpp"

using namespace scanscope;

namespace {

constexpr uint16_t port = 1;
constexpr uint8_t us = 10;
constexpr uint8_t ru = 20;

/** A bucket with these packets per country (each packet a distinct source). */
bucket_points bucket_of(const std::map<uint8_t, uint64_t>& by_country) {
  bucket_points points;
  for (const auto& [country, packets] : by_country) {
    if (packets != 0) {
      points[series_key::make(series_key::kind::port, port, series_key::all, country)] = {packets,
                                                                                          packets};
    }
  }
  return points;
}

/** A repeatable background: 40 packets a bucket, give or take a third. */
struct noise {
  uint64_t state = 12345;
  uint64_t next(uint64_t mean) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const double unit = static_cast<double>(state >> 11) / static_cast<double>(1ULL << 53);
    return static_cast<uint64_t>(static_cast<double>(mean) * (0.67 + 0.66 * unit));
  }
};

/** Feed `series` (one map per bucket, from bucket 0) to a detector. */
campaign_detector run(const std::vector<bucket_points>& series) {
  campaign_detector d{campaign_settings{}};
  std::map<int64_t, bucket_points> retained;
  for (size_t b = 0; b < series.size(); ++b) {
    retained[static_cast<int64_t>(b)] = series[b];
    d.observe(static_cast<int64_t>(b), series[b], retained);
  }
  return d;
}

std::vector<const campaign*> of_scope(const campaign_detector& d, campaign_scope s) {
  std::vector<const campaign*> out;
  for (const campaign& c : d.campaigns()) {
    if (c.scope == s) {
      out.push_back(&c);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("campaigns: an everyday background opens nothing", "[campaigns]") {
  noise n;
  std::vector<bucket_points> series;
  for (int b = 0; b < 24 * 30; ++b) {
    series.push_back(bucket_of({{us, n.next(40)}, {ru, n.next(3)}}));
  }
  const campaign_detector d = run(series);
  CHECK(d.campaigns().empty());
  CHECK(d.lead_changes().empty());
}

TEST_CASE("campaigns: a wave longer than the baseline window keeps its start and ends once",
          "[campaigns]") {
  noise n;
  std::vector<bucket_points> series;
  // Two days of background, 12 days (288 buckets, more than the 168 of the baseline) of a wave
  // from RU at ten times the port's rate, then background again.
  for (int b = 0; b < 48; ++b) {
    series.push_back(bucket_of({{us, n.next(40)}}));
  }
  for (int b = 0; b < 288; ++b) {
    series.push_back(bucket_of({{us, n.next(40)}, {ru, n.next(400)}}));
  }
  for (int b = 0; b < 48; ++b) {
    series.push_back(bucket_of({{us, n.next(40)}}));
  }
  const campaign_detector d = run(series);
  const auto by_port = of_scope(d, campaign_scope::port);
  REQUIRE(by_port.size() == 1);
  CHECK(by_port[0]->start == 48);
  CHECK(by_port[0]->end == 48 + 288);
  CHECK_FALSE(by_port[0]->ramp);
  // The baseline was taken before the wave: about 40 packets a bucket.
  CHECK(by_port[0]->baseline.median > 30);
  CHECK(by_port[0]->baseline.median < 50);
  CHECK(by_port[0]->drivers.countries.begin()->first == us);
  CHECK(by_port[0]->drivers.countries.rbegin()->first == ru);
  CHECK(by_port[0]->drivers.countries.at(ru) > 5 * by_port[0]->drivers.countries.at(us));
  const auto by_country = of_scope(d, campaign_scope::port_country);
  REQUIRE(by_country.size() == 1);
  CHECK(by_country[0]->dim == ru);
  CHECK(by_country[0]->start == 48);
  CHECK(by_country[0]->end == 48 + 288);
  // RU took the lead when the wave started and gave it back when it ended.
  REQUIRE(d.lead_changes().size() == 2);
  CHECK(d.lead_changes()[0].bucket == 48);
  CHECK(d.lead_changes()[0].from == us);
  CHECK(d.lead_changes()[0].to == ru);
  CHECK(d.lead_changes()[1].bucket == 48 + 288);
  CHECK(d.lead_changes()[1].to == us);
}

TEST_CASE("campaigns: a slow ramp is found and dated from where it began", "[campaigns]") {
  noise n;
  std::vector<bucket_points> series;
  for (int b = 0; b < 72; ++b) {
    series.push_back(bucket_of({{us, n.next(40)}}));
  }
  // From bucket 72 the US traffic grows by 1.5 packets a bucket: it takes 53 buckets to reach
  // three times the median, so only the trend test finds it. The noise (a deviation of about
  // 10) hides the first buckets of the rise: it is dated once it stands two deviations clear,
  // about 13 buckets in.
  for (int b = 0; b < 120; ++b) {
    series.push_back(bucket_of({{us, n.next(40 + b * 3 / 2)}}));
  }
  const campaign_detector d = run(series);
  const auto by_port = of_scope(d, campaign_scope::port);
  REQUIRE(by_port.size() == 1);
  CHECK(by_port[0]->ramp);
  CHECK(by_port[0]->start >= 72 - 2);
  CHECK(by_port[0]->start <= 72 + 16);
  CHECK(by_port[0]->end == -1);
}

TEST_CASE("campaigns: a short burst needs the minimum count and ends after it", "[campaigns]") {
  noise n;
  std::vector<bucket_points> series;
  for (int b = 0; b < 100; ++b) {
    uint64_t ru_packets = 0;
    if (b >= 50 && b < 53) {
      ru_packets = 300;  // a three-bucket burst
    } else if (b >= 80 && b < 83) {
      ru_packets = 30;  // under campaign_settings::min_count: nothing
    }
    series.push_back(bucket_of({{us, n.next(40)}, {ru, ru_packets}}));
  }
  const campaign_detector d = run(series);
  const auto by_country = of_scope(d, campaign_scope::port_country);
  REQUIRE(by_country.size() == 1);
  CHECK(by_country[0]->start == 50);
  CHECK(by_country[0]->end == 53);
  CHECK(by_country[0]->packets == 900);
  CHECK(by_country[0]->peak_sources == 300);
}

TEST_CASE("campaigns: empty buckets skipped in a gap count as zeros", "[campaigns]") {
  campaign_detector d{campaign_settings{}};
  std::map<int64_t, bucket_points> retained;
  noise n;
  for (int64_t b = 0; b < 48; ++b) {
    d.observe(b, bucket_of({{us, n.next(40)}}), retained);
  }
  d.observe(48, bucket_of({{ru, 500}}), retained);
  // A week with nothing at all, then traffic again: the campaign ended with the gap.
  d.observe(48 + 24 * 7, bucket_of({{us, 40}}), retained);
  const auto by_country = of_scope(d, campaign_scope::port_country);
  REQUIRE(by_country.size() == 1);
  CHECK(by_country[0]->end == 49);
}

TEST_CASE("campaigns: a store restored from its buckets detects as the store that closed them",
          "[campaigns]") {
  noise n;
  std::map<int64_t, bucket_points> written;
  for (int64_t b = 0; b < 200; ++b) {
    written[1000 + b] = bucket_of({{us, n.next(40)}, {ru, b >= 100 && b < 150 ? n.next(400) : 0}});
  }
  // One store takes every bucket by restore; the other the first 120, then the rest, as a
  // restart would.
  series_store whole(744, surge_settings{});
  whole.restore(written, false);
  series_store restarted(744, surge_settings{});
  restarted.restore(std::map<int64_t, bucket_points>(written.begin(), written.find(1120)), false);
  restarted.restore(std::map<int64_t, bucket_points>(written.find(1120), written.end()), false);
  const auto& a = whole.campaigns().campaigns();
  const auto& b = restarted.campaigns().campaigns();
  REQUIRE(a.size() == b.size());
  REQUIRE_FALSE(a.empty());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].scope == b[i].scope);
    CHECK(a[i].start == b[i].start);
    CHECK(a[i].end == b[i].end);
    CHECK(a[i].packets == b[i].packets);
  }
  CHECK(a.front().start == 1100);
  CHECK(a.front().end == 1150);
}

TEST_CASE("campaigns: a restored bucket cut short is completed by the next run", "[campaigns]") {
  series_store store(744, surge_settings{});
  std::map<int64_t, bucket_points> written;
  for (int64_t b = 0; b < 30; ++b) {
    written[b] = bucket_of({{us, 40}});
  }
  written[30] = bucket_of({{ru, 30}});  // cut short: the rest of bucket 30 comes next run
  store.restore(written, true);
  CHECK(store.last_closed() == 29);
  bucket_series lcore(64, 1024);
  // Another 30 RU packets from other sources in the same bucket.
  for (uint64_t i = 0; i < 30; ++i) {
    const uint64_t key = series_key::make(series_key::kind::port, port, series_key::all, ru);
    const uint8_t source[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 10, 0, 0, uint8_t(i)};
    lcore.add(30, key, &key, 1, 0x1000 + i, false, source);
  }
  const closed_bucket closed = store.close(30, {&lcore});
  CHECK(closed.detected);
  CHECK(closed.points.size() == 1);
  const uint64_t key = series_key::make(series_key::kind::port, port, series_key::all, ru);
  CHECK(store.buckets().at(30).at(key).packets == 60);
  // 60 packets over a baseline of 0 reach the minimum count only together: a campaign.
  const auto& campaigns = store.campaigns().campaigns();
  REQUIRE(campaigns.size() >= 1);
  CHECK(campaigns.front().start == 30);
}

TEST_CASE("ratios against a median of zero say what they are taken against", "[campaigns]") {
  CHECK(ratio_text(14.4, 43.5) == "14.4 times the median of 43.5 packets a bucket");
  // 568 packets over a median of 0: not "568.0 times the median of 0.0", and no unit left
  // dangling after the parenthesis ("... is 0.0) packets a bucket").
  CHECK(ratio_text(568, 0) ==
        "568 times one packet (the buckets before have a median of 0.0 packets)");
}

TEST_CASE("count keys: one packing, whole fields back, ordered as the fields are",
          "[campaign][keys]") {
  using key = count_key<campaign_scope>;
  const key widest{campaign_scope::port_payload_tool, 0xFFFF, 0xFFFFFFFF, 0xFF};
  const key back = key::of(widest.packed());
  CHECK(back.what == widest.what);
  CHECK(back.port == 0xFFFF);
  CHECK(back.value == 0xFFFFFFFF);  // an AS number of 32 bits keeps all of them
  CHECK(back.country == 0xFF);
  // Maps keyed by the packing list keys by scope, then port, then value, then country.
  std::mt19937 draw(7);
  std::vector<key> keys;
  for (int i = 0; i < 2000; ++i) {
    keys.push_back({static_cast<campaign_scope>(draw() % campaign_scope_count),
                    static_cast<uint16_t>(draw() % 3), static_cast<uint32_t>(draw() % 5),
                    static_cast<uint8_t>(draw() % 3)});
  }
  const auto fields = [](const key& k) {
    return std::tuple(static_cast<int>(k.what), k.port, k.value, k.country);
  };
  for (size_t i = 1; i < keys.size(); ++i) {
    const key& a = keys[i - 1];
    const key& b = keys[i];
    CHECK((a.packed() < b.packed()) == (fields(a) < fields(b)));
    CHECK((a.packed() == b.packed()) == (fields(a) == fields(b)));
  }
  // A campaign key and a series key of the same place differ only in what they count.
  CHECK(
      count_key<series_key::kind>::of(series_key::make(series_key::kind::as, 3, 16509, 0)).value ==
      16509);
}

TEST_CASE("the dense value space: each dimension's values in a range of their own",
          "[campaign][keys]") {
  std::vector<int> owner(dense_values.size, -1);
  size_t dense_rows = 0;
  for (const series_dimension& d : series_dimensions) {
    dense_rows += d.values != 0 ? 1 : 0;
    for (size_t v = 0; v < d.values; ++v) {
      const size_t slot = dense_slot(d.kind, v);
      REQUIRE(slot < dense_values.size);
      INFO(d.name << " value " << v);
      CHECK(owner[slot] == -1);
      owner[slot] = static_cast<int>(d.kind);
    }
  }
  CHECK(std::count(owner.begin(), owner.end(), -1) == 0);  // no slot left unused
  // Clusters, tools, actors, techniques, tools a payload named.
  CHECK(dense_rows == 5);
  CHECK(dense_values.size ==
        max_clusters + 2 * scan_tool_count + actor_slots + scan_technique_count);
}
