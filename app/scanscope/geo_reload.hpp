#pragma once
/**
 * @file
 * Reloading the location database while a live run goes on (SIGHUP, `systemctl reload`): the
 * new file is read off the stats loop, countries keep their indexes (counters are kept by
 * index), and each RX lcore switches between two bursts. Nothing counted is dropped; sources
 * already seen keep the country they had.
 */

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "options.hpp"
#include "run_context.hpp"

namespace scanscope {

/** Set by SIGHUP. */
std::atomic<bool>& reload_requested();

class geo_reloader {
 public:
  geo_reloader(const app_options& o, analysis_tables& tables, rx_lcores& rx)
      : options_(o), tables_(tables), rx_(rx) {}

  /** Start reading the database again (a reload was asked for). */
  void start();
  /**
   * From the stats loop: swap a loaded database in once it is ready.
   * @return true when the database changed
   */
  bool poll();

 private:
  struct loaded {
    std::unique_ptr<location_db> db;
    std::string error;
    double seconds = 0;
  };
  void swap_in(std::unique_ptr<location_db> db);

  const app_options& options_;
  analysis_tables& tables_;
  rx_lcores& rx_;
  std::future<loaded> pending_;
  /** Databases an RX lcore did not yet show it stopped using; freed at the end of the run. */
  std::vector<std::unique_ptr<location_db>> retired_;
};

}  // namespace scanscope
