#include <unistd.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "export/json_report.hpp"
#include "export/prometheus_text.hpp"
#include "fingerprint/scan_tool.hpp"
#include "fleet/bucket_rows.hpp"
#include "fleet/clickhouse_exporter.hpp"
#include "fleet/clickhouse_url.hpp"
#include "fleet/delivery_spool.hpp"
#include "pipeline/lcore_fold.hpp"
#include "series_helpers.hpp"
#include "stats/bucket_series.hpp"

using namespace scanscope;
using namespace scanscope::test;

namespace {

bucket_batch batch_of(int64_t bucket, size_t body_bytes) {
  bucket_batch b;
  b.sensor = "s1";
  b.run = 1700000000;
  b.bucket = bucket;
  b.start_s = static_cast<uint64_t>(bucket) * 3600;
  // A body with the bytes a naive reader would trip on: tabs, newlines, the word "end".
  std::string body = "s1\t1\t" + std::to_string(b.start_s) + "\tend\\n\n";
  body.resize(body_bytes, 'x');
  b.tables.push_back({"series", 1, body});
  b.tables.push_back({"sources", 0, ""});
  return b;
}

void source(uint8_t* out, uint8_t last) {
  const uint8_t v4[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 198, 51, 100, last};
  std::memcpy(out, v4, 16);
}

}  // namespace

TEST_CASE("clickhouse URLs are checked and shown without their password", "[fleet]") {
  clickhouse_url u;
  REQUIRE(parse_clickhouse_url("http://127.0.0.1:8123/?database=sensors", u).empty());
  CHECK(u.endpoint == "http://127.0.0.1:8123/");
  CHECK(u.database == "sensors");
  REQUIRE(parse_clickhouse_url("https://ops:secret@ch.example.net:8443", u).empty());
  CHECK(u.endpoint == "https://ops:secret@ch.example.net:8443/");
  CHECK(u.database == "scanscope");
  CHECK(u.shown.find("secret") == std::string::npos);
  CHECK(u.shown.find("ops:***@") != std::string::npos);
  REQUIRE(parse_clickhouse_url("http://[::1]:8123/", u).empty());
  CHECK(u.endpoint == "http://[::1]:8123/");

  const std::pair<const char*, const char*> bad[] = {
      {"127.0.0.1:8123", "not a URL"},
      {"ftp://127.0.0.1/", "scheme 'ftp'"},
      {"http://127.0.0.1:0/", "port '0'"},
      {"http://127.0.0.1:65536/", "port '65536'"},
      {"http://127.0.0.1:81a/", "port '81a'"},
      {"http:///?database=x", "is not a host"},
      {"http://127.0.0.1/ping", "path '/ping'"},
      {"http://127.0.0.1/?database=x;drop", "database 'x;drop'"},
      {"http://127.0.0.1/?database=", "database ''"},
      {"http://127.0.0.1/?user=x", "parameter 'user'"},
  };
  for (const auto& [text, words] : bad) {
    INFO(text);
    const std::string error = parse_clickhouse_url(text, u);
    CHECK(error.find(words) != std::string::npos);
  }
}

TEST_CASE("the spool keeps buckets in order, across a restart, within its bound", "[fleet]") {
  scratch_folder dir("spool");
  {
    delivery_spool spool(dir.path, 10000);
    REQUIRE(spool.open().empty());
    for (int64_t b = 1; b <= 3; ++b) {
      REQUIRE(spool.push(batch_of(b, 1000)).empty());
    }
    CHECK(spool.size() == 3);
    CHECK(spool.oldest_written() > 0);
  }
  // A write a crash cut short, and an unrelated file: neither is taken for a bucket.
  std::ofstream(dir.path + "/0000000000000009.batch.tmp") << "scanscope-spool 1\nsens";
  std::ofstream(dir.path + "/notes.txt") << "hello";
  delivery_spool spool(dir.path, 10000);
  REQUIRE(spool.open().empty());
  REQUIRE(spool.size() == 3);
  CHECK(!std::filesystem::exists(dir.path + "/0000000000000009.batch.tmp"));
  bucket_batch b;
  REQUIRE(spool.front(b).empty());
  CHECK(b.bucket == 1);
  CHECK(b.sensor == "s1");
  REQUIRE(b.tables.size() == 2);
  CHECK(b.tables[0].body == batch_of(1, 1000).tables[0].body);
  CHECK(b.tables[0].rows == 1);
  spool.pop();
  // Over the bound: the oldest go first, and are counted.
  for (int64_t n = 4; n <= 12; ++n) {
    REQUIRE(spool.push(batch_of(n, 1000)).empty());
  }
  CHECK(spool.bytes() <= 10000);
  CHECK(spool.dropped() > 0);
  CHECK(spool.size() + spool.dropped() == 11);
  REQUIRE(spool.front(b).empty());
  CHECK(b.bucket == static_cast<int64_t>(12 - spool.size() + 1));
}

TEST_CASE("a bucket without rows is neither spooled nor counted delivered", "[fleet]") {
  scratch_folder dir("empty-bucket");
  exporter_settings settings;
  // Port 1 on loopback: nothing listens, so every bucket with rows waits in the spool.
  REQUIRE(parse_clickhouse_url("http://127.0.0.1:1/?database=scanscope", settings.url).empty());
  settings.sensor = "s1";
  settings.spool_dir = dir.path;
  settings.request_timeout_s = 1;
  std::string error;
  auto exporter = clickhouse_exporter::start(settings, error);
  REQUIRE(exporter != nullptr);
  bucket_batch empty = batch_of(1, 100);
  empty.tables[0] = {"series", 0, ""};
  exporter->submit([empty] { return empty; });
  exporter->submit([] { return batch_of(2, 100); });
  exporter->finish(0);
  const fleet_delivery d = exporter->snapshot();
  CHECK(d.spool_buckets == 1);
  CHECK(d.buckets_delivered == 0);
  delivery_spool spool(dir.path, 1 << 20);
  REQUIRE(spool.open().empty());
  bucket_batch b;
  REQUIRE(spool.front(b).empty());
  CHECK(b.bucket == 2);
}

TEST_CASE("a spool folder that cannot be made is refused at start, named", "[fleet]") {
  scratch_folder dir("spool");
  std::filesystem::create_directories(dir.path);
  const std::string file = dir.path + "/a-file";
  std::ofstream(file) << "x";
  delivery_spool spool(file + "/spool", 1 << 20);
  const std::string error = spool.open();
  CHECK(error.find("'" + file + "/spool'") != std::string::npos);
}

TEST_CASE("a damaged spool file is set aside, named and counted", "[fleet]") {
  scratch_folder dir("spool");
  delivery_spool spool(dir.path, 1 << 20);
  REQUIRE(spool.open().empty());
  REQUIRE(spool.push(batch_of(1, 100)).empty());
  REQUIRE(spool.push(batch_of(2, 100)).empty());
  const std::string first = dir.path + "/0000000000000001.batch";
  std::filesystem::resize_file(first, 60);  // cut inside the body
  bucket_batch b;
  const std::string error = spool.front(b);
  CHECK(error.find(first) != std::string::npos);
  CHECK(error.find("cut short") != std::string::npos);
  CHECK(spool.damaged() == 1);
  CHECK(std::filesystem::exists(first + ".bad"));
  REQUIRE(spool.front(b).empty());
  CHECK(b.bucket == 2);
}

TEST_CASE("a closed bucket becomes rows: series lines, and one row per (port, source)",
          "[fleet]") {
  const watched_ports ports = jsonrpc_ports();
  const series_names names = jsonrpc_names(ports, {"ZZ", "RU"});
  const uint16_t p = ports.index(transport::tcp, 8545);

  // Two sources through a real bucket_series: the arrivals are what add() recorded.
  bucket_series lcore(64, 1024, 16);
  const uint64_t keys[] = {series_key::make(series_key::kind::port, p, series_key::all, 1),
                           series_key::make(series_key::kind::cluster, p, 0, 1),
                           series_key::make(series_key::kind::tool, p,
                                            static_cast<uint16_t>(scan_tool::masscan), 1),
                           series_key::make(series_key::kind::as, p, 4200000000u, 0)};
  uint8_t a[16], b[16];
  source(a, 1);
  source(b, 2);
  for (int i = 0; i < 3; ++i) {
    lcore.add(10, 7, keys, 4, 0xA, false, a);  // three packets, one arrival per key
  }
  lcore.add(10, 8, keys, 2, 0xB, false, b);
  const uint64_t hit = series_key::make(series_key::kind::signature, p, 0, 1);
  lcore.add(10, hit, &hit, 1, 0xB, false, b);
  series_store store(24, surge_settings{});
  const closed_bucket closed = store.close(10, {&lcore});
  CHECK(closed.arrivals.size() == 7);

  const fleet_identity identity{"dark\tnet", 1700000000, 3600ULL * 1000000000ULL};
  // Two indicators: one came in this bucket (10, from 36000 s), one only before it.
  std::vector<indicator_total> indicators(2);
  indicators[0].kind = indicator_kind::eth_recipient;
  indicators[0].port = 8545;
  indicators[0].value = "0xcd\tcd";
  indicators[0].count = 3;
  indicators[0].sources = 2;
  indicators[0].first_seen_ns = 35000ULL * 1000000000ULL;
  indicators[0].last_seen_ns = 36500ULL * 1000000000ULL;
  indicators[1] = indicators[0];
  indicators[1].value = "old";
  indicators[1].last_seen_ns = 35999ULL * 1000000000ULL;
  const bucket_batch batch = make_bucket_batch(
      identity, closed, false, names,
      make_campaign_rows(identity, closed, names, run_report{}, store.campaigns()),
      make_indicator_rows(identity, closed, indicators));
  CHECK(batch.start_s == 36000);
  REQUIRE(batch.tables.size() == 4);
  CHECK(batch.tables[3].table == "indicators");
  REQUIRE(batch.tables[3].rows == 1);
  CHECK(batch.tables[3].body.rfind(
            "dark\\tnet\t1700000000\teth_recipient\t8545\t0xcd\\tcd\t35000\t36500\t3\t2\t", 0) ==
        0);
  CHECK(batch.tables[3].body.size() > 20);
  CHECK(batch.tables[3].body.substr(batch.tables[3].body.size() - 4) == "\t10\n");
  CHECK(batch.tables[0].table == "series");
  CHECK(batch.tables[0].rows == closed.points.size());
  // The sensor name is escaped, so a tab in it cannot shift the columns.
  CHECK(batch.tables[0].body.rfind("dark\\tnet\t1700000000\t36000\t8545\ttcp\t", 0) == 0);
  CHECK(batch.tables[1].table == "sources");
  REQUIRE(batch.tables[1].rows == 2);
  const std::string rows = batch.tables[1].body;
  const std::string a_text = "\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\xff\\xff"
                             "\\xc6\\x33\\x64\\x01\tRU\t['fixed-port-w1024']\t['masscan']\t[]\t\t"
                             "4200000000\t[]\n";
  // A source with no AS arrival (none known) is AS 0.
  const std::string b_text = "\\xc6\\x33\\x64\\x02\tRU\t['fixed-port-w1024']\t[]\t"
                             "['eth-accounts']\t\t0\t[]\n";
  CHECK(rows.find(a_text) != std::string::npos);
  CHECK(rows.find(b_text) != std::string::npos);
  CHECK(batch.tables[2].rows == 0);  // no campaign
}

TEST_CASE("arrivals a bucket has no room for are counted, not lost silently", "[fleet]") {
  bucket_series lcore(64, 1024, 2);
  const uint64_t key = series_key::make(series_key::kind::port, 1, series_key::all, 0);
  uint8_t s[16];
  for (uint8_t i = 0; i < 5; ++i) {
    source(s, i);
    lcore.add(3, key, &key, 1, 0x100 + i, false, s);
  }
  CHECK(lcore.arrivals_dropped().read() == 3);
  series_store store(24, surge_settings{});
  const closed_bucket closed = store.close(3, {&lcore});
  CHECK(closed.arrivals.size() == 2);
  CHECK(closed.points.at(key).sources == 5);
}

TEST_CASE("a source moved between cluster keys takes its count and arrival along, once",
          "[fleet]") {
  bucket_series lcore(64, 1024, 16);
  const uint64_t from = series_key::make(series_key::kind::cluster, 1, 7, 0);
  const uint64_t to = series_key::make(series_key::kind::cluster, 1, 0, 0);
  uint8_t a[16], b[16], c[16];
  source(a, 1);
  source(b, 2);
  source(c, 3);
  // Bucket 3: a's first probe counted under `from`, then moved (twice: the second does nothing).
  lcore.add(3, from, &from, 1, 0x101, false, a);
  // The keys hold no port row: every one of a source's keys is on one (source, port) entry.
  const uint64_t pair_a = bucket_series::pair_of(0x101, &from, 1);
  lcore.move_source(3, pair_a, from, to, a);
  lcore.move_source(3, pair_a, from, to, a);
  // Bucket 4: b already arrived under `to` as well: its arrival under `from` goes; c's stays.
  lcore.add(4, from, &from, 1, 0x102, false, b);
  lcore.add(4, to, &to, 1, 0x102, false, b);
  lcore.add(4, to, &to, 1, 0x103, false, c);
  series_store store(24, surge_settings{});
  const closed_bucket three = store.close(3, {&lcore});
  CHECK(three.points.at(from).packets == 1);
  CHECK(three.points.at(from).sources == 0);
  CHECK(three.points.at(to).sources == 1);
  REQUIRE(three.arrivals.size() == 1);
  CHECK(three.arrivals[0].key == to);
  lcore.move_source(4, bucket_series::pair_of(0x102, &to, 1), from, to, b);
  const closed_bucket four = store.close(4, {&lcore});
  CHECK(four.points.at(from).sources == 0);
  CHECK(four.points.at(to).sources == 2);
  CHECK(four.arrivals.size() == 2);
  for (const source_arrival& arrival : four.arrivals) {
    CHECK(arrival.key == to);
  }
}

TEST_CASE("every fleet number is in the JSON report and in /metrics, with its value", "[fleet]") {
  const watched_ports ports = jsonrpc_ports();
  run_report r;
  r.traffic = fold_counters({}, ports.size(), 3, 0);  // an empty run, tables sized
  r.fleet.enabled = true;
  r.fleet.target = "http://127.0.0.1:8123/?database=scanscope";
  r.fleet.sensor = "s1";
  uint64_t next = 1000;
#define SCANSCOPE_FLEET_SET(field, type, metric, kind, help) r.fleet.field = static_cast<type>(next++);
  SCANSCOPE_FLEET_NUMBERS(SCANSCOPE_FLEET_SET)
#undef SCANSCOPE_FLEET_SET
  const std::string json = render_json_report(r, ports);
  const std::string metrics = render_prometheus(r, ports, 20);
  next = 1000;
  size_t walked = 0;
#define SCANSCOPE_FLEET_CHECK(field, type, metric, kind, help)                                 \
  {                                                                                            \
    const std::string value = std::to_string(next++);                                          \
    INFO(#field);                                                                              \
    CHECK(json.find("\"" #field "\": " + value) != std::string::npos);                         \
    CHECK(metrics.find(std::string(metric) + " " + value + "\n") != std::string::npos);        \
    CHECK(metrics.find(std::string("# TYPE ") + metric + " " + kind + "\n") != std::string::npos); \
    ++walked;                                                                                  \
  }
  SCANSCOPE_FLEET_NUMBERS(SCANSCOPE_FLEET_CHECK)
#undef SCANSCOPE_FLEET_CHECK
  // The list reached both writers whole: as many numbers in the JSON's "fleet" object and as
  // many scanscope_clickhouse_ families in /metrics as the list walked, counted in the output.
  const size_t fleet_at = json.find("\"fleet\": {");
  REQUIRE(fleet_at != std::string::npos);
  const std::string fleet = json.substr(fleet_at, json.find('}', fleet_at) - fleet_at);
  size_t numbers = 0;
  for (size_t at = fleet.find("\": "); at != std::string::npos; at = fleet.find("\": ", at + 1)) {
    numbers += std::isdigit(static_cast<unsigned char>(fleet[at + 3])) ? 1 : 0;
  }
  size_t families = 0;
  for (size_t at = metrics.find("# TYPE scanscope_clickhouse_"); at != std::string::npos;
       at = metrics.find("# TYPE scanscope_clickhouse_", at + 1)) {
    ++families;
  }
  CHECK(walked > 0);
  CHECK(numbers == walked);
  CHECK(families == walked);
  CHECK(json.find("\"sensor\": \"s1\"") != std::string::npos);
  // Without --clickhouse: "fleet": null, and no family at all.
  r.fleet.enabled = false;
  CHECK(render_json_report(r, ports).find("\"fleet\": null") != std::string::npos);
  CHECK(render_prometheus(r, ports, 20).find("scanscope_clickhouse_") == std::string::npos);
}
