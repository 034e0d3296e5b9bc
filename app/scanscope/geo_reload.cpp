#include "geo_reload.hpp"

#include <chrono>
#include <cstdio>
#include <thread>

namespace scanscope {

std::atomic<bool>& reload_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

bool geo_reloader::poll() {
  if (pending_.valid()) {
    if (pending_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      return false;
    }
    loaded result = pending_.get();
    if (!result.db) {
      std::fprintf(stderr, "scanscope: reload: %s; keeping the current location database\n",
                   result.error.c_str());
      return false;
    }
    std::fprintf(stderr,
                 "scanscope: reload: location database %s: %zu IPv4 and %zu IPv6 networks in "
                 "%.2f s\n",
                 result.db->path().c_str(), result.db->networks_v4(), result.db->networks_v6(),
                 result.seconds);
    swap_in(std::move(result.db));
    return true;
  }
  return false;
}

void geo_reloader::start() {
  if (pending_.valid()) {
    std::fprintf(stderr, "scanscope: reload: the location database is still loading\n");
    return;
  }
  if (options_.geo_db == "none") {
    std::fprintf(stderr, "scanscope: reload: no location database configured (geo-db none)\n");
    return;
  }
  // The previous database's country table seeds the new one's: indexes stay put.
  const location_db* previous = tables_.geo.get();
  const std::string path = options_.geo_db;
  pending_ = std::async(std::launch::async, [path, previous] {
    loaded r;
    const auto start = clock_type::now();
    r.db = location_db::load(path, r.error, previous);
    r.seconds = seconds_since(start);
    return r;
  });
}

void geo_reloader::swap_in(std::unique_ptr<location_db> db) {
  std::vector<uint64_t> loops;
  for (const auto& w : rx_.workers) {
    w->set_location_db(db.get());
  }
  for (const auto& w : rx_.workers) {
    loops.push_back(w->counters().total_cycles.read());
  }
  // Every poll loop adds to total_cycles at the end of each pass: once it moved, the pass that
  // could still hold the old pointer is over.
  bool quiet = false;
  for (int tries = 0; tries < 100 && !quiet; ++tries) {
    quiet = true;
    for (size_t i = 0; i < rx_.workers.size(); ++i) {
      quiet = quiet && rx_.workers[i]->counters().total_cycles.read() != loops[i];
    }
    if (!quiet) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  std::unique_ptr<location_db> old = std::move(tables_.geo);
  tables_.geo = std::move(db);
  if (!quiet) {
    retired_.push_back(std::move(old));  // an lcore is stuck in a pass: keep it to the end
  }
}

}  // namespace scanscope
