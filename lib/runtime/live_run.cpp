#include <rte_lcore.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <thread>

#include "export/summary_table.hpp"
#include "runtime/api_queries.hpp"
#include "runtime/burst_guard.hpp"
#include "runtime/device_ports.hpp"
#include "runtime/event_setup.hpp"
#include "runtime/fleet_setup.hpp"
#include "runtime/kernel_drops.hpp"
#include "runtime/reload.hpp"
#include "runtime/run_context.hpp"
#include "runtime/run_series.hpp"
#include "runtime/series_setup.hpp"
#include "runtime/store_setup.hpp"
#include "runtime/telemetry.hpp"
#include "table/table_array.hpp"

namespace scanscope {

namespace {

/** The report's `input` of a live run: "ports 0,1". */
std::string ports_input(const std::vector<uint16_t>& port_ids) {
  std::string list;
  for (uint16_t p : port_ids) {
    list += (list.empty() ? "" : ",") + std::to_string(p);
  }
  return "ports " + list;
}

/** A worker per RX queue, each on its lcore; the lcores launched. @return the error, or "" */
std::string launch_rx(const app_options& o, rules_and_databases& tables,
                      const std::vector<rx_queue_ref>& queues, rte_mempool* pool,
                      std::atomic<bool>& stop_requested, rx_lcores& rx) {
  if (o.conversation.respond) {
    rx.enable_responder(o, static_cast<unsigned>(queues.size()));
  }
  for (const rx_queue_ref& q : queues) {
    const std::string source =
        "port " + std::to_string(q.port_id) + " queue " + std::to_string(q.queue);
    if (std::string error = rx.add_worker(o, tables, source); !error.empty()) {
      return error;
    }
    rx_task& t = rx.tasks.back();
    t.queue = q;
    t.guarded = needs_burst_guard(q.port_id);
    if (t.guarded) {
      install_burst_guard();
    }
    t.stop = &stop_requested;
    t.answer_pool = o.conversation.respond ? pool : nullptr;
  }
  return rx.launch();
}

/** What the main lcore works with once the RX lcores run. */
struct live_context {
  const app_options& o;
  rules_and_databases& tables;
  rx_lcores& rx;
  const std::vector<uint16_t>& port_ids;
  run_series& series;
  endpoints& pages;
  bool serving;
  clock_type::time_point start;
};

/** The report of the run so far, to the endpoints and the telemetry. */
void publish_live(const live_context& c) {
  run_report live;
  live.mode = "live";
  live.input = ports_input(c.port_ids);
  note_series_files(live, c.series.files.get());
  note_fleet(live, c.series.fleet.get());
  note_source_store(live, c.series.sources.get(), c.rx);
  note_events(live, c.series.events.get());
  live.elapsed_seconds = seconds_since(c.start);
  live.devices = read_device_counters(c.port_ids);
  fill_report(live, c.rx, c.tables, c.o, c.series.store);
  publish_telemetry(live, c.tables.ports);
  if (c.serving) {
    c.pages.publish(live, c.tables.ports, c.o.top_countries);
  }
}

/**
 * The stats loop on the main lcore, until a stop is asked for or --duration is over: reloads,
 * closing buckets by the clock, the API's queries, status lines and the published pages.
 * @return true when --duration ended it
 */
bool run_stats_loop(const live_context& c, std::atomic<bool>& stop_requested) {
  const watched_ports& ports = c.tables.ports;
  auto last_status = c.start;
  traffic_snapshot before = fold_counters(c.rx.views(), ports.size(), 3, c.tables.rule_count());
  reloader reload(c.o, c.tables, c.rx);
  // A source looked up while it is active is found in the buckets not written yet too.
  const unwritten_lookup unwritten =
      c.series.sources ? live_unwritten(*c.series.sources, c.rx, c.tables) : unwritten_lookup{};
  // The endpoints and telemetry answer from the first moment, not after the first status pass:
  // a scrape or a telemetry query then sees every series at its start value, not nothing.
  publish_live(c);
  while (!stop_requested.load(std::memory_order_relaxed)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (reload_requested().exchange(false)) {
      std::fprintf(stderr, "scanscope: reload requested\n");
      reload.start();
      if (c.series.events) {
        c.series.events->reopen();  // logrotate's SIGHUP
      }
    }
    if (reload.poll()) {
      if (c.series.files) {
        c.series.files->set_names(names_of(c.tables));
      }
      if (c.series.events) {
        c.series.events->set_rules(alert_rules_of(c.tables));
      }
    }
    c.series.clock.close_until(wall_clock_ns());
    c.pages.serve_pending([&](const std::string& target) {
      return answer_api(target, api_context{&c.series.store, &c.tables, &c.rx, &c.o,
                                            c.series.sources ? &c.series.sources->store() : nullptr,
                                            false, unwritten});
    });
    if (c.o.duration > 0 && seconds_since(c.start) >= c.o.duration) {
      return true;
    }
    const double since = std::chrono::duration<double>(clock_type::now() - last_status).count();
    if (since >= c.o.status_interval) {
      traffic_snapshot now = fold_counters(c.rx.views(), ports.size(), 3, c.tables.rule_count());
      uint64_t drops = 0;
      for (const device_counters& d : read_device_counters(c.port_ids)) {
        drops += d.imissed + d.ierrors + d.rx_nombuf + d.kernel_dropped;
      }
      if (!c.o.quiet) {
        std::fprintf(stderr, "%s\n", render_status_line(now, before, since, drops, ports).c_str());
      }
      before = std::move(now);
      last_status = clock_type::now();
      publish_live(c);
    }
  }
  return false;
}

/** The RX lcores have stopped: the final report, the series and the fleet's last buckets. */
int finish_live(const live_context& c, bool interrupted) {
  run_report report;
  report.mode = "live";
  report.input = ports_input(c.port_ids);
  report.elapsed_seconds = seconds_since(c.start);
  report.interrupted = interrupted;
  report.devices = read_device_counters(c.port_ids, true);  // the RX lcores have stopped
  stop_ports(c.port_ids);
  c.series.clock.close_all(wall_clock_ns(), true);
  note_series_files(report, c.series.files.get());
  finish_fleet(c.series.fleet.get(), c.o);
  note_fleet(report, c.series.fleet.get());
  finish_source_store(c.series.sources.get(), c.o);
  note_source_store(report, c.series.sources.get(), c.rx);
  if (c.series.events) {
    c.series.events->finish();
  }
  note_events(report, c.series.events.get());
  const int rc = finish(report, c.rx, c.tables, c.o, c.series.store, &c.pages,
                        c.series.sources ? &c.series.sources->store() : nullptr);
  if (const uint64_t lost = guarded_burst_faults(); lost != 0) {
    std::cerr << "scanscope: warning: " << lost
              << " receive bursts ended when a memif peer left under them (the driver freed "
                 "its rings): the frames of those bursts are lost\n";
  }
  return rc;
}

}  // namespace

int run_live(const app_options& o, rules_and_databases& tables, std::atomic<bool>& stop_requested) {
  std::vector<uint16_t> port_ids;
  std::string error = select_ports(o.ports, port_ids);
  if (!error.empty()) {
    std::cerr << "scanscope: " << error << "\n";
    return exit_usage;
  }
  const unsigned rx_count = static_cast<unsigned>(port_ids.size()) * o.queues;
  if (o.conversation.respond) {
    error = check_can_respond(port_ids, o.queues);
  }
  if (error.empty()) {
    error = check_lcores(rx_count);
  }
  if (!error.empty()) {
    std::cerr << "scanscope: " << error << "\n";
    return exit_usage;
  }
  // Each RX ring full, each lcore cache full, a burst in hand per lcore, and slack.
  // Responding, each lcore also holds a burst of answers, and the TX rings their mbufs.
  const unsigned answers = o.conversation.respond ? answer_queue::capacity + 512 : 0;
  const unsigned mbufs =
      o.mbufs ? o.mbufs
              : rx_count * (o.rx_descriptors + o.mbuf_cache + o.burst + answers) + 2048;
  rte_mempool* pool = create_pool(mbufs, o, error);
  if (pool == nullptr) {
    std::cerr << "scanscope: " << error << "\n";
    return exit_runtime_error;
  }
  std::vector<rx_queue_ref> queues;
  if (error = start_ports(port_ids, o, pool, queues); !error.empty()) {
    std::cerr << "scanscope: " << error << "\n";
    return exit_runtime_error;
  }
  note_kernel_baselines(port_ids);
  // The lcores' tables take their pages now, not at a first touch in the data path
  // (table/table_array.hpp).
  table_page_policy.store(table_pages::resident);
  rx_lcores rx;
  if (error = launch_rx(o, tables, queues, pool, stop_requested, rx); !error.empty()) {
    std::cerr << "scanscope: " << error << "\n";
    stop_requested = true;
    rte_eal_mp_wait_lcore();
    stop_ports(port_ids);
    return exit_runtime_error;
  }
  // A set-up step that fails once the lcores run: stop them and the ports, then exit.
  const auto stop_for = [&](const std::string& why) {
    std::cerr << "scanscope: " << why << "\n";
    stop_requested = true;
    rte_eal_mp_wait_lcore();
    stop_ports(port_ids);
    return exit_usage;
  };
  const std::unique_ptr<run_series> series = set_up_series(o, tables, rx, error);
  if (!series) {
    return stop_for(error);
  }
  endpoints pages;
  std::unique_ptr<http_server> server;
  if (o.http != "none") {
    server = start_endpoints(o, pages, error);
    if (!server) {
      return stop_for(error);
    }
  }
  const live_context c{o, tables, rx, port_ids, *series, pages, server != nullptr,
                       clock_type::now()};
  const bool timed_out = run_stats_loop(c, stop_requested);
  stop_requested.store(true, std::memory_order_relaxed);
  rte_eal_mp_wait_lcore();
  const int rc = finish_live(c, !timed_out);
  rte_mempool_free(pool);
  return rc;
}

}  // namespace scanscope
