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
