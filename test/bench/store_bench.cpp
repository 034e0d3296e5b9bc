// The source store at scale: N sources with K activities each written as the store's feed
// writes them (merged batches, in address order), then lookups of stored and unknown addresses.
// Prints write rate, file size, peak RSS and lookup latency; never run as a test.
//
//   store_bench [--sources N] [--activities K] [--batch B] [--path FILE]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "store/source_store.hpp"

using namespace scanscope;
using clock_type = std::chrono::steady_clock;

namespace {

std::string address_of(uint64_t i) {
  const uint64_t h = (i + 1) * 0x9E3779B97F4A7C15ULL;
  return std::to_string(1 + (h >> 56) % 223) + "." + std::to_string((h >> 48) & 255) + "." +
         std::to_string((h >> 40) & 255) + "." + std::to_string((h >> 32) & 255);
}

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t sources = 1000000, activities = 4, batch = 200000;
  std::string path = "store-bench.db";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--sources") sources = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--activities") activities = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--batch") batch = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--path") path = argv[i + 1];
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix);
  }
  std::string error, notice;
  auto store = source_store::open({path, sources, 744 * 3600}, error, notice);
  if (!store) {
    std::fprintf(stderr, "store_bench: %s\n", error.c_str());
    return 1;
  }
  static const uint16_t ports[] = {23, 2323, 22, 80, 443, 8080, 3333, 5555, 8545, 52869, 37215, 6379};
  static const char* tools[] = {"mirai", "masscan", "zmap", "nmap", "none"};
  const uint64_t t0 = 1515369600;
  const auto start = clock_type::now();
  for (uint64_t first = 0; first < sources; first += batch) {
    std::vector<source_sighting> b;
    for (uint64_t i = first; i < std::min(sources, first + batch); ++i) {
      source_sighting s;
      s.address = address_of(i);
      s.country = "KR";
      s.asn = 4766;
      s.first_seen = t0;
      s.first_end = t0 + 3600;
      s.last_seen = t0 + 3600;
      for (uint64_t k = 0; k < activities; ++k) {
        const uint16_t port = ports[(i + k * 7) % 12];
        if (k % 2 == 0) {
          s.activity.push_back({"port", port, "tcp", "", "", 0, 0});
        } else {
          s.activity.push_back({"tool", port, "tcp", tools[i % 5], "", 0, 0});
        }
      }
      b.push_back(std::move(s));
    }
    std::sort(b.begin(), b.end(),
              [](const source_sighting& x, const source_sighting& y) { return x.address < y.address; });
    store->add(b);
  }
  const double write_s = seconds_since(start);
  // Lookups: stored addresses and addresses never seen, one at a time as the API asks.
  std::vector<double> hit, miss;
  for (int i = 0; i < 2000; ++i) {
    const auto t = clock_type::now();
    const bool found = store->lookup(address_of((uint64_t(i) * 7919) % sources)).has_value();
    (found ? hit : miss).push_back(seconds_since(t) * 1e6);
    const auto u = clock_type::now();
    store->lookup("2001:db8::" + std::to_string(i));
    miss.push_back(seconds_since(u) * 1e6);
  }
  std::sort(hit.begin(), hit.end());
  std::sort(miss.begin(), miss.end());
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  uint64_t bytes = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    bytes += std::filesystem::file_size(path + suffix, ec);
  }
  const auto pct = [](const std::vector<double>& v, double p) {
    return v.empty() ? 0.0 : v[static_cast<size_t>(p * (v.size() - 1))];
  };
  std::printf("store_bench: %llu sources x %llu activities written in %.1f s (%.0f sources/s), "
              "%llu held, %llu dropped\n",
              static_cast<unsigned long long>(sources), static_cast<unsigned long long>(activities),
              write_s, sources / write_s,
              static_cast<unsigned long long>(store->counts().sources),
              static_cast<unsigned long long>(store->counts().dropped));
  std::printf("store_bench: file %.1f MB (%.0f bytes per source), peak RSS %.0f MB\n",
              bytes / 1e6, double(bytes) / sources, ru.ru_maxrss / 1024.0);
  std::printf("store_bench: lookup of a stored source: median %.0f us, p99 %.0f us (%zu); of an "
              "unknown one: median %.0f us, p99 %.0f us\n",
              pct(hit, 0.5), pct(hit, 0.99), hit.size(), pct(miss, 0.5), pct(miss, 0.99));
  return 0;
}
