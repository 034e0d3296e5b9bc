#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include <cstdio>
#include <deque>
#include <iostream>
#include <thread>

#include "runtime/api_queries.hpp"
#include "pipeline/offline_feeder.hpp"
#include "runtime/run_context.hpp"
#include "runtime/run_series.hpp"
#include "runtime/fleet_setup.hpp"
#include "runtime/event_setup.hpp"
#include "runtime/store_setup.hpp"
#include "runtime/series_setup.hpp"

namespace scanscope {

namespace {

/**
 * Read each capture in turn into the rings. A capture that cannot be opened, or is damaged
 * partway, is reported and counted, and the next one is read; only a stop ends it early.
 */
feeder_result feed_captures(const app_options& o, rte_mempool* pool,
                            const std::vector<rte_ring*>& rings, const bucket_hooks& hooks,
                            const std::atomic<bool>& stop_requested, run_report& report,
                            std::vector<uint64_t>& handed_before) {
  feeder_result total;
  for (const std::string& path : o.pcaps) {
    std::string error;
    auto feeder = offline_feeder::open(path, error);
    if (feeder && !o.conversation.monitored_prefixes.empty()) {
      feeder->set_monitored(&o.conversation.monitored_prefixes);
    }
    if (!feeder) {
      // Said at start already (check_captures): count it and go on.
      ++report.unreadable_inputs;
      report.input_error = report.input_error.empty() ? error : report.input_error;
      continue;
    }
    if (!o.quiet) {
      std::cerr << "scanscope: reading " << path << " (" << feeder->link_name() << ")\n";
    }
    const auto start = clock_type::now();
    uint64_t last_records = 0;
    auto last_tick = start;
    auto progress = [&](const feeder_progress& p) {
      if (o.quiet) {
        return;
      }
      const double dt = std::chrono::duration<double>(clock_type::now() - last_tick).count();
      std::fprintf(stderr, "scanscope: %llu records, %.0f%% of the file, %.0f records/s\n",
                   static_cast<unsigned long long>(p.records),
                   p.file_size ? 100.0 * static_cast<double>(p.file_offset) / p.file_size : 0.0,
                   dt > 0 ? static_cast<double>(p.records - last_records) / dt : 0.0);
      last_records = p.records;
      last_tick = clock_type::now();
    };
    const feeder_result r =
        feeder->run(pool, rings, stop_requested, progress, o.status_interval, hooks);
    for (size_t i = 0; i < handed_before.size() && i < feeder->enqueued().size(); ++i) {
      handed_before[i] += feeder->enqueued()[i];
    }
    total.records += r.records;
    total.clipped_records += r.clipped_records;
    total.errors += r.errors;
    if (r.errors != 0) {
      // The frames before the damage are counted; say where it broke now, then go on.
      std::cerr << "scanscope: " << r.error << "\n";
      ++report.damaged_inputs;
      report.input_error = report.input_error.empty() ? r.error : report.input_error;
    }
    if (r.interrupted) {
      total.interrupted = true;
      break;
    }
    if (r.records == 0 && r.errors == 0) {
      // A header and nothing after it: nothing to analyse, as with a file that is no capture.
      const std::string empty = "capture '" + path + "' holds no records";
      std::cerr << "scanscope: " << empty << "\n";
      ++report.unreadable_inputs;
      report.input_error = report.input_error.empty() ? empty : report.input_error;
    }
  }
  return total;
}

}  // namespace

namespace {

/** A ring and a worker per RX lcore, the lcores launched; the error, or "". */
std::string launch_ring_workers(const app_options& o, const rules_and_databases& tables,
                                rx_lcores& rx, std::vector<rte_ring*>& rings,
                                std::deque<std::atomic<uint64_t>>& processed,
                                std::atomic<bool>& input_done) {
  for (unsigned i = 0; i < o.workers; ++i) {
    const std::string name = "scanscope_rx" + std::to_string(i);
    rte_ring* ring = rte_ring_create(name.c_str(), o.ring_size, static_cast<int>(rte_socket_id()),
                                     RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (ring == nullptr) {
      return "cannot create ring " + name + ": " + rte_strerror(rte_errno);
    }
    rings.push_back(ring);
    if (std::string error = rx.add_worker(o, tables, "pcap ring " + std::to_string(i));
        !error.empty()) {
      return error;
    }
    rx_task& t = rx.tasks.back();
    t.ring = ring;
    t.input_done = &input_done;
    t.processed = &processed[i];
  }
  return rx.launch();
}

/** The final report, and with --serve the endpoints up until a stop is asked for. @return the
 *  exit status */
int finish_and_serve(const app_options& o, const rules_and_databases& tables, rx_lcores& rx,
                     series_store& store, const store_feed* sources, run_report& report,
                     const std::atomic<bool>& stop_requested) {
  std::string error;
  // With --serve the endpoints stay up after the run, showing its final report.
  endpoints pages;
  std::unique_ptr<http_server> server;
  if (o.serve && o.http != "none") {
    server = start_endpoints(o, pages, error);
    if (!server) {
      std::cerr << "scanscope: " << error << "\n";
    }
  }
  int rc = finish(report, rx, tables, o, store, &pages,
                  sources != nullptr ? &sources->store() : nullptr);
  if (o.serve && o.http != "none" && !server && rc == exit_ok) {
    rc = exit_runtime_error;  // asked to serve, and the address was taken since the start
  }
  if (server) {
    if (!o.quiet) {
      std::fprintf(stderr, "scanscope: serving until SIGINT or SIGTERM\n");
    }
    const api_context context{&store, &tables, &rx, &o,
                              sources != nullptr ? &sources->store() : nullptr, true};
    while (!stop_requested.load(std::memory_order_relaxed)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      pages.serve_pending([&](const std::string& target) { return answer_api(target, context); });
    }
  }
  return rc;
}

}  // namespace

int run_offline(const app_options& o, const rules_and_databases& tables,
                const std::atomic<bool>& stop_requested) {
  std::string error;
  if (error = check_lcores(o.workers); !error.empty()) {
    std::cerr << "scanscope: " << error << "\n";
    return exit_usage;
  }
  // Every ring full, every lcore cache full, plus a burst in hand on each side.
  const unsigned mbufs =
      o.mbufs ? o.mbufs : o.workers * (o.ring_size + 2 * o.mbuf_cache + 2 * o.burst) + 1024;
  rte_mempool* pool = create_pool(mbufs, o, error);
  if (pool == nullptr) {
    std::cerr << "scanscope: " << error << "\n";
    return exit_runtime_error;
  }
  std::atomic<bool> input_done{false};
  rx_lcores rx;
  std::vector<rte_ring*> rings;
  std::deque<std::atomic<uint64_t>> processed(o.workers);
  if (error = launch_ring_workers(o, tables, rx, rings, processed, input_done); !error.empty()) {
    std::cerr << "scanscope: " << error << "\n";
    input_done.store(true, std::memory_order_release);
    rte_eal_mp_wait_lcore();
    return exit_runtime_error;
  }

  const std::unique_ptr<run_series> series = set_up_series(o, tables, rx, error);
  if (!series) {
    std::cerr << "scanscope: " << error << "\n";
    input_done.store(true, std::memory_order_release);
    rte_eal_mp_wait_lcore();
    return exit_usage;
  }
  series_store& store = series->store;
  series_clock& clock = series->clock;
  const auto& files = series->files;
  const auto& fleet = series->fleet;
  bucket_hooks hooks;
  hooks.due = [&](uint64_t t) { return clock.due(t); };
  // Frames the captures before this one handed to each ring: the lcores' processed counts run
  // over all captures, a reader's enqueued counts over its own.
  std::vector<uint64_t> handed_before(o.workers, 0);
  hooks.close = [&](uint64_t t, const std::vector<uint64_t>& enqueued) {
    // Every frame handed out must be counted before its bucket closes.
    for (size_t i = 0; i < enqueued.size(); ++i) {
      while (processed[i].load(std::memory_order_acquire) < handed_before[i] + enqueued[i]) {
        rte_pause();
      }
    }
    clock.close_until(t);
  };
  const auto start = clock_type::now();
  run_report report;
  report.mode = "pcap";
  for (const std::string& path : o.pcaps) {
    report.input += (report.input.empty() ? "" : ",") + path;
  }
  const feeder_result fed =
      feed_captures(o, pool, rings, hooks, stop_requested, report, handed_before);
  input_done.store(true, std::memory_order_release);
  rte_eal_mp_wait_lcore();

  report.elapsed_seconds = seconds_since(start);
  report.interrupted = fed.interrupted;
  report.input_errors = report.damaged_inputs + report.unreadable_inputs;
  report.clipped_records = fed.clipped_records;
  if (fed.clipped_records != 0) {
    std::cerr << "scanscope: " << fed.clipped_records
              << " records were longer than an mbuf and were clipped (raise --mbuf-size)\n";
  }
  // Interrupted, the last bucket is cut short (marked partial): a rerun completes it.
  clock.close_all(rx.last_time_ns(), fed.interrupted);
  note_series_files(report, files.get());
  finish_fleet(fleet.get(), o);
  note_fleet(report, fleet.get());
  const std::string listed = finish_source_store(series->sources.get(), o);
  if (!listed.empty()) {
    std::cerr << "scanscope: " << listed << "\n";
  }
  note_source_store(report, series->sources.get(), rx);
  if (series->events) {
    series->events->finish();
  }
  note_events(report, series->events.get());
  int rc = finish_and_serve(o, tables, rx, store, series->sources.get(), report, stop_requested);
  if (!listed.empty() && rc == exit_ok) {
    rc = exit_runtime_error;
  }
  for (rte_ring* r : rings) {
    rte_ring_free(r);
  }
  rte_mempool_free(pool);
  return rc;
}

}  // namespace scanscope
