// The source store: what a source did over buckets, the verdict on it, its budget, retention,
// a restart, a damaged file; the endpoints' answers and the arrivals it is fed from.
#include <sqlite3.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "runtime/source_queries.hpp"
#include "stats/series_dimensions.hpp"
#include "stats/series_store.hpp"
#include "stats/watched_ports.hpp"
#include "store/pending_sources.hpp"
#include "store/source_store.hpp"
#include "store/source_verdict.hpp"
#include "temp_dir.hpp"

using namespace scanscope;
using scanscope::test::temp_dir;

namespace {

constexpr uint64_t hour = 3600;
constexpr uint64_t t0 = 1515369600;  // 2018-01-08T00:00:00Z

source_activity port(uint16_t p) { return {"port", p, "tcp", "", ""}; }
source_activity signature(uint16_t p, const char* name, const char* category) {
  return {"signature", p, "tcp", name, category};
}
source_activity tool(uint16_t p, const char* name) { return {"tool", p, "tcp", name, ""}; }

source_sighting sighting(const char* address, std::vector<source_activity> what,
                         const char* actor = "") {
  source_sighting s;
  s.address = address;
  s.country = "KR";
  s.asn = 4766;
  s.actor = actor;
  s.activity = std::move(what);
  return s;
}

std::unique_ptr<source_store> open_store(const source_store_settings& s) {
  std::string error, notice;
  auto store = source_store::open(s, error, notice);
  INFO(error);
  REQUIRE(store);
  return store;
}

const stored_activity* find(const stored_source& s, const std::string& kind, uint16_t port,
                            const std::string& value = "") {
  for (const stored_activity& a : s.activity) {
    if (a.what.kind == kind && a.what.port == port && a.what.value == value) {
      return &a;
    }
  }
  return nullptr;
}

/** Names for series keys of one watched port, 3333/tcp, and the unknown country. */
struct claymore_port {
  std::optional<watched_ports> ports;
  series_names names;

  claymore_port() {
    std::string error;
    ports = watched_ports::build({{3333, transport::tcp, "claymore"}}, error);
    REQUIRE(ports);
    names.ports = &*ports;
    names.countries = {"ZZ"};
  }
  claymore_port(const claymore_port&) = delete;
};

}  // namespace

TEST_CASE("a source's activity over buckets, and a bucket taken twice counts once") {
  temp_dir dir;
  auto store = open_store({dir.file("s.db"), 100, 744 * hour});
  source_sighting first = sighting(
      "198.51.100.7",
      {port(3333), tool(3333, "mirai"), signature(3333, "claymore-getstat1", "recon")});
  first.packets = 3;
  store->add_bucket(t0, t0 + hour, {first});
  std::vector<source_sighting> second = {sighting(
      "198.51.100.7", {port(52869), signature(52869, "realtek-upnp-addportmapping", "exploit")})};
  second[0].packets = 4;
  store->add_bucket(t0 + 5 * hour, t0 + 6 * hour, second);
  // A restart completing it: the packets are the second run's own, so they add up.
  second[0].packets = 2;
  store->add_bucket(t0 + 5 * hour, t0 + 6 * hour, second);

  const auto s = store->lookup("198.51.100.7");
  REQUIRE(s);
  CHECK(s->first_seen == t0);
  CHECK(s->last_seen == t0 + 6 * hour);
  CHECK(s->buckets == 2);
  CHECK(s->packets == 3 + 4 + 2);
  CHECK(s->country == "KR");
  CHECK(s->asn == 4766);
  REQUIRE(find(*s, "port", 3333));
  CHECK(find(*s, "port", 3333)->last_seen == t0 + hour);
  REQUIRE(find(*s, "port", 52869));
  CHECK(find(*s, "port", 52869)->first_seen == t0 + 5 * hour);
  CHECK(find(*s, "signature", 3333, "claymore-getstat1"));
  CHECK(find(*s, "signature", 52869, "realtek-upnp-addportmapping"));
  CHECK_FALSE(store->lookup("198.51.100.8"));
  CHECK(store->counts().sources == 1);
  CHECK(store->counts().buckets == 3);
}

TEST_CASE("verdicts: an actor is benign, a signature past reconnaissance malicious") {
  temp_dir dir;
  auto store = open_store({dir.file("s.db"), 100, 744 * hour});
  store->add_bucket(
      t0, t0 + hour,
      {sighting("192.0.2.1", {port(3333), signature(3333, "claymore-getstat1", "recon")}),
       sighting("192.0.2.2", {port(52869), tool(52869, "mirai"),
                              signature(52869, "realtek-upnp-addportmapping", "exploit")}),
       sighting("192.0.2.3", {port(8545), signature(8545, "eth-sendtransaction", "theft")},
                "Shadowserver")});
  const source_verdict recon = judge_source(*store->lookup("192.0.2.1"));
  CHECK(recon.verdict == source_class::unknown);
  const source_verdict exploit = judge_source(*store->lookup("192.0.2.2"));
  CHECK(exploit.verdict == source_class::malicious);
  CHECK(exploit.reason == "signature realtek-upnp-addportmapping (exploit) to 52869/tcp");
  CHECK(exploit.tags == std::vector<std::string>{"mirai", "realtek-upnp-addportmapping"});
  const source_verdict actor = judge_source(*store->lookup("192.0.2.3"));
  CHECK(actor.verdict == source_class::benign);
  CHECK(actor.reason.find("Shadowserver") != std::string::npos);
}

TEST_CASE("a sighting that does not bring country, AS or actor keeps what the store has") {
  temp_dir dir;
  auto store = open_store({dir.file("s.db"), 100, 744 * hour});
  store->add_bucket(t0, t0 + hour, {sighting("192.0.2.3", {port(8545)}, "Shadowserver")});
  // The next bucket's arrivals under the actor, AS and country keys were dropped (a full
  // bucket): the source is still the actor's.
  source_sighting bare = sighting("192.0.2.3", {port(8545)});
  bare.country.clear();
  bare.asn = 0;
  store->add_bucket(t0 + hour, t0 + 2 * hour, {bare});
  const auto s = store->lookup("192.0.2.3");
  REQUIRE(s);
  CHECK(s->actor == "Shadowserver");
  CHECK(s->asn == 4766);
  CHECK(s->country == "KR");
  CHECK(judge_source(*s).verdict == source_class::benign);
  // New, and no country told: the unknown code.
  store->add_bucket(t0 + hour, t0 + 2 * hour, {bare, [] {
                      source_sighting x;
                      x.address = "192.0.2.4";
                      return x;
                    }()});
  CHECK(store->lookup("192.0.2.4")->country == "ZZ");
}

TEST_CASE("the budget drops new sources and counts them; known ones still update") {
  temp_dir dir;
  auto store = open_store({dir.file("s.db"), 2, 744 * hour});
  store->add_bucket(t0, t0 + hour,
                    {sighting("192.0.2.1", {port(23)}), sighting("192.0.2.2", {port(23)}),
                     sighting("192.0.2.3", {port(23)})});
  CHECK(store->counts().sources == 2);
  CHECK(store->counts().dropped == 1);
  CHECK_FALSE(store->lookup("192.0.2.3"));
  store->add_bucket(t0 + hour, t0 + 2 * hour, {sighting("192.0.2.1", {port(2323)})});
  CHECK(find(*store->lookup("192.0.2.1"), "port", 2323));
  CHECK(store->counts().dropped == 1);
}

TEST_CASE("sources and activities silent past the retention period are deleted") {
  temp_dir dir;
  auto store = open_store({dir.file("s.db"), 100, 3 * hour});
  store->add_bucket(t0, t0 + hour,
                    {sighting("192.0.2.1", {port(23)}), sighting("192.0.2.2", {port(22)})});
  store->add_bucket(t0 + 2 * hour, t0 + 3 * hour, {sighting("192.0.2.2", {port(80)})});
  CHECK(store->lookup("192.0.2.1"));
  store->add_bucket(t0 + 4 * hour, t0 + 5 * hour, {sighting("192.0.2.3", {port(443)})});
  CHECK_FALSE(store->lookup("192.0.2.1"));
  const auto kept = store->lookup("192.0.2.2");
  REQUIRE(kept);
  CHECK_FALSE(find(*kept, "port", 22));  // its first bucket is past the period
  CHECK(find(*kept, "port", 80));
  CHECK(store->counts().expired == 1);
  CHECK(store->counts().sources == 2);
}

TEST_CASE("the store survives a restart, and a damaged one is set aside") {
  temp_dir dir;
  const std::string path = dir.file("s.db");
  {
    auto store = open_store({path, 100, 744 * hour});
    store->add_bucket(t0, t0 + hour, {sighting("2001:db8::5", {port(5555)})});
  }
  {
    auto store = open_store({path, 100, 744 * hour});
    CHECK(store->counts().sources == 1);
    const auto s = store->lookup("2001:db8::5");
    REQUIRE(s);
    CHECK(find(*s, "port", 5555));
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix);
  }
  std::ofstream(path) << std::string(8192, 'x');
  std::string error, notice;
  auto store = source_store::open({path, 100, 744 * hour}, error, notice);
  REQUIRE(store);
  CHECK(error.empty());
  CHECK(notice.find(path + ".damaged-") != std::string::npos);
  CHECK(store->counts().sources == 0);
  size_t aside = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path)) {
    aside += e.path().filename().string().find("s.db.damaged-") == 0;
  }
  CHECK(aside == 1);
}

TEST_CASE("a store of the first schema gains the packets column and keeps its sources") {
  temp_dir dir;
  const std::string path = dir.file("v1.db");
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  // The first schema's sources table, as a store of that version has it.
  const char* v1 =
      "CREATE TABLE sources(address TEXT PRIMARY KEY, first_seen INTEGER NOT NULL, "
      "last_seen INTEGER NOT NULL, buckets INTEGER NOT NULL, country TEXT NOT NULL, "
      "asn INTEGER NOT NULL, actor TEXT NOT NULL) WITHOUT ROWID;"
      "INSERT INTO sources VALUES('192.0.2.77', 1515369600, 1515373200, 1, 'JP', 2516, '');"
      "PRAGMA user_version=1;";
  REQUIRE(sqlite3_exec(db, v1, nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto store = open_store({path, 100, 744 * hour});
  auto s = store->lookup("192.0.2.77");
  REQUIRE(s);
  CHECK(s->country == "JP");
  CHECK(s->packets == 0);
  source_sighting more = sighting("192.0.2.77", {port(23)});
  more.packets = 12;
  store->add_bucket(t0 + hour, t0 + 2 * hour, {more});
  s = store->lookup("192.0.2.77");
  REQUIRE(s);
  CHECK(s->packets == 12);
  CHECK(s->buckets == 2);
}

TEST_CASE("a store that cannot be opened is an error naming its path") {
  std::string error, notice;
  auto store = source_store::open({"/nonexistent-folder/s.db", 100, hour}, error, notice);
  CHECK_FALSE(store);
  CHECK(error.find("/nonexistent-folder/s.db") != std::string::npos);
}

TEST_CASE("the endpoints: a lookup, 404, 400, and lists by class and format") {
  temp_dir dir;
  auto store = open_store({dir.file("s.db"), 100, 744 * hour});
  store->add_bucket(
      t0, t0 + hour,
      {sighting("192.0.2.2", {port(52869), signature(52869, "upnp-picsdesc-post", "exploit")}),
       sighting("192.0.2.9", {port(23)}),
       sighting("2001:db8::1", {port(5555), signature(5555, "adb-shell", "download")})});
  const http_response one = source_lookup("192.0.2.2", *store);
  CHECK(one.status == 200);
  CHECK(one.body.find("\"classification\":\"malicious\"") != std::string::npos);
  CHECK(source_lookup("2001:0db8:0:0::1", *store).status == 200);  // any spelling of it
  CHECK(source_lookup("192.0.2.3", *store).status == 404);
  const http_response malformed = source_lookup("192.0.2.300", *store);
  CHECK(malformed.status == 400);
  CHECK(malformed.body.find("192.0.2.300") != std::string::npos);

  CHECK(list_sources("class=malicious&format=txt", *store).body ==
        "192.0.2.2\n2001:db8::1\n");
  CHECK(list_sources("class=unknown&format=txt", *store).body == "192.0.2.9\n");
  const http_response all = list_sources("", *store);  // no query: every source, JSON
  CHECK(all.status == 200);
  // Objects: three sources, their three ports and two signatures.
  CHECK(std::count(all.body.begin(), all.body.end(), '{') == 3 + 3 + 2);
  CHECK(list_sources("format=txt&n=1", *store).body == "192.0.2.2\n");
  // Without n: at most http_list_sources over HTTP, every one when asked with 0 (offline).
  CHECK(list_sources("format=txt", *store, 2).body == "192.0.2.2\n192.0.2.9\n");
  CHECK(list_sources("format=txt", *store, 0).body == list_sources("format=txt", *store).body);
  CHECK(list_sources("format=txt&since=" + std::to_string(t0 + hour), *store)
            .body.empty());
  const std::string nft = list_sources("class=malicious&format=nft", *store).body;
  CHECK(nft.find("set malicious_v4") != std::string::npos);
  CHECK(nft.find("elements = { 192.0.2.2 }") != std::string::npos);
  CHECK(nft.find("elements = { 2001:db8::1 }") != std::string::npos);
  const std::string csv = list_sources("format=csv", *store).body;
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 4);
  for (const char* q : {"class=evil", "since=yesterday", "format=xml", "n=0", "colour=red"}) {
    const http_response r = list_sources(q, *store);
    INFO(q);
    CHECK(r.status == 400);
  }
}

TEST_CASE("arrivals of several buckets merge into one sighting per source, keys in words") {
  std::string error;
  const auto ports = watched_ports::build({{3333, transport::tcp, "claymore"}}, error);
  REQUIRE(ports);
  series_names names;
  names.ports = &*ports;
  names.signatures = {"claymore-getstat1"};
  names.countries = {"ZZ", "KR"};
  names.actors = {"Shadowserver"};
  const uint16_t p = ports->index(transport::tcp, 3333);
  const uint8_t addr[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 198, 51, 100, 7};
  const auto arrival = [&](uint64_t key) {
    source_arrival a{};
    std::memcpy(a.source, addr, 16);
    a.key = key;
    return a;
  };
  const uint64_t on_port = series_key::make(series_key::kind::port, p, series_key::all, 1);
  const uint64_t getstat = series_key::make(series_key::kind::signature, p, 0, 1);
  pending_sources pending;
  const int64_t b0 = static_cast<int64_t>(t0 / hour);
  // Its packets per bucket, beside another source's (an address that brings no arrival).
  const uint64_t its = bucket_series::tally_key(address_hash(addr));
  const uint8_t other[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 198, 51, 100, 8};
  const uint64_t others = bucket_series::tally_key(address_hash(other));
  pending.add(b0,
              {arrival(on_port), arrival(getstat),
               arrival(series_key::make(series_key::kind::actor, p, 1, 0)),
               arrival(series_key::make(series_key::kind::as, p, 4766, 0))},
              {{others, 100}, {its, 5}});
  pending.add(b0 + 3, {arrival(on_port)}, {{its, 2}, {others, 9}});
  CHECK(pending.size() == 4);
  const auto out = pending.take(names, {"recon"}, hour);
  CHECK(pending.empty());
  REQUIRE(out.size() == 1);
  const source_sighting& s = out[0];
  CHECK(s.address == "198.51.100.7");
  CHECK(s.country == "KR");
  CHECK(s.actor == "Shadowserver");
  CHECK(s.asn == 4766);
  CHECK(s.first_seen == t0);
  CHECK(s.first_end == t0 + hour);
  CHECK(s.last_seen == t0 + 4 * hour);
  CHECK(s.buckets == 2);
  CHECK(s.packets == 7);
  REQUIRE(s.activity.size() == 2);
  for (const source_activity& what : s.activity) {
    CHECK(what.port == 3333);
    CHECK(what.protocol == "tcp");
    CHECK(what.first_seen == t0);
    if (what.kind == "signature") {
      CHECK(what.value == "claymore-getstat1");
      CHECK(what.category == "recon");
      CHECK(what.last_seen == t0 + hour);
    } else {
      CHECK(what.kind == "port");
      CHECK(what.value.empty());
      CHECK(what.last_seen == t0 + 4 * hour);
    }
  }
  // Into a store that has the first bucket already (a restart): that bucket counts once.
  temp_dir dir;
  auto store = open_store({dir.file("s.db"), 100, 744 * hour});
  store->add_bucket(t0, t0 + hour, {sighting("198.51.100.7", {port(3333)})});
  store->add(out);
  CHECK(store->lookup("198.51.100.7")->buckets == 2);
}

TEST_CASE("unwatched ports: a bounded list per source; a host's answer once per bucket") {
  const claymore_port claymore;
  const series_names& names = claymore.names;
  const uint8_t sweeper[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 198, 51, 100, 9};
  const uint8_t host[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, 2, 10};
  const uint64_t hash = address_hash(sweeper);
  const int64_t b0 = static_cast<int64_t>(t0 / hour);
  const uint64_t other_port =
      series_key::make(series_key::kind::port, watched_ports::other_index, series_key::all, 0);

  // A full-port sweep on one lcore, each hour: 16 ports listed per bucket, each once.
  bucket_series lcore(64, 1 << 16, 4096);
  series_store folded(24, surge_settings{});
  pending_sources pending;
  for (int64_t b = b0; b < b0 + 6; ++b) {
    for (uint32_t port = 1; port <= 1000; ++port) {
      lcore.add(b, 7, &other_port, 1, hash, false, sweeper);
      lcore.note_unwatched(b, hash, sweeper, static_cast<uint16_t>(port), true);
      lcore.note_unwatched(b, hash, sweeper, static_cast<uint16_t>(port), true);  // again
    }
    lcore.note_answer(b, sweeper, host, 3333);
    lcore.note_answer(b, sweeper, host, 3333);
    const closed_bucket closed = folded.close(b, {&lcore});
    const auto listed = std::count_if(closed.facts.begin(), closed.facts.end(), [](auto& f) {
      return f.kind == source_fact::unwatched;
    });
    CHECK(listed == bucket_series::unwatched_per_source);
    CHECK(closed.facts.size() == bucket_series::unwatched_per_source + 1);
    pending.add(b, closed.arrivals, closed.tallies, closed.facts);
  }
  CHECK(lcore.arrivals_dropped().read() == 0);
  const auto out = pending.take(names, {}, hour);
  REQUIRE(out.size() == 1);
  size_t unwatched = 0, exposures = 0;
  for (const source_activity& a : out[0].activity) {
    unwatched += a.kind == "unwatched";
    if (a.kind == "exposure") {
      ++exposures;
      CHECK(a.value == "192.0.2.10");
      CHECK(a.port == 3333);
      CHECK(a.first_seen == t0);
      CHECK(a.last_seen == t0 + 6 * hour);
    }
  }
  // The same 16 ports every hour (the sweep starts at 1 each time): listed once.
  CHECK(unwatched == bucket_series::unwatched_per_source);
  CHECK(exposures == 1);

  // The store keeps unwatched_ports_kept per source over many writes; known ones update.
  temp_dir dir;
  auto store = open_store({dir.file("s.db"), 100, 744 * hour});
  for (uint64_t b = 0; b < 10; ++b) {
    source_sighting s = sighting("198.51.100.9", {});
    for (uint16_t p = 0; p < 16; ++p) {
      s.activity.push_back({"unwatched", static_cast<uint16_t>(1000 + b * 16 + p), "tcp", "", ""});
    }
    s.activity.push_back({"unwatched", 1000, "tcp", "", ""});  // the first one, seen again
    store->add_bucket(t0 + b * hour, t0 + (b + 1) * hour, {s});
  }
  const auto s = store->lookup("198.51.100.9");
  REQUIRE(s);
  CHECK(std::count_if(s->activity.begin(), s->activity.end(), [](const stored_activity& a) {
          return a.what.kind == "unwatched";
        }) == static_cast<std::ptrdiff_t>(unwatched_ports_kept));
  const stored_activity* first = find(*s, "unwatched", 1000);
  REQUIRE(first);
  CHECK(first->last_seen == t0 + 10 * hour);
  CHECK_FALSE(find(*s, "unwatched", 1000 + 64));
  const std::string answer = source_lookup("198.51.100.9", *store, {}).body;
  CHECK(answer.find("\"unwatched_ports\":[{\"port\":1000,\"protocol\":\"tcp\"") !=
        std::string::npos);
}

TEST_CASE("facts without an arrival add no bucket; packets without one are counted apart") {
  const claymore_port claymore;
  const series_names& names = claymore.names;
  const uint8_t scanner[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 198, 51, 100, 7};
  const uint8_t pinger[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 198, 51, 100, 8};
  const uint8_t stranger[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 198, 51, 100, 9};
  const int64_t b0 = static_cast<int64_t>(t0 / hour);
  source_arrival probe{};
  std::memcpy(probe.source, scanner, 16);
  probe.key = series_key::make(series_key::kind::port, claymore.ports->index(transport::tcp, 3333),
                               series_key::all, 0);
  const auto answer = [](const uint8_t* client) {
    source_fact f{};
    std::memcpy(f.source, client, 16);
    const uint8_t host[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, 2, 10};
    std::memcpy(f.host, host, 16);
    f.port = 3333;
    f.kind = source_fact::exposure;
    f.tcp = 1;
    return f;
  };
  const auto tally = [](const uint8_t* a, uint64_t n) {
    return source_tally{bucket_series::tally_key(address_hash(a)), n};
  };

  pending_sources pending;
  // The scanner probes at the end of one hour; the pinger sends ICMP only (no arrival).
  pending.add(b0, {probe}, {tally(scanner, 5), tally(pinger, 3)});
  CHECK(pending.untallied() == 3);
  // The host answers in the next hour; a stranger the store never held is answered too.
  pending.add(b0 + 1, {}, {}, {answer(scanner), answer(stranger)});
  auto out = pending.take(names, {}, hour);
  std::sort(out.begin(), out.end(),
            [](const source_sighting& a, const source_sighting& b) { return a.address < b.address; });
  REQUIRE(out.size() == 2);
  CHECK(out[0].address == "198.51.100.7");
  CHECK(out[0].buckets == 1);
  CHECK(out[0].last_seen == t0 + hour);
  CHECK(out[0].packets == 5);
  CHECK(out[1].address == "198.51.100.9");
  CHECK(out[1].buckets == 0);  // facts only

  temp_dir dir;
  auto store = open_store({dir.file("s.db"), 100, 744 * hour});
  store->add(out);
  const auto s = store->lookup("198.51.100.7");
  REQUIRE(s);
  CHECK(s->buckets == 1);
  CHECK(s->last_seen == t0 + hour);
  const stored_activity* answered = find(*s, "exposure", 3333, "192.0.2.10");
  REQUIRE(answered);
  CHECK(answered->first_seen == t0 + hour);
  CHECK_FALSE(store->lookup("198.51.100.9"));  // not held: its facts are not a source

  // Facts first, the source's arrivals after: its span starts with its own bucket.
  pending.add(b0 + 2, {}, {}, {answer(stranger)});
  source_arrival later = probe;
  std::memcpy(later.source, stranger, 16);
  pending.add(b0 + 3, {later}, {tally(stranger, 2)});
  out = pending.take(names, {}, hour);
  REQUIRE(out.size() == 1);
  CHECK(out[0].first_seen == t0 + 3 * hour);
  CHECK(out[0].buckets == 1);
  CHECK(out[0].packets == 2);
}

TEST_CASE("pivots: each question's members and their other activities, many in one pass") {
  temp_dir dir;
  auto store = open_store({dir.file("s.db"), 100, 744 * hour});
  // Three sources on 3333 in the first hour: two also on 52869 with the UPnP exploit, one of
  // them from another country; a fourth on 52869 only, and one on 3333 hours later.
  source_sighting a = sighting("198.51.100.1", {port(3333), port(52869),
                                                 signature(52869, "upnp", "exploit")});
  source_sighting b = sighting("198.51.100.2", {port(3333), port(52869),
                                                 signature(52869, "upnp", "exploit")});
  b.country = "RU";
  source_sighting c = sighting("198.51.100.3", {port(3333), tool(3333, "masscan")});
  source_sighting d = sighting("198.51.100.4", {port(52869)});
  store->add_bucket(t0, t0 + hour, {a, b, c, d});
  store->add_bucket(t0 + 9 * hour, t0 + 10 * hour,
                    {sighting("198.51.100.5", {port(3333), port(80)})});

  pivot_question on_3333;
  on_3333.under = port(3333);
  on_3333.from_s = t0;
  on_3333.to_s = t0 + hour;
  pivot_question korean = on_3333;
  korean.country = "KR";
  pivot_question later = on_3333;
  later.from_s = t0 + 9 * hour;
  later.to_s = t0 + 10 * hour;
  pivot_question by_tool = on_3333;
  by_tool.under = tool(3333, "masscan");

  const std::vector<pivot_answer> all = store->pivots({on_3333, korean, later, by_tool});
  REQUIRE(all.size() == 4);
  // The first hour on 3333: a, b and c; 52869 and the exploit from a and b, c's tool.
  CHECK(all[0].sources == 3);
  REQUIRE(all[0].rows.size() == 3);
  CHECK((all[0].rows[0].what.kind == "port" && all[0].rows[0].what.port == 52869 &&
         all[0].rows[0].sources == 2));
  CHECK((all[0].rows[1].what.value == "upnp" && all[0].rows[1].what.category == "exploit" &&
         all[0].rows[1].sources == 2));
  CHECK((all[0].rows[2].what.value == "masscan" && all[0].rows[2].sources == 1));
  // Korean sources only: b is not one.
  CHECK(all[1].sources == 2);
  REQUIRE_FALSE(all[1].rows.empty());
  CHECK(all[1].rows[0].sources == 1);
  // Hours later: the fifth source, and its port 80.
  CHECK(all[2].sources == 1);
  REQUIRE(all[2].rows.size() == 1);
  CHECK(all[2].rows[0].what.port == 80);
  // Under a tool: c alone, whose port 3333 is the question's own port and so not listed.
  CHECK(all[3].sources == 1);
  CHECK(all[3].rows.empty());
  // A question's answer does not depend on the others asked with it.
  for (size_t i = 0; i < all.size(); ++i) {
    const pivot_answer one = store->pivot(std::vector<pivot_question>{on_3333, korean, later,
                                                                      by_tool}[i]);
    CHECK(one.sources == all[i].sources);
    REQUIRE(one.rows.size() == all[i].rows.size());
    for (size_t r = 0; r < one.rows.size(); ++r) {
      CHECK(one.rows[r].what.kind == all[i].rows[r].what.kind);
      CHECK(one.rows[r].what.port == all[i].rows[r].what.port);
      CHECK(one.rows[r].what.value == all[i].rows[r].what.value);
      CHECK(one.rows[r].sources == all[i].rows[r].sources);
    }
  }
  CHECK(store->pivots({}).empty());
}

TEST_CASE("pivots: the steps and indicators of a campaign's sources, on its own port too") {
  temp_dir dir;
  auto store = open_store({dir.file("s.db"), 100, 744 * hour});
  const auto step = [](uint16_t p, const char* name) {
    return source_activity{"conversation", p, "tcp", name, ""};
  };
  const auto indicator = [](uint16_t p, const char* text) {
    return source_activity{"indicator", p, "tcp", text, ""};
  };
  // Three sources on 8545: all asked for the accounts, two tried to unlock, one sent a
  // transaction to an address; one of the three also ran a telnet download elsewhere.
  const char* to = "eth_recipient 0x00000000000000000000000000000000000000aa";
  source_sighting a =
      sighting("198.51.100.1", {port(8545), step(8545, "eth_recon"), step(8545, "eth_unlock"),
                                step(8545, "eth_send"), indicator(8545, to)});
  source_sighting b =
      sighting("198.51.100.2", {port(8545), step(8545, "eth_recon"), step(8545, "eth_unlock")});
  source_sighting c = sighting(
      "198.51.100.3", {port(8545), step(8545, "eth_recon"), port(23), step(23, "telnet_download"),
                       indicator(23, "url http://192.0.2.9/x.sh")});
  // Another source sent a transaction, but never to 8545's campaign period.
  source_sighting d = sighting("198.51.100.4", {port(8545), step(8545, "eth_send")});
  store->add_bucket(t0, t0 + hour, {a, b, c});
  store->add_bucket(t0 + 9 * hour, t0 + 10 * hour, {d});

  pivot_question on_8545;
  on_8545.under = port(8545);
  on_8545.from_s = t0;
  on_8545.to_s = t0 + hour;
  const pivot_answer p = store->pivot(on_8545);
  CHECK(p.sources == 3);
  std::map<std::tuple<std::string, uint16_t, std::string>, uint64_t> got;
  for (const pivot_row& r : p.rows) {
    got[{r.what.kind, r.what.port, r.what.value}] = r.sources;
  }
  const std::map<std::tuple<std::string, uint16_t, std::string>, uint64_t> want = {
      {{"conversation", 8545, "eth_recon"}, 3},
      {{"conversation", 8545, "eth_unlock"}, 2},
      {{"conversation", 8545, "eth_send"}, 1},
      {{"indicator", 8545, to}, 1},
      {{"port", 23, ""}, 1},
      {{"conversation", 23, "telnet_download"}, 1},
      {{"indicator", 23, "url http://192.0.2.9/x.sh"}, 1}};
  CHECK(got == want);
}
