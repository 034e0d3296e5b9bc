#pragma once
/**
 * @file
 * Reloading the cluster and signature rule files while a live run goes on (SIGHUP,
 * `systemctl reload`). The files are read and compiled off the stats loop, with the rules in use
 * as `previous` so every cluster and rule keeps its counter slot; each RX lcore takes the new
 * rules between two bursts; the old ones are freed once every lcore has handed them back.
 * Nothing counted is dropped. A file with an error leaves the rules in use as they are.
 */

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "options.hpp"
#include "run_context.hpp"

namespace scanscope {

class rules_reloader {
 public:
  rules_reloader(const app_options& o, analysis_tables& tables, rx_lcores& rx)
      : options_(o), tables_(tables), rx_(rx) {}

  /** Start reading the rule files again (a reload was asked for). */
  void start();

  /**
   * From the stats loop: hand loaded rules to the RX lcores, and once all of them took them,
   * put them in the tables.
   * @return true when the tables' rules changed
   */
  bool poll();

 private:
  struct loaded {
    std::unique_ptr<cluster_rules> clusters;           // null: unchanged
    std::unique_ptr<signature_db> signatures;          // null: unchanged
    std::vector<std::unique_ptr<rule_switch>> scanner; // one per worker when signatures
    std::string error;
    double seconds = 0;
    std::unique_ptr<actor_list> actors;
  };
  void hand_over(loaded next);

  const app_options& options_;
  analysis_tables& tables_;
  rx_lcores& rx_;
  std::future<loaded> pending_;
  /** Rules the lcores are taking; taken[i] once worker i gave its update back. */
  std::unique_ptr<cluster_rules> next_clusters_;
  std::unique_ptr<signature_db> next_signatures_;
  std::unique_ptr<actor_list> next_actors_;
  std::vector<bool> taken_;
  bool handing_over_ = false;
};

}  // namespace scanscope
