#pragma once
/**
 * @file
 * Reloading the location database, the cluster and signature rule files and the actor list
 * while a live run goes on (SIGHUP, `systemctl reload`), through one hand-over. The files are
 * read and compiled off the stats loop, with what is in use as `previous` so every country,
 * cluster, rule and actor keeps its counter slot; each RX lcore takes the new set between two
 * bursts (worker::offer) and hands the old one back; the old tables are freed once every lcore
 * has. Nothing counted is dropped, and sources already seen keep their country. A file with an
 * error leaves its own part as it is; the others still change.
 */

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "runtime/options.hpp"
#include "runtime/run_context.hpp"

namespace scanscope {

/** Set by SIGHUP. */
std::atomic<bool>& reload_requested();

class reloader {
 public:
  reloader(const app_options& o, rules_and_databases& tables, rx_lcores& rx)
      : options_(o), tables_(tables), rx_(rx) {}

  /** Start reading the files again (a reload was asked for). */
  void start();

  /**
   * From the stats loop: hand what was loaded to the RX lcores, and once all of them took it,
   * put it in the tables.
   * @return true when the tables changed (names of countries, clusters, rules or actors)
   */
  bool poll();

 private:
  struct loaded {
    std::unique_ptr<location_db> geo;                  // null: unchanged
    std::unique_ptr<cluster_rules> clusters;           // null: unchanged
    std::unique_ptr<signature_db> signatures;          // null: unchanged
    std::vector<std::unique_ptr<rule_switch>> scanner; // one per worker when signatures
    std::unique_ptr<actor_list> actors;                // null: unchanged
    std::string geo_error;                             // why geo is null, if it failed
    std::string rules_error;                           // why the rules are null, if they failed
    double geo_seconds = 0;
    double rules_seconds = 0;
  };
  static void load_rules(const app_options& o, const cluster_rules* cluster_base,
                         const signature_db* signature_base, const actor_list* actor_base,
                         const std::vector<const signature_scanner*>& scanners, loaded& r);
  void hand_over(loaded next);

  const app_options& options_;
  rules_and_databases& tables_;
  rx_lcores& rx_;
  std::future<loaded> pending_;
  /** What the lcores are taking; taken[i] once worker i gave its update back. */
  std::unique_ptr<location_db> next_geo_;
  std::unique_ptr<cluster_rules> next_clusters_;
  std::unique_ptr<signature_db> next_signatures_;
  std::unique_ptr<actor_list> next_actors_;
  std::vector<bool> taken_;
  bool handing_over_ = false;
};

}  // namespace scanscope
