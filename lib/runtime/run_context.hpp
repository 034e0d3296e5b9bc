#pragma once
/**
 * @file
 * What an offline run and a live run share: the read-only tables every worker uses, the RX
 * lcores and their workers (rx_lcores.cpp), the HTTP endpoints (http_endpoints.cpp), and the
 * end of a run (run_finish.cpp: fold, summary table, JSON report, exit code).
 */

#include <rte_mempool.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/cluster_rules.hpp"
#include "export/console_assets.hpp"
#include "export/http_server.hpp"
#include "export/run_report.hpp"
#include "export/series_files.hpp"
#include "geo/location_db.hpp"
#include "runtime/options.hpp"
#include "pipeline/lcore_fold.hpp"
#include "pipeline/worker.hpp"
#include "runtime/rx_lcore.hpp"
#include "stats/series_clock.hpp"
#include "signature/signature_db.hpp"
#include "stats/series_store.hpp"
#include "stats/watched_ports.hpp"

namespace scanscope {

class source_store;


inline constexpr int exit_ok = 0;
inline constexpr int exit_runtime_error = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_damaged_input = 3;
inline constexpr int exit_unreadable_input = 4;

using clock_type = std::chrono::steady_clock;

/** Seconds since `start`. */
double seconds_since(clock_type::time_point start);
/** The wall clock, nanoseconds since the Unix epoch. */
uint64_t wall_clock_ns();

/** Read-only tables every worker shares. */
struct rules_and_databases {
  watched_ports ports;
  std::unique_ptr<cluster_rules> clusters;   // replaced by a reload
  std::unique_ptr<signature_db> signatures;  // null: no payload scanning
  std::unique_ptr<location_db> geo;          // null: every country "ZZ"
  double geo_load_seconds = 0;
  std::unique_ptr<actor_list> actors;        // null: no known scanners; replaced by a reload

  size_t rule_count() const { return signatures ? signatures->rules().size() : 0; }
};

/** Workers and what they poll, owned by the main lcore for the whole run. */
struct rx_lcores {
  std::vector<std::unique_ptr<worker>> workers;
  std::vector<rx_task> tasks;
  /** The responder's settings, shared by the workers; null: no answers. */
  std::unique_ptr<responder_config> respond;
  syn_cookies cookies; /**< the process's cookie secret */

  /** Answer from now on (live, --respond): each of `lcores` RX lcores gets a share of the
   *  sensor-wide rate. Call before add_worker(). */
  void enable_responder(const app_options& o, unsigned lcores);

  /** What the stats side reads of each worker. */
  std::vector<lcore_view> views() const;
  /** The workers' time-bucket counters. */
  std::vector<bucket_series*> series() const;
  /** Latest packet time any lcore saw (0: none). */
  uint64_t last_time_ns() const;
  /** Add a worker for one RX lcore and its task, which names `source` and has the worker and
   *  burst set (the caller sets what it polls); empty on success, else the reason. */
  std::string add_worker(const app_options& o, const rules_and_databases& tables,
                         std::string source);
  /** Launch one task per worker lcore, in lcore order; empty on success. */
  std::string launch();
  /** Per-lcore lines of the report. */
  std::vector<lcore_summary> summaries() const;
};

/** Checks EAL gave `needed` lcores besides the main one; empty when it did. */
std::string check_lcores(unsigned needed);
/** The packet pool; null with `error` set when memory is short. */
rte_mempool* create_pool(unsigned mbufs, const app_options& o, std::string& error);
/** Fold the counters and fill the report (the main lcore's view of the run so far). */
void fill_report(run_report& report, const rx_lcores& rx, const rules_and_databases& tables,
                 const app_options& o, const series_store& series);

/**
 * What the HTTP endpoints serve: the main lcore renders the pages, the server's thread hands
 * out the latest ones. Nothing the RX lcores or the series store own is touched from there.
 */
class endpoints {
 public:
  /** Render and publish the pages for `report`. */
  void publish(const run_report& report, const watched_ports& ports, size_t top_countries);
  /**
   * Answer a GET (called on the server's thread). /metrics and /api/v1/report come from the
   * published pages; the query endpoints (/api/v1/series, ...) are handed to the main lcore,
   * which owns the series store, and answered from its next serve_pending() call.
   */
  http_response answer(const std::string& target) const;

  /** On the main lcore: answer the queries waiting, with `query`. */
  void serve_pending(const std::function<http_response(const std::string&)>& query);

 private:
  struct pending_query {
    std::string target;
    std::promise<http_response> answer;
  };

  console_assets console_;  // the browser console's files (read-only after construction)
  mutable std::mutex mutex_;
  std::shared_ptr<const std::string> metrics_;
  std::shared_ptr<const std::string> json_;
  mutable std::deque<pending_query> queries_;
};

/** Start the HTTP server of `--http`; null with `error` set when it cannot listen. */
std::unique_ptr<http_server> start_endpoints(const app_options& o, const endpoints& pages,
                                             std::string& error);

/**
 * End a run: fold the counters (and the campaigns' pivots, with a source store), publish the
 * pages, print the summary, write the JSON report.
 * @return the exit status
 */
int finish(run_report& report, const rx_lcores& rx, const rules_and_databases& tables,
           const app_options& o, const series_store& series, endpoints* pages = nullptr,
           const source_store* sources = nullptr);

/** Analyse the captures of `o.pcaps`; `stop` is set by SIGINT/SIGTERM. */
int run_offline(const app_options& o, const rules_and_databases& tables,
                const std::atomic<bool>& stop);
/** Poll the DPDK ports until `stop` or `--duration`. */
/** A live run; `tables` changes only when a reload swaps the location database in. */
int run_live(const app_options& o, rules_and_databases& tables, std::atomic<bool>& stop);

}  // namespace scanscope
