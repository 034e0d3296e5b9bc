// A live lookup sees what the source store has not taken yet: the lcores' open buckets, the
// closed buckets queued or merged in the feed, and the write under way; added in memory the way
// the store adds them (the store itself is the oracle).
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>

#include "temp_dir.hpp"
#include "runtime/source_queries.hpp"
#include "stats/bucket_series.hpp"
#include "stats/series_dimensions.hpp"
#include "stats/watched_ports.hpp"
#include "store/store_feed.hpp"

using namespace scanscope;
using scanscope::test::temp_dir;

namespace {

constexpr uint64_t hour = 3600;
constexpr uint64_t t0 = 1515369600;  // 2018-01-08T00:00:00Z
const int64_t b0 = static_cast<int64_t>(t0 / hour);
const uint8_t scanner[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 198, 51, 100, 7};
const uint8_t other[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 198, 51, 100, 8};

std::unique_ptr<source_store> open_store(const std::string& path) {
  std::string error, notice;
  auto store = source_store::open({path, 100, 744 * hour}, error, notice);
  INFO(error);
  REQUIRE(store);
  return store;
}

source_sighting sighting(uint64_t bucket_start, uint64_t buckets, std::vector<source_activity> a,
                         const std::string& country = "KR") {
  source_sighting s;
  s.address = "198.51.100.7";
  s.first_seen = bucket_start;
  s.first_end = bucket_start + hour;
  s.last_seen = bucket_start + buckets * hour;
  s.buckets = buckets;
  s.country = country;
  s.activity = std::move(a);
  return s;
}

source_activity port(uint16_t p) { return {"port", p, "tcp", "", "", 0, 0}; }
source_activity exploit(uint16_t p, const char* name) {
  return {"signature", p, "tcp", name, "exploit", 0, 0};
}

void same(const stored_source& got, const stored_source& want) {
  CHECK(got.address == want.address);
  CHECK(got.first_seen == want.first_seen);
  CHECK(got.last_seen == want.last_seen);
  CHECK(got.buckets == want.buckets);
  CHECK(got.country == want.country);
  CHECK(got.asn == want.asn);
  CHECK(got.actor == want.actor);
  REQUIRE(got.activity.size() == want.activity.size());
  for (size_t i = 0; i < got.activity.size(); ++i) {
    CHECK(got.activity[i].what.kind == want.activity[i].what.kind);
    CHECK(got.activity[i].what.port == want.activity[i].what.port);
    CHECK(got.activity[i].what.value == want.activity[i].what.value);
    CHECK(got.activity[i].what.category == want.activity[i].what.category);
    CHECK(got.activity[i].first_seen == want.activity[i].first_seen);
    CHECK(got.activity[i].last_seen == want.activity[i].last_seen);
  }
}

struct claymore_ports {
  watched_ports ports;
  series_names names;
  uint16_t p3333, p52869;
};

claymore_ports two_ports() {
  std::string error;
  auto ports = watched_ports::build(
      {{3333, transport::tcp, "claymore"}, {52869, transport::tcp, "upnp"}}, error);
  REQUIRE(ports);
  claymore_ports c{std::move(*ports), {}, 0, 0};
  c.names.ports = &c.ports;
  c.names.signatures = {"claymore-getstat1", "realtek-upnp-addportmapping"};
  c.names.countries = {"ZZ", "KR"};
  c.p3333 = c.ports.index(transport::tcp, 3333);
  c.p52869 = c.ports.index(transport::tcp, 52869);
  return c;
}

/** The first hour's closed bucket: the scanner arrived on 52869. */
store_bucket bucket_b0(const claymore_ports& c) {
  store_bucket b;
  b.bucket = b0;
  b.names = c.names;
  b.categories = {"recon", "exploit"};
  source_arrival a{};
  std::memcpy(a.source, scanner, 16);
  a.key = series_key::make(series_key::kind::port, c.p52869, series_key::all, 1);
  b.arrivals.push_back(a);
  return b;
}

/** What a live lookup asks the feed: what it has not written yet, merged as the store merges. */
unwritten_lookup lookup_in(store_feed& feed, const claymore_ports& c) {
  unwritten_lookup from_feed;
  from_feed.generation = [&feed] { return feed.generation(); };
  from_feed.find = [&feed, &c](const std::string& address, const uint8_t* source) {
    unwritten_source u = feed.unwritten(source, address);
    unwritten_sightings out;
    out.writing = u.writing;
    auto taken = u.waiting.take(c.names, {"recon", "exploit"}, hour);
    if (!taken.empty()) {
      out.recent = taken.front();
    }
    return out;
  };
  return from_feed;
}

}  // namespace

TEST_CASE("a sighting added in memory is what the store makes of it") {
  temp_dir dir;
  auto store = open_store(dir.file("s.db"));
  const source_sighting first = sighting(t0, 1, {port(3333)});
  // Later buckets, and again a first bucket the store has (a restart completing it).
  const source_sighting later =
      sighting(t0 + 5 * hour, 2, {port(3333), port(52869), exploit(52869, "realtek")}, "");
  const source_sighting again = sighting(t0 + 6 * hour, 1, {port(52869)}, "CN");

  stored_source in_memory;
  add_sighting(in_memory, first);
  store->add({first});
  same(in_memory, *store->lookup("198.51.100.7"));
  for (const source_sighting& x : {later, again}) {
    add_sighting(in_memory, x);
    store->add({x});
    same(in_memory, *store->lookup("198.51.100.7"));
  }
  CHECK(in_memory.buckets == 3);
  CHECK(in_memory.country == "CN");
}

TEST_CASE("the lcores' open buckets: a source's arrivals until the bucket is folded") {
  const claymore_ports c = two_ports();
  bucket_series lcore(64, 1024, 16);
  const uint64_t on_3333 = series_key::make(series_key::kind::port, c.p3333, series_key::all, 1);
  const uint64_t on_52869 =
      series_key::make(series_key::kind::port, c.p52869, series_key::all, 1);
  lcore.add(b0, 1, &on_3333, 1, 0xA, false, scanner);
  lcore.add(b0 + 1, 2, &on_52869, 1, 0xA, false, scanner);
  lcore.add(b0 + 1, 3, &on_52869, 1, 0xB, false, other);
  std::vector<std::pair<int64_t, uint64_t>> seen;
  lcore.open_arrivals(scanner, seen);
  std::sort(seen.begin(), seen.end());
  CHECK(seen == std::vector<std::pair<int64_t, uint64_t>>{{b0, on_3333}, {b0 + 1, on_52869}});
  // Folded, a bucket is the feed's to tell.
  series_store folded(24, surge_settings{});
  folded.close(b0, {&lcore});
  seen.clear();
  lcore.open_arrivals(scanner, seen);
  CHECK(seen == std::vector<std::pair<int64_t, uint64_t>>{{b0 + 1, on_52869}});
}

TEST_CASE("a lookup finds a source the feed has not written yet, then in the store") {
  const claymore_ports c = two_ports();
  temp_dir dir;
  // Writes only when drained: the bucket stays unwritten for the lookups below.
  store_feed feed(open_store(dir.file("s.db")), hour, std::chrono::hours(1));
  store_bucket b = bucket_b0(c);
  source_arrival a = b.arrivals.front();
  a.key = series_key::make(series_key::kind::signature, c.p52869, 1, 1);
  b.arrivals.push_back(a);
  std::memcpy(a.source, other, 16);
  b.arrivals.push_back(a);
  feed.submit(std::move(b));

  const unwritten_lookup from_feed = lookup_in(feed, c);
  CHECK_FALSE(feed.store().lookup("198.51.100.7"));
  CHECK(source_lookup("198.51.100.7", feed.store()).status == 404);
  const http_response live = source_lookup("198.51.100.7", feed.store(), from_feed);
  CHECK(live.status == 200);
  CHECK(live.body.find("\"realtek-upnp-addportmapping\"") != std::string::npos);
  CHECK(live.body.find("\"classification\":\"malicious\"") != std::string::npos);

  CHECK(feed.generation() == 0);
  feed.drain();
  CHECK(feed.generation() == 1);  // one write took the merged bucket
  CHECK(feed.store().lookup("198.51.100.7"));
  const unwritten_source after = feed.unwritten(scanner, "198.51.100.7");
  CHECK_FALSE(after.writing);
  CHECK(after.waiting.empty());
  // Written: the same answer, counted once.
  CHECK(source_lookup("198.51.100.7", feed.store(), from_feed).body == live.body);
}

// Past the budget a new source is dropped when written: a live lookup does not show it first.
TEST_CASE("a lookup does not show a source the store's budget will drop") {
  const claymore_ports c = two_ports();
  temp_dir dir;
  std::string error, notice;
  auto full = source_store::open({dir.file("s.db"), 1, 744 * hour}, error, notice);
  REQUIRE(full);
  source_sighting known = sighting(t0, 1, {port(3333)});
  known.address = "198.51.100.8";
  full->add({known});
  REQUIRE(full->full());
  store_feed feed(std::move(full), hour, std::chrono::hours(1));
  feed.submit(bucket_b0(c));
  const unwritten_lookup from_feed = lookup_in(feed, c);
  CHECK(source_lookup("198.51.100.7", feed.store(), from_feed).status == 404);
  feed.drain();
  CHECK(feed.store().counts().dropped == 1);
  CHECK(source_lookup("198.51.100.7", feed.store(), from_feed).status == 404);
  // A source the store holds still shows what it did since.
  CHECK(source_lookup("198.51.100.8", feed.store(), from_feed).status == 200);
}
