#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "export/series_files.hpp"
#include "export/series_readback.hpp"
#include "series_helpers.hpp"

using namespace scanscope;
using namespace scanscope::test;

namespace {

constexpr uint64_t hour_ns = 3600ULL * 1000000000ULL;

}  // namespace

// What the series files write comes back as the same points, whatever else a folder holds.
TEST_CASE("series files are read back as written; damaged lines are counted", "[series]") {
  const watched_ports ports = jsonrpc_ports();
  const series_names names = jsonrpc_names(ports, {"ZZ", "RU", "US"});
  const uint16_t p8545 = ports.index(transport::tcp, 8545);
  const int64_t bucket = 430000;  // 2019-01-20 16:00 UTC
  bucket_points points;
  points[series_key::make(series_key::kind::port, p8545, series_key::all, 1)] = {500, 480};
  points[series_key::make(series_key::kind::cluster, p8545, 0, 1)] = {300, 290};
  points[series_key::make(series_key::kind::tool, p8545, 2, 1)] = {280, 270};
  points[series_key::make(series_key::kind::signature, p8545, 0, 2)] = {7, 5};
  points[series_key::make(series_key::kind::fingerprint, p8545, 0xbeef, 0)] = {60, 50};
  scratch_folder dir("series");
  series_files files(dir.path, names, hour_ns);
  REQUIRE(files.append(bucket, points, false).empty());
  REQUIRE(files.append(bucket + 1, points, true).empty());

  series_readback back = read_series_files(dir.path, names, hour_ns, 744);
  REQUIRE(back.error.empty());
  CHECK(back.files == 1);
  CHECK(back.lines == 10);
  CHECK(back.skipped + back.malformed == 0);
  REQUIRE(back.buckets.size() == 2);
  CHECK(back.buckets.at(bucket) == points);
  CHECK(back.partial_last);

  // A torn last write, a cluster the rules no longer have, a line that is no series line.
  const std::string day = dir.path + "/scanscope-2019-01-20.jsonl";
  {
    std::ofstream out(day, std::ios::app);
    out << "{\"start\":\"2019-01-20T18:00:00.000Z\",\"port\":\"8545\",\"protocol\":\"tcp\","
           "\"kind\":\"cluster\",\"value\":\"gone\",\"country\":\"RU\",\"packets\":1,"
           "\"sources\":1,\"partial\":false}\n";
    out << "[1,2,3]\n";
    out << "{\"start\":\"2019-01-20T18:00:00.000Z\",\"port\":\"85";
  }
  back = read_series_files(dir.path, names, hour_ns, 744);
  REQUIRE(back.error.empty());
  CHECK(back.lines == 10);
  CHECK(back.skipped == 1);
  CHECK(back.malformed == 2);
  CHECK(back.first_problem.find(day + ":11: cluster 'gone'") == 0);
  CHECK(back.buckets.size() == 2);

  // The next run appends after the torn line: the torn line stays one bad line, the new ones
  // are all read (the torn line must not swallow the first of them).
  REQUIRE(files.append(bucket + 2, points, false).empty());
  back = read_series_files(dir.path, names, hour_ns, 744);
  CHECK(back.malformed == 2);
  CHECK(back.lines == 15);
  REQUIRE(back.buckets.count(bucket + 2) == 1);
  CHECK(back.buckets.at(bucket + 2) == points);
  CHECK(files.lines() == 15);

  // A bucket after the input's start, and impossible counts, are set aside, named.
  {
    std::ofstream out(day, std::ios::app);
    out << "{\"start\":\"2030-01-01T00:00:00.000Z\",\"port\":\"8545\",\"protocol\":\"tcp\","
           "\"kind\":\"port\",\"value\":\"\",\"country\":\"RU\",\"packets\":1,"
           "\"sources\":1,\"partial\":false}\n";
    out << "{\"start\":\"2019-01-20T20:00:00.000Z\",\"port\":\"8545\",\"protocol\":\"tcp\","
           "\"kind\":\"port\",\"value\":\"\",\"country\":\"RU\",\"packets\":9000000000000000000,"
           "\"sources\":1,\"partial\":false}\n";
  }
  const uint64_t input_start = static_cast<uint64_t>(bucket + 3) * hour_ns;
  back = read_series_files(dir.path, names, hour_ns, 744, input_start);
  CHECK(back.set_aside == 2);
  CHECK(back.first_set_aside.find(day + ":19: bucket 2030-01-01T00:00:00.000Z starts after") ==
        0);
  CHECK(back.buckets.size() == 3);
  CHECK(back.lines == 15);

  // Retention keeps the newest buckets.
  back = read_series_files(dir.path, names, hour_ns, 1, input_start);
  REQUIRE(back.buckets.size() == 1);
  CHECK(back.buckets.begin()->first == bucket + 2);

  // Another bucket width is refused, naming the file and line.
  back = read_series_files(dir.path, names, 7 * hour_ns, 744);
  CHECK(back.error.find(day + ":1: bucket start") == 0);
}

TEST_CASE("a missing series folder reads as empty", "[series]") {
  series_names names;
  const series_readback back = read_series_files("/nonexistent/series", names, hour_ns, 744);
  CHECK(back.error.empty());
  CHECK(back.buckets.empty());
}

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/** A bucket of two lines on 8545 (2019-01-20 16:00 UTC) and the names to write it with. */
struct two_lines_a_bucket {
  const watched_ports ports = jsonrpc_ports();
  const series_names names = jsonrpc_names(ports, {"ZZ", "RU", "US"});
  const uint16_t p8545 = ports.index(transport::tcp, 8545);
  const int64_t bucket = 430000;
  bucket_points points;
  two_lines_a_bucket() {
    points[series_key::make(series_key::kind::port, p8545, series_key::all, 1)] = {500, 480};
    points[series_key::make(series_key::kind::cluster, p8545, 0, 1)] = {300, 290};
  }
};

/** A writer over `dir` through the written-buckets record of `input`. */
series_files recorded_files(const std::string& dir, const series_names& names,
                            const std::string& input, std::string& repaired) {
  auto ledger = std::make_unique<series_ledger>(dir, input, hour_ns);
  const std::string error = ledger->open();
  INFO(error);
  REQUIRE(error.empty());
  repaired = ledger->repaired();
  series_files files(dir, names, hour_ns);
  files.use_ledger(std::move(ledger), true);
  return files;
}

}  // namespace

// A crash between a bucket's first and last line leaves half a bucket; the next start takes
// it back, and a rerun of the same input writes only the buckets it did not write before.
TEST_CASE("the written-buckets record keeps buckets whole and reruns from counting twice",
          "[series]") {
  const two_lines_a_bucket t;
  const series_names& names = t.names;
  const uint16_t p8545 = t.p8545;
  const int64_t bucket = t.bucket;
  const bucket_points& points = t.points;
  scratch_folder dir("ledger");
  const std::string jsonl = dir.path + "/scanscope-2019-01-20.jsonl";
  const std::string csv = dir.path + "/scanscope-2019-01-20.csv";
  std::string repaired;
  std::string whole_jsonl;
  std::string whole_csv;
  {
    series_files files = recorded_files(dir.path, names, "00000000000000aa", repaired);
    CHECK(repaired.empty());
    REQUIRE(files.append(bucket, points, false).empty());
    REQUIRE(files.append(bucket + 1, points, false).empty());
    whole_jsonl = read_all(jsonl);
    whole_csv = read_all(csv);
  }
  // What a kill -9 halfway through bucket + 2 leaves: its begin, and half its lines.
  {
    series_ledger ledger(dir.path, "00000000000000aa", hour_ns);
    REQUIRE(ledger.open().empty());
    REQUIRE(ledger.begin(bucket + 2, "2019-01-20").empty());
    std::ofstream(jsonl, std::ios::app) << "{\"start\":\"2019-01-20T18:00:00.000Z\",\"port\":";
    std::ofstream(csv, std::ios::app) << "2019-01-20T18:00:00.000Z,8545,tcp,port,,RU,500,480,f\n";
  }
  {
    series_files files = recorded_files(dir.path, names, "00000000000000aa", repaired);
    CHECK(repaired.find("bucket 2019-01-20T18:00:00.000Z was cut short") != std::string::npos);
    CHECK(read_all(jsonl) == whole_jsonl);
    CHECK(read_all(csv) == whole_csv);
    // The rerun: the two buckets written are not written again, the third is.
    REQUIRE(files.append(bucket, points, false).empty());
    REQUIRE(files.append(bucket + 1, points, false).empty());
    CHECK(files.written_before() == 2);
    CHECK(read_all(jsonl) == whole_jsonl);
    REQUIRE(files.append(bucket + 2, points, false).empty());
    CHECK(files.lines() == 2);
  }
  series_readback back = read_series_files(dir.path, names, hour_ns, 744);
  CHECK(back.malformed == 0);
  REQUIRE(back.buckets.size() == 3);
  CHECK(back.buckets.at(bucket + 2) == points);
  // Another input's buckets are its own: written, even where they share an hour.
  {
    series_files files = recorded_files(dir.path, names, "live", repaired);
    REQUIRE(files.append(bucket, points, true).empty());
    CHECK(files.written_before() == 0);
    CHECK(files.lines() == 2);
  }
  back = read_series_files(dir.path, names, hour_ns, 744);
  CHECK(back.buckets.at(bucket).at(series_key::make(series_key::kind::port, p8545,
                                                    series_key::all, 1))
            .packets == 1000);
  // A record whose last line was torn (a crash inside it) reads as if that line were not there.
  std::ofstream(dir.path + "/written-buckets", std::ios::app) << "begin 00000000000000aa 15";
  series_files files = recorded_files(dir.path, names, "00000000000000aa", repaired);
  CHECK(repaired.empty());
  CHECK(files.append(bucket + 3, points, false).empty());
  const std::string record = read_all(dir.path + "/written-buckets");
  CHECK(record.find("aa 15\n") == std::string::npos);
  CHECK(record.find("aa 15begin") == std::string::npos);
  CHECK(record.find("\nend 00000000000000aa 1548007200 2 0\n") != std::string::npos);
  // A live run is never taken for an earlier one: what it wrote is read back, not skipped.
  {
    series_files live = recorded_files(dir.path, names, "live", repaired);
    REQUIRE(live.append(bucket, points, true).empty());
    CHECK(live.written_before() == 0);
  }
}

// An interrupted run over captures wrote its last bucket cut short; a rerun takes exactly its
// lines back out of both day files, leaving another input's lines of the same hour.
TEST_CASE("a run's cut-short bucket is taken back from the day files", "[series]") {
  const two_lines_a_bucket t;
  const series_names& names = t.names;
  const int64_t bucket = t.bucket;
  const bucket_points& points = t.points;
  scratch_folder dir("takeback");
  const std::string jsonl = dir.path + "/scanscope-2019-01-20.jsonl";
  const std::string csv = dir.path + "/scanscope-2019-01-20.csv";
  std::string repaired;
  std::string before_jsonl;
  std::string before_csv;
  {
    series_files other = recorded_files(dir.path, names, "00000000000000bb", repaired);
    REQUIRE(other.append(bucket + 1, points, false).empty());
    series_files files = recorded_files(dir.path, names, "00000000000000aa", repaired);
    REQUIRE(files.append(bucket, points, false).empty());
    before_jsonl = read_all(jsonl);
    before_csv = read_all(csv);
    REQUIRE(files.append(bucket + 1, points, true).empty());  // the stop cut it short
  }
  series_ledger ledger(dir.path, "00000000000000aa", hour_ns);
  REQUIRE(ledger.open().empty());
  CHECK(ledger.written_partial() == std::set<int64_t>{bucket + 1});
  CHECK(ledger.written_buckets() == std::set<int64_t>{bucket});
  uint64_t removed = 0;
  REQUIRE(take_back_lines(dir.path, "00000000000000aa", ledger.written_partial(), hour_ns,
                          removed).empty());
  CHECK(removed == 2);
  CHECK(read_all(jsonl) == before_jsonl);
  CHECK(read_all(csv) == before_csv);
}
