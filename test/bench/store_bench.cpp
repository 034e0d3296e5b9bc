// The source store at scale: N sources with K activities each written as the store's feed
// writes them (merged batches, in address order), then lookups of stored and unknown addresses.
// Prints write rate, file size, peak RSS and lookup latency, and the cost of what a live lookup
// adds beyond the store (an lcore's open buckets, the merged buckets not yet written); never run
// as a test.
//
//   store_bench [--sources N] [--activities K] [--batch B] [--path FILE]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "packet/prefix_set.hpp"
#include "stats/bucket_series.hpp"
#include "stats/series_dimensions.hpp"
#include "store/pending_sources.hpp"
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

/**
 * What a live lookup adds to the store's answer, at its bounds on one RX lcore: every slot of
 * the lcore's bucket series holding --bucket-sources (262,144) arrivals, and 2 million (source,
 * key) pairs merged on the store's thread and waiting for their write. Times the two scans a
 * lookup makes (bucket_series::open_arrivals, pending_sources::add_source_of).
 */
template <class Percentile>
void unwritten_cost(Percentile pct) {
  constexpr uint32_t arrivals = 262144;
  constexpr uint64_t waiting_sources = 500000, keys_each = 4;
  const auto bytes_of = [](uint64_t i, uint8_t* out) {
    std::memcpy(out, v4_mapped_head, 12);
    const uint32_t a = static_cast<uint32_t>((i + 1) * 2654435761u);
    std::memcpy(out + 12, &a, 4);
  };
  bucket_series lcore(1 << 12, 1 << 21, arrivals);
  const uint64_t key = series_key::make(series_key::kind::port, 1, series_key::all, 0);
  uint8_t source[16];
  for (int64_t b = 0; b < static_cast<int64_t>(bucket_series::slots); ++b) {
    for (uint64_t i = 0; i < arrivals; ++i) {
      bytes_of(i + static_cast<uint64_t>(b) * arrivals, source);
      lcore.add(b, i, &key, 1, i * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(b), false,
                source);
    }
  }
  pending_sources waiting;
  std::vector<source_arrival> closed;
  for (uint64_t i = 0; i < waiting_sources; ++i) {
    source_arrival a{};
    bytes_of(i, a.source);
    for (uint64_t k = 0; k < keys_each; ++k) {
      a.key = series_key::make(series_key::kind::port, static_cast<uint16_t>(k), series_key::all,
                               0);
      closed.push_back(a);
    }
  }
  waiting.add(0, closed, {});
  std::vector<double> open_us, waiting_us;
  for (uint64_t i = 0; i < 200; ++i) {
    bytes_of(i * 7919, source);
    std::vector<std::pair<int64_t, uint64_t>> found;
    auto t = clock_type::now();
    lcore.open_arrivals(source, found);
    open_us.push_back(seconds_since(t) * 1e6);
    pending_sources one;
    t = clock_type::now();
    one.add_source_of(waiting, source);
    waiting_us.push_back(seconds_since(t) * 1e6);
  }
  std::sort(open_us.begin(), open_us.end());
  std::sort(waiting_us.begin(), waiting_us.end());
  std::printf("store_bench: a live lookup beyond the store: the lcore's open buckets (%u x %u "
              "arrivals) median %.0f us, p99 %.0f us; %llu merged pairs waiting: median %.0f us, "
              "p99 %.0f us (per RX lcore and per lookup)\n",
              static_cast<unsigned>(bucket_series::slots), arrivals, pct(open_us, 0.5),
              pct(open_us, 0.99), static_cast<unsigned long long>(waiting.size()),
              pct(waiting_us, 0.5), pct(waiting_us, 0.99));
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
  unwritten_cost(pct);
  return 0;
}
